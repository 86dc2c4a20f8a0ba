package conformance

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCAL S01: the elements of calendar items a client adds with Sync,
// and ItemOperations and Search of them.

// calUpTo141 are the versions the suite creates recurring items at.
var calUpTo141 = []eas.ProtocolVersion{eas.Version121, eas.Version140, eas.Version141}

// calOnly is the versions of vs the suite runs a test at.
func calOnly(vs ...eas.ProtocolVersion) []eas.ProtocolVersion { return vs }

// MSASCAL_S01_TC01: AllDayEvent 0, and (before 16.0) 1 with midnight to
// midnight times.
func TestMSASCAL_S01_TC01_AllDayEvent(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		it := (&calItem{}).text("Calendar:AllDayEvent", "0")
		if s.version.AtLeast(eas.Version160) {
			it.set(cmdNode("AirSyncBase:Location", cmdText("AirSyncBase:DisplayName", c.location)))
		}
		f := c.addFind(c.name("subjectWithAllDayEvent0"), it)
		v, _ := f.get("Calendar:AllDayEvent")
		s.equal(85, "AllDayEvent of an item added with 0", "0", v)
		if s.version.AtLeast(eas.Version160) {
			return
		}
		it = (&calItem{}).text("Calendar:AllDayEvent", "1").text("Calendar:StartTime", calFmt(c.start)).text("Calendar:EndTime", calFmt(c.start.AddDate(0, 0, 1)))
		f = c.addFind(c.name("subjectWithAllDayEvent1"), it)
		v, _ = f.get("Calendar:AllDayEvent")
		s.equal(86, "AllDayEvent of an item added with 1", "1", v)
		s.equal(7911, "AllDayEvent of an item added with 1", "1", v)
	})
}

// MSASCAL_S01_TC02: Sensitivity 0 to 3.
func TestMSASCAL_S01_TC02_Sensitivity(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		for i, id := range []int{610, 611, 612, 613} {
			want := strconv.Itoa(i)
			f := c.addFind(c.name("subjectWithSensitivity"+want), (&calItem{}).text("Calendar:Sensitivity", want))
			v, _ := f.get("Calendar:Sensitivity")
			s.equal(id, "Sensitivity of an item added with "+want, want, v)
			if i == 3 {
				s.equal(42111, "Sensitivity of an item added with "+want, want, v)
			}
		}
	})
}

// MSASCAL_S01_TC03: an item with a Subject only is added. The original
// checks no requirement.
func TestMSASCAL_S01_TC03_CalendarWithoutOptionalElements(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		c.addRaw((&calItem{}).text("Calendar:Subject", c.subject))
		c.find(c.subject)
	})
}

// MSASCAL_S01_TC04: DtStamp, Location, the organizer, Reminder, Timezone,
// UID, MeetingStatus and NativeBodyType of an item added with a Reminder.
func TestMSASCAL_S01_TC04_MultipleElements(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		it := (&calItem{}).text("Calendar:Reminder", "10")
		old := !s.version.AtLeast(eas.Version160)
		if old {
			it.text("Calendar:Location", c.location).text("Calendar:DtStamp", calFmt(c.now))
		}
		f := c.addFind(c.name("subjectWithDTStampAndReminder"), it)
		_, has := f.get("Calendar:DtStamp")
		s.capture(21911, has, "the item has no DtStamp")
		if old {
			v, _ := f.get("Calendar:Location")
			s.equal(29411, "Location", c.location, v)
		}
		email, _ := f.get("Calendar:OrganizerEmail")
		sameEmail := strings.EqualFold(email, mailAddress(calUser1))
		s.capture(36211, sameEmail, "OrganizerEmail is %q, want %q", email, mailAddress(calUser1))
		name, _ := f.get("Calendar:OrganizerName")
		s.equal(36711, "OrganizerName", calUser1, name)
		switch s.version {
		case eas.Version160:
			s.capture(2169, sameEmail, "OrganizerEmail is %q, want %q", email, mailAddress(calUser1))
		case eas.Version161:
			s.capture(2169001, sameEmail, "OrganizerEmail is %q, want %q", email, mailAddress(calUser1))
		}
		rem, _ := f.get("Calendar:Reminder")
		s.equal(39011, "Reminder", "10", rem)
		_, has = f.get("Calendar:Timezone")
		s.capture(44511, has, "the item has no Timezone")
		_, has = f.get("Calendar:UID")
		s.capture(46011, has, "the item has no UID")
		ms, has := f.get("Calendar:MeetingStatus")
		if !has {
			s.t.Fatalf("the item has no MeetingStatus")
		}
		s.equal(310, "MeetingStatus of an appointment", "0", ms)
		_, has = f.get("AirSyncBase:NativeBodyType")
		s.capture(33411, has, "the item has no NativeBodyType")
	})
}

// calTimes is an item's StartTime, EndTime and DtStamp, which must be
// there.
func calTimes(s *site, f calFound) (start, end, stamp time.Time) {
	s.t.Helper()
	var ok1, ok2, ok3 bool
	start, ok1 = calTime(f.data, "Calendar:StartTime")
	end, ok2 = calTime(f.data, "Calendar:EndTime")
	stamp, ok3 = calTime(f.data, "Calendar:DtStamp")
	if !ok1 || !ok2 || !ok3 {
		s.t.Fatalf("the item lacks StartTime (%v), EndTime (%v) or DtStamp (%v)", ok1, ok2, ok3)
	}
	return start, end, stamp
}

// MSASCAL_S01_TC05: an item without StartTime and EndTime starts at the
// rounded current time and lasts 30 minutes.
func TestMSASCAL_S01_TC05_CalendarWithoutStartTimeEndTime(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subjectWithoutStartTimeAndEndTime"), &calItem{})
		start, end, stamp := calTimes(s, f)
		if m := start.Minute(); (m != 0 && m != 30) || start.Sub(stamp) > 30*time.Minute || stamp.Sub(start) > 30*time.Minute {
			s.t.Fatalf("StartTime %v is not the rounded time of DtStamp %v", start, stamp)
		}
		d := end.Sub(start)
		s.capture(52511, d == 30*time.Minute, "EndTime is %v after StartTime, want 30m", d)
		s.capture(52514, d == 30*time.Minute, "EndTime is %v after StartTime, want 30m", d)
	})
}

// MSASCAL_S01_TC06: an item without StartTime whose EndTime is past is
// refused with Status 6.
func TestMSASCAL_S01_TC06_StartTimeAbsentEndTimePast(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		r := c.add((&calItem{}).text("Calendar:EndTime", calFmt(c.now.AddDate(-5, 0, 0))))
		for _, id := range []int{52515, 53915, 5251611} {
			s.equal(id, "the Add's Status", 6, r.addStatus)
		}
	})
}

// MSASCAL_S01_TC07: an item without StartTime whose EndTime is in the
// future starts at the rounded current time.
func TestMSASCAL_S01_TC07_StartTimeAbsentEndTimeFuture(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		futureEnd := c.future.AddDate(0, 0, 2)
		f := c.addFind(c.name("subject"), (&calItem{}).text("Calendar:EndTime", calFmt(futureEnd)))
		start, end, stamp := calTimes(s, f)
		s.capture(52516, start.Sub(stamp) <= 30*time.Minute && calFmt(end) == calFmt(futureEnd), "StartTime %v (DtStamp %v), EndTime %v, want the request's %v", start, stamp, end, futureEnd)
		s.equal(23311, "EndTime", calFmt(futureEnd), calFmt(end))
	})
}

// MSASCAL_S01_TC08: an item whose StartTime is past and has no EndTime
// ends at the rounded current time plus 30 minutes.
func TestMSASCAL_S01_TC08_StartTimePastEndTimeAbsent(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subject"), (&calItem{}).text("Calendar:StartTime", calFmt(c.past)))
		start, end, stamp := calTimes(s, f)
		d := end.Sub(stamp.Add(30 * time.Minute))
		s.capture(52517, d <= 30*time.Minute && d >= -30*time.Minute && calFmt(start) == calFmt(c.past), "StartTime %v, want %v; EndTime %v (DtStamp %v)", start, c.past, end, stamp)
		s.equal(42911, "StartTime", calFmt(c.past), calFmt(start))
	})
}

// MSASCAL_S01_TC09: an item whose StartTime is in the future and has no
// EndTime is refused with Status 6.
func TestMSASCAL_S01_TC09_StartTimeFutureEndTimeAbsent(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		r := c.add((&calItem{}).text("Calendar:StartTime", calFmt(c.future)))
		s.equal(52518, "the Add's Status", 6, r.addStatus)
	})
}

// calCategoryNames is the Category texts of a Categories element.
func calCategoryNames(n *wbxml.Node) []string {
	var out []string
	if n != nil {
		for _, e := range n.FindAll(cmdTag("Calendar:Category")) {
			out = append(out, e.Text())
		}
	}
	return out
}

// MSASCAL_S01_TC10: the Categories of an item and of its exception; an
// item with more than 300 is refused.
func TestMSASCAL_S01_TC10_Categories(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		inException := c.category + "InException"
		it := (&calItem{}).text("Calendar:StartTime", calFmt(c.start)).text("Calendar:EndTime", calFmt(c.end))
		it.set(calCategories("Calendar:Categories", c.category)).set(c.recurrence(0, 6, 1).node())
		it.set(cmdNode("Calendar:Exceptions", calException(c.start.AddDate(0, 0, 2), calCategories("Calendar:Categories", inException))))
		f := c.addFind(c.name("subjectWithCategoriesLessThan300"), it)
		_, has := f.get("Calendar:DtStamp")
		s.capture(2083, has, "the item has no DtStamp")
		cats := calCategoryNames(calGet(f.data, "Calendar:Categories"))
		first := ""
		if len(cats) > 0 {
			first = cats[0]
		}
		s.equal(17711, "the first Category", c.category, first)
		s.equal(18311, "the first Category", c.category, first)
		var exCats []string
		if ex := calGet(f.data, "Calendar:Exceptions"); ex != nil {
			if e := calGet(ex, "Calendar:Exception"); e != nil {
				exCats = calCategoryNames(calGet(e, "Calendar:Categories"))
			}
		}
		exFirst := ""
		if len(exCats) > 0 {
			exFirst = exCats[0]
		}
		for _, id := range []int{17911, 18011, 18312} {
			s.equal(id, "the exception's first Category", inException, exFirst)
		}
		s.capture(11026, len(cats) <= 300 && len(exCats) > 0, "the item has %d categories, its exception %d", len(cats), len(exCats))

		many := make([]string, 302)
		for i := range many {
			many[i] = c.category
		}
		it = (&calItem{}).text("Calendar:StartTime", calFmt(c.start)).text("Calendar:EndTime", calFmt(c.end))
		it.set(calCategories("Calendar:Categories", many...)).set(c.recurrence(0, 6, 1).node())
		it.set(cmdNode("Calendar:Exceptions", calException(c.start.AddDate(0, 0, 2), calCategories("Calendar:Categories", many...))))
		if r := c.add(it); r.addStatus == 1 {
			s.t.Errorf("an item with 302 categories was added (Status 1)")
		}
	})
}

// calRecurrences adds the three items of a recurrence type (with
// Occurrences, with Until, with neither) and returns their Recurrence.
func (c *calSuite) calRecurrences(name string, withOcc, withUntil, only calRecurrence) []*wbxml.Node {
	c.s.t.Helper()
	var out []*wbxml.Node
	for i, r := range []calRecurrence{withOcc, withUntil, only} {
		if r == nil {
			continue
		}
		f := c.addFind(c.name(name+[]string{"AndOccurrences", "AndUntil", "Only"}[i]), (&calItem{}).set(r.node()))
		out = append(out, f.rec())
	}
	return out
}

// recWith is r with more elements set, and those named "-x" removed.
func recWith(r calRecurrence, kv ...string) calRecurrence {
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.HasPrefix(kv[i], "-") {
			delete(r, kv[i][1:])
			continue
		}
		r[kv[i]] = kv[i+1]
	}
	return r
}

// calHas reports whether a Recurrence has the child name.
func calHas(rec *wbxml.Node, name string) bool { return calGet(rec, "Calendar:"+name) != nil }

// calRecText is a Recurrence child's text.
func calRecText(rec *wbxml.Node, name string) string {
	v, _ := calText(rec, "Calendar:"+name)
	return v
}

// MSASCAL_S01_TC11: daily recurrences.
func TestMSASCAL_S01_TC11_RecurrenceWithType0(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType0",
			c.recurrence(0, 3, 2),
			recWith(c.recurrence(0, 0, 2), "Until", calFmt(c.future.AddDate(0, 0, 2))),
			c.recurrence(0, 0, 2))
		for _, r := range recs {
			s.capture(37211, r != nil, "the item has no Recurrence")
			s.capture(19511, !calHas(r, "DayOfMonth"), "a daily recurrence has a DayOfMonth")
			s.capture(32811, !calHas(r, "MonthOfYear"), "a daily recurrence has a MonthOfYear")
			s.equal(454, "Type", "0", calRecText(r, "Type"))
		}
	})
}

// MSASCAL_S01_TC12: weekly recurrences.
func TestMSASCAL_S01_TC12_RecurrenceWithType1(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType1",
			c.recurrence(1, 4, 2),
			recWith(c.recurrence(1, 0, 2), "Until", calFmt(c.future.AddDate(0, 0, 14))),
			c.recurrence(1, 0, 2))
		for _, r := range recs {
			s.capture(19512, !calHas(r, "DayOfMonth"), "a weekly recurrence has a DayOfMonth")
			s.capture(32812, !calHas(r, "MonthOfYear"), "a weekly recurrence has a MonthOfYear")
			s.equal(455, "Type", "1", calRecText(r, "Type"))
		}
	})
}

// MSASCAL_S01_TC13: monthly recurrences.
func TestMSASCAL_S01_TC13_RecurrenceWithType2(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType2",
			c.recurrence(2, 5, 2),
			recWith(c.recurrence(2, 0, 2), "Until", calFmt(c.future.AddDate(0, 2, 0))),
			c.recurrence(2, 0, 2))
		withType := c.recurrence(2, 5, 2)
		if s.version != eas.Version121 {
			withType["CalendarType"] = "1"
		}
		recs = append(recs, c.addFind(c.name("subjectWithType2AndCalendarType1"), (&calItem{}).set(withType.node())).rec())
		for _, r := range recs {
			s.capture(19011, calHas(r, "DayOfMonth"), "a monthly recurrence has no DayOfMonth")
			s.equal(456, "Type", "2", calRecText(r, "Type"))
			if s.version != eas.Version121 {
				s.capture(143, calHas(r, "CalendarType"), "a monthly recurrence has no CalendarType")
			}
			s.capture(32813, !calHas(r, "MonthOfYear"), "a monthly recurrence has a MonthOfYear")
		}
	})
}

// MSASCAL_S01_TC14: monthly recurrences on the nth day.
func TestMSASCAL_S01_TC14_RecurrenceWithType3(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType3",
			recWith(c.recurrence(3, 6, 2), "DayOfWeek", "62"),
			recWith(c.recurrence(3, 0, 2), "Until", calFmt(c.future.AddDate(0, 2, 0)), "DayOfWeek", "65"),
			recWith(c.recurrence(3, 0, 2), "DayOfWeek", "127"))
		for _, r := range recs {
			s.capture(19513, !calHas(r, "DayOfMonth"), "the recurrence has a DayOfMonth")
			s.capture(32814, !calHas(r, "MonthOfYear"), "the recurrence has a MonthOfYear")
			s.equal(457, "Type", "3", calRecText(r, "Type"))
			s.capture(47311, calHas(r, "WeekOfMonth"), "the recurrence has no WeekOfMonth")
			if s.version != eas.Version121 {
				s.capture(14311, calHas(r, "CalendarType"), "the recurrence has no CalendarType")
			}
		}
	})
}

// MSASCAL_S01_TC15: yearly recurrences.
func TestMSASCAL_S01_TC15_RecurrenceWithType5(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType5",
			c.recurrence(5, 7, 2),
			recWith(c.recurrence(5, 0, 2), "Until", calFmt(c.future.AddDate(5, 0, 0))),
			c.recurrence(5, 0, 2))
		for _, r := range recs {
			s.capture(19012, calHas(r, "DayOfMonth"), "a yearly recurrence has no DayOfMonth")
			s.capture(32311, calHas(r, "MonthOfYear"), "a yearly recurrence has no MonthOfYear")
			s.equal(458, "Type", "5", calRecText(r, "Type"))
			if s.version != eas.Version121 {
				s.capture(14312, calHas(r, "CalendarType"), "the recurrence has no CalendarType")
			}
		}
	})
}

// MSASCAL_S01_TC16: yearly recurrences on the nth day, in the last week.
func TestMSASCAL_S01_TC16_RecurrenceWithType6(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		recs := c.calRecurrences("subjectWithType6",
			recWith(c.recurrence(6, 3, 1), "WeekOfMonth", "5"),
			recWith(c.recurrence(6, 0, 1), "Until", calFmt(c.future.AddDate(5, 0, 0)), "WeekOfMonth", "5"),
			recWith(c.recurrence(6, 0, 1), "WeekOfMonth", "5"))
		for _, r := range recs {
			s.capture(19514, !calHas(r, "DayOfMonth"), "the recurrence has a DayOfMonth")
			s.capture(32312, calHas(r, "MonthOfYear"), "the recurrence has no MonthOfYear")
			s.capture(47312, calHas(r, "WeekOfMonth"), "the recurrence has no WeekOfMonth")
			s.equal(459, "Type", "6", calRecText(r, "Type"))
			if s.version != eas.Version121 {
				s.capture(14313, calHas(r, "CalendarType"), "the recurrence has no CalendarType")
			}
			s.equal(477, "WeekOfMonth", "5", calRecText(r, "WeekOfMonth"))
		}
	})
}

// MSASCAL_S01_TC17: FirstDayOfWeek as sent, and the user's when not
// sent.
func TestMSASCAL_S01_TC17_FirstDayOfWeek(t *testing.T) {
	atVersions(t, calSpec, calOnly(eas.Version141), func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subjectWithType1AndFirstDayOfWeek"), (&calItem{}).set(recWith(c.recurrence(1, 7, 5), "FirstDayOfWeek", "4").node()))
		r := f.rec()
		s.equal(272, "FirstDayOfWeek", "4", calRecText(r, "FirstDayOfWeek"))
		s.capture(52523, calRecText(r, "Type") == "1" && calHas(r, "FirstDayOfWeek"), "a weekly recurrence has Type %q and FirstDayOfWeek %v", calRecText(r, "Type"), calHas(r, "FirstDayOfWeek"))
		f = c.addFind(c.name("subjectWithoutType1AndFirstDayOfWeek"), (&calItem{}).set(c.recurrence(1, 7, 5).node()))
		s.capture(11028, calHas(f.rec(), "FirstDayOfWeek"), "a weekly recurrence sent without FirstDayOfWeek has none")
	})
}

// MSASCAL_S01_TC18: an attendee's e-mail address that is not one is
// kept as sent.
func TestMSASCAL_S01_TC18_WrongFormatEmailElement(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		subject := c.name("subjectWithWrongEmailAddress")
		it := (&calItem{}).set(calAttendees([]string{"wrongFormatEmail"}, []string{calUser2})).text("Calendar:Subject", subject)
		r := c.add(it)
		f := c.find(subject)
		s.equal(52521, "the collection's Status", 1, r.collectionStatus)
		email := ""
		if a := calGet(f.data, "Calendar:Attendees"); a != nil {
			email, _ = calText(calGet(a, "Calendar:Attendee"), "Calendar:Email")
		}
		s.equal(52529, "the attendee's Email", "wrongFormatEmail", email)
	})
}

// MSASCAL_S01_TC19: Occurrences wins over Until, and is at most 999.
func TestMSASCAL_S01_TC19_OccurrencesAndUntilBothSet(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subjectWithUntilAndOccurrences"), (&calItem{}).set(recWith(c.recurrence(0, 5, 1), "Until", calFmt(c.future.AddDate(2, 0, 0))).node()))
		r := f.rec()
		occ, until := calRecText(r, "Occurrences"), calHas(r, "Until")
		s.capture(53911, occ == "5" && !until, "Occurrences is %q and Until %v, want 5 and none", occ, until)
		s.capture(467, occ != "" && !until, "Occurrences is %q and Until %v", occ, until)
		s.capture(341, occ != "" && !until, "Occurrences is %q and Until %v", occ, until)

		f = c.addFind(c.name("subjectWithOccurrences999"), (&calItem{}).set(c.recurrence(0, 999, 1).node()))
		occ = calRecText(f.rec(), "Occurrences")
		res := c.add((&calItem{}).set(c.recurrence(0, 1000, 1).node()))
		s.capture(345, occ == "999" && res.addStatus == 6, "999 occurrences come back as %q; 1000 are answered Status %d, want 6", occ, res.addStatus)
	})
}

// MSASCAL_S01_TC20: IsLeapMonth.
func TestMSASCAL_S01_TC20_IsLeapMonth(t *testing.T) {
	atVersions(t, calSpec, calOnly(eas.Version140, eas.Version141), func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subjectWithIsLeapMonth0"), (&calItem{}).set(recWith(c.recurrence(5, 5, 1), "IsLeapMonth", "0").node()))
		s.equal(608, "IsLeapMonth", "0", calRecText(f.rec(), "IsLeapMonth"))

		f = c.addFind(c.name("subjectWithCalendarTypeWithoutIsLeapMonth"), (&calItem{}).set(recWith(c.recurrence(5, 5, 1), "CalendarType", "15").node()))
		has := calHas(f.rec(), "IsLeapMonth")
		s.capture(28411, has, "the recurrence has no IsLeapMonth")
		s.capture(288, has, "the recurrence has no IsLeapMonth")
		s.equal(293, "IsLeapMonth", "0", calRecText(f.rec(), "IsLeapMonth"))

		in2017 := func() *calItem {
			return (&calItem{}).text("Calendar:StartTime", calFmt(time.Date(2017, 1, 1, 1, 0, 0, 0, time.UTC))).text("Calendar:EndTime", calFmt(time.Date(2017, 1, 1, 2, 0, 0, 0, time.UTC)))
		}
		f = c.addFind(c.name("subjectWithCalendarTypeAndIsLeapMonth"), in2017().set(recWith(c.recurrence(5, 5, 1), "MonthOfYear", "6", "CalendarType", "1", "IsLeapMonth", "1").node()))
		r := f.rec()
		s.capture(290, calHas(r, "IsLeapMonth") && calRecText(r, "IsLeapMonth") != "1", "IsLeapMonth of a Gregorian recurrence is %q", calRecText(r, "IsLeapMonth"))

		// The Chinese lunar one keeps the default subject, as the original.
		c.add(in2017().set(recWith(c.recurrence(5, 5, 1), "MonthOfYear", "6", "CalendarType", "15", "IsLeapMonth", "1").node()))
		r = c.find(c.subject).rec()
		s.capture(609, calRecText(r, "IsLeapMonth") == "1", "IsLeapMonth of a Chinese lunar recurrence is %q", calRecText(r, "IsLeapMonth"))
	})
}

// calMultipleCalendarType is AddCalendarWithMultipleCalendarType: a
// meeting whose Recurrence of type typ has two CalendarType.
func (c *calSuite) calMultipleCalendarType(typ string) calAddResult {
	c.s.t.Helper()
	rec := []*wbxml.Node{cmdText("Calendar:Type", typ), cmdText("Calendar:Occurrences", "3"), cmdText("Calendar:Interval", "0")}
	switch typ {
	case "2":
		rec = append(rec, cmdText("Calendar:DayOfMonth", "1"))
	case "3":
		rec = append(rec, cmdText("Calendar:WeekOfMonth", "1"), cmdText("Calendar:DayOfWeek", "1"))
	case "5":
		rec = append(rec, cmdText("Calendar:DayOfMonth", "1"), cmdText("Calendar:MonthOfYear", "1"))
	case "6":
		rec = append(rec, cmdText("Calendar:WeekOfMonth", "1"), cmdText("Calendar:MonthOfYear", "1"))
	}
	rec = append(rec, cmdText("Calendar:CalendarType", "1"), cmdText("Calendar:CalendarType", "2"))
	it := &calItem{
		cmdText("Calendar:Subject", "TestMail"), cmdText("Calendar:MeetingStatus", "1"),
		cmdText("Calendar:UID", "040000008200E00074C5B7101A82E00800000000B0CD1F52EBBDC901000000000000000010000000B05E442FCB2CA443BF3D99B51A729FE6"),
		cmdText("Calendar:Timezone", calBeijing),
		cmdNode("Calendar:Attendees", cmdNode("Calendar:Attendee", cmdText("Calendar:Email", "EAS_User02@contoso.com"), cmdText("Calendar:Name", "EAS_User02"),
			cmdText("Calendar:AttendeeStatus", "3"), cmdText("Calendar:AttendeeType", "1"))),
		cmdNode("Calendar:Recurrence", rec...),
		cmdText("Calendar:ResponseRequested", "1"), cmdText("Calendar:Reminder", "10"),
	}
	return c.addRaw(it)
}

// MSASCAL_S01_TC21: a Recurrence with two CalendarType is refused.
func TestMSASCAL_S01_TC21_Status6WithMultiCalendarType(t *testing.T) {
	atVersions(t, calSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := calLab(s)
		var got []int
		for _, typ := range []string{"2", "3", "5", "6"} {
			got = append(got, c.calMultipleCalendarType(typ).addStatus)
		}
		s.equal(53912, "the Statuses of adding recurrences of type 2, 3, 5, 6 with two CalendarType", []int{6, 6, 6, 6}, got)
	})
}

// MSASCAL_S01_TC22: CalendarType values MS-ASCAL does not define are
// refused.
func TestMSASCAL_S01_TC22_Status6WithSpecifiedCalendarType(t *testing.T) {
	atVersions(t, calSpec, calOnly(eas.Version140, eas.Version141), func(t *testing.T, s *site) {
		c := calLab(s)
		var got []int
		for _, ct := range []string{"13", "16", "17", "18", "19", "21", "22", "23"} {
			got = append(got, c.add((&calItem{}).set(recWith(c.recurrence(2, 3, 3), "CalendarType", ct).node())).addStatus)
		}
		s.equal(53913, "the Statuses of adding recurrences with CalendarType 13, 16-19, 21-23", []int{6, 6, 6, 6, 6, 6, 6, 6}, got)
	})
}

// MSASCAL_S01_TC23: a FirstDayOfWeek out of 0 to 6 is refused.
func TestMSASCAL_S01_TC23_Status6WithOutsideRangeFirstDayOfWeek(t *testing.T) {
	atVersions(t, calSpec, calOnly(eas.Version141, eas.Version161), func(t *testing.T, s *site) {
		c := calLab(s)
		r := c.add((&calItem{}).set(recWith(c.recurrence(0, 3, 3), "FirstDayOfWeek", "7").node()))
		s.equal(53914, "the Add's Status", 6, r.addStatus)
	})
}

// calStatus6 captures id: recurrences of each type in types with name
// set to value are all refused.
func (c *calSuite) calStatus6(id int, name, value string, types ...int) {
	c.s.t.Helper()
	var got, want []int
	for _, typ := range types {
		got = append(got, c.add((&calItem{}).set(recWith(c.recurrence(typ, 3, 3), name, value).node())).addStatus)
		want = append(want, 6)
	}
	c.s.equal(id, fmt.Sprintf("the Statuses of adding recurrences of types %v with %s", types, name), want, got)
}

// MSASCAL_S01_TC24: DayOfMonth with types 0, 1, 3, 6 is refused.
func TestMSASCAL_S01_TC24_Status6WithDayOfMonth(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		calLab(s).calStatus6(53916, "DayOfMonth", "10", 0, 1, 3, 6)
	})
}

// MSASCAL_S01_TC25: DayOfWeek with types 2, 5 is refused.
func TestMSASCAL_S01_TC25_Status6WithDayOfWeek(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		calLab(s).calStatus6(53917, "DayOfWeek", "1", 2, 5)
	})
}

// MSASCAL_S01_TC26: MonthOfYear with types 0 to 3 is refused.
func TestMSASCAL_S01_TC26_Status6WithMonthOfYear(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		calLab(s).calStatus6(53918, "MonthOfYear", "10", 0, 1, 2, 3)
	})
}

// MSASCAL_S01_TC27: WeekOfMonth with types 0, 1, 2, 5 is refused.
func TestMSASCAL_S01_TC27_Status6WithWeekOfMonth(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		calLab(s).calStatus6(53919, "WeekOfMonth", "3", 0, 1, 2, 5)
	})
}

// calMeeting is the meeting TC28, TC33 and TC34 add: times, before 16.0
// a daily recurrence with an exception (exception) and a Location, User2
// as attendee, MeetingStatus 1 and from 14.0 ResponseRequested and
// DisallowNewTimeProposal.
func (c *calSuite) calMeeting(subject string, rec calRecurrence, exceptions *wbxml.Node) *calItem {
	it := (&calItem{}).text("Calendar:StartTime", calFmt(c.start)).text("Calendar:EndTime", calFmt(c.end))
	if !c.s.version.AtLeast(eas.Version160) {
		it.set(rec.node()).set(exceptions).text("Calendar:Location", c.location)
	}
	it.set(calAttendees([]string{mailAddress(calUser2)}, []string{calUser2})).text("Calendar:MeetingStatus", "1")
	if c.s.version != eas.Version121 {
		it.text("Calendar:ResponseRequested", "1").text("Calendar:DisallowNewTimeProposal", "1")
	}
	return it.text("Calendar:Subject", subject)
}

// calSupported is the Supported of TC28 and TC31.
func calSupported() eas.TagList {
	var l eas.TagList
	for _, n := range []string{"Exceptions", "DtStamp", "Categories", "Sensitivity", "BusyStatus", "UID", "Timezone", "StartTime", "EndTime", "Subject", "Location", "Recurrence", "AllDayEvent", "Reminder"} {
		l = append(l, cmdTag("Calendar:"+n))
	}
	return l
}

// change is UpdateCalendarProperty: a Sync Change of the item with props.
func (c *calSuite) change(key, serverID string, props ...*wbxml.Node) *eas.SyncResponse {
	c.s.t.Helper()
	return c.sync(calSyncRequest(key, c.my().calendar, false, nil, eas.SyncCommand{Kind: eas.SyncChange, ServerId: serverID, ApplicationData: cmdNode("AirSync:ApplicationData", props...)}))
}

// MSASCAL_S01_TC28: what a Change that names only the Subject keeps.
func TestMSASCAL_S01_TC28_GhostedElements(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		exStart := c.start.AddDate(0, 0, 3)
		exception := calException(exStart, cmdText("Calendar:Subject", "Calendar Exception"),
			cmdText("Calendar:StartTime", calFmt(exStart.Add(15*time.Minute))), cmdText("Calendar:EndTime", calFmt(exStart.Add(135*time.Minute))),
			cmdText("Calendar:Location", "Room 666"))
		subject := c.name("subject")
		c.add(c.calMeeting(subject, c.recurrence(0, 6, 1), cmdNode("Calendar:Exceptions", exception)))
		f := c.find(subject)

		var supported eas.TagList
		if !s.version.AtLeast(eas.Version160) {
			supported = calSupported()
		}
		key := c.initialize(supported)
		c.sync(calSyncRequest(key, c.my().calendar, true, nil))
		newSubject := c.name("newSubject")
		c.change(c.syncKey, f.serverID, cmdText("Calendar:Subject", newSubject))
		g := c.find(newSubject)

		body := func(x calFound) string {
			b := calGet(x.data, "AirSyncBase:Body")
			d, _ := calText(b, "AirSyncBase:Data")
			ty, _ := calText(b, "AirSyncBase:Type")
			return ty + "|" + d
		}
		s.capture(128, body(f) == body(g) && calGet(g.data, "AirSyncBase:Body") != nil, "the Body was %q and is %q", body(f), body(g))
		same := func(id int, qname string, fold bool) {
			a, okA := f.get(qname)
			b, okB := g.get(qname)
			if fold {
				a, b = strings.ToLower(a), strings.ToLower(b)
			}
			s.capture(id, okA == okB && a == b, "%s was %q (%v) and is %q (%v)", qname, a, okA, b, okB)
		}
		if s.version != eas.Version121 {
			same(399, "Calendar:ResponseRequested", false)
			same(419, "Calendar:ResponseType", false)
		}
		same(319, "Calendar:MeetingStatus", false)
		same(365, "Calendar:OrganizerEmail", true)
		same(370, "Calendar:OrganizerName", true)
		att := func(x calFound) string {
			a := calGet(x.data, "Calendar:Attendees")
			if a == nil {
				return ""
			}
			var b strings.Builder
			for _, e := range a.FindAll(cmdTag("Calendar:Attendee")) {
				for _, n := range []string{"Email", "Name", "AttendeeStatus", "AttendeeType"} {
					v, ok := calText(e, "Calendar:"+n)
					b.WriteString(n + "=" + v + strings.Repeat("?", map[bool]int{true: 0, false: 1}[ok]) + ";")
				}
			}
			return b.String()
		}
		s.capture(111, att(f) != "" && att(f) == att(g), "the Attendees were %q and are %q", att(f), att(g))
		same(217, "Calendar:DisallowNewTimeProposal", false)
		if !s.version.AtLeast(eas.Version160) {
			s.gap("issue 15: a Change that leaves out a property Supported lists keeps it instead of deleting it (simulator/sync.go applyClientCommandsLocked, ghosting)", 301)
			loc, has := g.get("Calendar:Location")
			s.capture(301, !has, "the Location the Change left out is still %q", loc)
		}
	})
}

// MSASCAL_S01_TC29: ItemOperations Fetch of an item with a Schema of
// Subject answers the Subject only.
func TestMSASCAL_S01_TC29_ItemOperations(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		subject := c.name("subject")
		f := c.addFind(subject, &calItem{})
		req := &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: c.my().calendar, ServerId: f.serverID,
			Options: &eas.FetchOptions{BodyPreference: []eas.BodyPreference{{Type: 2}}, Schema: eas.TagList{cmdTag("Calendar:Subject")}}}}}}
		a := c.send(eas.CommandItemOperations, req)
		var r eas.ItemOperationsResponse
		a.decode(s, &r)
		var props *wbxml.Node
		if r.Response != nil && len(r.Response.Results) > 0 && r.Response.Results[0].Fetch != nil {
			props = r.Response.Results[0].Fetch.Properties
		}
		var names []string
		calendar := props != nil
		if props != nil {
			for _, e := range props.Elements() {
				names = append(names, e.Tag.Name)
				calendar = calendar && e.Tag.Namespace == "Calendar"
			}
		}
		// The adapter's captures of every fetched calendar item.
		s.capture(529, calendar, "the fetched Properties hold %v, not Calendar elements", names)
		s.capture(531, calendar, "the fetched Properties hold %v, not Calendar elements", names)
		s.equal(530, "the elements of Properties", []string{"Subject"}, names)
		if r.Status != 1 {
			s.t.Fatalf("the ItemOperations has Status %d, want 1", r.Status)
		}
		s.capture(525, props != nil, "the answer has no Properties")
		s.capture(528, props != nil, "the answer has no Properties")
	})
}

// MSASCAL_S01_TC30: Search of the calendar finds an item by its subject.
func TestMSASCAL_S01_TC30_Search(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		subject := c.name("subject")
		c.addFind(subject, &calItem{})
		req := &eas.SearchRequest{Store: &eas.SearchStore{Name: "Mailbox",
			Query:   &eas.SearchQuery{And: &eas.SearchQuery{CollectionId: []string{c.my().calendar}, FreeText: []string{subject}}},
			Options: &eas.SearchOptions{DeepTraversal: true, RebuildResults: true, Range: "0-9"}}}
		var r eas.SearchResponse
		c.call(eas.CommandSearch, req, &r)
		if r.Status != 1 {
			s.t.Fatalf("the Search has Status %d, want 1", r.Status)
		}
		n := 0
		if r.Response != nil && r.Response.Store != nil {
			n = len(r.Response.Store.Result)
			// The adapter's captures of every result: its Properties are
			// the item's Calendar elements.
			for _, res := range r.Response.Store.Result {
				_, ok := calText(res.Properties, "Calendar:Subject")
				s.capture(534, ok, "a result's Properties have no Calendar:Subject")
				s.capture(535, ok, "a result's Properties have no Calendar:Subject")
			}
		}
		s.capture(533, n > 0, "the Search found %d results", n)
		s.capture(523, n > 0, "the Search found %d results", n)
	})
}

// calExceptionFields is what TC31 and TC34 compare of an item's first
// exception.
func calExceptionFields(f calFound) map[string]string {
	out := map[string]string{}
	ex := calGet(calGet(f.data, "Calendar:Exceptions"), "Calendar:Exception")
	if ex == nil {
		return nil
	}
	for _, n := range []string{"ExceptionStartTime", "StartTime", "EndTime", "Subject", "Location"} {
		v, ok := calText(ex, "Calendar:"+n)
		if ok {
			out[n] = v
		}
	}
	return out
}

// MSASCAL_S01_TC31: exceptions stay when a Sync does not name them.
func TestMSASCAL_S01_TC31_UnchangedExceptions(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		exStart := c.start.AddDate(0, 0, 3)
		exception := calException(exStart, cmdText("Calendar:Subject", "Calendar Exception"),
			cmdText("Calendar:StartTime", calFmt(exStart.Add(15*time.Minute))), cmdText("Calendar:EndTime", calFmt(exStart.Add(135*time.Minute))),
			cmdText("Calendar:Location", "Room 666"))
		subject := c.name("subject")
		it := (&calItem{}).text("Calendar:StartTime", calFmt(c.start)).text("Calendar:EndTime", calFmt(c.end)).set(c.recurrence(0, 6, 1).node())
		it.set(cmdNode("Calendar:Exceptions", exception))
		f := c.addFind(subject, it)
		want := calExceptionFields(f)

		key := c.initialize(calSupported())
		r := c.sync(calSyncRequest(key, c.my().calendar, true, nil))
		var created calFound
		if col := cmdCollection(r); col != nil {
			for _, a := range col.Commands {
				if a.Kind == eas.SyncAdd && cmdSubject(a.ApplicationData) == subject {
					created = calFound{a.ServerId, a.ApplicationData}
				}
			}
		}
		if created.data == nil {
			s.t.Fatalf("the Sync after Supported did not send the item")
		}
		r = c.sync(calSyncRequest(c.syncKey, c.my().calendar, false, nil))
		if col := cmdCollection(r); col != nil && len(col.Responses) != 0 {
			s.t.Fatalf("a Sync without commands answered %d responses", len(col.Responses))
		}
		updated := c.find(subject)
		got1, got2 := calExceptionFields(created), calExceptionFields(updated)
		s.capture(54111, want != nil && equalMaps(want, got1), "the exception was %v and is %v", want, got1)
		s.capture(541, want != nil && equalMaps(want, got2), "the exception was %v and is %v", want, got2)
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// MSASCAL_S01_TC32: the server makes the UID of an item added without
// one (from 16.0 the client sends ClientUid only).
func TestMSASCAL_S01_TC32_WithoutUID(t *testing.T) {
	atVersions(t, calSpec, versions, func(t *testing.T, s *site) {
		c := calLab(s)
		it := c.defaultCalendar().del("Calendar:UID")
		r := c.addRaw(it)
		if r.collectionStatus != 1 {
			s.t.Fatalf("the Sync has Status %d, want 1", r.collectionStatus)
		}
		f := c.find(c.subject)
		if s.version.AtLeast(eas.Version160) {
			_, has := f.get("Calendar:UID")
			s.capture(2223, has, "the item the server created has no UID")
		}
	})
}

// calExceptionMeeting adds TC33's and TC34's meeting and returns it, the
// exception as sent, and the key of a Sync after it.
func (c *calSuite) calExceptionMeeting() (calFound, calRecurrence, time.Time, string) {
	c.s.t.Helper()
	exStart := c.start.AddDate(0, 0, 3)
	exception := calException(exStart, cmdText("Calendar:Subject", "Calendar Exception"), cmdText("Calendar:Location", "Room 666"))
	subject := c.name("subject")
	rec := c.recurrence(0, 6, 1)
	c.add(c.calMeeting(subject, rec, cmdNode("Calendar:Exceptions", exception)))
	f := c.find(subject)
	key := c.initialize(nil)
	c.sync(calSyncRequest(key, c.my().calendar, true, nil))
	return f, rec, exStart, subject
}

// MSASCAL_S01_TC33: an exception's property deleted with an empty
// element comes back empty.
func TestMSASCAL_S01_TC33_DeletePropertyOfException(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		f, rec, exStart, subject := c.calExceptionMeeting()
		ex := calException(exStart, cmdText("Calendar:Subject", "Calendar Exception"), cmdText("Calendar:Location", ""))
		c.change(c.syncKey, f.serverID, cmdNode("Calendar:Exceptions", ex), rec.node(), cmdText("Calendar:Subject", subject))
		g := c.find(subject)
		empty := false
		if e := calGet(calGet(g.data, "Calendar:Exceptions"), "Calendar:Exception"); e != nil {
			loc := calGet(e, "Calendar:Location")
			empty = loc != nil && loc.Text() == ""
		}
		for _, id := range []int{2242, 539, 543} {
			s.capture(id, empty, "the exception's deleted Location is not sent as an empty element")
		}
	})
}

// MSASCAL_S01_TC34: an exception's property a Change leaves out stays.
func TestMSASCAL_S01_TC34_ExcludePropertyOfException(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		f, rec, exStart, subject := c.calExceptionMeeting()
		ex := calException(exStart, cmdText("Calendar:Subject", "Calendar Exception"))
		c.change(c.syncKey, f.serverID, cmdNode("Calendar:Exceptions", ex), rec.node(), cmdText("Calendar:Subject", subject))
		got := calExceptionFields(c.find(subject))
		s.capture(542, got["Subject"] == "Calendar Exception" && got["Location"] == "Room 666", "the exception is %v, want Subject Calendar Exception and Location Room 666", got)
	})
}

// MSASCAL_S01_TC35: Interval 0 comes back as 1 (Exchange 2010 SP1 and
// later; R4, Exchange 2007's Status 6, is not enabled for Exchange 2019).
func TestMSASCAL_S01_TC35_RecurrenceWithInterval0(t *testing.T) {
	atVersions(t, calSpec, calUpTo141, func(t *testing.T, s *site) {
		c := calLab(s)
		it := c.defaultCalendar().set(c.recurrence(0, 3, 0).node())
		r := c.addRaw(it)
		if r.addStatus != 1 {
			s.t.Fatalf("adding a recurrence with Interval 0 answered Status %d", r.addStatus)
		}
		s.equal(5, "Interval", "1", calRecText(c.find(c.subject).rec(), "Interval"))
	})
}

// MSASCAL_S01_TC36: CalendarType 1 comes back as sent (R2239, Exchange
// 2010; R3, Exchange 2013 SP1's 0, is not enabled for Exchange 2019).
func TestMSASCAL_S01_TC36_RecurrenceWithCalendarType1(t *testing.T) {
	atVersions(t, calSpec, calOnly(eas.Version140, eas.Version141), func(t *testing.T, s *site) {
		c := calLab(s)
		f := c.addFind(c.name("subjectWithType2AndCalendarType1"), (&calItem{}).set(recWith(c.recurrence(2, 5, 2), "CalendarType", "1").node()))
		ct := calRecText(f.rec(), "CalendarType")
		s.capture(2239, ct != "" && ct != "0", "CalendarType is %q, want other than 0", ct)
	})
}
