package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
)

// MS-ASAIRS S06: the Body of a MeetingResponse's SendResponse (16.0 and
// later). User01 adds a meeting with User02 as attendee, mails User02 its
// invitation, and User02 accepts it with a reply body.

// airsICalendar is TestSuiteHelper.CreateiCalendarFormatContent for the
// meetings S06 sends: a REQUEST of one UTC event with one attendee.
func airsICalendar(cal *eas.Calendar, uid string) string {
	stamp := func(s string) string {
		t, err := time.Parse("20060102T150405Z", s)
		if err != nil {
			return s
		}
		return t.Format("20060102T150405")
	}
	attendee := ""
	if cal.Attendees != nil && len(cal.Attendees.Attendee) > 0 {
		attendee = cal.Attendees.Attendee[0].Email
	}
	lines := []string{
		"BEGIN: VCALENDAR", "PRODID:-//Microosft Protocols TestSuites", "VERSION:2.0", "METHOD:REQUEST",
		"X-MS-OLK-FORCEINSPECTOROPEN:TRUE", "BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "DTSTART:16010101T000000",
		"TZOFFSETFROM:-0000", "TZOFFSETTO:-0000", "END:STANDARD", "END:VTIMEZONE", "BEGIN:VEVENT",
		"UID:" + uid, "DTSTAMP:" + stamp(cal.DtStamp), "DESCRIPTION:" + cal.Subject, "SUMMARY:" + cal.Subject,
		"ATTENDEE;CN=\"\";RSVP=FALSE:mailto:" + attendee, "ORGANIZER:MAILTO:" + cal.OrganizerEmail,
		"LOCATION:My Office",
		"DTSTART;TZID=\"UTC\":" + stamp(cal.StartTime), "DTEND;TZID=\"UTC\":" + stamp(cal.EndTime),
		"END:VEVENT", "END:VCALENDAR",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

// meetingResponseWithBody is both S06 tests: the meeting, its invitation,
// User02's acceptance with a body of type typ, which must succeed (the
// ids captured at 16.0 and at 16.1), and the meeting in User02's
// calendar with its BusyStatus.
func (c *airsClient) meetingResponseWithBody(typ int, data string, ids map[eas.ProtocolVersion][]int) {
	c.s.t.Helper()
	s := c.s
	calendar := c.folder(eas.FolderTypeCalendar)
	subject := c.name("Subject")
	attendee := mailAddress(airsUser2)
	uid := fmt.Sprintf("%08x-0000-4000-8000-000000000000", airsNames.Add(1))
	start := simtest.Start.Add(-5 * time.Minute)
	item := &eas.Calendar{Subject: subject, MeetingStatus: airsPtr(1), Timezone: cmdUTC(),
		Attendees: &eas.Attendees{Attendee: []eas.Attendee{{Email: attendee, Name: attendee, AttendeeStatus: airsPtr(0), AttendeeType: 1}}},
		StartTime: start.Format("20060102T150405Z"), EndTime: start.Add(time.Hour).Format("20060102T150405Z")}
	if s.version.AtLeast(eas.Version160) {
		item.ClientUid = uid
	} else {
		item.UID = uid
	}
	app, err := eas.EncodeItem(item)
	s.must(err, "encoding the meeting")
	r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: c.initialSyncKey(calendar), CollectionId: calendar, GetChanges: eas.NewBool(true), WindowSize: 100,
		Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ClientId: airsClientID(), ApplicationData: app}},
	}}}})
	if col := cmdCollection(r); col == nil || len(col.Responses) == 0 || col.Responses[0].Status != 1 {
		s.t.Fatal("the Sync that adds the meeting did not succeed")
	}
	added := c.getSyncResult(subject, calendar, nil, nil)
	var cal eas.Calendar
	s.must(eas.DecodeItem(added.data, &cal), "decoding the meeting")
	if cal.Attendees == nil {
		cal.Attendees = item.Attendees
	}
	if cal.OrganizerEmail == "" {
		cal.OrganizerEmail = mailAddress(airsUser1)
	}
	mime := "From: " + cal.OrganizerEmail + "\r\nTo: " + attendee + "\r\nSubject: " + subject + "\r\n" +
		"Content-Type: multipart/alternative;\r\n    boundary=\"_001_MSASEMAIL_NextPart_\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"--_001_MSASEMAIL_NextPart_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n" + c.name("content") + "\r\n\r\n" +
		"--_001_MSASEMAIL_NextPart_\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n" +
		airsICalendar(&cal, uid) + "\r\n--_001_MSASEMAIL_NextPart_--\r\n\r\n"
	if a := c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: airsClientID(), Mime: []byte(mime)}); len(a.Body) != 0 {
		s.t.Fatal("SendMail of the invitation answered a body, want none")
	}

	c.switchUser(airsUser2)
	invitation := c.getSyncResult(subject, c.inbox(), nil, nil)
	var resp eas.MeetingResponseResponse
	c.send(eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: []eas.MeetingReply{{
		UserResponse: 1, CollectionId: c.inbox(), RequestId: invitation.serverID,
		SendResponse: &eas.MeetingSendResponse{Body: &eas.Body{Type: typ, Data: data}},
	}}}).decode(s, &resp)
	status := 0
	if len(resp.Result) > 0 {
		status = resp.Result[0].Status
	}
	for _, id := range ids[s.version] {
		s.equal(id, "the MeetingResponse's Status", 1, status)
	}
	if status != 1 {
		return
	}
	accepted := c.getSyncResult(subject, c.folder(eas.FolderTypeCalendar), nil, nil)
	var mine eas.Calendar
	s.must(eas.DecodeItem(accepted.data, &mine), "decoding the accepted meeting")
	if mine.BusyStatus == nil {
		s.t.Fatal("the accepted meeting has no BusyStatus")
	}
}

// MSASAIRS_S06_TC01: a plain text reply body.
func TestMSASAIRS_S06_TC01_MeetingResponseWithPlainTextBody(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version160), func(t *testing.T, s *site) {
		airsLab(s).meetingResponseWithBody(eas.BodyTypePlainText, "Accept this meeting.", map[eas.ProtocolVersion][]int{
			eas.Version160: {1331, 1333, 1400}, eas.Version161: {1331, 1333, 14000918},
		})
	})
}

// MSASAIRS_S06_TC02: an HTML reply body.
func TestMSASAIRS_S06_TC02_MeetingResponseWithHTMLBody(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version160), func(t *testing.T, s *site) {
		airsLab(s).meetingResponseWithBody(eas.BodyTypeHTML, "<html><head></head><body>Accept this meeting.</body></html>", map[eas.ProtocolVersion][]int{
			eas.Version160: {1401}, eas.Version161: {14010918},
		})
	})
}
