package simulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Calendar items a client adds or changes with Sync: what Exchange checks
// in them (the Status 6 cases of MS-ASCAL 3.2.5.x, "Sync Command
// Response") and what it fills in that the client left out (the times of
// MS-ASCAL 3.2.5.x "Creating Calendar Events when the StartTime Element or
// EndTime Element is Absent", the UID, the organizer, the defaults every
// calendar item has on the wire).

var (
	tCalTimezone        = mustTag("Calendar:Timezone")
	tCalAllDayEvent     = mustTag("Calendar:AllDayEvent")
	tCalBusyStatus      = mustTag("Calendar:BusyStatus")
	tCalAttendees       = mustTag("Calendar:Attendees")
	tCalAttendee        = mustTag("Calendar:Attendee")
	tCalAttendeeStatus  = mustTag("Calendar:AttendeeStatus")
	tCalAttendeeType    = mustTag("Calendar:AttendeeType")
	tCalCategories      = mustTag("Calendar:Categories")
	tCalCategory        = mustTag("Calendar:Category")
	tCalDtStamp         = mustTag("Calendar:DtStamp")
	tCalException       = mustTag("Calendar:Exception")
	tCalExceptions      = mustTag("Calendar:Exceptions")
	tCalExceptionStart  = mustTag("Calendar:ExceptionStartTime")
	tCalMeetingStatus   = mustTag("Calendar:MeetingStatus")
	tCalOrganizerEmail  = mustTag("Calendar:OrganizerEmail")
	tCalOrganizerName   = mustTag("Calendar:OrganizerName")
	tCalSensitivity     = mustTag("Calendar:Sensitivity")
	tCalUID             = mustTag("Calendar:UID")
	tCalResponseType    = mustTag("Calendar:ResponseType")
	tCalRecType         = mustTag("Calendar:Type")
	tCalRecUntil        = mustTag("Calendar:Until")
	tCalRecOccurrences  = mustTag("Calendar:Occurrences")
	tCalRecInterval     = mustTag("Calendar:Interval")
	tCalRecDayOfWeek    = mustTag("Calendar:DayOfWeek")
	tCalRecDayOfMonth   = mustTag("Calendar:DayOfMonth")
	tCalRecWeekOfMonth  = mustTag("Calendar:WeekOfMonth")
	tCalRecMonthOfYear  = mustTag("Calendar:MonthOfYear")
	tCalRecCalendarType = mustTag("Calendar:CalendarType")
	tCalRecIsLeapMonth  = mustTag("Calendar:IsLeapMonth")
	tCalRecFirstDay     = mustTag("Calendar:FirstDayOfWeek")
	tASBInstanceID      = mustTag("AirSyncBase:InstanceId")
)

// calCompactTime is the form of MS-ASCAL's date-times (StartTime,
// DtStamp...): MS-ASDTYPE 2.3's compact form.
const calCompactTime = "20060102T150405Z"

// parseCalTime reads a calendar date-time in either MS-ASDTYPE form.
func parseCalTime(s string) (time.Time, bool) {
	for _, layout := range []string{calCompactTime, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z", "20060102T150405.000Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// calProp is the first of props with tag t, or nil.
func calProp(props []*wbxml.Node, t *wbxml.Tag) *wbxml.Node {
	for _, p := range props {
		if p.Tag == t {
			return p
		}
	}
	return nil
}

// calendarAddLocked checks a calendar item a client adds (its properties
// but the body) and returns them with what Exchange fills in, or the
// Status that refuses it.
func (c *call) calendarAddLocked(props []*wbxml.Node, body Body) ([]*wbxml.Node, eas.SyncStatus) {
	v := c.req.ProtocolVersion
	now := c.s.clock.Now().UTC()
	out := make([]*wbxml.Node, 0, len(props)+10)
	for _, p := range props {
		switch p.Tag {
		case tCalRecurrence:
			rec, ok := calRecurrence(v, p)
			if !ok {
				return nil, eas.SyncStatusConversionError
			}
			p = rec
		case tCalCategories:
			// At most 300 Category per Categories (MSASCAL_S01_TC10, R11026).
			if len(p.FindAll(tCalCategory)) > 300 {
				return nil, eas.SyncStatusConversionError
			}
		case tCalAttendees:
			p = calAttendeesWithStatus(p)
		case tCalExceptions:
			for _, e := range p.FindAll(tCalException) {
				if cats := e.Find(tCalCategories); cats != nil && len(cats.FindAll(tCalCategory)) > 300 {
					return nil, eas.SyncStatusConversionError
				}
			}
		}
		out = append(out, p)
	}
	out, st := calTimes(out, now)
	if st != eas.SyncStatusSuccess {
		return nil, st
	}
	text := func(t *wbxml.Tag, s string) { out = append(out, wbxml.NewText(t, s)) }
	ifAbsent := func(t *wbxml.Tag, s string) {
		if calProp(out, t) == nil {
			text(t, s)
		}
	}
	// Exchange always has a DtStamp, a time zone, and the flags of an
	// appointment (MSASCAL_S01_TC04: R21911, R44511, R310).
	ifAbsent(tCalDtStamp, now.Format(calCompactTime))
	ifAbsent(tCalTimezone, utcTimezone)
	ifAbsent(tCalAllDayEvent, "0")
	ifAbsent(tCalBusyStatus, "2")
	ifAbsent(tCalSensitivity, "0")
	ifAbsent(tCalMeetingStatus, "0")
	// The server makes the UID of an item created without one (R46011;
	// MSASCAL_S01_TC32, R2223): a global object id, as Exchange's.
	ifAbsent(tCalUID, newGlobalObjectID(now))
	// The organizer is the mailbox's owner: from 16.0 the client must not
	// send it and the server uses the current user (MSASCAL_S01_TC04,
	// R2169, R2169001); earlier, what the client sent, else the owner
	// (R36211, R36711).
	owner := c.mb.owner
	if v.AtLeast(eas.Version160) {
		out = calWithout(out, tCalOrganizerName, tCalOrganizerEmail)
	}
	ifAbsent(tCalOrganizerName, owner.DisplayName)
	ifAbsent(tCalOrganizerEmail, owner.PrimarySmtpAddress)
	// The organizer's own meeting says so from 14.0 (ResponseType 1,
	// MS-ASCAL 2.2.2.38; MSASCAL_S01_TC28, R419).
	if v.AtLeast(eas.Version140) {
		switch calProp(out, tCalMeetingStatus).Text() {
		case "1", "5", "9", "13":
			ifAbsent(tCalResponseType, "1")
		}
	}
	// How the body is stored (MSASCAL_S01_TC04, R33411).
	native := strconv.Itoa(bodyPlain)
	if body.HTML != "" {
		native = strconv.Itoa(bodyHTML)
	}
	ifAbsent(tNativeBodyType, native)
	return out, eas.SyncStatusSuccess
}

// calWithout is props without the tags ts.
func calWithout(props []*wbxml.Node, ts ...*wbxml.Tag) []*wbxml.Node {
	out := props[:0:0]
	for _, p := range props {
		drop := false
		for _, t := range ts {
			drop = drop || p.Tag == t
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}

// calTimes fills in a missing StartTime or EndTime from the current time
// rounded to the nearest half hour, or refuses the item (MS-ASCAL 3.2.5.x;
// MSASCAL_S01_TC05 to TC09: R52511, R52514 to R52518, R53915, R5251611).
func calTimes(props []*wbxml.Node, now time.Time) ([]*wbxml.Node, eas.SyncStatus) {
	start, end := calProp(props, tCalStartTime), calProp(props, tCalEndTime)
	if start != nil && end != nil {
		return props, eas.SyncStatusSuccess
	}
	rounded := now.Round(30 * time.Minute)
	switch {
	case start == nil && end == nil:
		props = append(props,
			wbxml.NewText(tCalStartTime, rounded.Format(calCompactTime)),
			wbxml.NewText(tCalEndTime, rounded.Add(30*time.Minute).Format(calCompactTime)))
	case start == nil:
		e, ok := parseCalTime(end.Text())
		if !ok || rounded.After(e) {
			// EndTime without StartTime, and the rounded current time is
			// after it.
			return nil, eas.SyncStatusConversionError
		}
		props = append(props, wbxml.NewText(tCalStartTime, rounded.Format(calCompactTime)))
	default:
		s, ok := parseCalTime(start.Text())
		e := rounded.Add(30 * time.Minute)
		if !ok || s.After(e) {
			// A StartTime in the future without EndTime.
			return nil, eas.SyncStatusConversionError
		}
		props = append(props, wbxml.NewText(tCalEndTime, e.Format(calCompactTime)))
	}
	return props, eas.SyncStatusSuccess
}

// calRecurrence checks a Recurrence as Exchange does and returns it as
// Exchange keeps it, or false for the Status 6 cases of MS-ASCAL's Sync
// Command Response.
func calRecurrence(v eas.ProtocolVersion, rec *wbxml.Node) (*wbxml.Node, bool) {
	typ := -1
	if t := rec.Find(tCalRecType); t != nil {
		n, err := strconv.Atoi(t.Text())
		if err != nil {
			return nil, false
		}
		typ = n
	}
	switch typ {
	case 0, 1, 2, 3, 5, 6:
	default:
		return nil, false
	}
	has := func(t *wbxml.Tag) bool { return rec.Find(t) != nil }
	in := func(vals ...int) bool {
		for _, x := range vals {
			if typ == x {
				return true
			}
		}
		return false
	}
	// Elements that do not belong to the type (MSASCAL_S01_TC24 to TC27:
	// R53916 to R53919), and those it needs, as Exchange's
	// RecurrenceData.Validate checks them: a daily or weekly recurrence
	// has no CalendarType or IsLeapMonth, a monthly one no IsLeapMonth; a
	// weekly one needs DayOfWeek, a monthly one DayOfMonth, the nth-day
	// ones WeekOfMonth and DayOfWeek, the yearly ones MonthOfYear.
	if (has(tCalRecDayOfMonth) && in(0, 1, 3, 6)) ||
		(has(tCalRecDayOfWeek) && in(2, 5)) ||
		(has(tCalRecMonthOfYear) && in(0, 1, 2, 3)) ||
		(has(tCalRecWeekOfMonth) && in(0, 1, 2, 5)) ||
		(has(tCalRecCalendarType) && in(0, 1)) ||
		(has(tCalRecIsLeapMonth) && in(0, 1, 2, 3)) ||
		(!has(tCalRecDayOfWeek) && in(1, 3, 6)) ||
		(!has(tCalRecDayOfMonth) && in(2, 5)) ||
		(!has(tCalRecWeekOfMonth) && in(3, 6)) ||
		(!has(tCalRecMonthOfYear) && in(5, 6)) {
		return nil, false
	}
	// The values each element may take (MS-ASCAL 2.2.2.12, 2.2.2.13,
	// 2.2.2.27, 2.2.2.46).
	for _, r := range []struct {
		t      *wbxml.Tag
		lo, hi int
	}{{tCalRecDayOfMonth, 1, 31}, {tCalRecDayOfWeek, 1, 127}, {tCalRecMonthOfYear, 1, 12}, {tCalRecWeekOfMonth, 1, 5}, {tCalRecInterval, 0, 999}, {tCalRecIsLeapMonth, 0, 1}} {
		if e := rec.Find(r.t); e != nil {
			if n, err := strconv.Atoi(strings.TrimSpace(e.Text())); err != nil || n < r.lo || n > r.hi {
				return nil, false
			}
		}
	}
	calTypes := rec.FindAll(tCalRecCalendarType)
	// One CalendarType at most (MSASCAL_S01_TC21, R53912), and one of
	// MS-ASCAL 2.2.2.10's values: 13, 16 to 19 and 21 to 23 are none
	// (MSASCAL_S01_TC22, R53913).
	if len(calTypes) > 1 {
		return nil, false
	}
	calType := -1
	if len(calTypes) == 1 {
		n, err := strconv.Atoi(calTypes[0].Text())
		if err != nil || n < 0 || n > 23 || n == 13 || (n >= 16 && n <= 19) || n >= 21 {
			return nil, false
		}
		calType = n
	}
	// FirstDayOfWeek is 0 to 6 (MSASCAL_S01_TC23, R53914).
	if f := rec.Find(tCalRecFirstDay); f != nil {
		if n, err := strconv.Atoi(f.Text()); err != nil || n < 0 || n > 6 {
			return nil, false
		}
	}
	// Occurrences is at most 999 (MSASCAL_S01_TC19, R345).
	if o := rec.Find(tCalRecOccurrences); o != nil {
		if n, err := strconv.Atoi(o.Text()); err != nil || n < 1 || n > 999 {
			return nil, false
		}
	}
	out := &wbxml.Node{Tag: rec.Tag}
	for _, ch := range rec.Elements() {
		switch ch.Tag {
		case tCalRecUntil:
			// Occurrences wins over Until (MSASCAL_S01_TC19, R53911, R467,
			// R341).
			if has(tCalRecOccurrences) {
				continue
			}
		case tCalRecInterval:
			// Interval 0 is kept as 1 by Exchange 2010 SP1 and later
			// (MSASCAL_S01_TC35, R5); a yearly recurrence's is 1 (Exchange's
			// XsoRecurrenceProperty).
			if strings.TrimSpace(ch.Text()) == "0" || in(5, 6) {
				ch = wbxml.NewText(tCalRecInterval, "1")
			}
		case tCalRecType:
			// A daily recurrence on given days is a weekly one (Exchange's
			// XsoRecurrenceProperty.CreateRecurrencePattern).
			if typ == 0 && has(tCalRecDayOfWeek) {
				typ = 1
				ch = wbxml.NewText(tCalRecType, "1")
			}
		case tCalRecIsLeapMonth:
			// IsLeapMonth means nothing outside a lunar calendar
			// (MSASCAL_S01_TC20, R290, R609).
			if !calLunar(calType) {
				ch = wbxml.NewText(tCalRecIsLeapMonth, "0")
			}
		}
		out.Children = append(out.Children, ch)
	}
	// From 14.0 a response has a CalendarType for these types (R143,
	// R14311 to R14313), and the yearly ones an IsLeapMonth, 0 by default
	// (MSASCAL_S01_TC20, R28411, R288, R293), as Exchange's
	// XsoRecurrenceProperty writes them.
	if v.AtLeast(eas.Version140) && in(2, 3, 5, 6) && calType < 0 {
		out.Children = append(out.Children, wbxml.NewText(tCalRecCalendarType, "0"))
	}
	if v.AtLeast(eas.Version140) && in(5, 6) && !has(tCalRecIsLeapMonth) {
		out.Children = append(out.Children, wbxml.NewText(tCalRecIsLeapMonth, "0"))
	}
	// From 14.1 a weekly recurrence has a FirstDayOfWeek, the user's
	// (Sunday) when the client sent none (MSASCAL_S01_TC17, R52523,
	// R11028).
	if v.AtLeast(eas.Version141) && typ == 1 && !has(tCalRecFirstDay) {
		out.Children = append(out.Children, wbxml.NewText(tCalRecFirstDay, "0"))
	}
	return out, true
}

// calLunar reports whether a CalendarType has leap months: Hebrew lunar,
// Japanese lunar, Chinese lunar, Korean lunar (MS-ASCAL 2.2.2.10).
func calLunar(calType int) bool {
	switch calType {
	case 8, 14, 15, 20:
		return true
	}
	return false
}

// utcTimezone is the TIME_ZONE_INFORMATION of UTC (bias 0, no daylight
// time), base64 as MS-ASCAL 2.2.2.42 sends it.
var utcTimezone = base64.StdEncoding.EncodeToString(make([]byte, 172))

// newGlobalObjectID is a new UID as Exchange makes one (a
// PidLidGlobalObjectId, MS-OXOCAL 2.2.1.27): the class id, no instance
// date, the creation time, and 16 random bytes, in hex.
func newGlobalObjectID(now time.Time) string {
	b := []byte{0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08}
	b = append(b, 0, 0, 0, 0) // instance date
	ft := uint64(now.UnixNano()/100) + 116444736000000000
	b = binary.LittleEndian.AppendUint64(b, ft)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	var id [16]byte
	_, _ = rand.Read(id[:])
	b = append(b, id[:]...)
	return strings.ToUpper(hex.EncodeToString(b))
}

// calendarChangeProps returns the properties of a client's Change of a
// calendar item with its Exceptions merged into the item's: an exception
// the Change leaves out stays as it is, and an exception it names keeps
// the properties the Change leaves out; an empty element deletes the
// property, and is kept so that Sync sends it empty (MS-ASCAL 3.2.5.x
// "Removing Exceptions", "Indicating Deleted Elements in Exceptions";
// MSASCAL_S01_TC31, TC33, TC34: R541, R54111, R542, R539, R543).
func calendarChangeProps(it *Item, props []*wbxml.Node) []*wbxml.Node {
	old := calProp(it.Props, tCalExceptions)
	if old == nil {
		return props
	}
	out := make([]*wbxml.Node, len(props))
	copy(out, props)
	for i, p := range out {
		if p.Tag != tCalExceptions {
			continue
		}
		merged := &wbxml.Node{Tag: tCalExceptions}
		changed := p.FindAll(tCalException)
		used := make([]bool, len(changed))
		for _, oe := range old.FindAll(tCalException) {
			e := oe
			for j, ne := range changed {
				if !used[j] && calExceptionKey(ne) == calExceptionKey(oe) {
					e, used[j] = calMergeElement(oe, ne), true
					break
				}
			}
			merged.Children = append(merged.Children, e)
		}
		for j, ne := range changed {
			if !used[j] {
				merged.Children = append(merged.Children, ne)
			}
		}
		out[i] = merged
	}
	return out
}

// calExceptionKey names the occurrence an Exception is of.
func calExceptionKey(e *wbxml.Node) string {
	if s := e.Find(tCalExceptionStart); s != nil {
		if t, ok := parseCalTime(s.Text()); ok {
			return t.UTC().Format(calCompactTime)
		}
		return s.Text()
	}
	if s := e.Find(tASBInstanceID); s != nil {
		if t, ok := parseCalTime(s.Text()); ok {
			return t.UTC().Format(calCompactTime)
		}
		return s.Text()
	}
	return ""
}

// calMergeElement is old with each child of changes replacing old's of
// the same tag, or added.
func calMergeElement(old, changes *wbxml.Node) *wbxml.Node {
	out := &wbxml.Node{Tag: old.Tag}
	out.Children = append(out.Children, old.Elements()...)
	for _, ch := range changes.Elements() {
		replaced := false
		for i, o := range out.Children {
			if o.Tag == ch.Tag {
				out.Children[i], replaced = ch, true
				break
			}
		}
		if !replaced {
			out.Children = append(out.Children, ch)
		}
	}
	return out
}

// calAttendeesWithStatus is an Attendees whose attendees without an
// AttendeeStatus have 0, response unknown, as Exchange answers them
// (MSASCAL_S02_TC01, R11311, R568).
func calAttendeesWithStatus(a *wbxml.Node) *wbxml.Node {
	out := &wbxml.Node{Tag: a.Tag}
	for _, e := range a.Elements() {
		if e.Tag == tCalAttendee && e.Find(tCalAttendeeStatus) == nil {
			// In the schema's order: before AttendeeType.
			n := &wbxml.Node{Tag: e.Tag}
			placed := false
			for _, ch := range e.Elements() {
				if !placed && ch.Tag == tCalAttendeeType {
					n.Children = append(n.Children, wbxml.NewText(tCalAttendeeStatus, "0"))
					placed = true
				}
				n.Children = append(n.Children, ch)
			}
			if !placed {
				n.Children = append(n.Children, wbxml.NewText(tCalAttendeeStatus, "0"))
			}
			e = n
		}
		out.Children = append(out.Children, e)
	}
	return out
}
