package simulator_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// Helpers shared by the tests of sendmail.go, itemoperations.go,
// moveitems.go and meetingresponse.go, which run on simtest.

var mailTestStart = simtest.Start

// mailTestDev is a provisioned simtest device of one user (a "TestPhone"),
// with that user's mailbox.
type mailTestDev struct {
	*simtest.Device
	t  *testing.T
	mb *simulator.Mailbox
}

// mailTestDevice provisions a device of user and returns it.
func mailTestDevice(t *testing.T, env *simtest.Env, user, id string, v eas.ProtocolVersion) *mailTestDev {
	t.Helper()
	d := env.Device(user, id, v)
	d.Type, d.UserAgent = "TestPhone", "easlab-test/1"
	return &mailTestDev{Device: d.Provision(), t: t, mb: env.Mailbox(user)}
}

// mailReply is a response with its body read, in the shape of the
// httptest.ResponseRecorder these tests were written against.
type mailReply struct {
	Code   int
	Body   *bytes.Buffer
	header http.Header
}

func (r *mailReply) Header() http.Header { return r.header }

// post sends a command; edit may set query parameters and options.
func (d *mailTestDev) post(cmd eas.Command, body []byte, edit func(*eas.Request)) *mailReply {
	d.t.Helper()
	req := d.Request(cmd)
	if edit != nil {
		edit(req)
	}
	resp, b := d.PostRequest(req, body)
	return &mailReply{Code: resp.StatusCode, Body: bytes.NewBuffer(b), header: resp.Header}
}

// call marshals in, posts it and unmarshals a WBXML answer into out.
func (d *mailTestDev) call(cmd eas.Command, in, out any) *mailReply {
	d.t.Helper()
	b, err := wbxml.Marshal(in)
	if err != nil {
		d.t.Fatal(err)
	}
	rr := d.post(cmd, b, nil)
	if out != nil && rr.Code == http.StatusOK && rr.Body.Len() > 0 {
		if err := wbxml.Unmarshal(rr.Body.Bytes(), out); err != nil {
			d.t.Fatalf("%s response: %v\n% X", cmd, err, rr.Body.Bytes())
		}
	}
	return rr
}

// folder returns the ServerId of a default folder.
func (d *mailTestDev) folder(t eas.FolderType) string {
	d.t.Helper()
	f, ok := d.mb.FolderByType(t)
	if !ok {
		d.t.Fatalf("no folder of type %d", t)
	}
	return f.ServerID
}

// mailTestFind returns the live items of a folder with that subject.
func mailTestFind(mb *simulator.Mailbox, folder, subject string) []*simulator.Item {
	var out []*simulator.Item
	for _, it := range mb.Items(folder) {
		if it.Prop(tEmailSubject) == subject {
			out = append(out, it)
		}
	}
	return out
}

// mailTestMIME writes a simple message.
func mailTestMIME(from, to, cc, bcc, subject, body string) []byte {
	var b strings.Builder
	if from != "" {
		fmt.Fprintf(&b, "From: %s\r\n", from)
	}
	if to != "" {
		fmt.Fprintf(&b, "To: %s\r\n", to)
	}
	if cc != "" {
		fmt.Fprintf(&b, "Cc: %s\r\n", cc)
	}
	if bcc != "" {
		fmt.Fprintf(&b, "Bcc: %s\r\n", bcc)
	}
	fmt.Fprintf(&b, "Subject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", subject, body)
	return []byte(b.String())
}

// mailTestSeed adds an e-mail with an attachment to a user's Inbox.
func mailTestSeed(t *testing.T, mb *simulator.Mailbox, subject, body string, att []byte) *simulator.Item {
	t.Helper()
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: "Katie Jordan", Address: "katie@fabrikam.com"}})
	h.SetAddressList("To", []*mail.Address{{Address: mb.Owner().PrimarySmtpAddress}})
	h.SetSubject(subject)
	h.SetDate(mailTestStart)
	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	tw, _ := w.CreateSingleInline(th)
	io.WriteString(tw, body)
	tw.Close()
	if att != nil {
		var ah mail.AttachmentHeader
		ah.SetContentType("application/pdf", nil)
		ah.SetFilename("report.pdf")
		aw, _ := w.CreateAttachment(ah)
		aw.Write(att)
		aw.Close()
	}
	w.Close()
	m, err := simulator.ParseMail(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	it, err := mb.AddItem(inbox.ServerID, simulator.EmailItem(m, mailTestStart, false))
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// mailTestStatus returns the Status of a one-Status response body.
func mailTestStatus(t *testing.T, b []byte) int {
	t.Helper()
	n, err := wbxml.Parse(b)
	if err != nil {
		t.Fatalf("response is not WBXML: %v (% X)", err, b)
	}
	for _, ch := range n.Elements() {
		if ch.Tag.Name == "Status" {
			s, _ := strconv.Atoi(ch.Text())
			return s
		}
	}
	t.Fatalf("no Status in response %s", n.Tag.Name)
	return 0
}

func TestSendMail121MIME(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MAIL121", eas.Version121)
	raw := mailTestMIME(`"Alice Wilber" <alice@contoso.com>`, "bob@contoso.com, someone@fabrikam.com", "", "admin@contoso.com", "Budget 2027", "Numbers attached soon.")
	rr := alice.post(eas.CommandSendMail, raw, func(r *eas.Request) { r.Options |= eas.OptionSaveInSent })
	if rr.Code != http.StatusOK || rr.Body.Len() != 0 {
		t.Fatalf("SendMail: HTTP %d, body % X", rr.Code, rr.Body.Bytes())
	}
	_, bob, _ := env.Server.Directory().Resolve("bob")
	inbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(bob, inbox.ServerID, "Budget 2027")
	if len(got) != 1 {
		t.Fatalf("bob's Inbox has %d copies", len(got))
	}
	if got[0].Prop(tEmailRead) != "0" {
		t.Errorf("bob's copy is read")
	}
	if bytes.Contains(got[0].Body.MIME, []byte("Bcc")) || bytes.Contains(got[0].Body.MIME, []byte("admin@")) {
		t.Errorf("bob's copy shows the Bcc:\n%s", got[0].Body.MIME)
	}
	if !strings.Contains(got[0].Body.Plain, "Numbers attached soon.") {
		t.Errorf("bob's copy body %q", got[0].Body.Plain)
	}
	// The Bcc recipient gets it too, without the Bcc header.
	_, admin, _ := env.Server.Directory().Resolve("admin")
	adminInbox, _ := admin.FolderByType(eas.FolderTypeInbox)
	if a := mailTestFind(admin, adminInbox.ServerID, "Budget 2027"); len(a) != 1 || bytes.Contains(a[0].Body.MIME, []byte("Bcc:")) {
		t.Errorf("admin's copy: %d, %v", len(a), a)
	}
	// The sender's copy is read and keeps the Bcc.
	sent := mailTestFind(alice.mb, alice.folder(eas.FolderTypeSentItems), "Budget 2027")
	if len(sent) != 1 || sent[0].Prop(tEmailRead) != "1" || !bytes.Contains(sent[0].Body.MIME, []byte("Bcc: admin@contoso.com")) {
		t.Fatalf("alice's Sent Items: %v", sent)
	}
	// Without SaveInSent nothing is saved.
	rr = alice.post(eas.CommandSendMail, mailTestMIME("", "bob@contoso.com", "", "", "No copy", "x"), nil)
	if rr.Code != http.StatusOK {
		t.Fatalf("SendMail: HTTP %d", rr.Code)
	}
	if n := len(mailTestFind(alice.mb, alice.folder(eas.FolderTypeSentItems), "No copy")); n != 0 {
		t.Errorf("saved without SaveInSent")
	}
	// The missing From was filled in.
	if c := mailTestFind(bob, inbox.ServerID, "No copy"); len(c) != 1 || !strings.Contains(c[0].Prop(tEmailFrom), "alice@contoso.com") {
		t.Errorf("From of a message without From: %v", c)
	}
}

func TestSendMail121Errors(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MAILERR121", eas.Version121)
	// 12.1 has no status in a body: bare HTTP codes.
	if rr := alice.post(eas.CommandSendMail, []byte("this is not a message"), nil); rr.Code != http.StatusBadRequest || rr.Body.Len() != 0 {
		t.Errorf("bad MIME: HTTP %d", rr.Code)
	}
	if rr := alice.post(eas.CommandSendMail, mailTestMIME("alice@contoso.com", "", "", "", "Nobody", "x"), nil); rr.Code != http.StatusInternalServerError {
		t.Errorf("no recipient: HTTP %d", rr.Code)
	}
	// A WBXML ComposeMail body, labelled as such, is not what 12.1 sends:
	// 101 InvalidContent, a bare 400.
	wb, _ := wbxml.Marshal(&eas.SendMailRequest{ClientId: "1", Mime: mailTestMIME("", "bob@contoso.com", "", "", "s", "b")})
	hr := alice.HTTPRequest(alice.Request(eas.CommandSendMail), wb)
	hr.Header.Set("Content-Type", eas.ContentTypeWBXML)
	if resp, _ := alice.Do(hr); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("12.1 SendMail as WBXML: HTTP %d, want 400 (101 InvalidContent)", resp.StatusCode)
	}
}

func TestSendMail141ComposeMail(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "MAIL141", eas.Version141)
	send := func(d *mailTestDev, clientID string, raw []byte, save bool) *mailReply {
		t.Helper()
		return d.call(eas.CommandSendMail, &eas.SendMailRequest{ClientId: clientID, SaveInSentItems: save, Mime: raw}, nil)
	}
	// Bob is waiting in a Ping-like way on his mailbox: delivery wakes him.
	_, bob, _ := env.Server.Directory().Resolve("bob")
	changed, _ := bob.Changed()
	rr := send(alice, "c-1", mailTestMIME("alice@contoso.com", `"Bob Kelly" <BOB@contoso.com>`, "", "", "Lunch", "12:30?"), true)
	if rr.Code != http.StatusOK || rr.Body.Len() != 0 {
		t.Fatalf("SendMail: HTTP %d body % X", rr.Code, rr.Body.Bytes())
	}
	select {
	case <-changed:
	default:
		t.Error("delivery did not signal bob's mailbox")
	}
	inbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(bob, inbox.ServerID, "Lunch")
	if len(got) != 1 || got[0].Prop(tEmailRead) != "0" {
		t.Fatalf("bob's Inbox: %v", got)
	}
	if len(mailTestFind(alice.mb, alice.folder(eas.FolderTypeSentItems), "Lunch")) != 1 {
		t.Error("not saved in Sent Items")
	}
	// The same ClientId again from this device: 118.
	rr = send(alice, "c-1", mailTestMIME("alice@contoso.com", "bob@contoso.com", "", "", "Lunch", "12:30?"), false)
	if rr.Code != http.StatusOK || mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusMessagePreviouslySent) {
		t.Fatalf("resend: HTTP %d % X", rr.Code, rr.Body.Bytes())
	}
	var sr eas.SendMailResponse
	if err := wbxml.Unmarshal(rr.Body.Bytes(), &sr); err != nil || sr.Status != 118 {
		t.Fatalf("resend response %+v, %v", sr, err)
	}
	if n := len(mailTestFind(bob, inbox.ServerID, "Lunch")); n != 1 {
		t.Errorf("the resend was delivered: %d copies", n)
	}
	// Another device of the same user has its own ClientIds.
	other := mailTestDevice(t, env, "alice", "MAIL141B", eas.Version141)
	if rr := send(other, "c-1", mailTestMIME("alice@contoso.com", "bob@contoso.com", "", "", "Lunch 2", "x"), false); rr.Code != http.StatusOK || rr.Body.Len() != 0 {
		t.Errorf("other device, same ClientId: HTTP %d % X", rr.Code, rr.Body.Bytes())
	}
	// 107 and 119 as a Status in <SendMail>; a refused ClientId can be
	// used again.
	if rr := send(alice, "c-2", []byte("garbage without a header"), false); mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusInvalidMIME) {
		t.Errorf("bad MIME: % X", rr.Body.Bytes())
	}
	// No Mime is 103, as Exchange answers it (MSASCMD_S21_TC08, R4817).
	if rr := send(alice, "c-2", nil, false); mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusInvalidXML) {
		t.Errorf("no Mime: % X", rr.Body.Bytes())
	}
	if rr := send(alice, "c-2", mailTestMIME("alice@contoso.com", "", "", "", "Nobody", "x"), false); mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusMessageHasNoRecipient) {
		t.Errorf("no recipient: % X", rr.Body.Bytes())
	}
	if rr := send(alice, "c-2", mailTestMIME("alice@contoso.com", "bob@contoso.com", "", "", "Retry", "x"), false); rr.Body.Len() != 0 {
		t.Errorf("ClientId of refused messages: % X", rr.Body.Bytes())
	}
	// An AccountId that is not the user's: 166.
	rr = alice.call(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "c-3", AccountId: "nobody", Mime: mailTestMIME("", "bob@contoso.com", "", "", "s", "b")}, nil)
	if mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusInvalidAccountID) {
		t.Errorf("bad AccountId: % X", rr.Body.Bytes())
	}
}

func TestSmartReplyAndForward(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	bob := mailTestDevice(t, env, "bob", "SMART141", eas.Version141)
	_, alice, _ := env.Server.Directory().Resolve("alice")
	aliceInbox, _ := alice.FolderByType(eas.FolderTypeInbox)
	orig := mailTestSeed(t, bob.mb, "Quarterly figures", "Revenue is up 12 percent.", []byte("%PDF-1.4 figures"))
	inbox := bob.folder(eas.FolderTypeInbox)

	reply := func(id string, replace bool, subject string) *mailReply {
		t.Helper()
		return bob.call(eas.CommandSmartReply, &eas.SmartReplyRequest{ClientId: "r-" + subject, Source: &eas.Source{FolderId: inbox, ItemId: id}, SaveInSentItems: true, ReplaceMime: replace,
			Mime: mailTestMIME("bob@contoso.com", "alice@contoso.com", "", "", subject, "Great news!")}, nil)
	}
	if rr := reply(orig.ServerID, false, "RE: Quarterly figures"); rr.Code != http.StatusOK || rr.Body.Len() != 0 {
		t.Fatalf("SmartReply: HTTP %d % X", rr.Code, rr.Body.Bytes())
	}
	got := mailTestFind(alice, aliceInbox.ServerID, "RE: Quarterly figures")
	if len(got) != 1 {
		t.Fatalf("alice got %d replies", len(got))
	}
	if p := got[0].Body.Plain; !strings.Contains(p, "Great news!") || !strings.Contains(p, "Revenue is up 12 percent.") || !strings.Contains(p, "-----Original Message-----") {
		t.Errorf("reply body:\n%s", p)
	}
	if len(got[0].Attachments) != 0 {
		t.Errorf("a reply carries the original's attachments")
	}
	if sent := mailTestFind(bob.mb, bob.folder(eas.FolderTypeSentItems), "RE: Quarterly figures"); len(sent) != 1 {
		t.Errorf("reply not in Sent Items")
	}
	// ReplaceMime: the client's message as it is.
	reply(orig.ServerID, true, "RE: replaced")
	if got := mailTestFind(alice, aliceInbox.ServerID, "RE: replaced"); len(got) != 1 || strings.Contains(got[0].Body.Plain, "Revenue") {
		t.Errorf("ReplaceMime reply: %v", got)
	}
	// Missing source: 150.
	if rr := reply(inbox+":999", false, "RE: gone"); mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusItemNotFound) {
		t.Errorf("missing source: % X", rr.Body.Bytes())
	}
	// The item exists but not in the FolderId named.
	rr := bob.call(eas.CommandSmartReply, &eas.SmartReplyRequest{ClientId: "r-wrongfolder", Source: &eas.Source{FolderId: bob.folder(eas.FolderTypeDrafts), ItemId: orig.ServerID},
		Mime: mailTestMIME("", "alice@contoso.com", "", "", "x", "x")}, nil)
	if mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusItemNotFound) {
		t.Errorf("wrong folder: % X", rr.Body.Bytes())
	}
	// By LongId.
	rr = bob.call(eas.CommandSmartReply, &eas.SmartReplyRequest{ClientId: "r-long", Source: &eas.Source{LongId: orig.ServerID},
		Mime: mailTestMIME("", "alice@contoso.com", "", "", "RE: by LongId", "ok")}, nil)
	if rr.Body.Len() != 0 || len(mailTestFind(alice, aliceInbox.ServerID, "RE: by LongId")) != 1 {
		t.Errorf("reply by LongId: % X", rr.Body.Bytes())
	}

	forward := func(replace bool, subject string, fw *eas.Forwardees) *mailReply {
		t.Helper()
		return bob.call(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "f-" + subject, Source: &eas.Source{FolderId: inbox, ItemId: orig.ServerID}, ReplaceMime: replace, Forwardees: fw,
			Mime: mailTestMIME("bob@contoso.com", "alice@contoso.com", "", "", subject, "FYI")}, nil)
	}
	if rr := forward(false, "FW: Quarterly figures", nil); rr.Body.Len() != 0 {
		t.Fatalf("SmartForward: % X", rr.Body.Bytes())
	}
	got = mailTestFind(alice, aliceInbox.ServerID, "FW: Quarterly figures")
	if len(got) != 1 || !strings.Contains(got[0].Body.Plain, "FYI") || !strings.Contains(got[0].Body.Plain, "Revenue is up 12 percent.") {
		t.Fatalf("forward: %v", got)
	}
	if len(got[0].Attachments) != 1 || got[0].Attachments[0].Name != "report.pdf" || string(got[0].Attachments[0].Data) != "%PDF-1.4 figures" {
		t.Errorf("forward attachments: %+v", got[0].Attachments)
	}
	forward(true, "FW: replaced", nil)
	if got := mailTestFind(alice, aliceInbox.ServerID, "FW: replaced"); len(got) != 1 || len(got[0].Attachments) != 0 || strings.Contains(got[0].Body.Plain, "Revenue") {
		t.Errorf("ReplaceMime forward: %v", got)
	}

	// 12.1: the source in the query string.
	old := mailTestDevice(t, env, "bob", "SMART121", eas.Version121)
	rr = old.post(eas.CommandSmartForward, mailTestMIME("bob@contoso.com", "alice@contoso.com", "", "", "FW: via query", "see below"), func(r *eas.Request) {
		r.ItemID, r.CollectionID = orig.ServerID, inbox
	})
	if rr.Code != http.StatusOK || len(mailTestFind(alice, aliceInbox.ServerID, "FW: via query")) != 1 {
		t.Errorf("12.1 SmartForward: HTTP %d", rr.Code)
	}
	if rr := old.post(eas.CommandSmartReply, mailTestMIME("", "alice@contoso.com", "", "", "x", "x"), func(r *eas.Request) { r.ItemID = "nope" }); rr.Code != http.StatusInternalServerError {
		t.Errorf("12.1 missing source: HTTP %d, want 500", rr.Code)
	}

	// 16.0: Forwardees are recipients too.
	v16 := mailTestDevice(t, env, "bob", "SMART160", eas.Version160)
	_, admin, _ := env.Server.Directory().Resolve("admin")
	adminInbox, _ := admin.FolderByType(eas.FolderTypeInbox)
	rr = v16.call(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "f16", Source: &eas.Source{ItemId: orig.ServerID},
		Forwardees: &eas.Forwardees{Forwardee: []eas.Forwardee{{Name: "Administrator", Email: "admin@contoso.com"}}},
		Mime:       mailTestMIME("bob@contoso.com", "alice@contoso.com", "", "", "FW: with forwardees", "x")}, nil)
	if rr.Body.Len() != 0 || len(mailTestFind(admin, adminInbox.ServerID, "FW: with forwardees")) != 1 {
		t.Errorf("Forwardees: % X", rr.Body.Bytes())
	}
}

func TestSmartForwardAppointment(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "SMARTCAL", eas.Version141)
	var appt *simulator.Item
	for _, it := range alice.mb.Items(alice.folder(eas.FolderTypeCalendar)) {
		if it.Prop(mustTag("Calendar:Subject")) == "Budget review" {
			appt = it
		}
	}
	if appt == nil {
		t.Fatal("no seeded appointment")
	}
	rr := alice.call(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "fcal", Source: &eas.Source{FolderId: appt.FolderID, ItemId: appt.ServerID}, ReplaceMime: true,
		Mime: mailTestMIME("alice@contoso.com", "bob@contoso.com", "", "", "FW: Budget review", "Join us")}, nil)
	if rr.Body.Len() != 0 {
		t.Fatalf("SmartForward of an appointment: % X", rr.Body.Bytes())
	}
	_, bob, _ := env.Server.Directory().Resolve("bob")
	inbox, _ := bob.FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(bob, inbox.ServerID, "FW: Budget review")
	if len(got) != 1 || len(got[0].Attachments) != 1 || !strings.HasSuffix(got[0].Attachments[0].Name, ".eml") {
		t.Fatalf("forwarded appointment: %+v", got)
	}
	// An occurrence of a meeting that does not recur: 146; a malformed
	// InstanceId: 104.
	for _, tc := range []struct {
		instance string
		want     eas.Status
	}{{"2026-11-25T14:00:00.000Z", eas.StatusNoRecurrenceInCalendar}, {"11/25/2026 2:00 PM", eas.StatusInvalidDateTime}} {
		rr := alice.call(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "fcal-" + tc.instance, Source: &eas.Source{ItemId: appt.ServerID, InstanceId: tc.instance},
			Mime: mailTestMIME("", "bob@contoso.com", "", "", "x", "x")}, nil)
		if got := mailTestStatus(t, rr.Body.Bytes()); got != int(tc.want) {
			t.Errorf("InstanceId %q: status %d, want %d", tc.instance, got, tc.want)
		}
	}
}
