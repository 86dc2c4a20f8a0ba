package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S18: the SmartReply command (sent with compose, in the S17
// file).

// MSASCMD_S18_TC02: a SmartReply succeeds with an empty answer and the
// reply reaches the sender.
func TestMSASCMD_S18_TC02_SmartReply_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		id := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the message")
		re := "REPLY: " + subject
		a := c.compose(eas.CommandSmartReply, c.inbox(), id, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser1), "", re, "MSASCMD_reply:body1"), nil)
		c.switchUser(cmdUser1)
		s.must(cmd2ok(cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", re) != "", "not found"), "finding the reply in User01's Inbox")
		s.capture(605, a.Status == 200 && len(a.Body) == 0, "the SmartReply answered HTTP %d with %d bytes", a.Status, len(a.Body))
		s.capture(5776, a.Status == 200 && len(a.Body) == 0, "the SmartReply answered HTTP %d with %d bytes", a.Status, len(a.Body))
	})
}

// meetingAtAttendee sends a weekly meeting request from User01 to User02
// and returns, as User02, the request in the Inbox and the item in the
// Calendar. When either is missing it records ids as not met and returns
// ok false.
func (c *cmd2Client) meetingAtAttendee(subject string, ids ...int) (inbox *cmd2Sync, inboxID string, calendar *cmd2Sync, calendarID string, ok bool) {
	c.s.t.Helper()
	c.sendWeeklyMeetingRequest(subject, mailAddress(cmdUser2))
	c.switchUser(cmdUser2)
	inbox = c.syncChanges(c.inbox())
	inboxID = cmd2FindServerID(inbox, "Subject", subject)
	calendar = c.syncChanges(c.calendar())
	calendarID = cmd2FindServerID(calendar, "Subject", subject)
	if inboxID == "" || calendarID == "" {
		for _, id := range ids {
			c.s.capture(id, false, "the meeting request is in User02's Inbox %v, the meeting in User02's Calendar %v", inboxID != "", calendarID != "")
		}
		return inbox, inboxID, calendar, calendarID, false
	}
	return inbox, inboxID, calendar, calendarID, true
}

// MSASCMD_S18_TC01: a SmartReply to a recurring meeting without
// InstanceId carries the whole original message.
func TestMSASCMD_S18_TC01_SmartReply_ContainOriginalMessage(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		ids := []int{5420, 580, 569}
		inbox, _, _, calendarID, ok := c.meetingAtAttendee(subject, ids...)
		if !ok {
			return
		}
		original := cmd2BodyText(inbox, subject)
		re := "REPLY: " + subject
		c.compose(eas.CommandSmartReply, c.calendar(), calendarID, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser1), "", re, "MSASCMD_reply:body1"), nil)
		c.switchUser(cmdUser1)
		r := c.syncChanges(c.inbox())
		s.must(cmd2ok(cmd2FindServerID(r, "Subject", re) != "", "not found"), "finding the reply in User01's Inbox")
		got := cmd2BodyText(r, re)
		has := strings.Contains(got, original)
		for _, id := range []int{5420, 580, 569} {
			s.capture(id, has, "the reply's body %q does not hold the original %q", got, original)
		}
	})
}

// MSASCMD_S18_TC03: a SmartReply with an InstanceId that names no
// occurrence is Status 104.
func TestMSASCMD_S18_TC03_SmartReply_Status104(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		ids := []int{5777, 578}
		_, _, _, calendarID, ok := c.meetingAtAttendee(subject, ids...)
		if !ok {
			return
		}
		re := "REPLY: " + subject
		a := c.compose(eas.CommandSmartReply, c.calendar(), calendarID, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser1), "", re, "MSASCMD_reply:body1"),
			func(src *eas.Source, _ *bool, _ *string) { src.InstanceId = "12/5/2026 3:17:00 AM" })
		st := cmd2ComposeStatus(s, a)
		s.capture(5777, st != 0, "the SmartReply with a bad InstanceId answered HTTP %d with no Status", a.Status)
		s.equal(578, "the SmartReply Status for a bad InstanceId", 104, st)
	})
}
