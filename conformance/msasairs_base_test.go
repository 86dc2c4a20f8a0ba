package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASAIRS: the AirSyncBase elements, bodies, body parts and attachments
// (Interop-TestSuites ExchangeActiveSync/Source/MS-ASAIRS). Its suite runs
// at every ActiveSyncProtocolVersion from 12.1. This file is what its
// TestSuiteBase and TestSuiteHelper do: two users, User01 mailing User02,
// the Sync, ItemOperations and SendMail requests with body preferences,
// and the messages the tests send. The deployment's SHOULDMAY settings for
// Exchange 2016 and 2019 leave R53 (the Search halves of the tests) off,
// so the Search steps are not ported.

const airsSpec = "MS-ASAIRS"

// The suite's users (MS-ASAIRS_TestSuite.deployment.ptfconfig).
const (
	airsUser1 = "MSASAIRS_User01"
	airsUser2 = "MSASAIRS_User02"
)

// airsClient is the suite's client as TestSuiteBase drives it: the
// session (the user it acts as and each user's default folders) and the
// SyncKey of the last GetSyncResult.
type airsClient struct {
	cmdSession
	syncKey string
}

// airsLab deploys the suite's two users and switches to User01, as
// TestInitialize does.
func airsLab(s *site) *airsClient {
	s.t.Helper()
	return newAirsClient(s, newLab(s, airsUser1, airsUser2), airsUser1)
}

// newAirsClient is a client of lab l switched to user, as the suites'
// TestInitialize leaves it (MS-ASEMAIL's too).
func newAirsClient(s *site, l *lab, user string) *airsClient {
	s.t.Helper()
	c := &airsClient{cmdSession: cmdSession{s: s, l: l, deviceID: cmdDeviceID, folders: map[string]map[eas.FolderType]string{}}}
	c.switchUser(user)
	return c
}

// switchUser is SwitchUser with a FolderSync: user becomes the client's.
func (c *airsClient) switchUser(user string) {
	c.s.t.Helper()
	c.switchTo(user, c.folderSync)
}

// folder is the current user's default folder of type t.
func (c *airsClient) folder(t eas.FolderType) string {
	c.s.t.Helper()
	id := c.folders[c.user][t]
	if id == "" {
		c.s.t.Fatalf("%s has no folder of type %d", c.user, t)
	}
	return id
}

// send sends cmd as the current user and fails the test unless HTTP 200.
func (c *airsClient) send(cmd eas.Command, body any) *answer {
	c.s.t.Helper()
	a := c.sendRaw(c.l.request(c.user, cmd), body)
	if a.Status != http.StatusOK {
		c.s.t.Fatalf("%v answered HTTP %d", cmd, a.Status)
	}
	return a
}

// folderSync is the FolderSync command with key.
func (c *airsClient) folderSync(key string) *eas.FolderSyncResponse {
	c.s.t.Helper()
	var r eas.FolderSyncResponse
	c.send(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: key}).decode(c.s, &r)
	return &r
}

// sync sends a Sync body (an eas message or a tree) and returns the
// answer; an empty answer is a Sync with no collections.
func (c *airsClient) sync(body any) *eas.SyncResponse {
	c.s.t.Helper()
	if n, ok := body.(*wbxml.Node); ok {
		b, err := n.MarshalBinary()
		c.s.must(err, "encoding the request tree")
		body = b
	}
	a := c.send(eas.CommandSync, body)
	var r eas.SyncResponse
	if len(a.Body) > 0 {
		a.decode(c.s, &r)
	}
	return &r
}

// initialSyncKey is GetInitialSyncKey: the SyncKey of a Sync with key 0.
func (c *airsClient) initialSyncKey(collectionID string) string {
	c.s.t.Helper()
	r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: collectionID}}}})
	col := cmdCollection(r)
	if col == nil || col.Status != 1 {
		c.s.t.Fatalf("the initial Sync of %s did not succeed", collectionID)
	}
	return col.SyncKey
}

// airsOptions are the Sync options TestSuiteHelper.CreateSyncRequest
// builds: the body preferences (with MIMESupport 2 after one of Type 4)
// and the body part preferences.
func airsOptions(prefs []eas.BodyPreference, parts []eas.BodyPartPreference) []eas.SyncOptions {
	if len(prefs) == 0 && len(parts) == 0 {
		return nil
	}
	o := eas.SyncOptions{BodyPreference: prefs, BodyPartPreference: parts}
	for _, p := range prefs {
		if p.Type == eas.BodyTypeMIME {
			o.MIMESupport = airsPtr(2)
		}
	}
	return []eas.SyncOptions{o}
}

// airsItem is an item a Sync or an ItemOperations returned: its ServerId,
// its properties as sent and decoded as an e-mail.
type airsItem struct {
	serverID string
	data     *wbxml.Node
	email    eas.Email
}

// getSyncResult is GetSyncResult: an initial Sync of the folder, then a
// Sync with the options, which must add the item whose Subject is
// subject; its key becomes the client's.
func (c *airsClient) getSyncResult(subject, collectionID string, prefs []eas.BodyPreference, parts []eas.BodyPartPreference) *airsItem {
	c.s.t.Helper()
	col := eas.SyncCollection{SyncKey: c.initialSyncKey(collectionID), CollectionId: collectionID, Options: airsOptions(prefs, parts)}
	r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}})
	out := cmdCollection(r)
	if out == nil || out.Status != 1 {
		c.s.t.Fatalf("the Sync of %s did not succeed", collectionID)
	}
	c.syncKey = out.SyncKey
	for _, a := range out.Commands {
		if a.Kind == eas.SyncAdd && (cmdSubject(a.ApplicationData) == subject || cmdField(a.ApplicationData, "Contacts:FileAs") == subject) {
			it := &airsItem{serverID: a.ServerId, data: a.ApplicationData}
			c.s.must(eas.DecodeItem(a.ApplicationData, &it.email), "decoding the item")
			if c.s.spec == airsSpec {
				airsVerifyShape(c.s, a.ApplicationData)
			}
			return it
		}
	}
	c.s.t.Fatalf("the Sync of %s added no item %q", collectionID, subject)
	return nil
}

// getAllContentItem is GetAllContentItem: the item with its whole body,
// plain text, and from 14.1 its whole HTML body part, whose Status must
// be 1.
func (c *airsClient) getAllContentItem(subject, collectionID string) *airsItem {
	c.s.t.Helper()
	var parts []eas.BodyPartPreference
	if c.s.version.AtLeast(eas.Version141) {
		parts = []eas.BodyPartPreference{{Type: eas.BodyTypeHTML}}
	}
	it := c.getSyncResult(subject, collectionID, []eas.BodyPreference{{Type: eas.BodyTypePlainText}}, parts)
	if it.email.Body == nil {
		c.s.t.Fatalf("the item %q has no Body though a BodyPreference asked for one", subject)
	}
	if parts != nil && (it.email.BodyPart == nil || it.email.BodyPart.Status != 1) {
		c.s.t.Fatalf("the item %q has no BodyPart of Status 1 though a BodyPartPreference asked for one", subject)
	}
	return it
}

// itemOperations sends an ItemOperations as the current user, asking for
// a multipart answer when multipart; it returns the answer and, for a
// multipart one, its parts.
func (c *airsClient) itemOperations(req *eas.ItemOperationsRequest, multipart bool) (*eas.ItemOperationsResponse, *cmdParts) {
	c.s.t.Helper()
	r := c.l.request(c.user, eas.CommandItemOperations)
	if multipart {
		r.Options |= eas.OptionAcceptMultiPart
	}
	a := c.sendRaw(r, req)
	if a.Status != http.StatusOK {
		c.s.t.Fatalf("ItemOperations answered HTTP %d", a.Status)
	}
	var out eas.ItemOperationsResponse
	if strings.Contains(a.Header.Get("Content-Type"), "multipart") {
		p := cmdReadParts(a.Body, a.Header.Get("Content-Type"))
		if p.broken != "" {
			c.s.t.Fatalf("the multipart ItemOperations answer cannot be read: %s", p.broken)
		}
		c.s.must(wbxml.Unmarshal(p.wbxml, &out), "decoding the answer's first part")
		return &out, p
	}
	a.decode(c.s, &out)
	return &out, nil
}

// airsFetch is TestSuiteHelper.CreateItemOperationsRequest: a Fetch from
// the mailbox of an item, or of an attachment when fileReference is set,
// with the body preferences (MIMESupport 2 after one of Type 4) and body
// part preferences.
func airsFetch(collectionID, serverID, fileReference string, prefs []eas.BodyPreference, parts []eas.BodyPartPreference) *eas.ItemOperationsRequest {
	f := &eas.Fetch{Store: "Mailbox"}
	if fileReference != "" {
		f.FileReference = fileReference
	} else {
		f.CollectionId, f.ServerId = collectionID, serverID
	}
	if len(prefs) > 0 || len(parts) > 0 {
		f.Options = &eas.FetchOptions{BodyPreference: prefs, BodyPartPreference: parts}
		for _, p := range prefs {
			if p.Type == eas.BodyTypeMIME {
				f.Options.MIMESupport = airsPtr(2)
			}
		}
	}
	return &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: f}}}
}

// getItemOperationsResult is GetItemOperationsResult: a Fetch of the item,
// whose answer must hold one fetched item; it returns the item and, for a
// multipart answer, its parts.
func (c *airsClient) getItemOperationsResult(collectionID, serverID string, prefs []eas.BodyPreference, parts []eas.BodyPartPreference, multipart bool) (*airsItem, *cmdParts) {
	c.s.t.Helper()
	r, p := c.itemOperations(airsFetch(collectionID, serverID, "", prefs, parts), multipart)
	if r.Response == nil || len(r.Response.Results) != 1 || r.Response.Results[0].Fetch == nil {
		c.s.t.Fatalf("the ItemOperations answer (Status %d) does not hold one Fetch", r.Status)
	}
	f := r.Response.Results[0].Fetch
	if f.Status != 1 || f.Properties == nil {
		c.s.t.Fatalf("the Fetch of %s has Status %d", serverID, f.Status)
	}
	it := &airsItem{serverID: serverID, data: f.Properties}
	c.s.must(eas.DecodeItem(f.Properties, &it.email), "decoding the fetched item")
	if c.s.spec == airsSpec {
		airsVerifyShape(c.s, f.Properties)
	}
	return it, p
}

// Kinds of the messages TestSuiteHelper.CreateMIME makes.
const (
	airsPlain = iota
	airsHTML
	airsNormalAttachment
	airsEmbeddedAttachment
)

// airsMIME is TestSuiteHelper.CreateMIME: a message of kind from from to
// to.
func airsMIME(kind int, from, to, subject, body string) string {
	head := "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n"
	switch kind {
	case airsHTML:
		return head + "Content-Type: text/html; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\n" +
			"<html>\r\n<body>\r\n<font color=\"blue\">" + body + "</font>\r\n</body>\r\n</html>\r\n"
	case airsNormalAttachment:
		return head + "Content-Type: multipart/mixed; boundary=\"_boundary_\"; type=\"text/html\"\r\nMIME-Version: 1.0\r\n\r\n" +
			"--_boundary_\r\nContent-Type: text/html; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"<html><body>" + body + "<img width=3D\"128\" height=3D\"94\" id=3D\"Picture_x0020_1\" src=3D\"cid:i=\r\n" +
			"mage001.jpg@01CC1FB3.2053ED80\" alt=3D\"Description: cid:ebdc14bd-deb4-4816-b=\r\n00b-6e2a46097d17\"></body></html>\r\n\r\n" +
			"--_boundary_\r\nContent-Type: image/jpeg; name=\"number1.jpg\"\r\nContent-ID: " + airsClientID() + "\r\n" +
			"Content-Description: number1.jpg\r\nContent-Disposition: inline; size=4; filename=\"number1.jpg\"\r\n" +
			"Content-Location: <cid:ebdc14bd-deb4-4816-b00b-6e2a46097d17>\r\nContent-Transfer-Encoding: base64\r\n\r\nMQ==\r\n\r\n--_boundary_--\r\n"
	case airsEmbeddedAttachment:
		return head + "Content-Type: multipart/mixed; boundary=\"_boundary_\"; type=\"text/html\"\r\nMIME-Version: 1.0\r\n\r\n" +
			"--_boundary_\r\nContent-Type: text/html; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"<html><body>" + body + "</body></html>\r\n\r\n" +
			"--_boundary_\r\nContent-Type: message/rfc822; name=\"Embedded mail\"\r\nContent-Description: Embedded mail\r\n" +
			"Content-Disposition: attachment; size=4; filename=\"Embedded mail\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMQ==\r\n\r\n--_boundary_--\r\n"
	}
	return head + "Content-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\n" + body + "\r\n"
}

// sendEmail is SendEmail: User01 sends a message of kind to User02 (a
// WBXML SendMail from 14.0, the MIME itself at 12.1), which must answer no
// body; the client is User02's afterwards.
func (c *airsClient) sendEmail(kind int, subject, body string) {
	c.s.t.Helper()
	c.switchUser(airsUser1)
	mime := airsMIME(kind, mailAddress(airsUser1), mailAddress(airsUser2), subject, body)
	var a *answer
	if c.s.version.AtLeast(eas.Version140) {
		a = c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: airsClientID(), SaveInSentItems: true, Mime: []byte(mime)})
	} else {
		req := c.l.request(c.user, eas.CommandSendMail)
		req.Options |= eas.OptionSaveInSent
		a = c.sendRaw(req, []byte(mime))
		if a.Status != http.StatusOK {
			c.s.t.Fatalf("SendMail answered HTTP %d", a.Status)
		}
	}
	if len(a.Body) != 0 {
		c.s.t.Fatalf("SendMail of %q answered a body, want none", subject)
	}
	c.switchUser(airsUser2)
}

// name is Common.GenerateResourceName: the suite, scenario and test
// numbers ("MSASAIRS_S01_TC01"), the resource name and a unique number in
// place of the time of day (HHmmss_ffffff, as long).
func (c *airsClient) name(resource string) string {
	parts := strings.SplitN(testName(c.s.t), "_", 4)
	n := airsNames.Add(1)
	return fmt.Sprintf("%s_%s_%06d_%06d", strings.Join(parts[:min(3, len(parts))], "_"), resource, n/1000000, n%1000000)
}

// inbox is the current user's Inbox.
func (c *airsClient) inbox() string { return c.folder(eas.FolderTypeInbox) }

// airsTruncated reports whether a Truncated element says 1.
func airsTruncated(b *bool) bool { return b != nil && *b }

// airsPtr is a pointer to v, for the optional elements of requests.
func airsPtr[T any](v T) *T { return &v }

// airsNames numbers the names and ClientIds of the MS-ASAIRS and
// MS-ASEMAIL ports, apart from MS-ASCMD's (whose name lengths its checks
// depend on).
var airsNames atomic.Int64

// airsClientID is a new ClientId, a GUID as the suites make them.
func airsClientID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", airsNames.Add(1))
}
