package simulator

import (
	"bytes"
	"encoding/base64"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// What Exchange does to the notes, tasks and contacts a device adds or
// changes with Sync, beyond storing their properties: the checks that
// refuse an item with Status 6 (a conversion error), and the properties
// the server computes or drops. Items are stored as Exchange would send
// them back, so that every device reads what Exchange's store holds.

var (
	tNoteMessageClass     = mustTag("Notes:MessageClass")
	tNoteLastModifiedDate = mustTag("Notes:LastModifiedDate")
	tNoteCategories       = mustTag("Notes:Categories")
	tTaskCategories       = mustTag("Tasks:Categories")
	tTaskRecurrence       = mustTag("Tasks:Recurrence")
	tTaskReminderSet      = mustTag("Tasks:ReminderSet")
	tTaskSensitivity      = mustTag("Tasks:Sensitivity")
	tContactPicture       = mustTag("Contacts:Picture")
)

// pimClasses are the classes whose bodies Exchange converts to any body
// type a device asks for: a note, task or contact added with a plain text
// body is read back as HTML too (MSASNOTE_S01_TC06, MS-ASNOTE R39).
var pimClasses = map[string]bool{"Notes": true, "Tasks": true, "Contacts": true}

// pimBody completes the body of a note, task or contact a device sent: a
// plain text body gets its HTML form, as Exchange's body conversion makes
// it.
func pimBody(class string, b Body) Body {
	if pimClasses[class] && b.HTML == "" && b.Plain != "" {
		b.HTML = "<html><body>" + strings.ReplaceAll(html.EscapeString(b.Plain), "\n", "<br>") + "</body></html>"
	}
	return b
}

// pimAddStatus checks a note, task or contact a device adds or changes,
// and answers Status 6 for one Exchange cannot convert:
//   - a note whose MessageClass is neither IPM.StickyNote nor one of its
//     subclasses (MSASNOTE_S01_TC05, MS-ASNOTE R119);
//   - a task whose ReminderSet is neither 0 nor 1 (MSASTASK_S01_TC11,
//     R252), or whose Recurrence Exchange's RecurrenceData.Validate
//     refuses (taskRecurrenceOK);
//   - a contact whose Picture is over 48 KB (MSASCNTC_S01_TC05, R384).
func pimAddStatus(class string, props []*wbxml.Node) eas.SyncStatus {
	for _, p := range props {
		switch {
		case class == "Notes" && p.Tag == tNoteMessageClass:
			mc := p.Text()
			if mc != "IPM.StickyNote" && !strings.HasPrefix(mc, "IPM.StickyNote.") {
				return eas.SyncStatusConversionError
			}
		case class == "Tasks" && p.Tag == tTaskReminderSet:
			if v := p.Text(); v != "0" && v != "1" {
				return eas.SyncStatusConversionError
			}
		case class == "Tasks" && p.Tag == tTaskRecurrence:
			if !taskRecurrenceOK(p) {
				return eas.SyncStatusConversionError
			}
		case class == "Contacts" && p.Tag == tContactPicture:
			pic, err := base64.StdEncoding.DecodeString(p.Text())
			if err != nil || len(pic) > 48*1024 {
				return eas.SyncStatusConversionError
			}
		}
	}
	return eas.SyncStatusSuccess
}

// Task recurrence types (MS-ASTASK 2.2.2.31).
const (
	recDaily     = 0
	recWeekly    = 1
	recMonthly   = 2
	recMonthlyTh = 3
	recYearly    = 5
	recYearlyTh  = 6
)

// recurrenceFields reads a Recurrence's children as numbers or text, by
// name; it reports false for a repeated child.
func recurrenceFields(rec *wbxml.Node) (map[string]string, bool) {
	f := map[string]string{}
	for _, c := range rec.Elements() {
		if _, dup := f[c.Tag.Name]; dup {
			return nil, false
		}
		f[c.Tag.Name] = c.Text()
	}
	return f, true
}

// taskRecurrenceOK checks a task's Recurrence as Exchange's
// RecurrenceData.Validate and CreateRecurrencePattern do: a Type and a
// Start (MSASTASK_S01_TC16, R289; S01_TC02, R37011), numbers where numbers
// go, FirstDayOfWeek 0 to 6 (S01_TC08, R171), WeekOfMonth 1 to 5, and for
// each Type exactly the pattern elements it takes (S01_TC03, R132;
// S01_TC07, R532 and R533; S01_TC13, R320; S01_TC14, R81). A
// regenerating task (Regenerate 1) takes no pattern element but
// CalendarType.
func taskRecurrenceOK(rec *wbxml.Node) bool {
	f, ok := recurrenceFields(rec)
	if !ok {
		return false
	}
	if _, ok := f["Type"]; !ok {
		return false
	}
	if f["Start"] == "" {
		return false
	}
	nums := []string{"Type", "Occurrences", "Interval", "WeekOfMonth", "DayOfMonth", "DayOfWeek", "MonthOfYear", "Regenerate", "DeadOccur", "CalendarType", "IsLeapMonth", "FirstDayOfWeek"}
	n := map[string]int{}
	for _, k := range nums {
		if v, ok := f[k]; ok {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				return false
			}
			n[k] = i
		}
	}
	if v, ok := n["FirstDayOfWeek"]; ok && v > 6 {
		return false
	}
	if v, ok := n["WeekOfMonth"]; ok && (v < 1 || v > 5) {
		return false
	}
	has := func(k string) bool { _, ok := f[k]; return ok }
	none := func(ks ...string) bool {
		for _, k := range ks {
			if has(k) {
				return false
			}
		}
		return true
	}
	all := func(ks ...string) bool {
		for _, k := range ks {
			if !has(k) {
				return false
			}
		}
		return true
	}
	pattern := n["Regenerate"] != 1
	switch n["Type"] {
	case recDaily, recWeekly:
		if !none("DayOfMonth", "WeekOfMonth", "MonthOfYear", "CalendarType", "IsLeapMonth") {
			return false
		}
		if !pattern {
			return none("DayOfWeek")
		}
		return n["Type"] == recDaily || has("DayOfWeek")
	case recMonthly:
		if !none("DayOfWeek", "WeekOfMonth", "MonthOfYear", "IsLeapMonth") {
			return false
		}
		return pattern == has("DayOfMonth")
	case recMonthlyTh:
		return pattern && none("DayOfMonth", "MonthOfYear", "IsLeapMonth") && all("WeekOfMonth", "DayOfWeek")
	case recYearly:
		if !none("DayOfWeek", "WeekOfMonth") {
			return false
		}
		if pattern {
			return all("DayOfMonth", "MonthOfYear")
		}
		return none("DayOfMonth", "MonthOfYear")
	case recYearlyTh:
		return pattern && none("DayOfMonth") && all("WeekOfMonth", "DayOfWeek", "MonthOfYear")
	}
	return false
}

// taskRecurrence is a valid task Recurrence as Exchange stores and sends
// it back at protocol version v (XsoRecurrenceProperty, RecurrenceData):
// a daily recurrence on given days is a weekly one; an Occurrences count
// wins over an Until date (MSASTASK_S01_TC15, R37013); Interval is always
// there (1 for a yearly one); Regenerate and DeadOccur default to 0
// (S01_TC01, R158); from 14.0 monthly and yearly ones carry CalendarType
// (S01_TC20 to TC23, R82, R8211 to R8213) and yearly ones IsLeapMonth
// (R204); from 14.1 weekly ones carry FirstDayOfWeek (S01_TC24, R167),
// Sunday (the mailbox's culture, en-US) when the device sent none.
func taskRecurrence(rec *wbxml.Node, v eas.ProtocolVersion) *wbxml.Node {
	f, _ := recurrenceFields(rec)
	typ, _ := strconv.Atoi(f["Type"])
	if typ == recDaily && f["DayOfWeek"] != "" && f["Regenerate"] != "1" {
		typ = recWeekly
	}
	out := wbxml.NewElement(rec.Tag)
	put := func(name, val string) {
		out.Children = append(out.Children, wbxml.NewText(wbxml.Lookup("Tasks", name), val))
	}
	or := func(name, def string) string {
		if s, ok := f[name]; ok {
			return s
		}
		return def
	}
	put("Type", strconv.Itoa(typ))
	put("Start", f["Start"])
	if s, ok := f["Occurrences"]; ok {
		put("Occurrences", s)
	} else if s, ok := f["Until"]; ok {
		put("Until", s)
	}
	interval := or("Interval", "1")
	if typ == recYearly || typ == recYearlyTh {
		interval = "1"
	}
	put("Interval", interval)
	for _, k := range []string{"DayOfWeek", "DayOfMonth", "WeekOfMonth", "MonthOfYear"} {
		if s, ok := f[k]; ok {
			put(k, s)
		}
	}
	put("Regenerate", or("Regenerate", "0"))
	put("DeadOccur", or("DeadOccur", "0"))
	if v.AtLeast(eas.Version140) && typ != recDaily && typ != recWeekly {
		put("CalendarType", or("CalendarType", "0"))
	}
	if v.AtLeast(eas.Version140) && (typ == recYearly || typ == recYearlyTh) {
		put("IsLeapMonth", or("IsLeapMonth", "0"))
	}
	if v.AtLeast(eas.Version141) && typ == recWeekly && f["Regenerate"] != "1" {
		put("FirstDayOfWeek", or("FirstDayOfWeek", "0"))
	}
	return out
}

// noteDateForm is the form of a note's LastModifiedDate, the compact
// one of Exchange's AirSyncUtcDateTimeProperty (MS-ASDTYPE 2.3).
const noteDateForm = "20060102T150405Z"

// pimProps are the properties of a note, task or contact as Exchange
// stores what a device sent at protocol version v at time now:
//   - a note's LastModifiedDate is the server's, whatever the device sent
//     (MSASNOTE_S01_TC03, MS-ASNOTE R84 and R209);
//   - a task's Recurrence is stored as taskRecurrence says, its
//     Sensitivity defaults to 0 (MSASTASK_S01_TC01, R264), it is not
//     complete (Complete 0) unless the device says so (Exchange's
//     AirSyncTaskStateProperty always sends Complete, MS-ASTASK R119),
//     and Categories without a Category are no categories (S01_TC19,
//     R436).
func pimProps(class string, props []*wbxml.Node, v eas.ProtocolVersion, now time.Time) []*wbxml.Node {
	var out []*wbxml.Node
	switch class {
	case "Notes":
		for _, p := range props {
			if p.Tag != tNoteLastModifiedDate {
				out = append(out, p)
			}
		}
		return append(out, wbxml.NewText(tNoteLastModifiedDate, now.UTC().Format(noteDateForm)))
	case "Tasks":
		sensitivity, complete := false, false
		for _, p := range props {
			switch {
			case p.Tag == tTaskRecurrence:
				p = taskRecurrence(p, v)
			case p.Tag == tTaskCategories && len(p.Elements()) == 0:
				continue
			case p.Tag == tTaskSensitivity:
				sensitivity = true
			case p.Tag == tTaskComplete:
				complete = true
			}
			out = append(out, p)
		}
		if !complete {
			out = append(out, wbxml.NewText(tTaskComplete, "0"))
		}
		if !sensitivity {
			out = append(out, wbxml.NewText(tTaskSensitivity, "0"))
		}
		return out
	}
	return props
}

// supportedNames are the qualified names a Supported element lists, nil
// when there is none.
func supportedNames(l eas.TagList) map[string]bool {
	if l == nil {
		return nil
	}
	m := make(map[string]bool, len(l))
	for _, t := range l {
		if t != nil {
			m[t.String()] = true
		}
	}
	return m
}

// contactGhostable are the contact properties that can be ghosted
// (MS-ASCNTC 2.2.2: each "can be ghosted"). FileAs is one, but Exchange
// keeps it whatever the Change (it derives it from the names:
// MSASCMD_S19_TC39 finds the contact by it after a Change that left the
// names out), so it is not listed.
var contactGhostable = func() map[*wbxml.Tag]bool {
	m := map[*wbxml.Tag]bool{}
	for _, n := range []string{
		"Contacts2:AccountName", "Contacts:Anniversary", "Contacts:AssistantName", "Contacts:AssistantPhoneNumber",
		"Contacts:Birthday", "Contacts:BusinessAddressCity", "Contacts:BusinessAddressCountry",
		"Contacts:BusinessAddressPostalCode", "Contacts:BusinessAddressState", "Contacts:BusinessAddressStreet",
		"Contacts:BusinessFaxNumber", "Contacts:BusinessPhoneNumber", "Contacts:Business2PhoneNumber",
		"Contacts:CarPhoneNumber", "Contacts:Categories", "Contacts:Children", "Contacts2:CompanyMainPhone",
		"Contacts:CompanyName", "Contacts2:CustomerId", "Contacts:Department", "Contacts:Email1Address",
		"Contacts:Email2Address", "Contacts:Email3Address", "Contacts:FirstName", "Contacts2:GovernmentId",
		"Contacts:HomeAddressCity", "Contacts:HomeAddressCountry", "Contacts:HomeAddressPostalCode",
		"Contacts:HomeAddressState", "Contacts:HomeAddressStreet", "Contacts:HomeFaxNumber",
		"Contacts:HomePhoneNumber", "Contacts:Home2PhoneNumber", "Contacts2:IMAddress", "Contacts2:IMAddress2",
		"Contacts2:IMAddress3", "Contacts:JobTitle", "Contacts:LastName", "Contacts2:ManagerName",
		"Contacts:MiddleName", "Contacts2:MMS", "Contacts:MobilePhoneNumber", "Contacts2:NickName",
		"Contacts:OfficeLocation", "Contacts:OtherAddressCity", "Contacts:OtherAddressCountry",
		"Contacts:OtherAddressPostalCode", "Contacts:OtherAddressState", "Contacts:OtherAddressStreet",
		"Contacts:PagerNumber", "Contacts:RadioPhoneNumber", "Contacts:Spouse", "Contacts:Suffix",
		"Contacts:Title", "Contacts:WebPage", "Contacts:YomiCompanyName", "Contacts:YomiFirstName",
		"Contacts:YomiLastName",
	} {
		m[mustTag(n)] = true
	}
	return m
}()

// pimChange applies a device's Change to an item's properties: the
// properties it names replace the item's. A contact property that can be
// ghosted and that the Change leaves out is kept when it is ghosted and
// deleted when it is not (MS-ASCMD 2.2.3.168): with no Supported element
// in the collection's initial Sync (supported nil) none is ghosted; with
// one, those it does not name are (MSASCMD_S19_TC39, R5906, R5907, R5909,
// R5911, R5912; MSASCNTC_S01_TC02 and TC03, R499, R115). Other
// properties are kept (a note's or contact's body: MS-ASNOTE R113,
// MS-ASCNTC R461), but a note's Categories the Change leaves out are
// deleted (MSASNOTE_S01_TC07, MS-ASNOTE R112). A Change that changes
// nothing leaves the item as it was. A body, when the Change has one,
// replaces the item's; a Change without one keeps it (MSASNOTE_S01_TC02,
// MS-ASNOTE R113). It reports whether the item changed; a note's
// LastModifiedDate then becomes now.
func pimChange(it *Item, changes []*wbxml.Node, body Body, supported map[string]bool, v eas.ProtocolVersion, now time.Time) bool {
	before := encodeProps(it.Props)
	bodyChanged := false
	if body.Plain != "" && (body.Plain != it.Body.Plain || (body.HTML != "" && body.HTML != it.Body.HTML)) {
		it.Body = pimBody(it.Class, body)
		bodyChanged = true
	}
	if it.Class == "Notes" {
		keep := false
		for _, c := range changes {
			if c.Tag == tNoteCategories {
				keep = true
			}
		}
		if !keep {
			it.Props = dropProp(it.Props, tNoteCategories)
		}
		// The device's LastModifiedDate is ignored (R84).
		changes = dropProp(append([]*wbxml.Node(nil), changes...), tNoteLastModifiedDate)
	}
	if it.Class == "Contacts" {
		named := map[*wbxml.Tag]bool{}
		for _, c := range changes {
			named[c.Tag] = true
		}
		var kept []*wbxml.Node
		for _, p := range it.Props {
			ghosted := supported != nil && !supported[p.Tag.String()]
			if contactGhostable[p.Tag] && !named[p.Tag] && !ghosted {
				continue
			}
			kept = append(kept, p)
		}
		it.Props = kept
	}
	if it.Class == "Tasks" {
		var kept []*wbxml.Node
		for _, c := range changes {
			switch {
			case c.Tag == tTaskRecurrence:
				// (checked by pimAddStatus)
				c = taskRecurrence(c, v)
			case c.Tag == tTaskCategories && len(c.Elements()) == 0:
				it.Props = dropProp(it.Props, tTaskCategories)
				continue
			}
			kept = append(kept, c)
		}
		changes = kept
	}
	it.setProps(changes)
	if !bodyChanged && bytes.Equal(before, encodeProps(it.Props)) {
		return false
	}
	if it.Class == "Notes" {
		it.setProps([]*wbxml.Node{wbxml.NewText(tNoteLastModifiedDate, now.UTC().Format(noteDateForm))})
	}
	return true
}

// storedEchoLocked is the change counter of device's own last change to
// item serverID of folder as the device's stored sync state of the folder
// records it (the state its last request left, which a device resending
// the previous SyncKey does not build on), and whether it has one.
func (m *Mailbox) storedEchoLocked(device, folder, serverID string) (uint64, bool) {
	dev := m.devices[strings.ToLower(device)]
	if dev == nil || dev.collections.get(folder) == nil {
		return 0, false
	}
	v, ok := dev.collections.get(folder).echo[serverID]
	return v, ok
}

// dropProp returns props without the properties of tag t.
func dropProp(props []*wbxml.Node, t *wbxml.Tag) []*wbxml.Node {
	out := props[:0:0]
	for _, p := range props {
		if p.Tag != t {
			out = append(out, p)
		}
	}
	return out
}

// encodeProps is the WBXML of props, to compare two versions of an item.
func encodeProps(props []*wbxml.Node) []byte {
	var b bytes.Buffer
	for _, p := range props {
		if raw, err := p.MarshalBinary(); err == nil {
			b.Write(raw)
		}
		b.WriteByte(0)
	}
	return b.Bytes()
}
