package simulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// mtgInvitation is a message carrying an iCalendar invitation from alice
// to bob.
func mtgInvitation(method, uid, subject, stamp, start string) []byte {
	ical := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:" + method + "\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:" + stamp + "\r\nSUMMARY:" + subject + "\r\n" +
		"ORGANIZER;CN=Alice:mailto:alice@contoso.com\r\nATTENDEE;RSVP=TRUE:mailto:bob@contoso.com\r\nLOCATION:Room 1\r\n" +
		"DTSTART:" + start + "\r\nDTEND:" + start[:9] + "235900Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	return []byte("From: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAgenda\r\n" +
		"--b\r\nContent-Type: text/calendar; method=" + method + "\r\n\r\n" + ical + "--b--\r\n")
}

// mtgMeetings returns the live calendar items of a folder with that
// subject.
func mtgMeetings(mb *simulator.Mailbox, folder, subject string) []*simulator.Item {
	var out []*simulator.Item
	for _, it := range mb.Items(folder) {
		if mtgProp(it, "Calendar:Subject") == subject {
			out = append(out, it)
		}
	}
	return out
}

func mtgProp(it *simulator.Item, q string) string {
	for _, p := range it.Props {
		if p.Tag.String() == q {
			return p.Text()
		}
	}
	return ""
}

func mtgChild(it *simulator.Item, parent, q string) string {
	for _, p := range it.Props {
		if p.Tag.String() == parent {
			for _, c := range p.Elements() {
				if c.Tag.String() == q {
					return c.Text()
				}
			}
		}
	}
	return ""
}

func TestMeetingRequestDelivery(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MTG121", eas.Version121)
	_, bob, _ := env.Server.Directory().Resolve("bob")
	inbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	cal, _ := bob.FolderByType(eas.FolderTypeCalendar)
	send := func(raw []byte) {
		t.Helper()
		if rr := alice.post(eas.CommandSendMail, raw, nil); rr.Code != http.StatusOK {
			t.Fatalf("SendMail: HTTP %d", rr.Code)
		}
	}
	send(mtgInvitation("REQUEST", "uid-review", "Review", "20261201T080000Z", "20261210T090000Z"))
	reqs := mailTestFind(bob, inbox.ServerID, "Review")
	if len(reqs) != 1 || mtgProp(reqs[0], "Email:MessageClass") != "IPM.Schedule.Meeting.Request" || mtgProp(reqs[0], "Email:ContentClass") != "urn:content-classes:calendarmessage" {
		t.Fatalf("bob's Inbox: %+v", reqs)
	}
	if len(reqs[0].Attachments) != 0 {
		t.Errorf("the invitation keeps its text/calendar part as an attachment: %+v", reqs[0].Attachments)
	}
	for q, want := range map[string]string{
		"Email:StartTime": "2026-12-10T09:00:00.000Z", "Email:EndTime": "2026-12-10T23:59:00.000Z", "Email:Location": "Room 1",
		"Email:Organizer": `"Alice" <alice@contoso.com>`, "Email:ResponseRequested": "1", "Email:InstanceType": "0", "Email2:MeetingMessageType": "1",
	} {
		if got := mtgChild(reqs[0], "Email:MeetingRequest", q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	meetings := mtgMeetings(bob, cal.ServerID, "Review")
	if len(meetings) != 1 || mtgProp(meetings[0], "Calendar:BusyStatus") != "1" || mtgProp(meetings[0], "Calendar:ResponseType") != "5" ||
		mtgProp(meetings[0], "Calendar:MeetingStatus") != "3" || mtgProp(meetings[0], "Calendar:UID") != "uid-review" || mtgProp(meetings[0], "Calendar:OrganizerEmail") != "alice@contoso.com" {
		t.Fatalf("bob's Calendar: %+v", meetings)
	}
	// An update is a full update of the same meeting; an older one is
	// outdated and changes nothing.
	send(mtgInvitation("REQUEST", "uid-review", "Review", "20261202T080000Z", "20261211T090000Z"))
	send(mtgInvitation("REQUEST", "uid-review", "Review", "20261130T080000Z", "20261212T090000Z"))
	reqs = mailTestFind(bob, inbox.ServerID, "Review")
	if len(reqs) != 3 || mtgChild(reqs[1], "Email:MeetingRequest", "Email2:MeetingMessageType") != "2" || mtgChild(reqs[2], "Email:MeetingRequest", "Email2:MeetingMessageType") != "4" {
		t.Fatalf("the updates: %d messages", len(reqs))
	}
	meetings = mtgMeetings(bob, cal.ServerID, "Review")
	if len(meetings) != 1 || mtgProp(meetings[0], "Calendar:StartTime") != "20261211T090000Z" {
		t.Fatalf("bob's Calendar after the updates: %+v", meetings)
	}
	// A cancellation marks the meeting canceled.
	send(mtgInvitation("CANCEL", "uid-review", "Canceled: Review", "20261203T080000Z", "20261211T090000Z"))
	if c := mailTestFind(bob, inbox.ServerID, "Canceled: Review"); len(c) != 1 || mtgProp(c[0], "Email:MessageClass") != "IPM.Schedule.Meeting.Canceled" {
		t.Errorf("the cancellation: %+v", c)
	}
	if m, ok := bob.Item(meetings[0].ServerID); !ok || mtgProp(m, "Calendar:MeetingStatus") != "7" || mtgProp(m, "Calendar:Subject") != "Canceled: Review" {
		t.Errorf("the canceled meeting: %+v", m)
	}
	// The organizer's Calendar is the organizer client's own.
	if n := len(mtgMeetings(alice.mb, alice.folder(eas.FolderTypeCalendar), "Review")); n != 0 {
		t.Errorf("alice's Calendar has %d Review meetings", n)
	}
}

func TestMeetingRequestSentFrom16(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MTG160", eas.Version160)
	calID := alice.folder(eas.FolderTypeCalendar)
	alice.FolderSync()
	first := alice.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: calID})
	t1 := func(q, v string) *wbxml.Node { return wbxml.NewText(wbxml.LookupQualified(q), v) }
	start := time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC)
	app := wbxml.NewElement(wbxml.LookupQualified("AirSync:ApplicationData"),
		t1("Calendar:Subject", "Kickoff"), t1("Calendar:StartTime", eas.FormatCompactDate(start)), t1("Calendar:EndTime", eas.FormatCompactDate(start.Add(time.Hour))),
		t1("Calendar:MeetingStatus", "1"), t1("Calendar:ClientUid", "client-1"),
		wbxml.NewElement(wbxml.LookupQualified("Calendar:Attendees"), wbxml.NewElement(wbxml.LookupQualified("Calendar:Attendee"),
			t1("Calendar:Email", "bob@contoso.com"), t1("Calendar:Name", "Bob"), t1("Calendar:AttendeeType", "1"))))
	col := alice.SyncOnce(eas.SyncCollection{SyncKey: first.SyncKey, CollectionId: calID, Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ClientId: "c1", ApplicationData: app}}})
	if col == nil || len(col.Responses) != 1 || col.Responses[0].Status != 1 {
		t.Fatalf("adding the meeting: %+v", col)
	}
	_, bob, _ := env.Server.Directory().Resolve("bob")
	inbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	reqs := mailTestFind(bob, inbox.ServerID, "Kickoff")
	if len(reqs) != 1 || mtgProp(reqs[0], "Email:MessageClass") != "IPM.Schedule.Meeting.Request" {
		t.Fatalf("bob's Inbox: %+v", reqs)
	}
	own, _ := alice.mb.Item(col.Responses[0].ServerId)
	uid := mtgProp(own, "Calendar:UID")
	if uid == "" || mtgChild(reqs[0], "Email:MeetingRequest", "Calendar:UID") != uid || !strings.HasPrefix(uid, "040000008200E00074C5B7101A82E008") {
		t.Errorf("the meeting's UID %q, the request's %q", uid, mtgChild(reqs[0], "Email:MeetingRequest", "Calendar:UID"))
	}
	if got := mtgChild(reqs[0], "Email:MeetingRequest", "Email:StartTime"); got != eas.FormatDate(start) {
		t.Errorf("the request's StartTime %q", got)
	}
	cal, _ := bob.FolderByType(eas.FolderTypeCalendar)
	if m := mtgMeetings(bob, cal.ServerID, "Kickoff"); len(m) != 1 || mtgProp(m[0], "Calendar:UID") != uid {
		t.Errorf("bob's Calendar: %+v", m)
	}
	// Before 16.0 the client sends the request itself.
	old := mailTestDevice(t, env, "alice", "MTG141", eas.Version141)
	old.FolderSync()
	first = old.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: calID})
	app.Children[0] = t1("Calendar:Subject", "Quiet")
	app.Children[4] = t1("Calendar:UID", "uid-quiet")
	old.SyncOnce(eas.SyncCollection{SyncKey: first.SyncKey, CollectionId: calID, Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ClientId: "c2", ApplicationData: app}}})
	if n := len(mailTestFind(bob, inbox.ServerID, "Quiet")); n != 0 {
		t.Errorf("a 14.1 Add sent %d requests", n)
	}
}

func TestMeetingReplyReachesOrganizer(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	bob := mailTestDevice(t, env, "bob", "MTG141B", eas.Version141)
	_, alice, _ := env.Server.Directory().Resolve("alice")
	cal, _ := alice.FolderByType(eas.FolderTypeCalendar)
	t1 := func(q, v string) *wbxml.Node { return wbxml.NewText(wbxml.LookupQualified(q), v) }
	meeting, err := alice.AddItem(cal.ServerID, &simulator.Item{Class: "Calendar", Props: []*wbxml.Node{
		t1("Calendar:Subject", "Budget"), t1("Calendar:UID", "uid-budget"), t1("Calendar:MeetingStatus", "1"),
		wbxml.NewElement(wbxml.LookupQualified("Calendar:Attendees"), wbxml.NewElement(wbxml.LookupQualified("Calendar:Attendee"),
			t1("Calendar:Email", "bob@contoso.com"), t1("Calendar:Name", "Bob"), t1("Calendar:AttendeeStatus", "5"))),
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply := strings.Replace(string(mtgInvitation("REPLY", "uid-budget", "Accepted: Budget", "20261201T080000Z", "20261210T090000Z")),
		"ATTENDEE;RSVP=TRUE:", "ATTENDEE;PARTSTAT=ACCEPTED:", 1)
	reply = strings.Replace(strings.Replace(reply, "From: alice@contoso.com", "From: bob@contoso.com", 1), "To: bob@contoso.com", "To: alice@contoso.com", 1)
	if rr := bob.call(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "r1", Mime: []byte(reply)}, nil); rr.Code != http.StatusOK || rr.Body.Len() != 0 {
		t.Fatalf("SendMail: HTTP %d", rr.Code)
	}
	inbox, _ := alice.FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(alice, inbox.ServerID, "Accepted: Budget")
	if len(got) != 1 || mtgProp(got[0], "Email:MessageClass") != "IPM.Schedule.Meeting.Resp.Pos" || mtgProp(got[0], "Email:MeetingRequest") != "" {
		t.Fatalf("alice's Inbox: %+v", got)
	}
	m, _ := alice.Item(meeting.ServerID)
	status := ""
	for _, p := range m.Props {
		if p.Tag.String() == "Calendar:Attendees" && len(p.Elements()) == 1 {
			if st := p.Elements()[0].Find(wbxml.LookupQualified("Calendar:AttendeeStatus")); st != nil {
				status = st.Text()
			}
		}
	}
	if status != "3" {
		t.Errorf("bob's AttendeeStatus in alice's meeting: %q, want 3", status)
	}
}

func TestMeetingAcceptedFromInvitation(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MTG121A", eas.Version121)
	bob := mailTestDevice(t, env, "bob", "MTG141C", eas.Version141)
	if rr := alice.post(eas.CommandSendMail, mtgInvitation("REQUEST", "uid-sync", "Sync-up", "20261201T080000Z", "20261210T090000Z"), nil); rr.Code != http.StatusOK {
		t.Fatalf("SendMail: HTTP %d", rr.Code)
	}
	req := mailTestFind(bob.mb, bob.folder(eas.FolderTypeInbox), "Sync-up")
	meetings := mtgMeetings(bob.mb, bob.folder(eas.FolderTypeCalendar), "Sync-up")
	if len(req) != 1 || len(meetings) != 1 {
		t.Fatalf("%d requests, %d meetings", len(req), len(meetings))
	}
	res := mailTestMeetingResponse(t, bob, eas.MeetingReply{UserResponse: eas.UserResponseAccept, CollectionId: bob.folder(eas.FolderTypeInbox), RequestId: req[0].ServerID})
	if res[0].Status != 1 || res[0].CalendarId != meetings[0].ServerID {
		t.Fatalf("accept: %+v, want CalendarId %s", res[0], meetings[0].ServerID)
	}
	m, _ := bob.mb.Item(meetings[0].ServerID)
	if mtgProp(m, "Calendar:ResponseType") != "3" || mtgProp(m, "Calendar:BusyStatus") != "2" || mtgProp(m, "Calendar:AppointmentReplyTime") == "" {
		t.Errorf("the accepted meeting: ResponseType %q, BusyStatus %q, AppointmentReplyTime %q",
			mtgProp(m, "Calendar:ResponseType"), mtgProp(m, "Calendar:BusyStatus"), mtgProp(m, "Calendar:AppointmentReplyTime"))
	}
}
