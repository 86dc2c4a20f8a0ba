package conformance

import (
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASEMAIL S03: e-mail flags. User01 mails User02, who flags the
// message with a Sync Change and reads the flag back.

// flagged is the start of most S03 tests: a plain text message to User02,
// found in the Inbox, flagged with f (AddEmailFag: the Change with the
// key of the Sync that found it, then the changes since that key); it
// returns the message's ServerId, the changes' collection and the
// changed message (nil when the changes do not hold it).
func (c *emailClient) flagged(f emailFlag) (string, *eas.SyncCollection, *eas.Email) {
	c.s.t.Helper()
	c.subject = c.name("subject")
	c.sendPlaintextEmail(c.subject)
	it := c.getSyncResult(c.subject, c.inbox(), nil, nil)
	key := c.syncKey
	if st := changeStatus(c.updateEmail(key, it.serverID, nil, f.node()), it.serverID); st != 0 {
		c.s.t.Fatalf("the Change that flags the message has Status %d", st)
	}
	col := c.syncChanges(key)
	return it.serverID, col, c.changedEmail(col, it.serverID)
}

// mustChanged stops the test when the changes do not hold the message.
func (c *emailClient) mustChanged(col *eas.SyncCollection, e *eas.Email) *eas.Email {
	c.s.t.Helper()
	if col == nil || col.Status != 1 || e == nil {
		c.s.t.Fatal("the changes of the flagged message do not hold it with Status 1")
	}
	if e.Flag == nil {
		c.s.t.Fatal("the flagged message has no Flag")
	}
	return e
}

// refused is the start of the tests of flags Exchange refuses: a
// message to User02, found in the Inbox, and the Change that flags it
// with f; it returns the Change's Status.
func (c *emailClient) refused(f emailFlag) int {
	c.s.t.Helper()
	subject := c.name("subject")
	c.sendPlaintextEmail(subject)
	it := c.getSyncResult(subject, c.inbox(), nil, nil)
	return changeStatus(c.updateEmail(c.syncKey, it.serverID, nil, f.node()), it.serverID)
}

// reflag flags a message with first, then changes its flag to second
// with the key of the first changes (the suite's update and clear
// steps), and returns the Change's Status and the message as the changes
// since that key carry it.
func (c *emailClient) reflag(first, second emailFlag) (int, *eas.Email) {
	c.s.t.Helper()
	id, col, e := c.flagged(first)
	c.mustChanged(col, e)
	st := changeStatus(c.updateEmail(col.SyncKey, id, nil, second.node()), id)
	if st != 0 {
		return st, nil
	}
	again := c.syncChanges(col.SyncKey)
	changed := c.changedEmail(again, id)
	if again == nil || again.Status != 1 || changed == nil {
		c.s.t.Fatal("the changes after the second flag do not hold the message")
	}
	return 0, changed
}

// flagCleared reports whether a message's flag is empty.
func flagCleared(f *eas.Flag) bool {
	return f == nil || (f.Status == nil && f.FlagType == "" && f.Subject == "" && f.StartDate == "" && f.DueDate == "" &&
		f.UtcStartDate == "" && f.UtcDueDate == "" && f.ReminderSet == nil && f.ReminderTime == "")
}

// The flags the suite sends most.
var (
	emailFlagDates = emailFlag{status: "2", flagType: "for Follow Up", startDate: day(0), utcStartDate: day(0), dueDate: day(20), utcDueDate: day(20)}
)

// emailTaskFlag is the flag of a task (TC27 to TC31): a subject, the four
// dates and a reminder.
func emailTaskFlag(c *emailClient) emailFlag {
	return emailFlag{status: "2", flagType: "Flag for follow up", subject: c.name("FlagSubject"), startDate: day(0), utcStartDate: day(0),
		dueDate: day(20), utcDueDate: day(20), reminderSet: "1", reminderTime: day(0)}
}

// MSASEMAIL_S03_TC01: a flag with every element is kept with its
// SubOrdinalDate and ReminderSet.
func TestMSASEMAIL_S03_TC01_AddFlag_AllElements(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailFlag{status: "2", flagType: "for Follow Up", subject: c.name("FlagSubject"), startDate: day(0), utcStartDate: day(0),
			dueDate: day(20), utcDueDate: day(20), ordinal: day(0), reminderSet: "1", reminderTime: day(12), completeTime: day(30), dateCompleted: day(30),
			subOrdinal: emailDate(0)})
		f := c.mustChanged(col, e).Flag
		s.capture(1007, f.SubOrdinalDate != "", "the flag has no SubOrdinalDate")
		s.capture(692, f.ReminderSet != nil && *f.ReminderSet, "the flag's ReminderSet is %s", fmtBool(f.ReminderSet))
	})
}

// MSASEMAIL_S03_TC02: a flag Status other than 0, 1 or 2 is refused.
func TestMSASEMAIL_S03_TC02_AddFlag_InvalidStatus(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		s.equal(757, "the Change's Status for a flag Status 3", 6, c.refused(emailFlag{status: "3", flagType: "for Follow Up", completeTime: day(0), dateCompleted: day(0)}))
	})
}

// MSASEMAIL_S03_TC03: a completed flag with CompleteTime has its
// DateCompleted.
func TestMSASEMAIL_S03_TC03_AddFlag_CompleteTimeAndDateCompleted(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailFlag{status: "1", flagType: "for Follow Up", completeTime: day(0), dateCompleted: day(0)})
		f := c.mustChanged(col, e).Flag
		if f.CompleteTime == "" {
			t.Fatal("the completed flag has no CompleteTime")
		}
		s.capture(336, f.DateCompleted != "", "the completed flag has no DateCompleted")
	})
}

// MSASEMAIL_S03_TC04: ReminderSet 1 without ReminderTime is refused.
func TestMSASEMAIL_S03_TC04_AddFlag_InvalidReminder(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		s.equal(702, "the Change's Status for ReminderSet without ReminderTime", 6, c.refused(emailFlag{status: "2", flagType: "for Follow Up", reminderSet: "1"}))
	})
}

// MSASEMAIL_S03_TC05: a DueDate before the StartDate is refused.
func TestMSASEMAIL_S03_TC05_AddFlag_DueDateBeforeStartDate(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st := c.refused(emailFlag{status: "2", flagType: "for Follow Up", startDate: day(20), utcStartDate: day(20), dueDate: day(10), utcDueDate: day(30)})
		for _, id := range []int{407, 739, 741} {
			s.equal(id, "the Change's Status for a DueDate before the StartDate", 6, st)
		}
	})
}

// MSASEMAIL_S03_TC06: a UtcDueDate before the UtcStartDate is refused.
func TestMSASEMAIL_S03_TC06_AddFlag_UtcDueDateBeforeUtcStartDate(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st := c.refused(emailFlag{status: "2", flagType: "for Follow Up", startDate: day(20), utcStartDate: day(20), dueDate: day(30), utcDueDate: day(0)})
		for _, id := range []int{851, 862} {
			s.equal(id, "the Change's Status for a UtcDueDate before the UtcStartDate", 6, st)
		}
	})
}

// MSASEMAIL_S03_TC07: StartDate and DueDate without their UTC twins are
// refused.
func TestMSASEMAIL_S03_TC07_AddFlag_InvalidDate(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st := c.refused(emailFlag{status: "2", flagType: "for Follow Up", startDate: day(0), dueDate: day(20)})
		for _, id := range []int{409, 864, 853} {
			s.equal(id, "the Change's Status for two of the four dates", 6, st)
		}
	})
}

// MSASEMAIL_S03_TC08: the four dates in order are accepted.
func TestMSASEMAIL_S03_TC08_AddFlag_ValidDate(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, _ := c.flagged(emailFlag{status: "2", flagType: "for Follow Up", startDate: day(0), utcStartDate: day(0), dueDate: day(20), utcDueDate: day(20)})
		ok := col != nil && col.Status == 1
		for _, id := range []int{850, 861, 738, 406} {
			s.capture(id, ok, "the changes after a flag with its dates in order do not answer Status 1")
		}
	})
}

// MSASEMAIL_S03_TC11: flagging with the first set of required properties;
// a flag without ReminderSet reads ReminderSet 0.
func TestMSASEMAIL_S03_TC11_FlagEmail_RequiredPropertiesOption1(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailFlag{status: "2", flagType: "Flag for follow up", startDate: day(0), utcStartDate: day(0), dueDate: day(20), utcDueDate: day(20)})
		f := c.mustChanged(col, e).Flag
		s.capture(940, true, "")
		for _, id := range []int{693, 1072} {
			s.capture(id, f.ReminderSet != nil && !*f.ReminderSet, "the flag's ReminderSet is %s, want 0", fmtBool(f.ReminderSet))
		}
	})
}

// MSASEMAIL_S03_TC12: Status 1 with CompleteTime and DateCompleted
// completes the flag.
func TestMSASEMAIL_S03_TC12_MarkEmailComplete(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailFlag{status: "1", completeTime: day(0), dateCompleted: day(0)})
		f := c.mustChanged(col, e).Flag
		s.capture(86, true, "")
		s.capture(334, f.CompleteTime != "", "the completed flag has no CompleteTime")
	})
}

// MSASEMAIL_S03_TC13: Status 0 clears a flag.
func TestMSASEMAIL_S03_TC13_ClearEmailFlag_Status0(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st, e := c.reflag(emailFlagDates, emailFlag{status: "0"})
		s.capture(88, st == 0 && flagCleared(e.Flag), "clearing with Status 0: the Change's Status %d, the flag %+v", st, e)
	})
}

// MSASEMAIL_S03_TC14: an empty Flag clears a flag.
func TestMSASEMAIL_S03_TC14_ClearEmailFlag_EmptyNode(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st, e := c.reflag(emailFlagDates, emailFlag{})
		s.capture(8800, st == 0 && flagCleared(e.Flag), "clearing with an empty Flag: the Change's Status %d, the flag %+v", st, e)
	})
}

// MSASEMAIL_S03_TC15: a flag's FlagType is updated by a Change.
func TestMSASEMAIL_S03_TC15_UpdateEmailFlagMetadata(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		first := emailFlagDates
		first.flagType = "Flag for follow up"
		st, e := c.reflag(first, emailFlag{status: "2", flagType: "for Follow Up"})
		if st != 0 {
			t.Fatalf("the Change that updates the flag has Status %d", st)
		}
		s.capture(1021, true, "")
		got := ""
		if e.Flag != nil {
			got = e.Flag.FlagType
		}
		s.equal(90, "the updated FlagType", "for Follow Up", got)
	})
}

// MSASEMAIL_S03_TC16: a flag update without FlagType is refused.
func TestMSASEMAIL_S03_TC16_UpdateEmailFlag_Error(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		first := emailFlagDates
		first.flagType = "Flag for follow up"
		st, _ := c.reflag(first, emailFlag{status: "2"})
		s.equal(92, "the Change's Status for a flag of Status 2 alone", 6, st)
	})
}

// flagTwice is FlagEmailWithAddtionalFlagElement: a message flagged with
// every element and Read 1, with extra (an element the flag has) sent a
// second time; it returns the Change's Status (0: none, no error).
func (c *emailClient) flagTwice(extra *wbxml.Node) int {
	c.s.t.Helper()
	subject := c.name("subject")
	c.sendPlaintextEmail(subject)
	it := c.getSyncResult(subject, c.inbox(), nil, nil)
	f := emailFlag{status: "2", flagType: "for Follow Up", subject: subject, startDate: day(0), utcStartDate: day(0), dueDate: day(20),
		utcDueDate: day(20), ordinal: day(0), reminderSet: "1", reminderTime: day(12), subOrdinal: "1/1/0001 12:00:00 AM", extra: []*wbxml.Node{extra}}
	return changeStatus(c.updateEmail(c.syncKey, it.serverID, airsPtr(true), f.node()), it.serverID)
}

// flagTwiceTest is the S03 tests TC17 to TC25: an element of the flag
// twice is no protocol error.
func flagTwiceTest(t *testing.T, id int, qname, value string) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		s.equal(id, "the Change's Status with "+qname+" twice (0: none)", 0, c.flagTwice(cmdText(qname, value)))
	})
}

// MSASEMAIL_S03_TC17: two DueDate.
func TestMSASEMAIL_S03_TC17_IncludedTwoDueDateElement(t *testing.T) {
	flagTwiceTest(t, 581, "Tasks:DueDate", emailDate(20))
}

// MSASEMAIL_S03_TC18: two OrdinalDate.
func TestMSASEMAIL_S03_TC18_IncludedTwoOrdinalDateElement(t *testing.T) {
	flagTwiceTest(t, 634, "Tasks:OrdinalDate", emailDate(0))
}

// MSASEMAIL_S03_TC19: two ReminderSet.
func TestMSASEMAIL_S03_TC19_IncludedTwoReminderSetElement(t *testing.T) {
	flagTwiceTest(t, 697, "Tasks:ReminderSet", "1")
}

// MSASEMAIL_S03_TC20: two ReminderTime.
func TestMSASEMAIL_S03_TC20_IncludedTwoReminderTimeElement(t *testing.T) {
	flagTwiceTest(t, 706, "Tasks:ReminderTime", emailDate(12))
}

// MSASEMAIL_S03_TC21: two StartDate.
func TestMSASEMAIL_S03_TC21_IncludedTwoStartDateElement(t *testing.T) {
	flagTwiceTest(t, 746, "Tasks:StartDate", emailDate(0))
}

// MSASEMAIL_S03_TC22: two Status.
func TestMSASEMAIL_S03_TC22_IncludedTwoStatusElement(t *testing.T) {
	flagTwiceTest(t, 761, "Email:Status", "1")
}

// MSASEMAIL_S03_TC23: two SubOrdinalDate.
func TestMSASEMAIL_S03_TC23_IncludedTwoSubOrdinalDateElement(t *testing.T) {
	flagTwiceTest(t, 777, "Tasks:SubOrdinalDate", "12/5/2026 5:00:00 AM")
}

// MSASEMAIL_S03_TC24: two UtcDueDate.
func TestMSASEMAIL_S03_TC24_IncludedTwoUtcDueDateElement(t *testing.T) {
	flagTwiceTest(t, 858, "Tasks:UtcDueDate", emailDate(20))
}

// MSASEMAIL_S03_TC25: two UtcStartDate.
func TestMSASEMAIL_S03_TC25_IncludedTwoUtcStartDateElement(t *testing.T) {
	flagTwiceTest(t, 869, "Tasks:UtcStartDate", emailDate(0))
}

// MSASEMAIL_S03_TC26: flagging with the second set of required
// properties (DateCompleted and CompleteTime).
func TestMSASEMAIL_S03_TC26_FlagEmail_RequiredPropertiesOption2(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailFlag{status: "2", flagType: "Flag for follow up", dateCompleted: day(1), completeTime: day(1)})
		s.capture(941, col != nil && col.Status == 1 && e != nil, "the changes after the flag do not hold the message with Status 1")
	})
}

// MSASEMAIL_S03_TC27: flagging a task with its required properties.
func TestMSASEMAIL_S03_TC27_FlagTask_RequiredProperties(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailTaskFlag(c))
		s.capture(942, col != nil && col.Status == 1 && e != nil, "the changes after the flag do not hold the message with Status 1")
	})
}

// MSASEMAIL_S03_TC28: Status 0 clears a task flag, its subject and
// reminder too.
func TestMSASEMAIL_S03_TC28_ClearTaskFlag_Status0(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st, e := c.reflag(emailTaskFlag(c), emailFlag{status: "0"})
		s.capture(89, st == 0 && flagCleared(e.Flag), "clearing with Status 0: the Change's Status %d, the flag %+v", st, e)
	})
}

// MSASEMAIL_S03_TC29: an empty Flag clears a task flag.
func TestMSASEMAIL_S03_TC29_ClearTaskFlag_EmptyNode(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st, e := c.reflag(emailTaskFlag(c), emailFlag{})
		s.capture(8900, st == 0 && flagCleared(e.Flag), "clearing with an empty Flag: the Change's Status %d, the flag %+v", st, e)
	})
}

// MSASEMAIL_S03_TC30: a task flag is completed with Status 1.
func TestMSASEMAIL_S03_TC30_MarkTaskComplete(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		_, col, e := c.flagged(emailTaskFlag(c))
		c.mustChanged(col, e)
		it := c.getSyncResult(c.subject, c.inbox(), nil, nil)
		key := c.syncKey
		if st := changeStatus(c.updateEmail(key, it.serverID, nil, emailFlag{status: "1", completeTime: day(0), dateCompleted: day(0)}.node()), it.serverID); st != 0 {
			t.Fatalf("the Change that completes the flag has Status %d", st)
		}
		again := c.syncChanges(key)
		s.capture(87, again != nil && again.Status == 1 && c.changedEmail(again, it.serverID) != nil, "the changes after the completion do not hold the message with Status 1")
	})
}

// MSASEMAIL_S03_TC31: a task flag's FlagType is updated by a Change.
func TestMSASEMAIL_S03_TC31_UpdateTaskFlagMetadata(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		st, e := c.reflag(emailTaskFlag(c), emailFlag{status: "2", flagType: "for Follow Up"})
		if st != 0 {
			t.Fatalf("the Change that updates the flag has Status %d", st)
		}
		got := ""
		if e.Flag != nil {
			got = e.Flag.FlagType
		}
		s.equal(91, "the updated FlagType", "for Follow Up", got)
	})
}

// MSASEMAIL_S03_TC09: a meeting request has no FlagType.
func TestMSASEMAIL_S03_TC09_AddFlag_OptionalFlagTypeInMeetingRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		m := c.mreqCreateDefault(subject, c.mreqUID(), nil, nil, nil)
		it := c.mreqSendCalendar(m)
		f := it.email.Flag
		s.capture(470, f != nil && f.FlagType == "", "the meeting request's Flag is %+v, want one without FlagType", f)
	})
}

// MSASEMAIL_S03_TC10: a meeting response (User02's acceptance mailed to
// User01) has no FlagType.
func TestMSASEMAIL_S03_TC10_AddFlag_OptionalFlagTypeInMeetingResponse(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		organizer, attendee := mailAddress(emailUser1), mailAddress(emailUser2)
		start := simtest.Start.Add(time.Hour)
		reply := mreqReplyICal(start, start.Add(time.Hour), c.mreqUID(), subject, "My Office", organizer, attendee)
		c.mreqSendAs(emailUser2, subject, mreqMIME(attendee, organizer, subject, c.name("content"), reply))
		c.switchUser(emailUser1)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		f := it.email.Flag
		s.capture(1058, f != nil && f.FlagType == "", "the meeting response's Flag is %+v, want one without FlagType", f)
	})
}
