package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S17: the SmartForward command.

// compose sends SmartForward or SmartReply of item in folder as the
// current user: up to 12.1 the message itself with the source in the
// query, from 14.0 a ComposeMail request (edit changes it).
func (c *cmd2Client) compose(cmd eas.Command, folder, item string, mime []byte, edit func(src *eas.Source, replaceMime *bool, accountID *string)) *answer {
	c.s.t.Helper()
	src := &eas.Source{FolderId: folder, ItemId: item}
	var replace bool
	var account string
	if edit != nil {
		edit(src, &replace, &account)
	}
	if !c.s.version.AtLeast(eas.Version140) {
		req := c.l.request(c.user, cmd)
		req.CollectionID, req.ItemID = src.FolderId, src.ItemId
		return c.l.send(req, password, mime)
	}
	var body any
	switch cmd {
	case eas.CommandSmartForward:
		body = &eas.SmartForwardRequest{ClientId: "cmd2-" + item, Source: src, AccountId: account, ReplaceMime: replace, Mime: mime}
	default:
		body = &eas.SmartReplyRequest{ClientId: "cmd2-" + item, Source: src, AccountId: account, ReplaceMime: replace, Mime: mime}
	}
	return c.send(cmd, body)
}

// cmd2ComposeStatus is the Status of a SmartForward or SmartReply answer
// (0 when it has no body).
func cmd2ComposeStatus(s *site, a *answer) int {
	if len(a.Body) == 0 {
		return 0
	}
	root, err := wbxml.Parse(a.Body)
	s.must(err, "reading the answer")
	st, _ := cmdChild(root, "Status")
	n := 0
	for _, ch := range st {
		n = n*10 + int(ch-'0')
	}
	return n
}

// cmd2BodyText is the Body Data of the item with subject.
func cmd2BodyText(r *cmd2Sync, subject string) string {
	d, _ := cmd2BodyData(cmd2MailBody(r, subject))
	return d
}

// MSASCMD_S17_TC01: a SmartForward succeeds with an empty answer and the
// forward reaches the recipient.
func TestMSASCMD_S17_TC01_SmartForward_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		r := c.syncChanges(c.inbox())
		id := cmd2FindServerID(r, "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the message")
		fw := "FW:" + subject
		a := c.compose(eas.CommandSmartForward, c.inbox(), id, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", fw, "MSASCMD_forward:body1"), nil)
		s.capture(568, a.Status == 200 && len(a.Body) == 0, "the SmartForward answered HTTP %d with %d bytes", a.Status, len(a.Body))
		s.capture(4407, a.Status == 200 && len(a.Body) == 0, "the SmartForward answered HTTP %d with %d bytes", a.Status, len(a.Body))
		c.switchUser(cmdUser3)
		r = c.syncChanges(c.inbox())
		s.capture(532, cmd2FindServerID(r, "Subject", fw) != "", "the forward is not in User03's Inbox")
	})
}

// MSASCMD_S17_TC02: a SmartForward with an AccountId that names no
// account answers a Status.
func TestMSASCMD_S17_TC02_SmartForward_Fail(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		id := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the message")
		a := c.compose(eas.CommandSmartForward, c.inbox(), id, []byte{}, func(_ *eas.Source, _ *bool, account *string) { *account = "InvalidValueAccountID" })
		s.capture(4408, cmd2ComposeStatus(s, a) != 0, "the failing SmartForward answered HTTP %d with no Status", a.Status)
	})
}

// MSASCMD_S17_TC03: forwarding an appointment sends it as an attachment.
func TestMSASCMD_S17_TC03_SmartForwardAppointment(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.initialSync(c.calendar())
		r := c.syncRaw(cmd2SyncAdd(c.lastSyncKey, c.calendar(), eas.SyncCommand{ClientId: "cmd2-a1", ApplicationData: cmdNode("AirSync:ApplicationData", cmdText("Calendar:Subject", subject))}))
		s.must(cmd2ok(len(r.responses()) == 1 && r.responses()[0].Status == 1, "the Add was not answered Status 1"), "adding the appointment")
		id := cmd2FindServerID(c.syncChanges(c.calendar()), "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the appointment")
		fw := "FW:" + subject
		a := c.compose(eas.CommandSmartForward, c.calendar(), id, plainMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), "", fw, "MSASCMD_forward:Appointment body1"), nil)
		s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d with %d bytes", a.Status, len(a.Body)), "forwarding the appointment")
		c.switchUser(cmdUser2)
		r = c.syncChanges(c.inbox())
		data := cmd2AddData(r, "Subject", fw)
		s.must(cmd2ok(data != nil, "not found"), "finding the forward")
		n := 0
		if att := data.Find(cmdTag("AirSyncBase:Attachments")); att != nil {
			n = len(att.Elements())
		}
		s.must(cmd2ok(n == 1, "%d attachments", n), "the forward carries the appointment as one attachment")
	})
}

// MSASCMD_S17_TC07: with ReplaceMime the forward carries neither the
// original body nor its attachment.
func TestMSASCMD_S17_TC07_SmartForward_ReplaceMime(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject, body := "MSASCMD_subject1", "MSASCMD_NormalAttachment_Body1"
		a := c.sendMail([]byte(cmdAttachmentMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), subject, body)), "cmd2-m1")
		s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d with %d bytes", a.Status, len(a.Body)), "sending the message with an attachment")
		c.switchUser(cmdUser2)
		r := c.syncChanges(c.inbox())
		id := cmd2FindServerID(r, "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the message")
		original := cmd2BodyText(r, subject)
		att := cmd2AddData(r, "Subject", subject).Find(cmdTag("AirSyncBase:Attachments"))
		s.must(cmd2ok(att != nil && len(att.Elements()) == 1, "the message has no single attachment"), "reading the attachment")
		fw := "FW:" + subject
		c.compose(eas.CommandSmartForward, c.inbox(), id, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", fw, "MSASCMD_forward:body1"),
			func(_ *eas.Source, replace *bool, _ *string) { *replace = true })
		c.switchUser(cmdUser3)
		r = c.syncChanges(c.inbox())
		data := cmd2AddData(r, "Subject", fw)
		s.must(cmd2ok(data != nil, "not found"), "finding the forward")
		s.must(cmd2ok(data.Find(cmdTag("AirSyncBase:Attachments")) == nil, "the forward has attachments"), "the forward carries no attachment")
		got := cmd2BodyText(r, fw)
		s.capture(3775, !strings.Contains(got, original), "the forward with ReplaceMime holds the original body %q", original)
	})
}

// MSASCMD_S17_TC04: forwarding a meeting with an InstanceId that names
// no occurrence is Status 104.
func TestMSASCMD_S17_TC04_SmartForwardWithInvalidInstanceId(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		_, _, _, calendarID, ok := c.meetingAtAttendee(subject, 541)
		if !ok {
			return
		}
		fw := "FW:" + subject
		a := c.compose(eas.CommandSmartForward, c.calendar(), calendarID, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", fw, "MSASCMD_forward:Meeting Instance body1"),
			func(src *eas.Source, _ *bool, _ *string) { src.InstanceId = "12/5/2026 3:17:00 AM" })
		s.equal(541, "the SmartForward Status for a bad InstanceId", 104, cmd2ComposeStatus(s, a))
	})
}

// MSASCMD_S17_TC05: forwarding one occurrence of an accepted recurring
// meeting reaches the new attendee's Inbox and Calendar.
func TestMSASCMD_S17_TC05_SmartForwardWithInstanceIdSuccess(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version121, eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		_, inboxID, _, _, ok := c.meetingAtAttendee(subject, 538)
		if !ok {
			return
		}
		var mr eas.MeetingResponseResponse
		c.send(eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: []eas.MeetingReply{{UserResponse: 1, CollectionId: c.inbox(), RequestId: inboxID}}}).decode(s, &mr)
		s.must(cmd2ok(len(mr.Result) > 0 && mr.Result[0].CalendarId != "", "the MeetingResponse answered %+v", mr.Result), "accepting the meeting")
		r := c.syncChanges(c.calendar())
		data := cmd2AddData(r, "Subject", subject)
		s.must(cmd2ok(data != nil && data.Find(cmdTag("Calendar:Recurrence")) != nil, "no recurring meeting"), "finding the accepted meeting")
		calendarID := cmd2FindServerID(r, "Subject", subject)
		start, _ := cmdChild(data, "StartTime")
		t0, err := eas.ParseDate(start)
		s.must(err, "reading the meeting's StartTime")
		fw := "FW:" + subject
		a := c.compose(eas.CommandSmartForward, c.calendar(), calendarID, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", fw, "MSASCMD_forward:Meeting Instance body1"),
			func(src *eas.Source, _ *bool, _ *string) { src.InstanceId = eas.FormatDate(t0) })
		s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d with %d bytes", a.Status, len(a.Body)), "forwarding the occurrence")
		c.switchUser(cmdUser3)
		inInbox := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", fw) != ""
		inCalendar := cmd2FindServerID(c.syncChanges(c.calendar()), "Subject", fw) != ""
		s.capture(538, inInbox && inCalendar, "the forwarded occurrence is in User03's Inbox %v and Calendar %v", inInbox, inCalendar)
	})
}

// MSASCMD_S17_TC06: forwarding a recurring meeting without InstanceId
// forwards the whole series.
func TestMSASCMD_S17_TC06_SmartForwardRecurringMeetingWithoutInstanceId(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version121, eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		_, _, cal, calendarID, ok := c.meetingAtAttendee(subject, 5834)
		if !ok {
			return
		}
		data := cmd2AddData(cal, "Subject", subject)
		s.must(cmd2ok(data.Find(cmdTag("Calendar:Recurrence")) != nil, "no Recurrence"), "finding the recurring meeting")
		fw := "FW:" + subject
		a := c.compose(eas.CommandSmartForward, c.calendar(), calendarID, plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", fw, "MSASCMD_forward:Meeting Instance body1"), nil)
		s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d with %d bytes", a.Status, len(a.Body)), "forwarding the meeting")
		c.switchUser(cmdUser3)
		r := c.syncChanges(c.inbox())
		fwData := cmd2AddData(r, "Subject", fw)
		recurrences := false
		if fwData != nil {
			if mr := fwData.Find(cmdTag("Email:MeetingRequest")); mr != nil {
				recurrences = mr.Find(cmdTag("Email:Recurrences")) != nil
			}
		}
		s.capture(5834, fwData != nil && recurrences, "the forward is in User03's Inbox %v with Recurrences %v", fwData != nil, recurrences)
	})
}
