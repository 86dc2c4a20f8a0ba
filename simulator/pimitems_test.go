package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// pimRec is a Tasks:Recurrence of name/value pairs.
func pimRec(kv ...string) *wbxml.Node {
	rec := wbxml.NewElement(tTaskRecurrence)
	for i := 0; i+1 < len(kv); i += 2 {
		rec.Children = append(rec.Children, wbxml.NewText(mustTag("Tasks:"+kv[i]), kv[i+1]))
	}
	return rec
}

func TestTaskRecurrenceOK(t *testing.T) {
	const st = "2026-11-23T09:00:00.000Z"
	for _, c := range []struct {
		name string
		rec  *wbxml.Node
		ok   bool
	}{
		{"daily", pimRec("Type", "0", "Start", st, "Interval", "1"), true},
		{"daily on days", pimRec("Type", "0", "Start", st, "DayOfWeek", "2"), true},
		{"no Type", pimRec("Start", st, "DayOfWeek", "1"), false},
		{"no Start", pimRec("Type", "0", "Occurrences", "2"), false},
		{"Type 4", pimRec("Type", "4", "Start", st), false},
		{"daily with DayOfMonth", pimRec("Type", "0", "Start", st, "DayOfMonth", "10"), false},
		{"weekly without DayOfWeek", pimRec("Type", "1", "Start", st), false},
		{"weekly with CalendarType", pimRec("Type", "1", "Start", st, "DayOfWeek", "1", "CalendarType", "0"), false},
		{"weekly FirstDayOfWeek 7", pimRec("Type", "1", "Start", st, "DayOfWeek", "1", "FirstDayOfWeek", "7"), false},
		{"monthly", pimRec("Type", "2", "Start", st, "DayOfMonth", "10", "CalendarType", "0"), true},
		{"monthly with DayOfWeek", pimRec("Type", "2", "Start", st, "DayOfMonth", "10", "DayOfWeek", "1"), false},
		{"monthly nth", pimRec("Type", "3", "Start", st, "DayOfWeek", "1", "WeekOfMonth", "5"), true},
		{"monthly nth week 6", pimRec("Type", "3", "Start", st, "DayOfWeek", "1", "WeekOfMonth", "6"), false},
		{"yearly", pimRec("Type", "5", "Start", st, "DayOfMonth", "10", "MonthOfYear", "2"), true},
		{"yearly with WeekOfMonth", pimRec("Type", "5", "Start", st, "DayOfMonth", "10", "MonthOfYear", "2", "WeekOfMonth", "2"), false},
		{"yearly nth", pimRec("Type", "6", "Start", st, "DayOfWeek", "3", "WeekOfMonth", "2", "MonthOfYear", "10"), true},
		{"yearly nth with DayOfMonth", pimRec("Type", "6", "Start", st, "DayOfWeek", "3", "WeekOfMonth", "2", "MonthOfYear", "10", "DayOfMonth", "1"), false},
		{"regenerating weekly", pimRec("Type", "1", "Start", st, "Regenerate", "1"), true},
		{"regenerating weekly on days", pimRec("Type", "1", "Start", st, "Regenerate", "1", "DayOfWeek", "1"), false},
		{"not a number", pimRec("Type", "x", "Start", st), false},
		{"repeated", pimRec("Type", "0", "Type", "1", "Start", st), false},
	} {
		if got := taskRecurrenceOK(c.rec); got != c.ok {
			t.Errorf("%s: taskRecurrenceOK = %v, want %v", c.name, got, c.ok)
		}
	}
}

// recNames lists a recurrence's children as name=value.
func recNames(rec *wbxml.Node) string {
	var out []string
	for _, e := range rec.Elements() {
		out = append(out, e.Tag.Name+"="+e.Text())
	}
	return strings.Join(out, " ")
}

func TestTaskRecurrenceStored(t *testing.T) {
	const st = "S"
	for _, c := range []struct {
		v    eas.ProtocolVersion
		rec  *wbxml.Node
		want string
	}{
		{eas.Version141, pimRec("Type", "0", "Start", st, "Until", "U", "DayOfWeek", "2"),
			"Type=1 Start=S Until=U Interval=1 DayOfWeek=2 Regenerate=0 DeadOccur=0 FirstDayOfWeek=0"},
		{eas.Version140, pimRec("Type", "1", "Start", st, "DayOfWeek", "2"),
			"Type=1 Start=S Interval=1 DayOfWeek=2 Regenerate=0 DeadOccur=0"},
		{eas.Version121, pimRec("Type", "2", "Start", st, "Occurrences", "3", "Until", "U", "DayOfMonth", "10"),
			"Type=2 Start=S Occurrences=3 Interval=1 DayOfMonth=10 Regenerate=0 DeadOccur=0"},
		{eas.Version160, pimRec("Type", "5", "Start", st, "Interval", "2", "DayOfMonth", "10", "MonthOfYear", "2"),
			"Type=5 Start=S Interval=1 DayOfMonth=10 MonthOfYear=2 Regenerate=0 DeadOccur=0 CalendarType=0 IsLeapMonth=0"},
	} {
		if got := recNames(taskRecurrence(c.rec, c.v)); got != c.want {
			t.Errorf("at %s, %s is stored as\n  %s, want\n  %s", c.v, recNames(c.rec), got, c.want)
		}
	}
}

func TestPIMChangeGhosting(t *testing.T) {
	contact := func() *Item {
		return &Item{Class: "Contacts", Props: []*wbxml.Node{
			wbxml.NewText(mustTag("Contacts:FileAs"), "F"),
			wbxml.NewText(mustTag("Contacts:FirstName"), "A"),
			wbxml.NewText(mustTag("Contacts:JobTitle"), "J"),
			wbxml.NewText(mustTag("Contacts:Picture"), "UA=="),
		}}
	}
	props := func(it *Item) string {
		var out []string
		for _, p := range it.Props {
			out = append(out, p.Tag.Name+"="+p.Text())
		}
		return strings.Join(out, " ")
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	change := []*wbxml.Node{wbxml.NewText(mustTag("Contacts:JobTitle"), "K")}
	for _, c := range []struct {
		name      string
		supported map[string]bool
		want      string
	}{
		// No Supported: nothing is ghosted, the names go; FileAs and the
		// picture, which cannot be ghosted, stay.
		{"no Supported", nil, "FileAs=F JobTitle=K Picture=UA=="},
		// An empty Supported: everything is ghosted.
		{"empty Supported", map[string]bool{}, "FileAs=F FirstName=A JobTitle=K Picture=UA=="},
		// FirstName is managed by the client: a Change without it deletes it.
		{"Supported FirstName", map[string]bool{"Contacts:FirstName": true}, "FileAs=F JobTitle=K Picture=UA=="},
	} {
		it := contact()
		if !pimChange(it, change, Body{}, c.supported, eas.Version141, now) {
			t.Errorf("%s: the Change changed nothing", c.name)
		}
		if got := props(it); got != c.want {
			t.Errorf("%s: the contact is %s, want %s", c.name, got, c.want)
		}
	}
	it := contact()
	if pimChange(it, []*wbxml.Node{wbxml.NewText(mustTag("Contacts:JobTitle"), "J")}, Body{}, map[string]bool{}, eas.Version141, now) {
		t.Errorf("a Change to the values the contact has changed it")
	}

	note := &Item{Class: "Notes", Props: []*wbxml.Node{
		wbxml.NewText(mustTag("Notes:Subject"), "S"),
		wbxml.NewElement(tNoteCategories, wbxml.NewText(mustTag("Notes:Category"), "blue")),
	}}
	if !pimChange(note, []*wbxml.Node{wbxml.NewText(tNoteMessageClass, "IPM.StickyNote")}, Body{}, nil, eas.Version141, now) {
		t.Fatalf("the note's Change changed nothing")
	}
	if got := props(note); got != "Subject=S MessageClass=IPM.StickyNote LastModifiedDate=20261123T090000Z" {
		t.Errorf("the changed note is %s", got)
	}
}

func TestPIMAddStatus(t *testing.T) {
	for _, c := range []struct {
		class string
		prop  *wbxml.Node
		want  eas.SyncStatus
	}{
		{"Notes", wbxml.NewText(tNoteMessageClass, "IPM.StickyNote"), eas.SyncStatusSuccess},
		{"Notes", wbxml.NewText(tNoteMessageClass, "IPM.StickyNote.Yellow"), eas.SyncStatusSuccess},
		{"Notes", wbxml.NewText(tNoteMessageClass, "IPM.invalidClass"), eas.SyncStatusConversionError},
		{"Tasks", wbxml.NewText(tTaskReminderSet, "2"), eas.SyncStatusConversionError},
		{"Tasks", wbxml.NewText(tTaskReminderSet, "1"), eas.SyncStatusSuccess},
		{"Contacts", wbxml.NewText(tContactPicture, strings.Repeat("A", 4*16*1024)), eas.SyncStatusSuccess},
		{"Contacts", wbxml.NewText(tContactPicture, strings.Repeat("A", 4*16*1024+4)), eas.SyncStatusConversionError},
		{"Contacts", wbxml.NewText(tContactPicture, "not base64!"), eas.SyncStatusConversionError},
	} {
		if got := pimAddStatus(c.class, []*wbxml.Node{c.prop}); got != c.want {
			t.Errorf("%s with %s %q: Status %d, want %d", c.class, c.prop.Tag.Name, c.prop.Text()[:min(20, len(c.prop.Text()))], got, c.want)
		}
	}
}
