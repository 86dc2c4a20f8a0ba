package conformance

import (
	"net/http"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASEMAIL: e-mail items (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASEMAIL). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1. This file is what its TestSuiteBase
// and TestSuiteHelper do for the scenarios ported: User01 mails User02,
// who changes the message with Sync. The client is MS-ASAIRS's
// (msasairs_base_test.go): the same requests, other users.

const emailSpec = "MS-ASEMAIL"

// The suite's users (MS-ASEMAIL_TestSuite.deployment.ptfconfig); the
// scenarios ported need the first three.
const (
	emailUser1 = "MSASEMAIL_User01"
	emailUser2 = "MSASEMAIL_User02"
	emailUser3 = "MSASEMAIL_User03"
)

// emailClient is the suite's client.
type emailClient struct {
	*airsClient
	subject string // the subject of the message flagged last
}

// emailLab deploys the suite's users and switches to User01, as
// TestInitialize does.
func emailLab(s *site) *emailClient {
	s.t.Helper()
	return &emailClient{airsClient: newAirsClient(s, newLab(s, emailUser1, emailUser2, emailUser3), emailUser1)}
}

// emailMIME is TestSuiteHelper.CreatePlainTextMime: a plain text message
// with the header fields given (empty ones left out).
func emailMIME(from, to, cc, bcc, subject, body, sender, replyTo string) []byte {
	h := "From: " + from + "\r\nTo: " + to + "\r\n"
	for _, f := range [][2]string{{"Sender", sender}, {"Cc", cc}, {"Bcc", bcc}, {"Reply-To", replyTo}} {
		if f[1] != "" {
			h += f[0] + ": " + f[1] + "\r\n"
		}
	}
	return []byte(h + "Subject: " + subject + "\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\n" + body + "\r\n")
}

// sendPlaintextEmail is SendPlaintextEmail: User01 sends User02 a plain
// text message (SaveInSentItems off), which must answer no body; the
// client is User02's afterwards.
func (c *emailClient) sendPlaintextEmail(subject string) {
	c.s.t.Helper()
	c.sendMIME(subject, emailMIME(mailAddress(emailUser1), mailAddress(emailUser2), "", "", subject, c.name("content"), "", ""))
	c.switchUser(emailUser2)
}

// sendMIME sends mime as User01 (SaveInSentItems off: a WBXML SendMail
// from 14.0, the MIME itself at 12.1), which must answer no body.
func (c *emailClient) sendMIME(subject string, mime []byte) {
	c.s.t.Helper()
	c.switchUser(emailUser1)
	var a *answer
	if c.s.version.AtLeast(eas.Version140) {
		a = c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: airsClientID(), Mime: mime})
	} else {
		a = c.sendRaw(c.l.request(c.user, eas.CommandSendMail), mime)
		if a.Status != http.StatusOK {
			c.s.t.Fatalf("SendMail answered HTTP %d", a.Status)
		}
	}
	if len(a.Body) != 0 {
		c.s.t.Fatalf("SendMail of %q answered a body, want none", subject)
	}
}

// updateEmail is UpdateEmail: a Sync with key that changes the item's
// Read and Flag (those given); the collection must answer Status 1. It
// returns the collection.
func (c *emailClient) updateEmail(key, serverID string, read *bool, flag *wbxml.Node) *eas.SyncCollection {
	c.s.t.Helper()
	return c.updateEmailWith(key, serverID, read, flag, nil)
}

// updateEmailWith is UpdateEmail with categories too (nil: none sent; an
// empty list: an empty Categories).
func (c *emailClient) updateEmailWith(key, serverID string, read *bool, flag *wbxml.Node, categories []string) *eas.SyncCollection {
	c.s.t.Helper()
	app := wbxml.NewElement(cmdTag("AirSync:ApplicationData"))
	if read != nil {
		app.Children = append(app.Children, cmdText("Email:Read", map[bool]string{true: "1", false: "0"}[*read]))
	}
	if flag != nil {
		app.Children = append(app.Children, flag)
	}
	if categories != nil {
		cats := wbxml.NewElement(cmdTag("Email:Categories"))
		for _, cat := range categories {
			cats.Children = append(cats.Children, cmdText("Email:Category", cat))
		}
		app.Children = append(app.Children, cats)
	}
	col := c.changeWith(key, serverID, app)
	if col == nil || col.Status != 1 {
		c.s.t.Fatal("the Sync that changes the message did not succeed")
	}
	return col
}

// changeWith sends a Sync with key whose one Change of serverID carries
// app (the suite's InvalidSync too); it returns the collection, nil when
// the answer has none.
func (c *emailClient) changeWith(key, serverID string, app *wbxml.Node) *eas.SyncCollection {
	c.s.t.Helper()
	return cmdCollection(c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: key, CollectionId: c.inbox(), GetChanges: eas.NewBool(true), WindowSize: 100,
		Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: serverID, ApplicationData: app}},
	}}}}))
}

// changeStatus is the Status of the Change of serverID in a collection's
// Responses, 0 when there is none (the change succeeded).
func changeStatus(col *eas.SyncCollection, serverID string) int {
	for _, r := range col.Responses {
		if r.Kind == eas.SyncChange && r.ServerId == serverID {
			return r.Status
		}
	}
	return 0
}

// syncChanges is SyncChanges: a Sync of the Inbox with key asking for
// changes; it returns the collection, nil when the answer is empty.
func (c *emailClient) syncChanges(key string) *eas.SyncCollection {
	c.s.t.Helper()
	return cmdCollection(c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: key, CollectionId: c.inbox(), GetChanges: eas.NewBool(true), WindowSize: 100,
	}}}}))
}

// changedData is the ApplicationData of a collection's Change of
// serverID, or nil.
func changedData(col *eas.SyncCollection, serverID string) *wbxml.Node {
	if col == nil {
		return nil
	}
	for _, ch := range col.Commands {
		if ch.Kind == eas.SyncChange && ch.ServerId == serverID {
			return ch.ApplicationData
		}
	}
	return nil
}

// emailElements are the names of an ApplicationData's children.
func emailElements(data *wbxml.Node) []string {
	var out []string
	if data != nil {
		for _, e := range data.Elements() {
			out = append(out, e.Tag.Name)
		}
	}
	return out
}

// emailChild is an ApplicationData's child named name, or nil.
func emailChild(data *wbxml.Node, name string) *wbxml.Node {
	if data != nil {
		for _, e := range data.Elements() {
			if e.Tag.Name == name {
				return e
			}
		}
	}
	return nil
}

// changedEmail is GetSyncChangeItem: the message a collection's Change of
// serverID carries, or nil.
func (c *emailClient) changedEmail(col *eas.SyncCollection, serverID string) *eas.Email {
	c.s.t.Helper()
	if col == nil {
		return nil
	}
	for _, ch := range col.Commands {
		if ch.Kind == eas.SyncChange && ch.ServerId == serverID && ch.ApplicationData != nil {
			var e eas.Email
			c.s.must(eas.DecodeItem(ch.ApplicationData, &e), "decoding the changed message")
			return &e
		}
	}
	return nil
}

// emailFlag is a Flag a test sends, its elements as the suite's
// Request.Flag writes them (empty ones left out); a date is days after
// the lab's start.
type emailFlag struct {
	subject, status, flagType                       string
	dateCompleted, completeTime, startDate, dueDate *int
	utcStartDate, utcDueDate, reminderTime, ordinal *int
	reminderSet, subOrdinal                         string
	extra                                           []*wbxml.Node // elements added before the first of their name
}

// emailDate is the flag date d days after the lab's start.
func emailDate(d int) string {
	return simtest.Start.Add(time.Duration(d) * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
}

// node is the flag's Email:Flag element.
func (f emailFlag) node() *wbxml.Node {
	n := wbxml.NewElement(cmdTag("Email:Flag"))
	text := func(q, v string) {
		if v != "" {
			n.Children = append(n.Children, cmdText(q, v))
		}
	}
	date := func(q string, d *int) {
		if d != nil {
			text(q, emailDate(*d))
		}
	}
	text("Tasks:Subject", f.subject)
	text("Email:Status", f.status)
	text("Email:FlagType", f.flagType)
	date("Tasks:DateCompleted", f.dateCompleted)
	date("Email:CompleteTime", f.completeTime)
	date("Tasks:StartDate", f.startDate)
	date("Tasks:DueDate", f.dueDate)
	date("Tasks:UtcStartDate", f.utcStartDate)
	date("Tasks:UtcDueDate", f.utcDueDate)
	text("Tasks:ReminderSet", f.reminderSet)
	date("Tasks:ReminderTime", f.reminderTime)
	date("Tasks:OrdinalDate", f.ordinal)
	text("Tasks:SubOrdinalDate", f.subOrdinal)
	for _, e := range f.extra {
		at := len(n.Children)
		for i, ch := range n.Children {
			if ch.Tag == e.Tag {
				at = i
				break
			}
		}
		n.Children = append(n.Children[:at], append([]*wbxml.Node{e}, n.Children[at:]...)...)
	}
	return n
}

// day is a pointer to a day offset, for the dates of a flag.
func day(d int) *int { return &d }
