package conformance

import (
	"encoding/base64"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCAL: the Calendar class (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASCAL). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1; many tests skip 16.0 and 16.1,
// where it does not create recurring items. This file is what its
// TestSuiteBase and TestSuiteHelper do: the users, the default calendar
// item, the Sync that adds it and the one that finds it again.

const calSpec = "MS-ASCAL"

// The suite's users (OrganizerUserName and AttendeeUserName of
// MS-ASCAL_TestSuite.deployment.ptfconfig).
const (
	calUser1 = "MSASCAL_User01"
	calUser2 = "MSASCAL_User02"
)

// calTimeFormat is how the suite writes its times ("yyyyMMddTHHmmssZ").
const calTimeFormat = "20060102T150405Z"

// calBeijing is the Timezone the suite's default calendar item carries:
// (UTC+08:00) Beijing, Chongqing.
const calBeijing = "IP7//ygAVQBUAEMAKwAwADgAOgAwADAAKQAgAEIAZQBpAGoAaQBuAGcALAAgAEMAaABvAG4AZwBxAGkAbgBnACwAIAAAAAAAAAAAAAAAAAAAAAAAAAAAACgAVQBUAEMAKwAwADgAOgAwADAAKQAgAEIAZQBpAGoAaQBuAGcALAAgAEMAaABvAG4AZwBxAGkAbgBnACwAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

// calSuite is a running MS-ASCAL test: the MS-ASCMD session helpers, on
// a lab with the suite's two users, and the values TestInitialize makes.
type calSuite struct {
	*cmdSuite
	subject, location, content, category string
	// start is tomorrow 08:00, end an hour later, past four days ago
	// 09:00, future five days on 09:00 (the suite's times).
	start, end, past, future time.Time
	now                      time.Time
}

// calLab deploys the suite's users and, as TestInitialize does, switches
// to User1 and names the test's subject, location, content and category.
func calLab(s *site) *calSuite {
	s.t.Helper()
	l := newLab(s, calUser1, calUser2)
	c := &cmdSuite{cmdSession: cmdSession{s: s, l: l, deviceID: cmdDeviceID, folders: map[string]map[eas.FolderType]string{}}}
	c.switchUser(calUser1)
	now := l.env.Clock.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	cs := &calSuite{cmdSuite: c, now: now}
	cs.subject, cs.location, cs.content, cs.category = c.name("subject"), c.name("location"), c.name("content"), c.name("category")
	cs.start = day.Add(8*time.Hour).AddDate(0, 0, 1)
	cs.end = cs.start.Add(time.Hour)
	cs.past = day.Add(9*time.Hour).AddDate(0, 0, -4)
	cs.future = day.Add(9*time.Hour).AddDate(0, 0, 5)
	return cs
}

// calFmt is a time as the suite writes it.
func calFmt(t time.Time) string { return t.UTC().Format(calTimeFormat) }

// calParse reads a date-time of a response, in either MS-ASDTYPE form.
func calParse(s string) (time.Time, bool) {
	for _, layout := range []string{calTimeFormat, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// calItem is the properties of a calendar item a test sends, in order;
// setting one that is there replaces it.
type calItem []*wbxml.Node

// set puts n in the item, replacing its namesake.
func (it *calItem) set(n *wbxml.Node) *calItem {
	for i, p := range *it {
		if p.Tag == n.Tag {
			(*it)[i] = n
			return it
		}
	}
	*it = append(*it, n)
	return it
}

// text sets qname's text.
func (it *calItem) text(qname, v string) *calItem { return it.set(cmdText(qname, v)) }

// del removes qname.
func (it *calItem) del(qname string) *calItem {
	t := cmdTag(qname)
	out := (*it)[:0]
	for _, p := range *it {
		if p.Tag != t {
			out = append(out, p)
		}
	}
	*it = out
	return it
}

// defaultCalendar is CreateDefaultCalendar: Subject, Timezone and a plain
// Body, with a ClientUid from 16.0 and before that the organizer, a
// Location and a UID.
func (c *calSuite) defaultCalendar() *calItem {
	it := &calItem{}
	it.text("Calendar:Subject", c.subject).text("Calendar:Timezone", calBeijing)
	it.set(cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", c.content)))
	if c.s.version.AtLeast(eas.Version160) {
		it.text("Calendar:ClientUid", calGUID())
	} else {
		it.text("Calendar:OrganizerEmail", mailAddress(calUser1)).text("Calendar:OrganizerName", calUser1)
		it.text("Calendar:Location", c.location).text("Calendar:UID", calGUID())
	}
	return it
}

// calGUID is a new GUID string, as Guid.NewGuid().ToString() makes them.
func calGUID() string {
	return strings.ToLower(cmdClientID())
}

// calRecurrence is a Request.Recurrence: its elements by name, sent in
// the schema's order.
type calRecurrence map[string]string

// calRecurrenceOrder is the order of Recurrence's children.
var calRecurrenceOrder = []string{"Type", "Occurrences", "Interval", "WeekOfMonth", "DayOfWeek", "MonthOfYear", "Until", "DayOfMonth", "CalendarType", "IsLeapMonth", "FirstDayOfWeek"}

// node is the Recurrence element.
func (r calRecurrence) node() *wbxml.Node {
	n := cmdNode("Calendar:Recurrence")
	for _, name := range calRecurrenceOrder {
		if v, ok := r[name]; ok {
			n.Children = append(n.Children, cmdText("Calendar:"+name, v))
		}
	}
	return n
}

// recurrence is CreateCalendarRecurrence: Type, Occurrences (unless 0),
// Interval, and the elements the type requires (WeekOfMonth 1, DayOfWeek
// 1, MonthOfYear 4, DayOfMonth 1), with CalendarType 1 for types 2, 3, 5
// and 6 from 14.0.
func (c *calSuite) recurrence(typ, occurrences, interval int) calRecurrence {
	r := calRecurrence{"Type": strconv.Itoa(typ), "Interval": strconv.Itoa(interval)}
	if occurrences != 0 {
		r["Occurrences"] = strconv.Itoa(occurrences)
	}
	switch typ {
	case 3, 6:
		r["WeekOfMonth"] = "1"
	}
	switch typ {
	case 1, 3, 6:
		r["DayOfWeek"] = "1"
	}
	switch typ {
	case 5, 6:
		r["MonthOfYear"] = "4"
	}
	switch typ {
	case 2, 5:
		r["DayOfMonth"] = "1"
	}
	if c.s.version != eas.Version121 {
		switch typ {
		case 2, 3, 5, 6:
			r["CalendarType"] = "1"
		}
	}
	return r
}

// calException is CreateExceptionRequired and what a test adds to it.
func calException(exceptionStart time.Time, children ...*wbxml.Node) *wbxml.Node {
	return cmdNode("Calendar:Exception", append([]*wbxml.Node{cmdText("Calendar:ExceptionStartTime", calFmt(exceptionStart))}, children...)...)
}

// calCategories is CreateCalendarCategories.
func calCategories(qname string, names ...string) *wbxml.Node {
	n := cmdNode(qname)
	for _, name := range names {
		n.Children = append(n.Children, cmdText("Calendar:Category", name))
	}
	return n
}

// calAttendees is CreateAttendeesRequired: required attendees (type 1).
func calAttendees(emails, names []string) *wbxml.Node {
	n := cmdNode("Calendar:Attendees")
	for i := range emails {
		n.Children = append(n.Children, cmdNode("Calendar:Attendee",
			cmdText("Calendar:Email", emails[i]), cmdText("Calendar:Name", names[i]), cmdText("Calendar:AttendeeType", "1")))
	}
	return n
}

// calSyncRequest is CreateSyncRequest (or InitializeSyncRequest with key
// "0"): WindowSize 512 and a BodyPreference of HTML, GetChanges when
// asked, Supported when given.
func calSyncRequest(key, collectionID string, getChanges bool, supported eas.TagList, cmds ...eas.SyncCommand) *eas.SyncRequest {
	col := eas.SyncCollection{SyncKey: key, CollectionId: collectionID, WindowSize: 512, Supported: supported,
		Options: []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 2}}}}}
	if getChanges {
		col.GetChanges = eas.NewBool(true)
	}
	if len(cmds) > 0 {
		col.Commands = cmds
	}
	return &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}
}

// calAddResult is what a Sync that adds a calendar item answered: the
// collection's Status and the Add's.
type calAddResult struct {
	collectionStatus, addStatus int
	serverID                    string
}

// initialize is InitializeSync: the initial Sync of the calendar, which
// must succeed; it returns the key.
func (c *calSuite) initialize(supported eas.TagList) string {
	c.s.t.Helper()
	r := c.sync(calSyncRequest("0", c.my().calendar, false, supported))
	col := cmdCollection(r)
	if col == nil || col.Status != 1 {
		c.s.t.Fatalf("the initial Sync of the calendar did not succeed: %+v", col)
	}
	return col.SyncKey
}

// addRaw is a Sync (after an initial one) that adds an item of exactly
// props to the calendar.
func (c *calSuite) addRaw(props *calItem) calAddResult {
	c.s.t.Helper()
	key := c.initialize(nil)
	data := cmdNode("AirSync:ApplicationData", (*props)...)
	r := c.sync(calSyncRequest(key, c.my().calendar, false, nil, eas.SyncCommand{Kind: eas.SyncAdd, ClientId: cmdClientID(), ApplicationData: data}))
	col := cmdCollection(r)
	if col == nil {
		c.s.t.Fatalf("the Sync that adds a calendar item answered no collection (Status %d)", r.Status)
	}
	res := calAddResult{collectionStatus: col.Status, addStatus: -1}
	for _, a := range col.Responses {
		if a.Kind == eas.SyncAdd {
			res.addStatus, res.serverID = a.Status, a.ServerId
			break
		}
	}
	return res
}

// add is AddSyncCalendar: the default calendar item with props set over
// it, added to the calendar, whose collection Status must be 1.
func (c *calSuite) add(props *calItem) calAddResult {
	c.s.t.Helper()
	it := c.defaultCalendar()
	if props != nil {
		for _, p := range *props {
			it.set(p)
		}
	}
	res := c.addRaw(it)
	if res.collectionStatus != 1 {
		c.s.t.Fatalf("the Sync that adds a calendar item has Status %d, want 1", res.collectionStatus)
	}
	return res
}

// calFound is a calendar item a Sync sent: its ServerId and
// ApplicationData.
type calFound struct {
	serverID string
	data     *wbxml.Node
}

// find is GetChangeItem: SyncChanges of the calendar, and the item whose
// Subject is subject in it, which must be there.
func (c *calSuite) find(subject string) calFound {
	c.s.t.Helper()
	key := c.initialize(nil)
	r := c.sync(calSyncRequest(key, c.my().calendar, true, nil))
	if col := cmdCollection(r); col != nil {
		for _, a := range col.Commands {
			if a.Kind == eas.SyncAdd && cmdSubject(a.ApplicationData) == subject {
				c.verifyItem(a.ApplicationData)
				return calFound{a.ServerId, a.ApplicationData}
			}
		}
	}
	c.s.t.Fatalf("no calendar item with subject %q came back from the server", subject)
	return calFound{}
}

// addFind adds the item and finds it by its subject.
func (c *calSuite) addFind(subject string, props *calItem) calFound {
	c.s.t.Helper()
	props.text("Calendar:Subject", subject)
	res := c.add(props)
	if res.addStatus != 1 {
		c.s.t.Fatalf("adding calendar item %q answered Status %d, want 1", subject, res.addStatus)
	}
	return c.find(subject)
}

// calGet is the element qname of n ("Calendar:Recurrence"), or nil.
func calGet(n *wbxml.Node, qname string) *wbxml.Node {
	if n == nil {
		return nil
	}
	return n.Find(cmdTag(qname))
}

// calText is the text of the element qname of n, and whether it is there.
func calText(n *wbxml.Node, qname string) (string, bool) {
	e := calGet(n, qname)
	if e == nil {
		return "", false
	}
	return e.Text(), true
}

// rec is the Recurrence of an item found.
func (f calFound) rec() *wbxml.Node { return calGet(f.data, "Calendar:Recurrence") }

// get is the text of a top-level element of an item found.
func (f calFound) get(qname string) (string, bool) { return calText(f.data, qname) }

// calTime is a date-time element of n, and whether it is there and valid.
func calTime(n *wbxml.Node, qname string) (time.Time, bool) {
	v, ok := calText(n, qname)
	if !ok {
		return time.Time{}, false
	}
	return calParse(v)
}

// calIn reports whether a value is one of vals.
func calIn(v string, vals ...string) bool {
	for _, w := range vals {
		if v == w {
			return true
		}
	}
	return false
}

// verifyItem is the cheap part of the adapter's schema captures (its
// CaptureCode VerifySyncCommandResponse) on a calendar item a Sync sent:
// the values each element may take, and the elements each recurrence
// type has.
func (c *calSuite) verifyItem(data *wbxml.Node) {
	s := c.s
	s.t.Helper()
	byteIn := func(id int, qname string, vals ...string) {
		if v, ok := calText(data, qname); ok {
			s.capture(id, calIn(v, vals...), "%s is %q, want one of %v", qname, v, vals)
		}
	}
	byteIn(565, "Calendar:AllDayEvent", "0", "1")
	byteIn(138, "Calendar:BusyStatus", "0", "1", "2", "3", "4")
	byteIn(428, "Calendar:Sensitivity", "0", "1", "2", "3")
	if s.version != eas.Version121 {
		byteIn(407, "Calendar:ResponseType", "0", "1", "2", "3", "4", "5")
	}
	if s.version.AtLeast(eas.Version141) {
		byteIn(309, "Calendar:MeetingStatus", "0", "1", "3", "5", "7", "9", "11", "13", "15")
	}
	if v, ok := calText(data, "Calendar:BusyStatus"); ok {
		switch s.version {
		case eas.Version121:
			s.capture(2235, v != "4", "BusyStatus is 4 at 12.1")
		case eas.Version140:
			s.capture(2043, v != "4", "BusyStatus is 4 at 14.0")
		case eas.Version141:
			s.capture(2044, v != "4", "BusyStatus is 4 at 14.1")
		}
	}
	compact := func(id int, qname string) {
		if v, ok := calText(data, qname); ok {
			_, err := time.Parse(calTimeFormat, v)
			s.capture(id, err == nil, "%s %q is not a Compact DateTime", qname, v)
		}
	}
	compact(224, "Calendar:DtStamp")
	compact(240, "Calendar:EndTime")
	_, hasEnd := calText(data, "Calendar:EndTime")
	s.capture(235, hasEnd, "the item has no EndTime")
	_, hasStart := calText(data, "Calendar:StartTime")
	s.capture(434, hasStart, "the item has no StartTime")
	if v, ok := calText(data, "Calendar:Timezone"); ok {
		b, err := base64.StdEncoding.DecodeString(v)
		s.capture(447, err == nil && len(b) == 172, "Timezone %q is not a base64 TIME_ZONE_INFORMATION", v)
	}
	if v, ok := calText(data, "Calendar:OrganizerEmail"); ok {
		_, err := mail.ParseAddress(v)
		s.capture(364, err == nil, "OrganizerEmail %q is not an e-mail address", v)
	}
	if v, ok := calText(data, "Calendar:OrganizerName"); ok {
		switch s.version {
		case eas.Version160:
			s.equal(2175, "OrganizerName", calUser1, v)
		case eas.Version161:
			s.equal(2175001, "OrganizerName", calUser1, v)
		}
	}
	if loc := calGet(data, "AirSyncBase:Location"); loc != nil && calGet(loc, "AirSyncBase:DisplayName") != nil {
		_, old := calText(data, "Calendar:Location")
		switch s.version {
		case eas.Version160:
			s.capture(2135, !old, "the item has both Locations")
		case eas.Version161:
			s.capture(2135001, !old, "the item has both Locations")
		}
	}
	if a := calGet(data, "Calendar:Attendees"); a != nil {
		for _, e := range a.FindAll(cmdTag("Calendar:Attendee")) {
			_, hasEmail := calText(e, "Calendar:Email")
			_, hasName := calText(e, "Calendar:Name")
			s.capture(100, hasEmail, "an Attendee has no Email")
			s.capture(225, hasEmail, "an Attendee has no Email")
			s.capture(101, hasName, "an Attendee has no Name")
			s.capture(329, hasName, "an Attendee has no Name")
			if v, ok := calText(e, "Calendar:AttendeeType"); ok {
				s.capture(123, calIn(v, "1", "2", "3"), "AttendeeType is %q", v)
			}
			if v, ok := calText(e, "Calendar:AttendeeStatus"); ok {
				s.capture(118, calIn(v, "0", "2", "3", "4", "5"), "AttendeeStatus is %q", v)
			}
		}
	}
	if a := calGet(data, "Calendar:Attendees"); a != nil {
		for _, e := range a.FindAll(cmdTag("Calendar:Attendee")) {
			n := len(e.FindAll(cmdTag("Calendar:Email")))
			s.capture(22811, n <= 1, "an Attendee has %d Email", n)
			n = len(e.FindAll(cmdTag("Calendar:Name")))
			s.capture(33211, n <= 1, "an Attendee has %d Name", n)
		}
	}
	if exs := calGet(data, "Calendar:Exceptions"); exs != nil {
		all := exs.FindAll(cmdTag("Calendar:Exception"))
		s.capture(24311, len(all) <= 256, "the Exceptions has %d Exception", len(all))
		for _, e := range all {
			c.verifyException(e)
		}
	}
	rec := calGet(data, "Calendar:Recurrence")
	if rec == nil {
		return
	}
	num := func(name string) (int, bool) {
		v, ok := calText(rec, "Calendar:"+name)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	typ, _ := num("Type")
	typText := calRecText(rec, "Type")
	s.capture(453, calIn(typText, "0", "1", "2", "3", "5", "6"), "Type is %q", typText)
	in := func(id int, name string, lo, hi int) {
		if _, ok := calText(rec, "Calendar:"+name); ok {
			n, ok := num(name)
			s.capture(id, ok && n >= lo && n <= hi, "%s is %q, want %d to %d", name, calRecText(rec, name), lo, hi)
		}
	}
	in(193, "DayOfMonth", 1, 31)
	in(201, "DayOfWeek", 1, 127)
	in(326, "MonthOfYear", 1, 12)
	in(476, "WeekOfMonth", 1, 5)
	in(28311, "Interval", 0, 999)
	in(292, "IsLeapMonth", 0, 1)
	in(277, "FirstDayOfWeek", 0, 6)
	if s.version != eas.Version121 {
		in(146, "CalendarType", 0, 23)
	}
	has := func(name string) bool { return calHas(rec, name) }
	switch typ {
	case 1:
		s.capture(38929, has("DayOfWeek"), "a weekly recurrence has no DayOfWeek")
		s.capture(204112, has("DayOfWeek"), "a weekly recurrence has no DayOfWeek")
	case 2:
		s.capture(38935, has("DayOfMonth"), "a monthly recurrence has no DayOfMonth")
	case 3:
		s.capture(3893713, has("WeekOfMonth"), "a monthly recurrence on the nth day has no WeekOfMonth")
		s.capture(3893717, has("DayOfWeek"), "a monthly recurrence on the nth day has no DayOfWeek")
		s.capture(204113, has("DayOfWeek"), "a monthly recurrence on the nth day has no DayOfWeek")
	case 5:
		s.capture(38941, has("MonthOfYear"), "a yearly recurrence has no MonthOfYear")
		s.capture(38943, has("DayOfMonth"), "a yearly recurrence has no DayOfMonth")
		s.capture(32711, has("MonthOfYear"), "a yearly recurrence has no MonthOfYear")
	case 6:
		s.capture(38948, has("WeekOfMonth"), "a yearly recurrence on the nth day has no WeekOfMonth")
		s.capture(38950, has("MonthOfYear"), "a yearly recurrence on the nth day has no MonthOfYear")
	}
}

// verifyException is the adapter's captures of an Exception: at most one
// of each child, ExceptionStartTime required (a Compact DateTime) before
// 16.0, no Attendees at 12.1.
func (c *calSuite) verifyException(e *wbxml.Node) {
	s := c.s
	s.t.Helper()
	atMostOne := func(id int, qname string) {
		n := len(e.FindAll(cmdTag(qname)))
		s.capture(id, n <= 1, "an Exception has %d %s", n, qname)
	}
	atMostOne(8111, "Calendar:AllDayEvent")
	atMostOne(22211, "Calendar:DtStamp")
	atMostOne(23711, "Calendar:EndTime")
	atMostOne(29711, "Calendar:Location")
	atMostOne(39311, "Calendar:Reminder")
	atMostOne(42411, "Calendar:Sensitivity")
	atMostOne(12711, "AirSyncBase:Body")
	if s.version != eas.Version121 {
		atMostOne(567, "Calendar:AppointmentReplyTime")
		atMostOne(10711, "Calendar:Attendees")
		atMostOne(40511, "Calendar:ResponseType")
	} else {
		s.capture(2023, calGet(e, "Calendar:Attendees") == nil, "an Exception has Attendees at 12.1")
	}
	if v, ok := calText(e, "Calendar:Deleted"); ok {
		s.capture(209, v == "0" || v == "1", "Deleted is %q", v)
	}
	if !s.version.AtLeast(eas.Version160) {
		starts := e.FindAll(cmdTag("Calendar:ExceptionStartTime"))
		s.capture(264, len(starts) > 0, "an Exception has no ExceptionStartTime")
		s.capture(2106, len(starts) > 0, "an Exception has no ExceptionStartTime")
		s.capture(246, len(starts) == 1, "an Exception has %d ExceptionStartTime", len(starts))
		s.capture(26711, len(starts) == 1, "an Exception has %d ExceptionStartTime", len(starts))
		if len(starts) > 0 {
			_, err := time.Parse(calTimeFormat, starts[0].Text())
			s.capture(268, err == nil, "ExceptionStartTime %q is not a Compact DateTime", starts[0].Text())
		}
	}
}
