package simulator

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// mtgICal is an invitation as Interop's MS-ASCMD TestSuiteBase writes one
// (a space after "BEGIN:", a VTIMEZONE of offset 0), weekly.
const mtgICal = "BEGIN: VCALENDAR\r\nPRODID:-//Microosft Protocols TestSuites\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Universal Time\r\nBEGIN:STANDARD\r\nDTSTART:16011104T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n" +
	"TZOFFSETFROM:-0000\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010311T020000\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" +
	"TZOFFSETFROM:-0000\r\nTZOFFSETTO:+0000\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nUID:uid-1234\r\nDTSTAMP:20261201T080000\r\nDESCRIPTION:Plan\r\nSUMMARY:Plan\r\n" +
	"ATTENDEE;CN=\"\";RSVP=TRUE:mailto:bob@contoso.com\r\nORGANIZER:MAILTO:alice@contoso.com\r\nLOCATION:My Office\r\n" +
	"DTSTART;TZID=\"Universal Time\":20261207T090000\r\nDTEND;TZID=\"Universal Time\":20261207T100000\r\n" +
	"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n" +
	"BEGIN:VALARM\r\nTRIGGER:-PT10M\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestMeetingParseInteropInvitation(t *testing.T) {
	mt, err := parseMeeting([]byte(mtgICal))
	if err != nil {
		t.Fatal(err)
	}
	if mt.method != "REQUEST" || mt.uid != "uid-1234" || mt.subject != "Plan" || mt.location != "My Office" {
		t.Fatalf("meeting %+v", mt)
	}
	if want := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC); !mt.start.Equal(want) || !mt.end.Equal(want.Add(time.Hour)) {
		t.Errorf("start %v end %v", mt.start, mt.end)
	}
	if mt.organizer == nil || mt.organizer.Address != "alice@contoso.com" || len(mt.attendees) != 1 || !mt.requestedOf("bob@contoso.com") {
		t.Errorf("organizer %v attendees %+v", mt.organizer, mt.attendees)
	}
	if mt.reminder != 10 || mt.busy != 2 || mt.allDay {
		t.Errorf("reminder %d busy %d allDay %v", mt.reminder, mt.busy, mt.allDay)
	}
	r := mt.recurrence
	if r == nil || r.Type != 1 || r.DayOfWeek != 2 || r.Occurrences != 3 || r.Interval != 1 || r.FirstDayOfWeek == nil || *r.FirstDayOfWeek != 1 {
		t.Errorf("recurrence %+v", r)
	}
}

func TestMeetingZoneWithDaylightSaving(t *testing.T) {
	ical := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Pacific Standard Time\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16011104T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010311T020000\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Summer\r\nDTSTART;TZID=Pacific Standard Time:20260701T090000\r\nDTEND;TZID=Pacific Standard Time:20260701T093000\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	mt, err := parseMeeting([]byte(ical))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC); !mt.start.Equal(want) {
		t.Errorf("summer start %v, want %v", mt.start, want)
	}
	winter := mt.zone.toUTC(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC); !winter.Equal(want) {
		t.Errorf("winter %v, want %v", winter, want)
	}
	// The EAS blob says the same and reads back.
	b, _ := base64.StdEncoding.DecodeString(mt.zone.easBlob())
	if len(b) != 172 || b[0] != 0xE0 || b[1] != 0x01 { // Bias 480
		t.Fatalf("blob % X", b[:4])
	}
	back := zoneFromBlob(mt.zone.easBlob())
	if back.std.offset != -480 || !back.hasDST || back.dst.offset != -420 || back.dst.month != 3 || back.dst.week != 2 || back.std.month != 11 {
		t.Errorf("read back %+v", back)
	}
	// And as a VTIMEZONE the parser reads again.
	again := &meeting{method: "REQUEST", uid: "z", subject: "S", start: mt.start, end: mt.end, stamp: mt.start, zone: back, busy: 2, reminder: -1}
	mt2, err := parseMeeting([]byte(again.iCalendar()))
	if err != nil || !mt2.start.Equal(mt.start) || !mt2.end.Equal(mt.end) {
		t.Errorf("round trip: %v %v (%v)\n%s", mt2.start, mt2.end, err, again.iCalendar())
	}
}

func TestMeetingRRules(t *testing.T) {
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC) // a Monday
	for _, c := range []struct {
		rule string
		want eas.EmailRecurrence
	}{
		{"FREQ=DAILY;INTERVAL=2;COUNT=5", eas.EmailRecurrence{Type: 0, Interval: 2, Occurrences: 5}},
		{"FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270301T000000Z", eas.EmailRecurrence{Type: 1, Interval: 1, DayOfWeek: 2 | 8, Until: "20270301T000000Z"}},
		{"FREQ=MONTHLY;COUNT=3;BYMONTHDAY=1", eas.EmailRecurrence{Type: 2, Interval: 1, Occurrences: 3, DayOfMonth: 1}},
		{"FREQ=MONTHLY;COUNT=3;BYDAY=1MO", eas.EmailRecurrence{Type: 3, Interval: 1, Occurrences: 3, WeekOfMonth: 1, DayOfWeek: 2}},
		{"FREQ=MONTHLY;BYDAY=-1FR", eas.EmailRecurrence{Type: 3, Interval: 1, WeekOfMonth: 5, DayOfWeek: 32}},
		{"FREQ=YEARLY;COUNT=3;BYMONTHDAY=1;BYMONTH=1", eas.EmailRecurrence{Type: 5, Interval: 1, Occurrences: 3, DayOfMonth: 1, MonthOfYear: 1}},
		{"FREQ=YEARLY;COUNT=3;BYDAY=2MO;BYMONTH=1", eas.EmailRecurrence{Type: 6, Interval: 1, Occurrences: 3, WeekOfMonth: 2, DayOfWeek: 2, MonthOfYear: 1}},
	} {
		got := recurrenceFromRRule(parseRRule(c.rule), start)
		if got == nil || got.Type != c.want.Type || got.Interval != c.want.Interval || got.Occurrences != c.want.Occurrences || got.Until != c.want.Until ||
			got.DayOfWeek != c.want.DayOfWeek || got.DayOfMonth != c.want.DayOfMonth || got.WeekOfMonth != c.want.WeekOfMonth || got.MonthOfYear != c.want.MonthOfYear {
			t.Errorf("%s: %+v, want %+v", c.rule, got, c.want)
			continue
		}
		// rruleOf writes the same pattern back.
		if back := recurrenceFromRRule(parseRRule(rruleOf(got)), start); back == nil || back.Type != got.Type || back.DayOfWeek != got.DayOfWeek || back.WeekOfMonth != got.WeekOfMonth {
			t.Errorf("%s: written back as %s", c.rule, rruleOf(got))
		}
	}
	if recurrenceFromRRule(parseRRule("FREQ=SECONDLY"), start) != nil {
		t.Error("a secondly rule became an EAS recurrence")
	}
}

func TestMeetingGlobalObjID(t *testing.T) {
	created := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	b := globalObjID("uid-1234", time.Time{}, created)
	if !bytes.HasPrefix(b, goidClass) || !bytes.Equal(b[16:20], []byte{0, 0, 0, 0}) || b[len(b)-1] != 0 {
		t.Fatalf("goid % X", b)
	}
	if size := int(b[36]) | int(b[37])<<8; size != len("uid-1234")+13 || string(b[40:48]) != "vCal-Uid" {
		t.Errorf("size %d, data %q", size, b[40:])
	}
	node := wbxml.NewElement(mrMeetingRequestTag, wbxml.NewText(mrGlobalObjIDTag, base64.StdEncoding.EncodeToString(b)))
	if got := meetingUID(node); got != "uid-1234" {
		t.Errorf("meetingUID %q", got)
	}
	// An occurrence carries its date; a hex UID of a global object id is
	// that id.
	occ := globalObjID("uid-1234", time.Date(2027, 3, 9, 0, 0, 0, 0, time.UTC), created)
	if occ[16] != 0x07 || occ[17] != 0xEB || occ[18] != 3 || occ[19] != 9 {
		t.Errorf("instance date % X", occ[16:20])
	}
	uid := newMeetingUID(created, "seed")
	if raw := globalObjID(uid, time.Time{}, created); strings.ToUpper(base64ToHex(raw)) != uid {
		t.Errorf("a hex UID was wrapped: %X", raw)
	}
}

func base64ToHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestMeetingPropAtVersion(t *testing.T) {
	mt, err := parseMeeting([]byte(mtgICal))
	if err != nil {
		t.Fatal(err)
	}
	node, err := mt.requestNode(1, true)
	if err != nil {
		t.Fatal(err)
	}
	has := func(n *wbxml.Node, q string) bool { return strings.Contains(" "+dumpNode(n)+" ", " "+q+" ") }
	old := propAtVersion(node, "12.1")
	if !has(old, "Email:GlobalObjId") || !has(old, "Email:Location") || has(old, "Calendar:UID") || has(old, "Email2:MeetingMessageType") ||
		has(old, "Email:DisallowNewTimeProposal") || has(old, "AirSyncBase:Location") || has(old, "Email2:FirstDayOfWeek") {
		t.Errorf("12.1 sees %s", dumpNode(old))
	}
	v141 := propAtVersion(node, "14.1")
	if !has(v141, "Email2:MeetingMessageType") || !has(v141, "Email2:FirstDayOfWeek") || !has(v141, "Email:DisallowNewTimeProposal") || has(v141, "Calendar:UID") {
		t.Errorf("14.1 sees %s", dumpNode(v141))
	}
	v16 := propAtVersion(node, "16.0")
	if has(v16, "Email:GlobalObjId") || has(v16, "Email:Location") || !has(v16, "Calendar:UID") || !has(v16, "AirSyncBase:Location") {
		t.Errorf("16.0 sees %s", dumpNode(v16))
	}
	if has(node, "Email:GlobalObjId") != true {
		t.Error("trimming changed the stored property")
	}
	if propAtVersion(wbxml.NewText(mustTag("Calendar:ResponseType"), "5"), "12.1") != nil {
		t.Error("12.1 sees Calendar:ResponseType")
	}
}

func dumpNode(n *wbxml.Node) string {
	if n == nil {
		return "nothing"
	}
	var names []string
	var walk func(*wbxml.Node)
	walk = func(n *wbxml.Node) {
		for _, c := range n.Elements() {
			names = append(names, c.Tag.String())
			walk(c)
		}
	}
	walk(n)
	return strings.Join(names, " ")
}

func TestMeetingBadInvitations(t *testing.T) {
	for _, s := range []string{
		"", "BEGIN:VEVENT\r\nEND:VEVENT", "BEGIN:VCALENDAR\r\nEND:VCALENDAR",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=\"unterminated:20260101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR",
		strings.Repeat("BEGIN:X\r\n", 50),
	} {
		if _, err := parseMeeting([]byte(s)); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
	for _, d := range []string{"-PT15M", "P1D", "-P1W", "PT1H30M"} {
		if _, ok := parseICalDuration(d); !ok {
			t.Errorf("duration %s", d)
		}
	}
	for _, d := range []string{"15M", "-PT", "P1X", "PT99999999999H"} {
		if _, ok := parseICalDuration(d); ok {
			t.Errorf("duration %s accepted", d)
		}
	}
	if z := zoneFromBlob("not base64"); z != utcZone {
		t.Error("a bad blob is not UTC")
	}
}

func TestMeetingUnterminatedMultipart(t *testing.T) {
	// Interop's Common.CreateMeetingRequestMime: no closing delimiter.
	raw := "From: a@contoso.com\r\nTo: b@contoso.com\r\nSubject: x\r\nContent-Type: multipart/alternative;\r\n    boundary=\"---Next Part---\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"-----Next Part---\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nhello\r\n\r\n" +
		"-----Next Part---\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n" + mtgICal + "\r\n\r\n"
	m, err := ParseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if mt, part := invitationOf(m); mt == nil || part < 0 || !strings.HasPrefix(m.Plain, "hello") {
		t.Errorf("plain %q, invitation %v", m.Plain, mt)
	}
}

func TestMeetingLocationAcrossVersions(t *testing.T) {
	old := []*wbxml.Node{wbxml.NewText(mustTag("Calendar:Subject"), "S"), wbxml.NewText(tCalLocation, "Room 7")}
	got := propsAtVersion(old, "16.1")
	if len(got) != 2 || got[1].Tag != tBaseLocation || got[1].Find(tBaseDisplayName).Text() != "Room 7" {
		t.Errorf("16.1 sees %s", dumpNode(&wbxml.Node{Tag: tBaseLocation, Children: got}))
	}
	fresh := []*wbxml.Node{wbxml.NewElement(tBaseLocation, wbxml.NewText(tBaseDisplayName, "Room 8"), wbxml.NewText(mustTag("AirSyncBase:City"), "Oslo"))}
	got = propsAtVersion(fresh, "14.1")
	if len(got) != 1 || got[0].Tag != tCalLocation || got[0].Text() != "Room 8" {
		t.Errorf("14.1 sees %d properties", len(got))
	}
	// Both forms kept: each version sees its own, once.
	both := append(append([]*wbxml.Node(nil), old...), fresh...)
	if got := propsAtVersion(both, "16.0"); len(got) != 2 || got[1].Find(tBaseDisplayName).Text() != "Room 8" {
		t.Errorf("16.0 sees %d properties", len(got))
	}
	if got := propsAtVersion(both, ""); len(got) != 3 {
		t.Errorf("an unknown version changed the properties")
	}
}

func TestMeetingAttachedICSIsNoInvitation(t *testing.T) {
	raw := "From: a@contoso.com\r\nTo: b@contoso.com\r\nSubject: the file\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n" +
		"--b\r\nContent-Type: text/calendar; method=REQUEST\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n\r\n" + mtgICal + "--b--\r\n"
	m, err := ParseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := invitationOf(m); mt != nil || len(m.Attachments) != 1 {
		t.Errorf("an attached .ics made an invitation (%d attachments)", len(m.Attachments))
	}
}
