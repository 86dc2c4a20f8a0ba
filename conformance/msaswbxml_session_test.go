package conformance

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// The session that drives the MS-ASWBXML checks: the requests the suites
// send, at each protocol version, so that the responses carry as many of
// the code pages' tags as easlab answers with. Every response's raw bytes
// go through wbxWalk and wbxSession.check.

// The session's users.
const (
	wbxUser1 = "MSASWBXML_User01"
	wbxUser2 = "MSASWBXML_User02"
)

// wbxLab is newLab with the session's users, whose display names are a
// first and a last name (the GAL answers them as FirstName and LastName).
func wbxLab(s *site) *lab {
	s.t.Helper()
	var org strings.Builder
	org.WriteString("organization: {name: Contoso, domain: contoso.com, netbios: CONTOSO}\nusers:\n")
	for i, u := range []string{wbxUser1, wbxUser2} {
		fmt.Fprintf(&org, "  - {alias: %s, displayName: 'Wbxml User%d', password: %q}\n", u, i+1, password)
	}
	clk := clock.NewManual(simtest.Start)
	dir, err := demo.LoadOrgFile(strings.NewReader(org.String()), clk.Now())
	s.must(err, "loading the session's users")
	env := simtest.New(s.t, simulator.Options{Clock: clk, Directory: dir, ErrorResponseDelay: -1})
	return &lab{s: s, env: env, ctx: context.Background()}
}

// wbxClient is one session: the lab, the user it acts as and what it has
// learnt of each user's folders.
type wbxClient struct {
	s       *site
	l       *lab
	w       wbxSession
	user    string
	device  string // the device id the requests carry, when not the lab's
	folders map[string]map[eas.FolderType]string
	skipped []string // requests whose answer could not be used
}

// wbxTag is the WBXML tag of "Namespace:Name".
func wbxTag(qname string) *wbxml.Tag { return cmdTag(qname) }

// wbxFind is the first element under n (n included, depth first) with
// tag qname, or nil.
func wbxFind(n *wbxml.Node, qname string) *wbxml.Node {
	if n == nil {
		return nil
	}
	if n.Tag == wbxTag(qname) {
		return n
	}
	for _, c := range n.Elements() {
		if f := wbxFind(c, qname); f != nil {
			return f
		}
	}
	return nil
}

// wbxFindAll is every element under n (n included) with tag qname.
func wbxFindAll(n *wbxml.Node, qname string) []*wbxml.Node {
	if n == nil {
		return nil
	}
	var out []*wbxml.Node
	if n.Tag == wbxTag(qname) {
		out = append(out, n)
	}
	for _, c := range n.Elements() {
		out = append(out, wbxFindAll(c, qname)...)
	}
	return out
}

// wbxText is the text of the first element with tag qname under n, or "".
func wbxText(n *wbxml.Node, qname string) string {
	if f := wbxFind(n, qname); f != nil {
		return f.Text()
	}
	return ""
}

// skip notes a request whose answer the session cannot use, and why.
func (c *wbxClient) skip(what string, args ...any) {
	c.s.t.Helper()
	msg := fmt.Sprintf(what, args...)
	c.skipped = append(c.skipped, msg)
	c.s.t.Logf("skipped: %s", msg)
}

// sendAs sends cmd as user with body (a tree, an eas message or raw
// bytes), checks the answer's WBXML and returns it; nil (noted as skipped)
// when the server answers anything but HTTP 200.
func (c *wbxClient) sendAs(user string, req *eas.Request, body any) *answer {
	c.s.t.Helper()
	if n, ok := body.(*wbxml.Node); ok {
		b, err := n.MarshalBinary()
		c.s.must(err, "encoding the request")
		body = b
	}
	a := c.l.send(req, password, body)
	if a.Status != http.StatusOK {
		c.skip("%v as %s answered HTTP %d (%.80q)", req.Command, user, a.Status, a.Body)
		return nil
	}
	if a.Header.Get("Content-Type") == eas.ContentTypeMultipart {
		// A multipart ItemOperations answer: its first part is the
		// WBXML (MS-ASCMD 2.2.2.9.1.1).
		first, err := wbxFirstPart(a.Body)
		if err != nil {
			c.s.t.Errorf("the multipart %v answer cannot be read: %v", req.Command, err)
			return nil
		}
		a.Body = first
	}
	c.w.check(c.s, req.Command, a.Body)
	return a
}

// wbxFirstPart is the first part of a multipart answer: a count of parts,
// then each part's offset and length (32-bit little-endian integers), then
// the parts.
func wbxFirstPart(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%d bytes are too short for a multipart answer", len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	off, size := binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])
	if n == 0 || uint64(off)+uint64(size) > uint64(len(b)) || uint64(off) < 4+8*uint64(n) {
		return nil, fmt.Errorf("%d parts, the first at %d for %d bytes, in %d bytes", n, off, size, len(b))
	}
	return b[off : off+size], nil
}

// call sends cmd as the current user and returns the answer's tree (nil
// when it has no body or failed).
func (c *wbxClient) call(cmd eas.Command, body any) *wbxml.Node {
	c.s.t.Helper()
	req := c.l.request(c.user, cmd)
	if c.device != "" {
		req.DeviceID = c.device
	}
	a := c.sendAs(c.user, req, body)
	if a == nil || len(a.Body) == 0 {
		return nil
	}
	n, err := wbxml.Parse(a.Body)
	if err != nil {
		c.skip("%v's answer cannot be parsed: %v", cmd, err)
		return nil
	}
	return n
}

// switchUser makes user the current one; the first time, a FolderSync
// learns its folders.
func (c *wbxClient) switchUser(user string) {
	c.s.t.Helper()
	c.user = user
	if c.folders[user] != nil {
		return
	}
	r := c.call(eas.CommandFolderSync, cmdNode("FolderHierarchy:FolderSync", cmdText("FolderHierarchy:SyncKey", "0")))
	m := map[eas.FolderType]string{}
	if ch := wbxFind(r, "FolderHierarchy:Changes"); ch != nil {
		for _, add := range ch.FindAll(wbxTag("FolderHierarchy:Add")) {
			var typ int
			fmt.Sscan(wbxText(add, "FolderHierarchy:Type"), &typ)
			if _, ok := m[eas.FolderType(typ)]; !ok {
				m[eas.FolderType(typ)] = wbxText(add, "FolderHierarchy:ServerId")
			}
		}
	}
	if m[eas.FolderTypeInbox] == "" {
		c.s.t.Fatalf("the initial FolderSync of %s lists no Inbox", user)
	}
	c.folders[user] = m
}

// folder is the current user's default folder of type t.
func (c *wbxClient) folder(t eas.FolderType) string { return c.folders[c.user][t] }

// at reports whether the session's version is at least v.
func (c *wbxClient) at(v eas.ProtocolVersion) bool { return c.s.version.AtLeast(v) }

// sync sends a Sync of one collection: key, then the elements given
// (GetChanges, WindowSize, Options, Commands), and returns the answer and
// the collection's new key ("" when it has none).
func (c *wbxClient) sync(collection, key string, more ...*wbxml.Node) (*wbxml.Node, string) {
	c.s.t.Helper()
	col := cmdNode("AirSync:Collection", append([]*wbxml.Node{cmdText("AirSync:SyncKey", key), cmdText("AirSync:CollectionId", collection)}, more...)...)
	r := c.call(eas.CommandSync, cmdNode("AirSync:Sync", cmdNode("AirSync:Collections", col)))
	return r, wbxText(wbxFind(r, "AirSync:Collection"), "AirSync:SyncKey")
}

// options is a Sync's Options asking for bodies of type bodyType, with a
// preview from 14.0.
func (c *wbxClient) options(bodyType string) *wbxml.Node {
	pref := cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", bodyType), cmdText("AirSyncBase:TruncationSize", "100000"))
	if c.at(eas.Version140) {
		pref.Children = append(pref.Children, cmdText("AirSyncBase:Preview", "100"))
	}
	opts := cmdNode("AirSync:Options", pref)
	if c.at(eas.Version141) {
		opts.Children = append(opts.Children, cmdNode("AirSyncBase:BodyPartPreference", cmdText("AirSyncBase:Type", "2"),
			cmdText("AirSyncBase:TruncationSize", "100000"), cmdText("AirSyncBase:Preview", "100")))
	}
	return opts
}

// readAll syncs a folder from the start: the initial Sync, then one that
// gets every item with its body. It returns the second answer and its key.
func (c *wbxClient) readAll(collection string, more ...*wbxml.Node) (*wbxml.Node, string) {
	c.s.t.Helper()
	_, key := c.sync(collection, "0")
	if key == "" {
		c.skip("the initial Sync of %s gave no key", collection)
		return nil, ""
	}
	return c.sync(collection, key, append([]*wbxml.Node{cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"), c.options("2")}, more...)...)
}

// add adds items (ApplicationData trees) of class to a folder with one
// Sync and returns the folder's key after it.
func (c *wbxClient) add(collection, class string, items ...[]*wbxml.Node) string {
	c.s.t.Helper()
	_, key := c.sync(collection, "0")
	if key == "" {
		c.skip("the initial Sync of %s gave no key", collection)
		return ""
	}
	var cmds []*wbxml.Node
	for i, data := range items {
		add := cmdNode("AirSync:Add")
		// The Class of each Add, as the suites' builders write it
		// from 14.0.
		if c.s.version != eas.Version121 {
			add.Children = append(add.Children, cmdText("AirSync:Class", class))
		}
		add.Children = append(add.Children, cmdText("AirSync:ClientId", fmt.Sprintf("wbx-%s-%d", class, i)), cmdNode("AirSync:ApplicationData", data...))
		cmds = append(cmds, add)
	}
	r, key := c.sync(collection, key, cmdNode("AirSync:Commands", cmds...))
	if r == nil {
		return key
	}
	for _, st := range wbxFindAll(r, "AirSync:Status") {
		if st.Text() != "1" {
			c.skip("the Sync adding %s items has Status %s", class, st.Text())
		}
	}
	return key
}

// wbxServerID is the ServerId of the item under r whose Subject (in any
// namespace) is subject, or "".
func wbxServerID(r *wbxml.Node, subject string) string {
	found := ""
	var walk func(n *wbxml.Node, id string)
	walk = func(n *wbxml.Node, id string) {
		if found != "" || n == nil {
			return
		}
		if sid := n.Find(wbxTag("AirSync:ServerId")); sid != nil {
			id = sid.Text()
		}
		for _, e := range n.Elements() {
			if e.Tag.Name == "Subject" && e.Text() == subject && id != "" {
				found = id
				return
			}
			walk(e, id)
		}
	}
	walk(r, "")
	return found
}

// mail sends a message from the current user as SendMail does at the
// version (the MIME itself up to 12.1, a ComposeMail request from 14.0).
func (c *wbxClient) mail(mime string) {
	c.s.t.Helper()
	req := c.l.request(c.user, eas.CommandSendMail)
	var body any
	if c.at(eas.Version140) {
		body = &eas.SendMailRequest{ClientId: fmt.Sprintf("wbx-mail-%d", cmdNames.Add(1)), SaveInSentItems: true, Mime: []byte(mime)}
	} else {
		req.Options |= eas.OptionSaveInSent
		body = []byte(mime)
	}
	if a := c.sendAs(c.user, req, body); a != nil && len(a.Body) != 0 {
		c.skip("SendMail answered a body: the message was not sent")
	}
}

// wbxDate is a date as Tasks and Contacts write them.
func wbxDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// TestMSASWBXML_ResponsesUseSpecTokens drives a session of every command
// whose response is WBXML at each version, as the suites' adapters see
// responses, and captures for each response the MS-ASWBXML requirements
// of what it carries: the global tokens and the algorithm when it reads
// as WBXML 1.2, and for each tag the code page's namespace and the tag's
// token at this version.
func TestMSASWBXML_ResponsesUseSpecTokens(t *testing.T) {
	atVersions(t, wbxSpec, versions, func(t *testing.T, s *site) {
		l := wbxLab(s)
		c := &wbxClient{s: s, l: l, folders: map[string]map[eas.FolderType]string{}}
		c.switchUser(wbxUser2)
		c.switchUser(wbxUser1)
		c.folderCommands()
		c.contacts()
		c.calendar()
		c.tasks()
		c.notes()
		c.mailItems()
		c.meeting()
		c.estimate()
		c.itemOperations()
		c.ping()
		c.search()
		c.settings()
		c.resolveRecipients()
		c.validateCert()
		c.compose()
		c.find()
		c.provision()
		c.w.finish(s)
	})
}

// folderCommands creates, renames and deletes a folder and syncs the
// hierarchy after each.
func (c *wbxClient) folderCommands() {
	c.s.t.Helper()
	fs := c.call(eas.CommandFolderSync, cmdNode("FolderHierarchy:FolderSync", cmdText("FolderHierarchy:SyncKey", "0")))
	key := wbxText(fs, "FolderHierarchy:SyncKey")
	r := c.call(eas.CommandFolderCreate, cmdNode("FolderHierarchy:FolderCreate", cmdText("FolderHierarchy:SyncKey", key),
		cmdText("FolderHierarchy:ParentId", c.folder(eas.FolderTypeInbox)), cmdText("FolderHierarchy:DisplayName", "wbx folder"), cmdText("FolderHierarchy:Type", "12")))
	id, key2 := wbxText(r, "FolderHierarchy:ServerId"), wbxText(r, "FolderHierarchy:SyncKey")
	if id == "" {
		c.skip("FolderCreate made no folder")
		return
	}
	c.call(eas.CommandFolderSync, cmdNode("FolderHierarchy:FolderSync", cmdText("FolderHierarchy:SyncKey", key)))
	r = c.call(eas.CommandFolderUpdate, cmdNode("FolderHierarchy:FolderUpdate", cmdText("FolderHierarchy:SyncKey", key2),
		cmdText("FolderHierarchy:ServerId", id), cmdText("FolderHierarchy:ParentId", c.folder(eas.FolderTypeInbox)), cmdText("FolderHierarchy:DisplayName", "wbx folder 2")))
	key3 := wbxText(r, "FolderHierarchy:SyncKey")
	c.call(eas.CommandFolderSync, cmdNode("FolderHierarchy:FolderSync", cmdText("FolderHierarchy:SyncKey", key2)))
	c.call(eas.CommandFolderDelete, cmdNode("FolderHierarchy:FolderDelete", cmdText("FolderHierarchy:SyncKey", key3), cmdText("FolderHierarchy:ServerId", id)))
	c.call(eas.CommandFolderSync, cmdNode("FolderHierarchy:FolderSync", cmdText("FolderHierarchy:SyncKey", key3)))
}

// contacts adds a contact with every Contacts and Contacts2 property and
// reads it back.
func (c *wbxClient) contacts() {
	c.s.t.Helper()
	var data []*wbxml.Node
	for _, f := range []string{"AssistantName", "AssistantPhoneNumber", "Business2PhoneNumber", "BusinessAddressCity", "BusinessAddressCountry",
		"BusinessAddressPostalCode", "BusinessAddressState", "BusinessAddressStreet", "BusinessFaxNumber", "BusinessPhoneNumber", "CarPhoneNumber",
		"CompanyName", "Department", "FileAs", "FirstName", "Home2PhoneNumber", "HomeAddressCity", "HomeAddressCountry", "HomeAddressPostalCode",
		"HomeAddressState", "HomeAddressStreet", "HomeFaxNumber", "HomePhoneNumber", "JobTitle", "LastName", "MiddleName", "MobilePhoneNumber",
		"OfficeLocation", "OtherAddressCity", "OtherAddressCountry", "OtherAddressPostalCode", "OtherAddressState", "OtherAddressStreet",
		"PagerNumber", "RadioPhoneNumber", "Spouse", "Suffix", "Title", "WebPage", "YomiCompanyName", "YomiFirstName", "YomiLastName"} {
		data = append(data, cmdText("Contacts:"+f, "wbx "+f))
	}
	data = append(data,
		cmdText("Contacts:Anniversary", wbxDate(simtest.Start.AddDate(-3, 0, 0))), cmdText("Contacts:Birthday", wbxDate(simtest.Start.AddDate(-30, 0, 0))),
		cmdNode("Contacts:Categories", cmdText("Contacts:Category", "Business")), cmdNode("Contacts:Children", cmdText("Contacts:Child", "Kim")),
		cmdText("Contacts:Email1Address", "one@example.com"), cmdText("Contacts:Email2Address", "two@example.com"), cmdText("Contacts:Email3Address", "three@example.com"),
		cmdText("Contacts:Picture", "MQ=="),
		cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "wbx contact notes")))
	for _, f := range []string{"CustomerId", "GovernmentId", "IMAddress", "IMAddress2", "IMAddress3", "ManagerName", "CompanyMainPhone", "AccountName", "NickName", "MMS"} {
		data = append(data, cmdText("Contacts2:"+f, "wbx "+f))
	}
	folder := c.folder(eas.FolderTypeContacts)
	c.add(folder, "Contacts", data)
	c.readAll(folder)
}

// calendar adds appointments with every kind of recurrence, exceptions,
// attendees and categories, and reads them back.
func (c *wbxClient) calendar() {
	c.s.t.Helper()
	start := simtest.Start.AddDate(0, 0, 10).Truncate(time.Hour)
	common := func(subject string, start time.Time, d time.Duration) []*wbxml.Node {
		n := []*wbxml.Node{
			cmdText("Calendar:Timezone", cmdUTC()), cmdText("Calendar:Subject", subject),
			cmdText("Calendar:StartTime", eas.FormatCompactDate(start)), cmdText("Calendar:EndTime", eas.FormatCompactDate(start.Add(d))),
			cmdText("Calendar:DtStamp", eas.FormatCompactDate(simtest.Start)), cmdText("Calendar:BusyStatus", "2"), cmdText("Calendar:Sensitivity", "0"),
			cmdText("Calendar:Reminder", "15"), cmdNode("Calendar:Categories", cmdText("Calendar:Category", "Business")),
			cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "wbx agenda")),
		}
		if c.at(eas.Version160) {
			loc := cmdNode("AirSyncBase:Location", cmdText("AirSyncBase:DisplayName", "Room 1"))
			for _, f := range [][2]string{{"Annotation", "first floor"}, {"Street", "1 Main St"}, {"City", "Redmond"}, {"State", "WA"}, {"Country", "US"},
				{"PostalCode", "98052"}, {"Latitude", "47.6"}, {"Longitude", "-122.1"}, {"Accuracy", "1"}, {"Altitude", "20"}, {"AltitudeAccuracy", "1"},
				{"LocationUri", "https://example.com/room1"}} {
				loc.Children = append(loc.Children, cmdText("AirSyncBase:"+f[0], f[1]))
			}
			n = append(n, cmdText("Calendar:ClientUid", "wbx-"+subject), loc)
		} else {
			n = append(n, cmdText("Calendar:UID", "wbx-"+subject), cmdText("Calendar:Location", "Room 1"))
		}
		if c.at(eas.Version140) {
			n = append(n, cmdText("Calendar:DisallowNewTimeProposal", "0"))
		}
		return n
	}
	weekly := append(common("wbx weekly", start, time.Hour),
		cmdNode("Calendar:Recurrence", cmdText("Calendar:Type", "1"), cmdText("Calendar:Interval", "1"), cmdText("Calendar:DayOfWeek", "2"), cmdText("Calendar:Occurrences", "5")))
	if !c.at(eas.Version160) {
		weekly = append(weekly, cmdNode("Calendar:Exceptions", cmdNode("Calendar:Exception",
			cmdText("Calendar:Deleted", "1"), cmdText("Calendar:ExceptionStartTime", eas.FormatCompactDate(start.AddDate(0, 0, 7))))))
	}
	yearly := []*wbxml.Node{cmdText("Calendar:Type", "6"), cmdText("Calendar:Interval", "1"), cmdText("Calendar:WeekOfMonth", "2"),
		cmdText("Calendar:DayOfWeek", "4"), cmdText("Calendar:MonthOfYear", "3"), cmdText("Calendar:Until", eas.FormatCompactDate(start.AddDate(3, 0, 0)))}
	if c.at(eas.Version140) {
		yearly = append(yearly, cmdText("Calendar:CalendarType", "1"), cmdText("Calendar:IsLeapMonth", "0"))
	}
	if c.at(eas.Version141) {
		yearly = append(yearly, cmdText("Calendar:FirstDayOfWeek", "1"))
	}
	nth := append(common("wbx yearly", start.AddDate(0, 1, 0), time.Hour), cmdNode("Calendar:Recurrence", yearly...))
	monthly := append(common("wbx monthly", start.AddDate(0, 0, 2), 24*time.Hour), cmdText("Calendar:AllDayEvent", "1"),
		cmdNode("Calendar:Recurrence", cmdText("Calendar:Type", "2"), cmdText("Calendar:Interval", "1"), cmdText("Calendar:DayOfMonth", "12"), cmdText("Calendar:Occurrences", "3")))
	meeting := append(common("wbx meeting", start.AddDate(0, 0, 3), time.Hour), cmdText("Calendar:MeetingStatus", "1"),
		// The attendee as the suites' CreateCalendar writes it, with
		// AttendeeStatus 0 (response unknown).
		cmdNode("Calendar:Attendees", cmdNode("Calendar:Attendee", cmdText("Calendar:Email", mailAddress(wbxUser2)), cmdText("Calendar:Name", wbxUser2),
			cmdText("Calendar:AttendeeStatus", "0"), cmdText("Calendar:AttendeeType", "1"))))
	if c.at(eas.Version140) {
		meeting = append(meeting, cmdText("Calendar:ResponseRequested", "1"))
	}
	folder := c.folder(eas.FolderTypeCalendar)
	c.add(folder, "Calendar", weekly, nth, monthly, meeting)
	c.readAll(folder)
}

// tasks adds tasks with each kind of recurrence and reads them back.
func (c *wbxClient) tasks() {
	c.s.t.Helper()
	day := simtest.Start.AddDate(0, 0, 5).Truncate(24 * time.Hour)
	common := func(subject string) []*wbxml.Node {
		return []*wbxml.Node{
			cmdText("Tasks:Subject", subject), cmdText("Tasks:Importance", "2"), cmdText("Tasks:Sensitivity", "0"),
			cmdText("Tasks:StartDate", wbxDate(day)), cmdText("Tasks:UtcStartDate", wbxDate(day)),
			cmdText("Tasks:DueDate", wbxDate(day.AddDate(0, 0, 1))), cmdText("Tasks:UtcDueDate", wbxDate(day.AddDate(0, 0, 1))),
			cmdText("Tasks:ReminderSet", "1"), cmdText("Tasks:ReminderTime", wbxDate(day)), cmdText("Tasks:Complete", "0"),
			cmdNode("Tasks:Categories", cmdText("Tasks:Category", "Business")),
			cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "wbx task")),
		}
	}
	// Exchange takes CalendarType for monthly and yearly recurrences
	// only, and FirstDayOfWeek for weekly ones (simulator/pimitems.go,
	// from its RecurrenceData): anything else is Status 6.
	recur := func(weekly bool, fields ...*wbxml.Node) *wbxml.Node {
		base := []*wbxml.Node{cmdText("Tasks:Start", wbxDate(day)), cmdText("Tasks:Interval", "1"), cmdText("Tasks:Regenerate", "0"), cmdText("Tasks:DeadOccur", "0")}
		if c.at(eas.Version140) && !weekly {
			base = append(base, cmdText("Tasks:CalendarType", "1"))
		}
		if c.at(eas.Version141) && weekly {
			base = append(base, cmdText("Tasks:FirstDayOfWeek", "1"))
		}
		return cmdNode("Tasks:Recurrence", append(fields, base...)...)
	}
	weekly := append(common("wbx weekly task"), recur(true, cmdText("Tasks:Type", "1"), cmdText("Tasks:DayOfWeek", "2"), cmdText("Tasks:Occurrences", "4")))
	yearlyFields := []*wbxml.Node{cmdText("Tasks:Type", "5"), cmdText("Tasks:DayOfMonth", "9"), cmdText("Tasks:MonthOfYear", "12"), cmdText("Tasks:Until", wbxDate(day.AddDate(4, 0, 0)))}
	if c.at(eas.Version140) {
		yearlyFields = append(yearlyFields, cmdText("Tasks:IsLeapMonth", "0"))
	}
	yearly := append(common("wbx yearly task"), recur(false, yearlyFields...))
	nth := append(common("wbx monthly task"), recur(false, cmdText("Tasks:Type", "3"), cmdText("Tasks:WeekOfMonth", "1"), cmdText("Tasks:DayOfWeek", "2")))
	done := append(common("wbx done task")[:11], cmdText("Tasks:Complete", "1"), cmdText("Tasks:DateCompleted", wbxDate(day)),
		cmdText("Tasks:OrdinalDate", wbxDate(day)), cmdText("Tasks:SubOrdinalDate", "wbx"))
	folder := c.folder(eas.FolderTypeTasks)
	c.add(folder, "Tasks", weekly, yearly, nth, done)
	c.readAll(folder)
}

// notes adds a note and reads it back (Notes sync from 14.0).
func (c *wbxClient) notes() {
	c.s.t.Helper()
	if !c.at(eas.Version140) {
		return
	}
	folder := c.folder(eas.FolderTypeNotes)
	c.add(folder, "Notes", []*wbxml.Node{cmdText("Notes:Subject", "wbx note"), cmdText("Notes:MessageClass", "IPM.StickyNote"),
		cmdNode("Notes:Categories", cmdText("Notes:Category", "Business")),
		cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "wbx note body"))})
	c.readAll(folder)
}

// mailItems has User02 mail User01 (one message with attachments, one
// with User01 in Bcc, one with a Cc and a Reply-To), and User01 sync,
// flag, categorize, fetch, reply to and move them.
func (c *wbxClient) mailItems() {
	c.s.t.Helper()
	c.switchUser(wbxUser2)
	from, to := mailAddress(wbxUser2), mailAddress(wbxUser1)
	c.mail(wbxAttachedMIME(from, to, "wbx attached"))
	c.mail("From: " + from + "\r\nTo: " + from + "\r\nBcc: " + to + "\r\nSubject: wbx bcc\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\nhidden\r\n")
	c.mail("From: " + from + "\r\nTo: " + to + "\r\nCc: " + from + "\r\nReply-To: " + from + "\r\nSubject: wbx plain\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\nplain body\r\n")
	c.switchUser(wbxUser1)
	inbox := c.folder(eas.FolderTypeInbox)
	// A window of one: MoreAvailable.
	_, first := c.sync(inbox, "0")
	c.sync(inbox, first, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "1"))
	// Bodies cut short: Truncated.
	_, first = c.sync(inbox, "0")
	c.sync(inbox, first, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"),
		cmdNode("AirSync:Options", cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:TruncationSize", "4"))))
	r, key := c.readAll(inbox)
	attached, bcc, plain := wbxServerID(r, "wbx attached"), wbxServerID(r, "wbx bcc"), wbxServerID(r, "wbx plain")
	if attached == "" || bcc == "" || plain == "" || key == "" {
		c.skip("the messages User02 sent did not all reach User01's Inbox")
		return
	}
	// Another device of User01 flags one message for follow-up, marks
	// another complete and, from 14.0, categorizes one: the session's
	// device sees them as Changes.
	c.device = "WBXOther"
	_, other := c.readAll(inbox)
	flag := cmdNode("Email:Flag", cmdText("Email:Status", "2"), cmdText("Email:FlagType", "Flag for follow up"),
		cmdText("Tasks:StartDate", wbxDate(simtest.Start)), cmdText("Tasks:UtcStartDate", wbxDate(simtest.Start)),
		cmdText("Tasks:DueDate", wbxDate(simtest.Start.AddDate(0, 0, 1))), cmdText("Tasks:UtcDueDate", wbxDate(simtest.Start.AddDate(0, 0, 1))))
	complete := cmdNode("Email:Flag", cmdText("Email:Status", "1"), cmdText("Email:FlagType", "Flag for follow up"),
		cmdText("Email:CompleteTime", wbxDate(simtest.Start)), cmdText("Tasks:DateCompleted", wbxDate(simtest.Start)))
	changes := []*wbxml.Node{
		cmdNode("AirSync:Change", cmdText("AirSync:ServerId", attached), cmdNode("AirSync:ApplicationData", cmdText("Email:Read", "1"), flag)),
		cmdNode("AirSync:Change", cmdText("AirSync:ServerId", plain), cmdNode("AirSync:ApplicationData", complete)),
	}
	if c.at(eas.Version140) {
		changes = append(changes, cmdNode("AirSync:Change", cmdText("AirSync:ServerId", bcc), cmdNode("AirSync:ApplicationData",
			cmdNode("Email:Categories", cmdText("Email:Category", "Business")))))
	}
	_, other = c.sync(inbox, other, cmdNode("AirSync:Commands", changes...))
	c.device = ""
	r, key = c.sync(inbox, key, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"), c.options("1"))
	if key == "" {
		c.skip("the Sync after the other device's changes gave no key")
		return
	}
	// Fetch one.
	_, key = c.sync(inbox, key, cmdText("AirSync:GetChanges", "0"), c.options("1"), cmdNode("AirSync:Commands", cmdNode("AirSync:Fetch", cmdText("AirSync:ServerId", attached))))
	// From 14.0 a reply to the plain message marks it replied to.
	if c.at(eas.Version140) {
		reply := plainMIME(to, from, "", "RE: wbx plain", "reply")
		a := c.sendAs(c.user, c.l.request(c.user, eas.CommandSmartReply), &eas.SmartReplyRequest{ClientId: "wbx-reply", SaveInSentItems: true,
			Source: &eas.Source{FolderId: inbox, ItemId: plain}, Mime: reply})
		if a != nil && len(a.Body) != 0 {
			c.skip("the SmartReply to a message answered a body")
		}
	}
	// Move the Bcc message to Deleted Items, then see it go from the
	// Inbox.
	c.call(eas.CommandMoveItems, cmdNode("Move:MoveItems", cmdNode("Move:Move", cmdText("Move:SrcMsgId", bcc),
		cmdText("Move:SrcFldId", inbox), cmdText("Move:DstFldId", c.folder(eas.FolderTypeDeletedItems)))))
	c.sync(inbox, key, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"), c.options("1"))
	c.readAll(inbox)
	// From 14.0 the recipients User01 wrote to are in its Recipient
	// Information Cache, ranked.
	if c.at(eas.Version140) {
		if ric := c.folder(eas.FolderTypeRecipientInfoCache); ric != "" {
			c.readAll(ric)
		}
	}
	// An item that changes once it is out of a one-day filter:
	// SoftDelete.
	filter := cmdNode("AirSync:Options", cmdText("AirSync:FilterType", "1"))
	_, first = c.sync(inbox, "0", filter)
	_, first = c.sync(inbox, first, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"), filter)
	c.l.env.Clock.Advance(72 * time.Hour)
	if other != "" {
		c.device = "WBXOther"
		c.sync(inbox, other, cmdNode("AirSync:Commands", cmdNode("AirSync:Change", cmdText("AirSync:ServerId", attached),
			cmdNode("AirSync:ApplicationData", cmdText("Email:Read", "0")))))
		c.device = ""
	}
	c.sync(inbox, first, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"), filter)
	// A Sync whose Wait is out of range answers its limit.
	c.call(eas.CommandSync, cmdNode("AirSync:Sync", cmdText("AirSync:Wait", "200")))
	// From 16.0 a draft carries IsDraft and its Bcc.
	if c.at(eas.Version160) {
		drafts := c.folder(eas.FolderTypeDrafts)
		c.add(drafts, "Email", []*wbxml.Node{cmdText("Email:To", from), cmdText("Email2:Bcc", mailAddress(wbxUser1)), cmdText("Email:Subject", "wbx draft"),
			cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "draft"))})
		c.readAll(drafts)
	}
}

// wbxAttachedMIME is an HTML message with an attachment and an inline
// image (its Content-ID and Content-Location).
func wbxAttachedMIME(from, to, subject string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" +
		"Content-Type: multipart/mixed; boundary=\"_outer_\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"--_outer_\r\nContent-Type: multipart/related; boundary=\"_rel_\"\r\n\r\n" +
		"--_rel_\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n<html><body>wbx body <img src=\"cid:logo@wbx\"></body></html>\r\n" +
		"--_rel_\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo@wbx>\r\nContent-Location: logo.png\r\n" +
		"Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--_rel_--\r\n" +
		"--_outer_\r\nContent-Type: image/jpeg; name=\"number1.jpg\"\r\nContent-Disposition: attachment; filename=\"number1.jpg\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--_outer_--\r\n"
}

// meeting has User02 invite User01 (from 16.0 the server sends the
// request when the meeting is added; below, User02 mails it) and User01
// accept it.
func (c *wbxClient) meeting() {
	c.s.t.Helper()
	c.switchUser(wbxUser2)
	start := simtest.Start.AddDate(0, 0, 20).Truncate(time.Hour)
	subject := "wbx invitation"
	if c.at(eas.Version160) {
		c.add(c.folder(eas.FolderTypeCalendar), "Calendar", []*wbxml.Node{
			cmdText("Calendar:Timezone", cmdUTC()), cmdText("Calendar:Subject", subject), cmdText("Calendar:MeetingStatus", "1"),
			cmdText("Calendar:StartTime", eas.FormatCompactDate(start)), cmdText("Calendar:EndTime", eas.FormatCompactDate(start.Add(time.Hour))),
			cmdNode("AirSyncBase:Location", cmdText("AirSyncBase:DisplayName", "Room 2")), cmdText("Calendar:ResponseRequested", "1"),
			cmdNode("Calendar:Attendees", cmdNode("Calendar:Attendee", cmdText("Calendar:Email", mailAddress(wbxUser1)), cmdText("Calendar:Name", wbxUser1), cmdText("Calendar:AttendeeType", "1"))),
			cmdNode("Calendar:Recurrence", cmdText("Calendar:Type", "1"), cmdText("Calendar:Interval", "1"), cmdText("Calendar:DayOfWeek", "2"), cmdText("Calendar:Occurrences", "3")),
		})
	} else {
		ts := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
		ical := "BEGIN:VCALENDAR\r\nPRODID:-//easlab//wbx\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:wbx-invitation\r\n" +
			"DTSTAMP:" + ts(simtest.Start) + "\r\nDTSTART:" + ts(start) + "\r\nDTEND:" + ts(start.Add(time.Hour)) + "\r\nSUMMARY:" + subject + "\r\n" +
			"LOCATION:Room 2\r\nORGANIZER:MAILTO:" + mailAddress(wbxUser2) + "\r\nATTENDEE;RSVP=TRUE:mailto:" + mailAddress(wbxUser1) + "\r\n" +
			"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3\r\nBEGIN:VALARM\r\nTRIGGER:-PT15M\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		c.mail("From: " + mailAddress(wbxUser2) + "\r\nTo: " + mailAddress(wbxUser1) + "\r\nSubject: " + subject + "\r\n" +
			"Content-Type: multipart/alternative; boundary=\"_alt_\"\r\nMIME-Version: 1.0\r\n\r\n" +
			"--_alt_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\ninvitation\r\n" +
			"--_alt_\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n" + ical + "--_alt_--\r\n")
	}
	c.switchUser(wbxUser1)
	inbox := c.folder(eas.FolderTypeInbox)
	r, _ := c.readAll(inbox)
	id := wbxServerID(r, subject)
	if id == "" {
		c.skip("the meeting request did not reach User01's Inbox")
		return
	}
	c.call(eas.CommandMeetingResponse, cmdNode("MeetingResponse:MeetingResponse", cmdNode("MeetingResponse:Request",
		cmdText("MeetingResponse:UserResponse", "1"), cmdText("MeetingResponse:CollectionId", inbox), cmdText("MeetingResponse:RequestId", id))))
}

// estimate asks how many items wait in the Inbox.
func (c *wbxClient) estimate() {
	c.s.t.Helper()
	inbox := c.folder(eas.FolderTypeInbox)
	_, key := c.sync(inbox, "0")
	col := cmdNode("GetItemEstimate:Collection")
	if c.at(eas.Version140) {
		col.Children = append(col.Children, cmdText("AirSync:SyncKey", key), cmdText("GetItemEstimate:CollectionId", inbox),
			cmdNode("AirSync:Options", cmdText("AirSync:FilterType", "0")))
	} else {
		col.Children = append(col.Children, cmdText("GetItemEstimate:Class", "Email"), cmdText("GetItemEstimate:CollectionId", inbox),
			cmdText("AirSync:FilterType", "0"), cmdText("AirSync:SyncKey", key))
	}
	c.call(eas.CommandGetItemEstimate, cmdNode("GetItemEstimate:GetItemEstimate", cmdNode("GetItemEstimate:Collections", col)))
}

// itemOperations fetches a message and its attachment, empties the
// Deleted Items folder and, from 14.0, moves a conversation.
func (c *wbxClient) itemOperations() {
	c.s.t.Helper()
	inbox := c.folder(eas.FolderTypeInbox)
	r, _ := c.readAll(inbox)
	id := wbxServerID(r, "wbx attached")
	ref := wbxText(r, "AirSyncBase:FileReference")
	if id == "" {
		c.skip("no message to fetch with ItemOperations")
		return
	}
	fetches := []*wbxml.Node{cmdNode("ItemOperations:Fetch", cmdText("ItemOperations:Store", "Mailbox"), cmdText("AirSync:CollectionId", inbox),
		cmdText("AirSync:ServerId", id), cmdNode("ItemOperations:Options", cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"))))}
	if ref != "" {
		fetches = append(fetches, cmdNode("ItemOperations:Fetch", cmdText("ItemOperations:Store", "Mailbox"), cmdText("AirSyncBase:FileReference", ref),
			cmdNode("ItemOperations:Options", cmdText("ItemOperations:Range", "0-0"))))
	}
	r = c.call(eas.CommandItemOperations, cmdNode("ItemOperations:ItemOperations", fetches...))
	if ref != "" {
		// The attachment again in a multipart answer: its Part.
		req := c.l.request(c.user, eas.CommandItemOperations)
		req.Options |= eas.OptionAcceptMultiPart
		c.sendAs(c.user, req, cmdNode("ItemOperations:ItemOperations", fetches[1]))
	}
	c.call(eas.CommandItemOperations, cmdNode("ItemOperations:ItemOperations", cmdNode("ItemOperations:EmptyFolderContents",
		cmdText("AirSync:CollectionId", c.folder(eas.FolderTypeDeletedItems)), cmdNode("ItemOperations:Options", cmdNode("ItemOperations:DeleteSubFolders")))))
	if conv := wbxText(r, "Email2:ConversationId"); conv != "" && c.at(eas.Version140) {
		c.call(eas.CommandItemOperations, cmdNode("ItemOperations:ItemOperations", cmdNode("ItemOperations:Move",
			wbxml.NewOpaque(wbxTag("ItemOperations:ConversationId"), []byte(conv)), cmdText("ItemOperations:DstFldId", c.folder(eas.FolderTypeDeletedItems)))))
	}
}

// ping pings the Inbox with a heartbeat out of range (the answer says the
// limit) and after a new message (the answer names the folder).
func (c *wbxClient) ping() {
	c.s.t.Helper()
	inbox := c.folder(eas.FolderTypeInbox)
	folders := cmdNode("Ping:Folders", cmdNode("Ping:Folder", cmdText("Ping:Id", inbox), cmdText("Ping:Class", "Email")))
	c.pingWith(cmdNode("Ping:Ping", cmdText("Ping:HeartbeatInterval", "1"), folders))
	_, key := c.sync(inbox, "0")
	c.sync(inbox, key, cmdText("AirSync:GetChanges", "1"), cmdText("AirSync:WindowSize", "100"))
	c.switchUser(wbxUser2)
	c.mail(string(plainMIME(mailAddress(wbxUser2), mailAddress(wbxUser1), "", "wbx ping", "ping")))
	c.switchUser(wbxUser1)
	c.pingWith(cmdNode("Ping:Ping", cmdText("Ping:HeartbeatInterval", "480"), folders))
}

// pingWith sends a Ping, moving the lab's clock on while it waits, and
// checks its answer.
func (c *wbxClient) pingWith(n *wbxml.Node) {
	c.s.t.Helper()
	raw, err := n.MarshalBinary()
	c.s.must(err, "encoding the Ping")
	req := c.l.request(c.user, eas.CommandPing)
	hr, err := eas.NewHTTPRequest(c.l.ctx, c.l.env.EASURL, req, bytes.NewReader(raw))
	c.s.must(err, "building the Ping")
	hr.SetBasicAuth(req.User, password)
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	clk := c.l.env.Clock
	base := clk.Pending()
	go func() {
		resp, err := c.l.env.HTTP.Client().Do(hr)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, b, err}
	}()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r := <-done:
			c.s.must(r.err, "Ping")
			if r.status != http.StatusOK {
				c.skip("Ping answered HTTP %d", r.status)
				return
			}
			c.w.check(c.s, eas.CommandPing, r.body)
			return
		case <-deadline:
			c.s.t.Fatalf("the Ping did not answer after its heartbeat")
		case <-time.After(5 * time.Millisecond):
			if clk.Pending() > base {
				clk.AdvanceToNext()
			}
		}
	}
}

// search searches the mailbox and the GAL (with pictures from 14.1).
func (c *wbxClient) search() {
	c.s.t.Helper()
	inbox := c.folder(eas.FolderTypeInbox)
	c.call(eas.CommandSearch, cmdNode("Search:Search", cmdNode("Search:Store", cmdText("Search:Name", "Mailbox"),
		cmdNode("Search:Query", cmdNode("Search:And", cmdText("AirSync:Class", "Email"), cmdText("AirSync:CollectionId", inbox), cmdText("Search:FreeText", "wbx"))),
		cmdNode("Search:Options", cmdText("Search:Range", "0-9"), cmdNode("Search:DeepTraversal"), cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"))))))
	opts := []*wbxml.Node{cmdText("Search:Range", "0-9")}
	if c.at(eas.Version141) {
		opts = append(opts, cmdNode("Search:Picture", cmdText("Search:MaxSize", "10240"), cmdText("Search:MaxPictures", "5")))
	}
	c.call(eas.CommandSearch, cmdNode("Search:Search", cmdNode("Search:Store", cmdText("Search:Name", "GAL"), cmdText("Search:Query", "MSASWBXML"),
		cmdNode("Search:Options", opts...))))
}

// settings sets and reads the Oof settings, sets the device information
// and password, and reads the user information and, from 14.1, the
// rights management templates.
func (c *wbxClient) settings() {
	c.s.t.Helper()
	start, end := wbxDate(simtest.Start), wbxDate(simtest.Start.AddDate(0, 0, 7))
	msg := func(kind string) *wbxml.Node {
		return cmdNode("Settings:OofMessage", cmdNode("Settings:"+kind), cmdText("Settings:Enabled", "1"), cmdText("Settings:ReplyMessage", "away"), cmdText("Settings:BodyType", "Text"))
	}
	c.call(eas.CommandSettings, cmdNode("Settings:Settings", cmdNode("Settings:Oof", cmdNode("Settings:Set",
		cmdText("Settings:OofState", "2"), cmdText("Settings:StartTime", start), cmdText("Settings:EndTime", end),
		msg("AppliesToInternal"), msg("AppliesToExternalKnown"), msg("AppliesToExternalUnknown")))))
	c.call(eas.CommandSettings, cmdNode("Settings:Settings", cmdNode("Settings:Oof", cmdNode("Settings:Get", cmdText("Settings:BodyType", "Text")))))
	info := []*wbxml.Node{cmdText("Settings:Model", "wbx"), cmdText("Settings:FriendlyName", "wbx device"), cmdText("Settings:OS", "wbx OS"),
		cmdText("Settings:OSLanguage", "English"), cmdText("Settings:UserAgent", "wbx/1.0")}
	if c.at(eas.Version140) {
		info = append(info, cmdText("Settings:MobileOperator", "wbx"))
	}
	c.call(eas.CommandSettings, cmdNode("Settings:Settings",
		cmdNode("Settings:DeviceInformation", cmdNode("Settings:Set", info...)),
		cmdNode("Settings:DevicePassword", cmdNode("Settings:Set", cmdText("Settings:Password", "wbx-pass"))),
		cmdNode("Settings:UserInformation", cmdNode("Settings:Get"))))
	if c.at(eas.Version141) {
		c.call(eas.CommandSettings, cmdNode("Settings:Settings", cmdNode("Settings:RightsManagementInformation", cmdNode("Settings:Get"))))
	}
}

// resolveRecipients resolves User02 with certificates, from 14.0 with
// availability and from 14.1 with pictures.
func (c *wbxClient) resolveRecipients() {
	c.s.t.Helper()
	opts := []*wbxml.Node{cmdText("ResolveRecipients:CertificateRetrieval", "2"), cmdText("ResolveRecipients:MaxCertificates", "5"), cmdText("ResolveRecipients:MaxAmbiguousRecipients", "5")}
	if c.at(eas.Version140) {
		opts = append(opts, cmdNode("ResolveRecipients:Availability",
			cmdText("ResolveRecipients:StartTime", wbxDate(simtest.Start)), cmdText("ResolveRecipients:EndTime", wbxDate(simtest.Start.Add(4*time.Hour)))))
	}
	if c.at(eas.Version141) {
		opts = append(opts, cmdNode("ResolveRecipients:Picture", cmdText("ResolveRecipients:MaxSize", "10240"), cmdText("ResolveRecipients:MaxPictures", "5")))
	}
	c.call(eas.CommandResolveRecipients, cmdNode("ResolveRecipients:ResolveRecipients", cmdText("ResolveRecipients:To", mailAddress(wbxUser2)),
		cmdNode("ResolveRecipients:Options", opts...)))
}

// validateCert asks to validate a self-signed certificate.
func (c *wbxClient) validateCert() {
	c.s.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c.s.must(err, "making a key")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wbx"},
		NotBefore: simtest.Start.AddDate(0, 0, -1), NotAfter: simtest.Start.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	c.s.must(err, "making a certificate")
	c.call(eas.CommandValidateCert, cmdNode("ValidateCert:ValidateCert", cmdNode("ValidateCert:Certificates",
		cmdText("ValidateCert:Certificate", base64.StdEncoding.EncodeToString(der))), cmdText("ValidateCert:CheckCRL", "0")))
}

// compose sends, from 14.0, a SendMail that is not a message and a
// SmartReply and SmartForward to an item that does not exist: their
// answers say why in ComposeMail's code page.
func (c *wbxClient) compose() {
	c.s.t.Helper()
	if !c.at(eas.Version140) {
		return
	}
	c.call(eas.CommandSendMail, cmdNode("ComposeMail:SendMail", cmdText("ComposeMail:ClientId", "wbx-bad"), cmdNode("ComposeMail:SaveInSentItems"),
		wbxml.NewOpaque(wbxTag("ComposeMail:Mime"), []byte("not a message"))))
	mime := plainMIME(mailAddress(wbxUser1), mailAddress(wbxUser2), "", "wbx lost", "lost")
	src := cmdNode("ComposeMail:Source", cmdText("ComposeMail:FolderId", c.folder(eas.FolderTypeInbox)), cmdText("ComposeMail:ItemId", "99:999"))
	c.call(eas.CommandSmartReply, cmdNode("ComposeMail:SmartReply", cmdText("ComposeMail:ClientId", "wbx-lost-reply"), src, wbxml.NewOpaque(wbxTag("ComposeMail:Mime"), mime)))
	c.call(eas.CommandSmartForward, cmdNode("ComposeMail:SmartForward", cmdText("ComposeMail:ClientId", "wbx-lost-fwd"), src, wbxml.NewOpaque(wbxTag("ComposeMail:Mime"), mime)))
}

// find searches the mailbox with Find at 16.1.
func (c *wbxClient) find() {
	c.s.t.Helper()
	if !c.at(eas.Version161) {
		return
	}
	c.call(eas.CommandFind, &eas.FindRequest{SearchId: "wbx-find", ExecuteSearch: &eas.FindExecuteSearch{MailBoxSearchCriterion: &eas.FindCriterion{
		Query:   &eas.FindQuery{Class: "Email", CollectionId: c.folder(eas.FolderTypeInbox), FreeText: "wbx"},
		Options: &eas.FindOptions{Range: "0-9", DeepTraversal: true},
	}}})
}

// provision provisions a second device of User01 (so that the session's
// own device needs no policy key): the policy, then its acknowledgment;
// then an administrator wipes the device (from 16.1 the account only)
// and the device's next Provision carries the directive.
func (c *wbxClient) provision() {
	c.s.t.Helper()
	policy := func(key string) *wbxml.Node {
		p := cmdNode("Provision:Policy", cmdText("Provision:PolicyType", "MS-EAS-Provisioning-WBXML"))
		if key != "" {
			p.Children = append(p.Children, cmdText("Provision:PolicyKey", key), cmdText("Provision:Status", "1"))
		}
		return cmdNode("Provision:Provision", cmdNode("Provision:Policies", p))
	}
	send := func(n *wbxml.Node, key string) *wbxml.Node {
		if c.at(eas.Version141) && len(n.Children) == 1 {
			n.Children = append([]*wbxml.Node{cmdNode("Settings:DeviceInformation", cmdNode("Settings:Set", cmdText("Settings:Model", "wbx")))}, n.Children...)
		}
		req := c.l.request(c.user, eas.CommandProvision)
		req.DeviceID, req.DeviceType = "WBXProvision", "WBXP"
		if k, err := strconv.ParseUint(key, 10, 32); err == nil {
			req.PolicyKey = uint32(k)
		}
		a := c.sendAs(c.user, req, n)
		if a == nil || len(a.Body) == 0 {
			return nil
		}
		r, err := wbxml.Parse(a.Body)
		if err != nil {
			c.skip("the Provision answer cannot be parsed: %v", err)
			return nil
		}
		return r
	}
	r := send(policy(""), "")
	key := wbxText(r, "Provision:PolicyKey")
	if key == "" {
		c.skip("the initial Provision gave no policy key")
		return
	}
	r = send(policy(key), key)
	final := wbxText(r, "Provision:PolicyKey")
	params := map[string]any{}
	if c.at(eas.Version161) {
		params = map[string]any{"AccountOnly": true, "NotificationEmailAddresses": mailAddress(wbxUser1)}
	}
	provDevices(c.l, wbxUser1, "WBXP", "Get-MobileDevice", "Clear-MobileDevice", params)
	send(policy(""), final)
}
