package conformance

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S09: MeetingResponse. Every test starts with User01 inviting
// User02 as TestSuiteBase does it: a meeting with User02 as attendee
// added to User01's Calendar with Sync, then, before 16.0, the invitation
// sent with SendMail as an iCalendar REQUEST (from 16.0 the server sends
// it for the meeting added with attendees).

// cmdMeeting is the meeting a test invites to, as CreateCalendar reads
// it back from User01's Calendar.
type cmdMeeting struct {
	subject, uid, start, end, stamp string
}

// invite is CreateCalendar followed by SendMeetingRequest; the client is
// User01's afterwards.
func (c *cmdSuite) invite(subject string) *cmdMeeting {
	c.s.t.Helper()
	c.switchUser(cmdUser1)
	m := &cmdMeeting{subject: subject, uid: cmdClientID()}
	uidTag := "Calendar:UID"
	if c.s.version.AtLeast(eas.Version160) {
		uidTag = "Calendar:ClientUid"
	}
	fields := []*wbxml.Node{
		cmdText("Calendar:Timezone", cmdUTC()),
		cmdText("Calendar:Subject", subject),
		cmdText("Calendar:MeetingStatus", "1"),
		cmdText(uidTag, m.uid),
		cmdNode("Calendar:Attendees", cmdNode("Calendar:Attendee",
			cmdText("Calendar:Email", mailAddress(cmdUser2)), cmdText("Calendar:Name", mailAddress(cmdUser2)),
			cmdText("Calendar:AttendeeStatus", "0"), cmdText("Calendar:AttendeeType", "1"))),
	}
	if c.s.version != eas.Version121 {
		fields = append(fields, cmdText("Calendar:ResponseRequested", "1"))
	}
	c.folderSync0()
	c.sync(cmdSyncRequest("0", c.my().calendar))
	c.addCalendar(fields...)
	r := c.syncChanges(c.my().calendar)
	id := cmdServerID(r, subject)
	if id == "" {
		c.s.t.Fatalf("the meeting %q is not in User01's Calendar", subject)
	}
	for _, a := range cmdCollection(r).Commands {
		if a.ServerId == id {
			m.start = cmdField(a.ApplicationData, "Calendar:StartTime")
			m.end = cmdField(a.ApplicationData, "Calendar:EndTime")
			m.stamp = cmdField(a.ApplicationData, "Calendar:DtStamp")
		}
	}
	if c.s.version.AtLeast(eas.Version160) {
		return m
	}
	c.sendMeetingMIME(m)
	return m
}

// cmdICalTime reads a calendar time as the server sends it, or the lab's
// start.
func cmdICalTime(v string, fallback time.Time) string {
	for _, layout := range []string{"20060102T150405Z", "2006-01-02T15:04:05.000Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("20060102T150405")
		}
	}
	return fallback.Format("20060102T150405")
}

// sendMeetingMIME is SendMeetingRequest before 16.0: the iCalendar of
// CreateiCalendarFormatContent in the MIME of CreateMeetingRequestMime,
// sent by User01 without saving it in Sent Items.
func (c *cmdSuite) sendMeetingMIME(m *cmdMeeting) {
	c.s.t.Helper()
	from, to := mailAddress(cmdUser1), mailAddress(cmdUser2)
	lines := []string{
		"BEGIN: VCALENDAR", "PRODID:-//Microosft Protocols TestSuites", "VERSION:2.0", "METHOD:REQUEST",
		"X-MS-OLK-FORCEINSPECTOROPEN:TRUE", "BEGIN:VTIMEZONE", "TZID:Universal Time",
		"BEGIN:STANDARD", "DTSTART:16011104T020000", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:STANDARD",
		"BEGIN:DAYLIGHT", "DTSTART:16010311T020000", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:DAYLIGHT",
		"END:VTIMEZONE", "BEGIN:VEVENT", "UID:" + m.uid,
	}
	if m.stamp != "" {
		lines = append(lines, "DTSTAMP:"+cmdICalTime(m.stamp, simtest.Start))
	}
	lines = append(lines, "DESCRIPTION:"+m.subject, "SUMMARY:"+m.subject,
		"ATTENDEE;CN=\"\";RSVP=TRUE:mailto:"+to, "ORGANIZER:MAILTO:"+from, "LOCATION:My Office",
		"DTSTART;TZID=\"Universal Time\":"+cmdICalTime(m.start, simtest.Start),
		"DTEND;TZID=\"Universal Time\":"+cmdICalTime(m.end, simtest.Start.Add(30*time.Minute)),
		"END:VEVENT", "END:VCALENDAR")
	mime := "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + m.subject + "\r\n" +
		"Content-Type: multipart/alternative;\r\n    boundary=\"---Next Part---\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"-----Next Part---\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n" + c.name("content") + "\r\n\r\n" +
		"-----Next Part---\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n" +
		strings.Join(lines, "\r\n") + "\r\n\r\n" +
		// The original's MIME ends without the closing delimiter, which
		// Exchange accepts; easlab refuses such a multipart with Status 107
		// (a difference outside this scenario's requirements), so the port
		// closes it to reach the steps under test.
		"-----Next Part-----\r\n"
	if c.s.version.AtLeast(eas.Version140) {
		a := c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: cmdClientID(), Mime: []byte(mime)})
		if len(a.Body) != 0 {
			var x strings.Builder
			wbxml.WriteXML(&x, wbxml.NewDecoder(bytes.NewReader(a.Body)))
			c.s.t.Fatalf("SendMail of the invitation answered a body: %s", x.String())
		}
		return
	}
	a := c.sendRaw(c.l.request(c.user, eas.CommandSendMail), []byte(mime))
	if a.Status != 200 || len(a.Body) != 0 {
		c.s.t.Fatalf("SendMail of the invitation answered HTTP %d with %d bytes", a.Status, len(a.Body))
	}
}

// invitation is GetItemServerIdFromSpecialFolder on User02's Inbox: the
// ServerId of the invitation, or "" when none arrived (easlab sends no
// invitation for a meeting added with attendees from 16.0).
func (c *cmdSuite) invitation(subject string) string {
	c.s.t.Helper()
	c.switchUser(cmdUser2)
	for range 3 {
		if id := cmdServerID(c.syncChanges(c.my().inbox), subject); id != "" {
			return id
		}
	}
	return ""
}

// cmdNoInvite is the gap every test has from 16.0.
const cmdNoInvite = "issue 15: from 16.0 easlab sends no meeting request to the attendees of a meeting a client adds with Sync, so the invitation the test answers never reaches User02's Inbox"

// invited invites User02 to a meeting named subject and returns the
// invitation's ServerId in User02's Inbox; when none arrives, it records
// the gap cmdNoInvite and a failed capture for each of reqs and returns "".
func (c *cmdSuite) invited(subject string, reqs ...int) string {
	c.s.t.Helper()
	c.invite(subject)
	id := c.invitation(subject)
	if id == "" {
		c.s.gap(cmdNoInvite, reqs...)
		for _, req := range reqs {
			c.s.capture(req, false, "no invitation %q reached User02's Inbox", subject)
		}
	}
	return id
}

// meetingResponse sends a MeetingResponse of one Request per id.
func (c *cmdSuite) meetingResponse(userResponse int, collectionID, instanceID string, requestIDs ...string) *eas.MeetingResponseResponse {
	c.s.t.Helper()
	req := &eas.MeetingResponseRequest{}
	for _, id := range requestIDs {
		req.Request = append(req.Request, eas.MeetingReply{UserResponse: userResponse, CollectionId: collectionID, RequestId: id, InstanceId: instanceID})
	}
	var r eas.MeetingResponseResponse
	c.call(eas.CommandMeetingResponse, req, &r)
	if len(r.Result) == 0 {
		c.s.t.Fatalf("the MeetingResponse answer has no Result")
	}
	return &r
}

// MSASCMD_S09_TC03: a UserResponse of 5 is Status 2.
func TestMSASCMD_S09_TC03_MeetingResponse_InvalidMeeting(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		subject := c.name("subject")
		id := c.invited(subject, 4182)
		if id == "" {
			return
		}
		r := c.meetingResponse(5, c.my().inbox, "", id)
		s.equal(4182, "the Status of a MeetingResponse with UserResponse 5", 2, r.Result[0].Status)
	})
}

// MSASCMD_S09_TC05: a RequestId that names no item is Status 2.
func TestMSASCMD_S09_TC05_MeetingResponse_ResponseNonMeeting(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		subject := c.name("subject")
		if c.invited(subject, 4183) == "" {
			return
		}
		r := c.meetingResponse(2, c.my().inbox, "", "InvalidValue")
		s.equal(4183, "the Status of a MeetingResponse to a RequestId that names nothing", 2, r.Result[0].Status)
	})
}

// MSASCMD_S09_TC07: a MeetingResponse of 101 Requests is Status 103.
// R5670 and R5672 (no limit: Exchange 2007 SP1 and 2010) are disabled in
// the suite's Exchange 2016 and 2019 settings.
func TestMSASCMD_S09_TC07_MeetingResponse_Status103(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		subject := c.name("subject")
		id := c.invited(subject, 5671, 5673, 5650)
		if id == "" {
			return
		}
		ids := make([]string, 101)
		for i := range ids {
			ids[i] = id
		}
		s.gap("issue 15: easlab refuses a MeetingResponse of more than 100 Requests with a global Status 103 outside any Result (HTTP 400 at 12.1), where Exchange answers Status 103 in the first Result", 5671, 5673, 5650)
		req := &eas.MeetingResponseRequest{}
		for _, id := range ids {
			req.Request = append(req.Request, eas.MeetingReply{UserResponse: 1, CollectionId: c.my().inbox, RequestId: id})
		}
		a := c.sendRaw(c.l.request(c.user, eas.CommandMeetingResponse), req)
		got := "HTTP " + strconv.Itoa(a.Status)
		status := ""
		if a.Status == 200 {
			root, err := wbxml.Parse(a.Body)
			s.must(err, "reading the MeetingResponse answer")
			if res := root.Find(wbxml.LookupQualified("MeetingResponse:Result")); res != nil {
				status = cmdField(res, "MeetingResponse:Status")
				got = "Result Status " + status
			} else {
				got = "global Status " + cmdField(root, "MeetingResponse:Status") + " and no Result"
			}
		}
		for _, id := range []int{5671, 5673, 5650} {
			s.capture(id, status == "103", "a MeetingResponse of 101 Requests is answered with %s, want Result Status 103", got)
		}
	})
}
