package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

func calRec(kv ...string) *wbxml.Node {
	n := &wbxml.Node{Tag: tCalRecurrence}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Children = append(n.Children, wbxml.NewText(mustTag("Calendar:"+kv[i]), kv[i+1]))
	}
	return n
}

func TestCalRecurrenceRefusesWhatExchangeRefuses(t *testing.T) {
	bad := map[string]*wbxml.Node{
		"no Type":                     calRec("Interval", "1"),
		"Type 4":                      calRec("Type", "4"),
		"Type not a number":           calRec("Type", "x"),
		"DayOfMonth with Type 0":      calRec("Type", "0", "DayOfMonth", "10"),
		"DayOfWeek with Type 5":       calRec("Type", "5", "DayOfMonth", "1", "MonthOfYear", "1", "DayOfWeek", "1"),
		"MonthOfYear with Type 3":     calRec("Type", "3", "WeekOfMonth", "1", "DayOfWeek", "1", "MonthOfYear", "10"),
		"WeekOfMonth with Type 2":     calRec("Type", "2", "DayOfMonth", "1", "WeekOfMonth", "3"),
		"two CalendarType":            calRec("Type", "2", "DayOfMonth", "1", "CalendarType", "1", "CalendarType", "2"),
		"CalendarType 13":             calRec("Type", "2", "DayOfMonth", "1", "CalendarType", "13"),
		"CalendarType 21":             calRec("Type", "2", "DayOfMonth", "1", "CalendarType", "21"),
		"CalendarType not a number":   calRec("Type", "2", "DayOfMonth", "1", "CalendarType", ""),
		"FirstDayOfWeek 7":            calRec("Type", "0", "FirstDayOfWeek", "7"),
		"Occurrences 1000":            calRec("Type", "0", "Occurrences", "1000"),
		"Occurrences not a number":    calRec("Type", "0", "Occurrences", "many"),
		"Occurrences 0":               calRec("Type", "0", "Occurrences", "0"),
		"FirstDayOfWeek not a digit":  calRec("Type", "1", "DayOfWeek", "1", "FirstDayOfWeek", "-"),
		"weekly without DayOfWeek":    calRec("Type", "1"),
		"monthly without DayOfMonth":  calRec("Type", "2"),
		"nth day without WeekOfMonth": calRec("Type", "3", "DayOfWeek", "1"),
		"yearly without MonthOfYear":  calRec("Type", "5", "DayOfMonth", "1"),
		"CalendarType with Type 0":    calRec("Type", "0", "CalendarType", "1"),
		"IsLeapMonth with Type 2":     calRec("Type", "2", "DayOfMonth", "1", "IsLeapMonth", "0"),
		"DayOfMonth 32":               calRec("Type", "2", "DayOfMonth", "32"),
		"WeekOfMonth 6":               calRec("Type", "3", "WeekOfMonth", "6", "DayOfWeek", "1"),
		"MonthOfYear 13":              calRec("Type", "5", "DayOfMonth", "1", "MonthOfYear", "13"),
		"DayOfWeek 128":               calRec("Type", "1", "DayOfWeek", "128"),
	}
	for name, rec := range bad {
		if _, ok := calRecurrence(eas.Version141, rec); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, ct := range []string{"0", "1", "12", "14", "15", "20"} {
		if _, ok := calRecurrence(eas.Version141, calRec("Type", "2", "DayOfMonth", "1", "CalendarType", ct)); !ok {
			t.Errorf("CalendarType %s: refused", ct)
		}
	}
}

func TestCalRecurrenceKeepsItAsExchangeDoes(t *testing.T) {
	got, ok := calRecurrence(eas.Version141, calRec("Type", "1", "Occurrences", "5", "Interval", "0", "DayOfWeek", "1", "Until", "20300101T000000Z"))
	if !ok {
		t.Fatal("refused")
	}
	if got.Find(tCalRecUntil) != nil {
		t.Error("Until kept beside Occurrences")
	}
	if v := got.Find(tCalRecInterval).Text(); v != "1" {
		t.Errorf("Interval 0 kept as %q, want 1", v)
	}
	if f := got.Find(tCalRecFirstDay); f == nil || f.Text() != "0" {
		t.Errorf("weekly recurrence at 14.1 has FirstDayOfWeek %v, want 0", f)
	}
	got, _ = calRecurrence(eas.Version140, calRec("Type", "1", "DayOfWeek", "1"))
	if got.Find(tCalRecFirstDay) != nil {
		t.Error("FirstDayOfWeek added at 14.0, where it does not exist")
	}
	got, _ = calRecurrence(eas.Version140, calRec("Type", "5", "DayOfMonth", "1", "MonthOfYear", "6", "CalendarType", "1", "IsLeapMonth", "1"))
	if v := got.Find(tCalRecIsLeapMonth).Text(); v != "0" {
		t.Errorf("IsLeapMonth of a Gregorian recurrence kept as %q", v)
	}
	got, _ = calRecurrence(eas.Version140, calRec("Type", "5", "DayOfMonth", "1", "MonthOfYear", "6", "CalendarType", "15", "IsLeapMonth", "1"))
	if v := got.Find(tCalRecIsLeapMonth).Text(); v != "1" {
		t.Errorf("IsLeapMonth of a Chinese lunar recurrence kept as %q", v)
	}
	got, _ = calRecurrence(eas.Version140, calRec("Type", "2", "DayOfMonth", "1"))
	if got.Find(tCalRecCalendarType) == nil || got.Find(tCalRecIsLeapMonth) != nil {
		t.Error("a monthly recurrence at 14.0 lacks CalendarType or has an IsLeapMonth")
	}
	got, _ = calRecurrence(eas.Version140, calRec("Type", "6", "Interval", "3", "WeekOfMonth", "5", "DayOfWeek", "1", "MonthOfYear", "4"))
	if got.Find(tCalRecIsLeapMonth) == nil || got.Find(tCalRecInterval).Text() != "1" {
		t.Error("a yearly recurrence at 14.0 lacks IsLeapMonth or keeps an Interval other than 1")
	}
	got, _ = calRecurrence(eas.Version141, calRec("Type", "0", "Interval", "1", "DayOfWeek", "62"))
	if got.Find(tCalRecType).Text() != "1" || got.Find(tCalRecFirstDay) == nil {
		t.Error("a daily recurrence on given days does not come back weekly")
	}
	got, _ = calRecurrence(eas.Version121, calRec("Type", "2", "DayOfMonth", "1"))
	if got.Find(tCalRecCalendarType) != nil || got.Find(tCalRecIsLeapMonth) != nil {
		t.Error("CalendarType or IsLeapMonth added at 12.1, where they do not exist")
	}
}

func TestCalTimes(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 10, 0, 0, time.UTC)
	rounded := "20261123T090000Z"
	text := func(tag *wbxml.Tag, v string) *wbxml.Node { return wbxml.NewText(tag, v) }
	get := func(props []*wbxml.Node, tag *wbxml.Tag) string {
		if p := calProp(props, tag); p != nil {
			return p.Text()
		}
		return "absent"
	}
	props, st := calTimes(nil, now)
	if st != eas.SyncStatusSuccess || get(props, tCalStartTime) != rounded || get(props, tCalEndTime) != "20261123T093000Z" {
		t.Errorf("neither time: %v, start %s, end %s", st, get(props, tCalStartTime), get(props, tCalEndTime))
	}
	if _, st := calTimes([]*wbxml.Node{text(tCalEndTime, "20200101T000000Z")}, now); st != eas.SyncStatusConversionError {
		t.Errorf("past EndTime without StartTime: %v, want 6", st)
	}
	props, st = calTimes([]*wbxml.Node{text(tCalEndTime, "20261130T000000Z")}, now)
	if st != eas.SyncStatusSuccess || get(props, tCalStartTime) != rounded {
		t.Errorf("future EndTime without StartTime: %v, start %s", st, get(props, tCalStartTime))
	}
	props, st = calTimes([]*wbxml.Node{text(tCalStartTime, "20261120T090000Z")}, now)
	if st != eas.SyncStatusSuccess || get(props, tCalEndTime) != "20261123T093000Z" {
		t.Errorf("past StartTime without EndTime: %v, end %s", st, get(props, tCalEndTime))
	}
	if _, st := calTimes([]*wbxml.Node{text(tCalStartTime, "20261128T090000Z")}, now); st != eas.SyncStatusConversionError {
		t.Errorf("future StartTime without EndTime: %v, want 6", st)
	}
	if _, st := calTimes([]*wbxml.Node{text(tCalStartTime, "garbage")}, now); st != eas.SyncStatusConversionError {
		t.Errorf("unreadable StartTime: %v, want 6", st)
	}
}

func TestCalendarChangePropsMergesExceptions(t *testing.T) {
	ex := func(start string, kv ...string) *wbxml.Node {
		n := wbxml.NewElement(tCalException, wbxml.NewText(tCalExceptionStart, start))
		for i := 0; i+1 < len(kv); i += 2 {
			n.Children = append(n.Children, wbxml.NewText(mustTag("Calendar:"+kv[i]), kv[i+1]))
		}
		return n
	}
	it := &Item{Props: []*wbxml.Node{wbxml.NewElement(tCalExceptions,
		ex("20261126T080000Z", "Subject", "A", "Location", "Room 666"),
		ex("20261127T080000Z", "Subject", "B"))}}
	change := []*wbxml.Node{wbxml.NewElement(tCalExceptions, ex("2026-11-26T08:00:00.000Z", "Subject", "A2", "Location", ""), ex("20261128T080000Z", "Subject", "C"))}
	out := calendarChangeProps(it, change)
	got := calProp(out, tCalExceptions).FindAll(tCalException)
	if len(got) != 3 {
		t.Fatalf("%d exceptions, want 3 (two kept, one new)", len(got))
	}
	if s, l := got[0].Find(mustTag("Calendar:Subject")).Text(), got[0].Find(mustTag("Calendar:Location")); s != "A2" || l == nil || l.Text() != "" {
		t.Errorf("the changed exception has Subject %q and Location %v, want A2 and an empty Location", s, l)
	}
	if s := got[1].Find(mustTag("Calendar:Subject")).Text(); s != "B" {
		t.Errorf("the exception the Change left out has Subject %q, want B", s)
	}
	// The change's own nodes are not altered.
	if n := len(change[0].FindAll(tCalException)); n != 2 {
		t.Errorf("the Change's Exceptions now has %d children", n)
	}
}

func TestNewGlobalObjectID(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	a, b := newGlobalObjectID(now), newGlobalObjectID(now)
	if a == b {
		t.Error("two UIDs are the same")
	}
	if !strings.HasPrefix(a, "040000008200E00074C5B7101A82E008") || len(a) != 112 {
		t.Errorf("UID %s is not a global object id", a)
	}
}
