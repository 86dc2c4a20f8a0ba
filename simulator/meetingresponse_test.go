package simulator_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// mailTestMeetingRequest puts a meeting request from bob into a user's
// Inbox, as transport would deliver one.
func mailTestMeetingRequest(t *testing.T, mb *simulator.Mailbox, subject, uid string, recurring bool) *simulator.Item {
	t.Helper()
	raw := mailTestMIME(`"Bob Kelly" <bob@contoso.com>`, mb.Owner().PrimarySmtpAddress, "", "", subject, "Agenda: everything.")
	m, err := simulator.ParseMail(raw)
	if err != nil {
		t.Fatal(err)
	}
	it := simulator.EmailItem(m, mailTestStart, false)
	start := mailTestStart.Add(48 * time.Hour)
	// A GlobalObjId made from an iCalendar UID (MS-OXOCAL 2.2.1.27).
	goid := append([]byte{0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08}, make([]byte, 20)...)
	goid = append(goid, []byte("vCal-Uid\x01\x00\x00\x00"+uid+"\x00")...)
	allDay, reminder, busy := false, 900, 2
	mr := &eas.MeetingRequest{
		AllDayEvent: &allDay, StartTime: eas.FormatDate(start), DtStamp: eas.FormatDate(mailTestStart), EndTime: eas.FormatDate(start.Add(time.Hour)),
		Location: "Room 4.12", Organizer: `"Bob Kelly" <bob@contoso.com>`, Reminder: &reminder, BusyStatus: &busy,
		GlobalObjId: base64.StdEncoding.EncodeToString(goid),
	}
	if recurring {
		mr.Recurrences = &eas.Recurrences{Recurrence: []eas.EmailRecurrence{{Type: 1, Interval: 1, DayOfWeek: 4}}}
	}
	node, err := eas.EncodeItemAs(mustTag("Email:MeetingRequest"), mr)
	if err != nil {
		t.Fatal(err)
	}
	it.SetPropsForTest([]*wbxml.Node{wbxml.NewText(tEmailMessageClass, "IPM.Schedule.Meeting.Request"), node})
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	added, err := mb.AddItem(inbox.ServerID, it)
	if err != nil {
		t.Fatal(err)
	}
	return added
}

func mailTestMeetingResponse(t *testing.T, d *mailTestDev, reqs ...eas.MeetingReply) []eas.MeetingResponseResult {
	t.Helper()
	var resp eas.MeetingResponseResponse
	rr := d.call(eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: reqs}, &resp)
	if rr.Code != http.StatusOK || len(resp.Result) != len(reqs) {
		t.Fatalf("MeetingResponse: HTTP %d %+v", rr.Code, resp)
	}
	return resp.Result
}

func TestMeetingResponseAcceptDecline(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "MEET141", eas.Version141)
	inbox := d.folder(eas.FolderTypeInbox)
	calendar := d.folder(eas.FolderTypeCalendar)
	deleted := d.folder(eas.FolderTypeDeletedItems)
	req := mailTestMeetingRequest(t, d.mb, "Design review", "uid-design-review", false)

	res := mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: req.ServerID})
	if res[0].Status != 1 || res[0].RequestId != req.ServerID || res[0].CalendarId == "" {
		t.Fatalf("accept: %+v", res[0])
	}
	cal, ok := d.mb.Item(res[0].CalendarId)
	if !ok || cal.FolderID != calendar {
		t.Fatalf("no calendar item %s", res[0].CalendarId)
	}
	var c eas.Calendar
	if err := eas.DecodeItem(simulator.RenderItemForTest(cal), &c); err != nil {
		t.Fatal(err)
	}
	start := eas.FormatCompactDate(mailTestStart.Add(48 * time.Hour))
	if c.Subject != "Design review" || c.StartTime != start || c.UID != "uid-design-review" || c.Location != "Room 4.12" ||
		c.OrganizerEmail != "bob@contoso.com" || c.BusyStatus == nil || *c.BusyStatus != 2 || c.Reminder == nil || *c.Reminder != 15 {
		t.Errorf("calendar item: %+v", c)
	}
	// The answered request went to Deleted Items.
	if len(mailTestFind(d.mb, inbox, "Design review")) != 0 || len(mailTestFind(d.mb, deleted, "Design review")) != 1 {
		t.Error("the meeting request was not moved to Deleted Items")
	}

	// A second request for the same meeting (an update) finds the same
	// calendar item; tentative makes it tentative.
	upd := mailTestMeetingRequest(t, d.mb, "Design review", "uid-design-review", false)
	res = mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseTentative, CollectionId: inbox, RequestId: upd.ServerID})
	if res[0].Status != 1 || res[0].CalendarId != cal.ServerID {
		t.Fatalf("tentative: %+v (calendar item %s)", res[0], cal.ServerID)
	}
	if cal, _ := d.mb.Item(cal.ServerID); cal.Prop(mrCalBusyStatusTag) != "1" {
		t.Errorf("BusyStatus %q after tentative", cal.Prop(mrCalBusyStatusTag))
	}

	// Declining from the calendar removes the meeting.
	res = mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseDecline, CollectionId: calendar, RequestId: cal.ServerID})
	if res[0].Status != 1 || res[0].CalendarId != "" {
		t.Fatalf("decline: %+v", res[0])
	}
	if _, ok := d.mb.Item(cal.ServerID); ok {
		t.Error("the declined meeting is still in the calendar")
	}

	// Not a meeting request, not there, a bad UserResponse, an occurrence
	// of a meeting that does not recur: 2.
	plain := mailTestSeed(t, d.mb, "Just mail", "x", nil)
	third := mailTestMeetingRequest(t, d.mb, "Another", "uid-another", false)
	res = mailTestMeetingResponse(t, d,
		eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: plain.ServerID},
		eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: inbox + ":999"},
		eas.MeetingReply{UserResponse: 7, CollectionId: inbox, RequestId: third.ServerID},
		eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: third.ServerID, InstanceId: "2026-11-26T10:00:00.000Z"},
		eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: calendar, RequestId: third.ServerID},
	)
	for i, r := range res {
		if r.Status != int(eas.MeetingResponseStatusInvalidRequest) {
			t.Errorf("request %d: %+v", i, r)
		}
	}

	// Declining a request whose meeting is not in the calendar just files
	// the request away.
	res = mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseDecline, CollectionId: inbox, RequestId: third.ServerID})
	if res[0].Status != 1 || res[0].CalendarId != "" || len(mailTestFind(d.mb, deleted, "Another")) != 1 {
		t.Errorf("decline of a request: %+v", res[0])
	}

	// A recurring meeting: its recurrence is copied, and an occurrence can
	// be answered.
	rec := mailTestMeetingRequest(t, d.mb, "Weekly sync", "uid-weekly", true)
	res = mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: rec.ServerID, InstanceId: eas.FormatDate(mailTestStart.Add(48 * time.Hour))})
	if res[0].Status != 1 {
		t.Fatalf("accept an occurrence: %+v", res[0])
	}
	wc, _ := d.mb.Item(res[0].CalendarId)
	c = eas.Calendar{}
	eas.DecodeItem(simulator.RenderItemForTest(wc), &c)
	if c.Recurrence == nil || c.Recurrence.Type != 1 || c.Recurrence.DayOfWeek != 4 {
		t.Errorf("recurrence: %+v", c.Recurrence)
	}
}

func TestMeetingResponseSendResponse(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "MEET161", eas.Version161)
	inbox := d.folder(eas.FolderTypeInbox)
	req := mailTestMeetingRequest(t, d.mb, "Offsite", "uid-offsite", false)
	res := mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: inbox, RequestId: req.ServerID,
		SendResponse: &eas.MeetingSendResponse{Body: &eas.Body{Type: eas.BodyTypePlainText, Data: "Count me in."}}})
	if res[0].Status != 1 || res[0].CalendarId == "" {
		t.Fatalf("accept: %+v", res[0])
	}
	_, bob, _ := env.Server.Directory().Resolve("bob")
	bobInbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(bob, bobInbox.ServerID, "Accepted: Offsite")
	if len(got) != 1 || got[0].Prop(tEmailMessageClass) != "IPM.Schedule.Meeting.Resp.Pos" || !strings.Contains(got[0].Body.Plain, "Count me in.") {
		t.Fatalf("organizer's response: %+v", got)
	}
	if len(mailTestFind(d.mb, d.folder(eas.FolderTypeSentItems), "Accepted: Offsite")) != 1 {
		t.Error("the response is not in Sent Items")
	}
	// Without SendResponse nothing is sent.
	req2 := mailTestMeetingRequest(t, d.mb, "Quiet", "uid-quiet", false)
	mailTestMeetingResponse(t, d, eas.MeetingReply{UserResponse: eas.UserResponseDecline, CollectionId: inbox, RequestId: req2.ServerID})
	if len(mailTestFind(bob, bobInbox.ServerID, "Declined: Quiet")) != 0 {
		t.Error("a response was sent without SendResponse")
	}
	// More than 100 requests: one Result of Status 103, as Exchange
	// answers (MSASCMD_S09_TC07).
	many := make([]eas.MeetingReply, 101)
	for i := range many {
		many[i] = eas.MeetingReply{UserResponse: 1, CollectionId: inbox, RequestId: req2.ServerID}
	}
	var manyResp eas.MeetingResponseResponse
	if rr := d.call(eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: many}, &manyResp); rr.Code != http.StatusOK || len(manyResp.Result) != 1 || manyResp.Result[0].Status != int(eas.StatusInvalidXML) {
		t.Errorf("101 requests: HTTP %d %+v", rr.Code, manyResp)
	}
}
