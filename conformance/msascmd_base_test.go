package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf16"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD: the ActiveSync commands (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASCMD). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1. This file is what its TestSuiteBase
// does for every scenario (the users, the deployment, the request and
// message builders) and, with cmdSuite, for scenarios S01 to S11: the
// switch between users and the helpers those scenarios share. Scenarios
// S12 to S23 drive cmd2Client (msascmd_base2_test.go).

const cmdSpec = "MS-ASCMD"

// The suite's users (MS-ASCMD_TestSuite.deployment.ptfconfig and
// ExchangeSUTConfiguration.ps1): User04 has ActiveSync disabled, User07 is
// User08's delegate. The scenarios S01 to S11 deploy User01 to User04 and
// User07 to User09, the scenarios S12 to S23 User01 to User04 and the two
// search users.
const (
	cmdUser1 = "MSASCMD_User01"
	cmdUser2 = "MSASCMD_User02"
	cmdUser3 = "MSASCMD_User03"
	cmdUser4 = "MSASCMD_User04"
	cmdUser7 = "MSASCMD_User07"
	cmdUser8 = "MSASCMD_User08"
	cmdUser9 = "MSASCMD_User09"
	// The two users whose names AmbiguousSearchName (MSASCMD_SearchUser)
	// matches.
	cmdSearchUser1 = "MSASCMD_SearchUser01"
	cmdSearchUser2 = "MSASCMD_SearchUser02"
)

// cmdDeviceID is the common configuration's DeviceID.
const cmdDeviceID = "TestSuite"

// cmdFolders are the default folders' ServerIds of one user, as
// TestSuiteBase's SwitchUser keeps them.
type cmdFolders struct {
	inbox, drafts, deleted, sent, outbox, tasks, calendar, contacts, notes, ric string
}

// cmdSession is what both MS-ASCMD clients keep as TestSuiteBase does:
// the lab, the user the client acts as and the device id it sends, the
// last hierarchy sync key, and each user's default folders (learned by
// the first FolderSync after switching to the user).
type cmdSession struct {
	s             *site
	l             *lab
	user          string
	deviceID      string
	folderSyncKey string
	folders       map[string]map[eas.FolderType]string
}

// switchTo is SwitchUser: user becomes the client's user and, the first
// time, folderSync("0") (the client's own) learns its default folders.
func (u *cmdSession) switchTo(user string, folderSync func(key string) *eas.FolderSyncResponse) {
	u.s.t.Helper()
	u.user = user
	if u.folders[user] != nil {
		return
	}
	fs := folderSync("0")
	if fs.Status != 1 {
		u.s.t.Fatalf("the initial FolderSync of %s has Status %d, want 1", user, fs.Status)
	}
	u.folderSyncKey = fs.SyncKey
	u.folders[user] = cmdDefaultFolders(fs)
}

// cmdSuite is a running MS-ASCMD test of scenarios S01 to S11: its
// session and the last Sync key.
type cmdSuite struct {
	cmdSession
	syncKey string
}

// cmdDeploy is the suite's deployment: User01 to User04 (User04 without
// ActiveSync, User01 with its person attributes) and the more users a
// half of the suite needs after them.
func cmdDeploy(s *site, more ...string) *lab {
	s.t.Helper()
	l := newLab(s, append([]string{cmdUser1, cmdUser2, cmdUser3, cmdUser4}, more...)...)
	l.cmdlet("Set-CASMailbox", map[string]any{"Identity": cmdUser4, "ActiveSyncEnabled": false})
	cmdbUser01Person(l)
	return l
}

// cmdLab deploys the suite (its users; User04 without ActiveSync) and, as
// TestInitialize does, switches to User01, whose initial FolderSync sets
// the hierarchy sync key.
func cmdLab(s *site) *cmdSuite {
	s.t.Helper()
	l := cmdDeploy(s, cmdUser7, cmdUser8, cmdUser9)
	c := &cmdSuite{cmdSession: cmdSession{s: s, l: l, deviceID: cmdDeviceID, folders: map[string]map[eas.FolderType]string{}}}
	c.switchUser(cmdUser1)
	return c
}

// switchUser makes user the client's user and, the first time, runs the
// initial FolderSync to learn its default folders.
func (c *cmdSuite) switchUser(user string) {
	c.s.t.Helper()
	c.switchTo(user, c.folderSync)
}

// cmdDefaultFolders is the ServerId of each folder type a user's initial
// FolderSync adds (the first of a type; the default folders' types are
// each the type of one folder).
func cmdDefaultFolders(fs *eas.FolderSyncResponse) map[eas.FolderType]string {
	m := map[eas.FolderType]string{}
	if fs.Changes != nil {
		for _, f := range fs.Changes.Add {
			if _, ok := m[f.Type]; !ok {
				m[f.Type] = f.ServerId
			}
		}
	}
	return m
}

// my is the current user's default folders.
func (c *cmdSuite) my() *cmdFolders {
	m := c.folders[c.user]
	return &cmdFolders{
		inbox: m[eas.FolderTypeInbox], drafts: m[eas.FolderTypeDrafts], deleted: m[eas.FolderTypeDeletedItems],
		sent: m[eas.FolderTypeSentItems], outbox: m[eas.FolderTypeOutbox], tasks: m[eas.FolderTypeTasks],
		calendar: m[eas.FolderTypeCalendar], contacts: m[eas.FolderTypeContacts], notes: m[eas.FolderTypeNotes],
		ric: m[eas.FolderTypeRecipientInfoCache],
	}
}

// send sends cmd with body as the suite's client does (the current user
// and device id, no policy key, no reaction to the answer) and returns the
// answer, failing the test on anything but HTTP 200.
func (c *cmdSuite) send(cmd eas.Command, body any) *answer {
	c.s.t.Helper()
	a := c.sendRaw(c.l.request(c.user, cmd), body)
	if a.Status != http.StatusOK {
		c.s.t.Fatalf("%v answered HTTP %d, want 200 (%s)", cmd, a.Status, a.Body)
	}
	return a
}

// sendRaw sends req as it is but for the device id, the session's when
// set (cmdSuite's always is; cmd2Client's only after ChangeDeviceID).
func (u *cmdSession) sendRaw(req *eas.Request, body any) *answer {
	u.s.t.Helper()
	if u.deviceID != "" {
		req.DeviceID = u.deviceID
	}
	return u.l.send(req, password, body)
}

// call sends cmd and decodes its answer into out.
func (c *cmdSuite) call(cmd eas.Command, body, out any) {
	c.s.t.Helper()
	a := c.send(cmd, body)
	c.verifyShape(cmd, a.Body)
	a.decode(c.s, out)
}

// folderSync is the FolderSync command with key.
func (c *cmdSuite) folderSync(key string) *eas.FolderSyncResponse {
	c.s.t.Helper()
	var r eas.FolderSyncResponse
	c.call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: key}, &r)
	return &r
}

// folderSync0 is TestSuiteBase's FolderSync: an initial one, whose key
// becomes the last hierarchy sync key.
func (c *cmdSuite) folderSync0() *eas.FolderSyncResponse {
	c.s.t.Helper()
	r := c.folderSync("0")
	if r.Status == 1 {
		c.folderSyncKey = r.SyncKey
	}
	return r
}

// folderCreate is the FolderCreate command.
func (c *cmdSuite) folderCreate(key string, typ eas.FolderType, name, parent string) *eas.FolderCreateResponse {
	c.s.t.Helper()
	var r eas.FolderCreateResponse
	c.call(eas.CommandFolderCreate, &eas.FolderCreateRequest{SyncKey: key, ParentId: parent, DisplayName: name, Type: typ}, &r)
	return &r
}

// createFolder is TestSuiteBase's CreateFolder: a FolderSync, then a
// FolderCreate that must succeed; it returns the new folder's ServerId.
func (c *cmdSuite) createFolder(typ eas.FolderType, name, parent string) string {
	c.s.t.Helper()
	fs := c.folderSync0()
	r := c.folderCreate(fs.SyncKey, typ, name, parent)
	if r.Status != 1 {
		c.s.t.Fatalf("FolderCreate of %q has Status %d, want 1", name, r.Status)
	}
	return r.ServerId
}

// folderUpdate is the FolderUpdate command.
func (c *cmdSuite) folderUpdate(key, serverID, name, parent string) *eas.FolderUpdateResponse {
	c.s.t.Helper()
	var r eas.FolderUpdateResponse
	c.call(eas.CommandFolderUpdate, &eas.FolderUpdateRequest{SyncKey: key, ServerId: serverID, DisplayName: name, ParentId: parent}, &r)
	return &r
}

// folderDelete is the FolderDelete command.
func (c *cmdSuite) folderDelete(key, serverID string) *eas.FolderDeleteResponse {
	c.s.t.Helper()
	var r eas.FolderDeleteResponse
	c.call(eas.CommandFolderDelete, &eas.FolderDeleteRequest{SyncKey: key, ServerId: serverID}, &r)
	return &r
}

// cmdFolderID is the ServerId of the folder named name among a
// FolderSync's additions, or "".
func cmdFolderID(fs *eas.FolderSyncResponse, name string) string {
	if fs.Changes == nil {
		return ""
	}
	for _, a := range fs.Changes.Add {
		if a.DisplayName == name {
			return a.ServerId
		}
	}
	return ""
}

// cmdCount is a FolderSync's Count, or -1 when it has none.
func cmdCount(fs *eas.FolderSyncResponse) int {
	if fs.Changes == nil || fs.Changes.Count == nil {
		return -1
	}
	return *fs.Changes.Count
}

// cmdName is a resource name, as Common.GenerateResourceName makes them
// unique per test.
func (c *cmdSuite) name(prefix string) string {
	c.s.t.Helper()
	return fmt.Sprintf("%s_%s_%d", resourcePrefix(c.s.t), prefix, cmdNames.Add(1))
}

var cmdNames atomic.Int64

// resourcePrefix is the prefix the suites' GenerateResourceName gives a
// name: the protocol, scenario and case of the test ("MSASCMD_S07_TC09"),
// so that a name (a folder's, a CollectionId) stays as short as the
// original's whatever the method's full name.
func resourcePrefix(t *testing.T) string {
	parts := strings.SplitN(testName(t), "_", 4)
	return strings.Join(parts[:min(3, len(parts))], "_")
}

// node is an element of a request built as a tree, for what eas has no
// message for or cannot send (a missing or repeated element): qname is
// "Namespace:Name", text or children its content.
func cmdNode(qname string, children ...*wbxml.Node) *wbxml.Node {
	return wbxml.NewElement(cmdTag(qname), children...)
}

// cmdText is an element holding text.
func cmdText(qname, text string) *wbxml.Node { return wbxml.NewText(cmdTag(qname), text) }

// cmdTag is the WBXML tag of qname ("Namespace:Name"), which must exist.
func cmdTag(qname string) *wbxml.Tag {
	t := wbxml.LookupQualified(qname)
	if t == nil {
		panic("conformance: no WBXML tag " + qname)
	}
	return t
}

// tree encodes a request tree.
func (c *cmdSuite) tree(n *wbxml.Node) []byte {
	c.s.t.Helper()
	b, err := n.MarshalBinary()
	c.s.must(err, "encoding the request tree")
	return b
}

// sync sends a Sync request and returns its answer; an empty answer (the
// server's "no changes") is a Sync with no collections.
func (c *cmdSuite) sync(req any) *eas.SyncResponse {
	c.s.t.Helper()
	a := c.send(eas.CommandSync, req)
	var r eas.SyncResponse
	if len(a.Body) > 0 {
		a.decode(c.s, &r)
	}
	if col := cmdCollection(&r); col != nil && col.SyncKey != "" {
		c.syncKey = col.SyncKey
	}
	return &r
}

// cmdCollection is a Sync answer's first collection, or nil.
func cmdCollection(r *eas.SyncResponse) *eas.SyncCollection {
	if r.Collections == nil || len(r.Collections.Collection) == 0 {
		return nil
	}
	return &r.Collections.Collection[0]
}

// syncRequest is a Sync of one collection with key, asking for changes
// after the initial sync as TestSuiteBase's requests do.
func cmdSyncRequest(key, collectionID string) *eas.SyncRequest {
	col := eas.SyncCollection{SyncKey: key, CollectionId: collectionID}
	if key != "0" {
		col.GetChanges = eas.NewBool(true)
		col.Options = []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 1}}}}
	}
	return &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}
}

// syncChanges is TestSuiteBase's SyncChanges: the initial Sync of a
// folder, then one with its key.
func (c *cmdSuite) syncChanges(collectionID string) *eas.SyncResponse {
	c.s.t.Helper()
	c.sync(cmdSyncRequest("0", collectionID))
	return c.sync(cmdSyncRequest(c.syncKey, collectionID))
}

// syncFrom is TestSuiteBase's SyncChanges with a key: the changes of a
// folder since key.
func (c *cmdSuite) syncFrom(key, collectionID string) *eas.SyncResponse {
	c.s.t.Helper()
	return c.sync(cmdSyncRequest(key, collectionID))
}

// getMailItem is TestSuiteBase's GetMailItem: sync the folder until an
// item with subject is in it, and return that Sync's answer.
func (c *cmdSuite) getMailItem(collectionID, subject string) *eas.SyncResponse {
	c.s.t.Helper()
	for range 3 {
		r := c.syncChanges(collectionID)
		if cmdServerID(r, subject) != "" {
			return r
		}
	}
	c.s.t.Fatalf("no item with subject %q reached folder %s", subject, collectionID)
	return nil
}

// cmdServerID is the ServerId of the added item whose Subject is
// subject, or "".
func cmdServerID(r *eas.SyncResponse, subject string) string {
	col := cmdCollection(r)
	if col == nil {
		return ""
	}
	for _, a := range col.Commands {
		if a.Kind == eas.SyncAdd && cmdSubject(a.ApplicationData) == subject {
			return a.ServerId
		}
	}
	return ""
}

// cmdSubject is the Subject of an item of any class (Email, Calendar,
// Tasks...), or "".
func cmdSubject(data *wbxml.Node) string {
	v, _ := cmdChild(data, "Subject")
	return v
}

// cmdChild is the text of n's first child element named name exactly.
func cmdChild(n *wbxml.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, e := range n.Elements() {
		if e.Tag.Name == name {
			return e.Text(), true
		}
	}
	return "", false
}

// cmdField is the text of the child qname of an ApplicationData.
func cmdField(data *wbxml.Node, qname string) string {
	if data == nil {
		return ""
	}
	if n := data.Find(wbxml.LookupQualified(qname)); n != nil {
		return n.Text()
	}
	return ""
}

// sendMail sends a plain text message from the current user as
// SendPlainTextEmail does: MIME in a WBXML SendMail from 14.0, the MIME
// itself with SaveInSent in the query at 12.1.
func (c *cmdSuite) sendMail(to, subject, body string) {
	c.s.t.Helper()
	c.sendMIME(subject, string(plainMIME(mailAddress(c.user), mailAddress(to), "", subject, body)))
}

// cmdAttachmentMIME is the suite's CreateMIME: an HTML message with a
// one-byte image attachment.
func cmdAttachmentMIME(from, to, subject, body string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" +
		"Content-Type: multipart/mixed; boundary=\"_boundary_\"; type=\"text/html\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"--_boundary_\r\nContent-Type: text/html; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<html><body>" + body + "</body></html>\r\n\r\n" +
		"--_boundary_\r\nContent-Type: image/jpeg; name=\"number1.jpg\"\r\nContent-Description: number1.jpg\r\n" +
		"Content-Disposition: attachment; size=4; filename=\"number1.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMQ==\r\n\r\n--_boundary_--\r\n"
}

// sendMIME sends mime as the current user with SendMail, which must
// answer no body.
func (c *cmdSuite) sendMIME(subject, mime string) {
	c.s.t.Helper()
	var a *answer
	if c.s.version.AtLeast(eas.Version140) {
		a = c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: cmdClientID(), SaveInSentItems: true, Mime: []byte(mime)})
	} else {
		req := c.l.request(c.user, eas.CommandSendMail)
		req.Options |= eas.OptionSaveInSent
		a = c.sendRaw(req, []byte(mime))
		if a.Status != http.StatusOK {
			c.s.t.Fatalf("SendMail answered HTTP %d", a.Status)
		}
	}
	if len(a.Body) != 0 {
		var xml strings.Builder
		wbxml.WriteXML(&xml, wbxml.NewDecoder(bytes.NewReader(a.Body)))
		c.s.t.Fatalf("SendMail of %q answered a body, want none: %s", subject, xml.String())
	}
}

// mailTo sends a message from the current user to user to and finds it
// in to's Inbox, as many tests begin; it returns the item's ServerId, and
// the client is to's afterwards.
func (c *cmdSuite) mailTo(to, subject string) string {
	c.s.t.Helper()
	c.sendMail(to, subject, "Default Email "+subject)
	c.switchUser(to)
	return cmdServerID(c.getMailItem(c.my().inbox, subject), subject)
}

// cmdClientID is a new ClientId, a GUID as the suite's ClientId property
// makes them.
func cmdClientID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", cmdNames.Add(1))
}

// sendMailAndFolderSync is TestSuiteBase's SendMailAndFolderSync: User2
// mails User1, and the client is User1's again; it returns the subject.
func (c *cmdSuite) sendMailAndFolderSync() string {
	c.s.t.Helper()
	c.switchUser(cmdUser2)
	subject := c.name("subject")
	c.sendMail(cmdUser1, subject, "The content of the body.")
	c.switchUser(cmdUser1)
	return subject
}

// cmdUTC is Common.GetTimeZone for "(UTC) Coordinated Universal Time":
// the base64 TIME_ZONE_INFORMATION of bias 0 with that name.
func cmdUTC() string {
	b := make([]byte, 172)
	name := utf16.Encode([]rune("(UTC) Coordinated Universal Time"))
	for i, r := range name {
		binary.LittleEndian.PutUint16(b[4+2*i:], r)
		binary.LittleEndian.PutUint16(b[88+2*i:], r)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// cmdHasDelete reports whether a Sync answer deletes serverID.
func cmdHasDelete(r *eas.SyncResponse, serverID string) bool {
	if col := cmdCollection(r); col != nil {
		for _, d := range col.Commands {
			if (d.Kind == eas.SyncDelete || d.Kind == eas.SyncSoftDelete) && d.ServerId == serverID {
				return true
			}
		}
	}
	return false
}
