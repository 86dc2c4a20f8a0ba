package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD: the commands (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASCMD), scenarios S12 to S23. This file is
// what the suite's TestSuiteBase does for them: the client (cmd2Client),
// the folders it learns with FolderSync when it switches to a user, and
// the Sync, SendMail and calendar helpers its tests share. The users, the
// deployment and the request and message builders are the suite's, in
// msascmd_base_test.go. This client differs from cmdSuite on purpose, as
// the two halves of the port do: its send neither checks the shape of the
// answers (verifyShape) nor fails on an HTTP status other than 200, and
// its Sync asks again while MoreAvailable.

// cmd2Client is the suite's client as TestSuiteBase drives it: its
// session (the user it acts as, each user's default folders, the last
// hierarchy key; deviceID, when set, replaces the common DeviceID as
// ChangeDeviceID does) and the last SyncKey a Sync answered.
type cmd2Client struct {
	cmdSession
	lastSyncKey string
}

// cmd2Lab deploys the suite (its users) and switches to User01, as
// TestInitialize does.
func cmd2Lab(s *site) *cmd2Client {
	return cmd2ClientOn(s, cmdDeploy(s, cmdSearchUser1, cmdSearchUser2))
}

// cmd2ClientOn is the client on lab l, switched to User01.
func cmd2ClientOn(s *site, l *lab) *cmd2Client {
	c := &cmd2Client{cmdSession: cmdSession{s: s, l: l, folders: map[string]map[eas.FolderType]string{}}}
	c.switchUser(cmdUser1)
	return c
}

// switchUser makes user the one the client acts as; the first time, a
// FolderSync learns the user's default folders.
func (c *cmd2Client) switchUser(user string) {
	c.s.t.Helper()
	c.switchTo(user, c.folderSync)
}

// folder is the current user's default folder of type t.
func (c *cmd2Client) folder(t eas.FolderType) string {
	c.s.t.Helper()
	id := c.folders[c.user][t]
	if id == "" {
		c.s.t.Fatalf("%s has no folder of type %d", c.user, t)
	}
	return id
}

func (c *cmd2Client) inbox() string    { return c.folder(eas.FolderTypeInbox) }
func (c *cmd2Client) contacts() string { return c.folder(eas.FolderTypeContacts) }
func (c *cmd2Client) calendar() string { return c.folder(eas.FolderTypeCalendar) }
func (c *cmd2Client) tasks() string    { return c.folder(eas.FolderTypeTasks) }
func (c *cmd2Client) deleted() string  { return c.folder(eas.FolderTypeDeletedItems) }

// folderSync sends FolderSync with key as the current user.
func (c *cmd2Client) folderSync(key string) *eas.FolderSyncResponse {
	c.s.t.Helper()
	a := c.send(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: key})
	var resp eas.FolderSyncResponse
	a.decode(c.s, &resp)
	return &resp
}

// send sends one command as the current user and returns the answer.
func (c *cmd2Client) send(cmd eas.Command, body any) *answer {
	c.s.t.Helper()
	return c.sendRaw(c.l.request(c.user, cmd), body)
}

// cmd2Sync is a Sync answer: the HTTP answer and, when it has a body,
// the decoded response.
type cmd2Sync struct {
	a    *answer
	resp *eas.SyncResponse
}

// empty reports whether the answer had no body (an empty Sync response).
func (r *cmd2Sync) empty() bool { return len(r.a.Body) == 0 }

// status is the Sync element's own Status (0 when absent).
func (r *cmd2Sync) status() int {
	if r.resp == nil {
		return 0
	}
	return r.resp.Status
}

// coll is the first collection of the answer, or nil.
func (r *cmd2Sync) coll() *eas.SyncCollection {
	if r.resp == nil || r.resp.Collections == nil || len(r.resp.Collections.Collection) == 0 {
		return nil
	}
	return &r.resp.Collections.Collection[0]
}

// collStatus is the first collection's Status (0 when there is none).
func (r *cmd2Sync) collStatus() int {
	if c := r.coll(); c != nil {
		return c.Status
	}
	return 0
}

// commands are the first collection's server Commands.
func (r *cmd2Sync) commands() eas.SyncCommands {
	if c := r.coll(); c != nil {
		return c.Commands
	}
	return nil
}

// responses are the first collection's Responses.
func (r *cmd2Sync) responses() eas.SyncCommands {
	if c := r.coll(); c != nil {
		return c.Responses
	}
	return nil
}

// syncRaw sends a Sync body (an eas message, a wbxml tree, raw bytes or
// nil) once, and records the SyncKey as TestSuiteBase.Sync does.
func (c *cmd2Client) syncRaw(body any) *cmd2Sync {
	c.s.t.Helper()
	a := c.send(eas.CommandSync, body)
	r := &cmd2Sync{a: a}
	if a.Status != 200 {
		c.s.t.Fatalf("Sync answered HTTP %d", a.Status)
	}
	if len(a.Body) > 0 {
		var resp eas.SyncResponse
		a.decode(c.s, &resp)
		r.resp = &resp
	}
	if r.resp != nil && r.resp.Collections != nil {
		for _, col := range r.resp.Collections.Collection {
			if col.SyncKey != "" {
				c.lastSyncKey = col.SyncKey
			}
		}
	} else {
		c.lastSyncKey = ""
	}
	return r
}

// sync sends req as the suite's client does with isResyncNeeded: while
// the first collection answers Status 1 with MoreAvailable, it asks again
// with the new key, gathering the commands into the last answer.
func (c *cmd2Client) sync(req *eas.SyncRequest) *cmd2Sync {
	c.s.t.Helper()
	var gathered eas.SyncCommands
	for i := 0; ; i++ {
		r := c.syncRaw(req)
		col := r.coll()
		if col == nil || col.Status != 1 {
			return r
		}
		gathered = append(gathered, col.Commands...)
		if !col.MoreAvailable || i > 50 {
			if gathered != nil {
				col.Commands = gathered
			}
			return r
		}
		req.Collections.Collection[0].SyncKey = col.SyncKey
	}
}

// cmd2EmptySync is TestSuiteBase.CreateEmptySyncRequest: SyncKey 0 for
// collection, with a FilterType option when filter is 0 to 8.
func cmd2EmptySync(collection string, filter int) *eas.SyncRequest {
	col := eas.SyncCollection{SyncKey: "0", CollectionId: collection}
	if filter >= 0 && filter <= 8 {
		f := filter
		col.Options = []eas.SyncOptions{{FilterType: &f}}
	}
	return &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}
}

// cmd2SyncAdd is TestSuiteBase.CreateSyncAddRequest.
func cmd2SyncAdd(key, collection string, add eas.SyncCommand) *eas.SyncRequest {
	add.Kind = eas.SyncAdd
	return &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: key, CollectionId: collection, GetChanges: eas.NewBool(true), Commands: eas.SyncCommands{add},
	}}}}
}

// cmd2Collection is the first collection of a request.
func cmd2Collection(req *eas.SyncRequest) *eas.SyncCollection { return &req.Collections.Collection[0] }

// initialSync sends the SyncKey 0 request for collection (no filter).
func (c *cmd2Client) initialSync(collection string) *cmd2Sync {
	c.s.t.Helper()
	return c.sync(cmd2EmptySync(collection, -1))
}

// syncChanges is TestSuiteBase.SyncChanges: an initial Sync, then one
// with its key, GetChanges and a plain-text BodyPreference.
func (c *cmd2Client) syncChanges(collection string) *cmd2Sync {
	c.s.t.Helper()
	c.initialSync(collection)
	return c.syncChangesFrom(c.lastSyncKey, collection)
}

// syncChangesFrom is SyncChanges with a key.
func (c *cmd2Client) syncChangesFrom(key, collection string) *cmd2Sync {
	c.s.t.Helper()
	req := cmd2EmptySync(collection, -1)
	col := cmd2Collection(req)
	col.SyncKey = key
	col.GetChanges = eas.NewBool(true)
	col.Options = []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 1}}}}
	return c.sync(req)
}

// checkEmail is TestSuiteBase.CheckEmail: an initial Sync of collection,
// then a Sync with its key (and options), which must hold an item with
// subject.
func (c *cmd2Client) checkEmail(collection, subject string, options []eas.SyncOptions) *cmd2Sync {
	c.s.t.Helper()
	req := cmd2EmptySync(collection, -1)
	c.sync(req)
	req = cmd2EmptySync(collection, -1)
	cmd2Collection(req).SyncKey = c.lastSyncKey
	if options != nil {
		cmd2Collection(req).Options = options
	}
	r := c.sync(req)
	if cmd2FindServerID(r, "Subject", subject) == "" {
		c.s.t.Fatalf("the email %q is not in folder %s of %s", subject, collection, c.user)
	}
	return r
}

// cmd2Field is the text of the first ApplicationData child whose name
// contains field (Subject matches Email:Subject).
func cmd2Field(data *wbxml.Node, field string) (string, bool) {
	if data == nil {
		return "", false
	}
	for _, e := range data.Elements() {
		if strings.Contains(e.Tag.Name, field) {
			return e.Text(), true
		}
	}
	return "", false
}

// cmd2FindServerID is TestSuiteBase.FindServerId: the ServerId of the
// first Add whose field equals value (case and spaces ignored), or "".
func cmd2FindServerID(r *cmd2Sync, field, value string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	for _, cmd := range r.commands() {
		if cmd.Kind != eas.SyncAdd {
			continue
		}
		for _, e := range cmd.ApplicationData.Elements() {
			if strings.Contains(e.Tag.Name, field) && norm(e.Text()) == norm(value) {
				return cmd.ServerId
			}
		}
	}
	return ""
}

// cmd2AddData is the ApplicationData of the first Add whose field equals
// value, or nil.
func cmd2AddData(r *cmd2Sync, field, value string) *wbxml.Node {
	for _, cmd := range r.commands() {
		if cmd.Kind != eas.SyncAdd {
			continue
		}
		if v, ok := cmd2Field(cmd.ApplicationData, field); ok && v == value {
			return cmd.ApplicationData
		}
	}
	return nil
}

// cmd2ContactAdd is TestSuiteBase.CreateAddContactCommand: an Add of a
// contact (Class Contacts but at 12.1).
func (c *cmd2Client) cmd2ContactAdd(clientID, fileAs, jobTitle string) eas.SyncCommand {
	c.s.t.Helper()
	contact := &eas.Contact{FileAs: fileAs, FirstName: "FirstName", MiddleName: "MiddleName", LastName: "LastName", JobTitle: jobTitle}
	data, err := eas.EncodeItem(contact)
	c.s.must(err, "encoding a contact")
	cmd := eas.SyncCommand{Kind: eas.SyncAdd, ClientId: clientID, ApplicationData: data}
	if c.s.version != eas.Version121 {
		cmd.Class = "Contacts"
	}
	return cmd
}

// sendMail sends a SendMail of mime as the current user: up to 12.1 the
// message itself, from 14.0 a ComposeMail request. It returns the answer.
func (c *cmd2Client) sendMail(mime []byte, clientID string) *answer {
	c.s.t.Helper()
	if !c.s.version.AtLeast(eas.Version140) {
		return c.send(eas.CommandSendMail, mime)
	}
	return c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: clientID, Mime: mime})
}

// cmd2SendMailStatus is the Status of a SendMail answer, 0 when the
// answer has no body.
func cmd2SendMailStatus(s *site, a *answer) int {
	s.t.Helper()
	if len(a.Body) == 0 {
		return 0
	}
	var resp eas.SendMailResponse
	a.decode(s, &resp)
	return resp.Status
}

// sendPlainText is TestSuiteBase.SendPlainTextEmail: from switches to the
// sender, who mails a plain-text message to; the answer must be empty.
func (c *cmd2Client) sendPlainText(subject, from, to, content string) {
	c.s.t.Helper()
	c.switchUser(from)
	if content == "" {
		content = "Default Email"
	}
	a := c.sendMail(plainMIME(mailAddress(from), mailAddress(to), "", subject, content), "client-"+subject)
	if a.Status != 200 || len(a.Body) != 0 {
		c.s.t.Fatalf("SendMail of %q answered HTTP %d with %d bytes, want an empty success", subject, a.Status, len(a.Body))
	}
}

// cmd2ok is an error unless ok, for s.must on a step that is not a check.
func cmd2ok(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// cmd2Has reports whether cmds hold one of kind.
func cmd2Has(cmds eas.SyncCommands, kind eas.SyncCommandKind) bool {
	for _, c := range cmds {
		if c.Kind == kind {
			return true
		}
	}
	return false
}

// cmd2FieldIs reports whether data's field is value.
func cmd2FieldIs(data *wbxml.Node, field, value string) bool {
	v, ok := cmd2Field(data, field)
	return ok && v == value
}

// folderCreate is FolderCreate of name under parent with key; the folder
// must be created.
func (c *cmd2Client) folderCreate(key string, typ eas.FolderType, name, parent string) string {
	c.s.t.Helper()
	body := cmdNode("FolderHierarchy:FolderCreate", cmdText("FolderHierarchy:SyncKey", key),
		cmdText("FolderHierarchy:ParentId", parent), cmdText("FolderHierarchy:DisplayName", name),
		cmdText("FolderHierarchy:Type", fmt.Sprint(int(typ))))
	a := c.send(eas.CommandFolderCreate, body)
	root, err := wbxml.Parse(a.Body)
	c.s.must(err, "reading the FolderCreate answer")
	st := root.Find(wbxml.LookupQualified("FolderHierarchy:Status"))
	id := root.Find(wbxml.LookupQualified("FolderHierarchy:ServerId"))
	if st == nil || st.Text() != "1" || id == nil {
		c.s.t.Fatalf("FolderCreate of %q did not succeed", name)
	}
	return id.Text()
}

// cmd2CalendarAdd is S19's CreateAddCalendarCommand: an Add (Class
// Calendar) of To, Subject, Location and an empty EndTime; at 16.0 (and
// only there, as the original branches) the location is an AirSyncBase
// Location with a LocationUri.
func (c *cmd2Client) cmd2CalendarAdd(clientID, to, subject, location string) eas.SyncCommand {
	loc := cmdText("Calendar:Location", location)
	if c.s.version == eas.Version160 {
		loc = cmdNode("AirSyncBase:Location", cmdText("AirSyncBase:LocationUri", location))
	}
	data := cmdNode("AirSync:ApplicationData", cmdText("Email:To", to), cmdText("Calendar:Subject", subject), loc, cmdText("Calendar:EndTime", ""))
	return eas.SyncCommand{Kind: eas.SyncAdd, Class: "Calendar", ClientId: clientID, ApplicationData: data}
}

// cmd2GAL is what a test reads of GAL results' Properties: the names of
// the properties any result has, and the DisplayNames and Aliases in
// order.
type cmd2GAL struct {
	has            map[string]bool
	names, aliases []string
}

// add reads one result's Properties (nil: none).
func (g *cmd2GAL) add(props *wbxml.Node) {
	if props == nil {
		return
	}
	for _, e := range props.Elements() {
		g.has[e.Tag.Name] = true
		switch e.Tag.Name {
		case "DisplayName":
			g.names = append(g.names, e.Text())
		case "Alias":
			g.aliases = append(g.aliases, e.Text())
		}
	}
}

// cmd2Meeting is what a test knows of a meeting: the calendar item the
// organizer's server holds, read back as TestSuiteBase.CreateCalendar
// does, with the recurrence a test adds.
type cmd2Meeting struct {
	Subject, UID, OrganizerEmail, Attendee, Location string
	DtStamp, StartTime, EndTime                      time.Time
	ResponseRequested                                bool
	BusyStatus                                       int
	Reminder                                         string
	RecurrenceType                                   int // -1: none
}

// createCalendar is TestSuiteBase.CreateCalendar: User01 adds a meeting
// (MeetingStatus 1, a UID, UTC, the attendee; ResponseRequested from
// 14.0; the times given) to the calendar and reads it back.
func (c *cmd2Client) createCalendar(subject, attendee string, start, end, stamp *time.Time) *cmd2Meeting {
	c.s.t.Helper()
	c.switchUser(cmdUser1)
	uid := "cmd2-uid-" + subject
	uidTag := "Calendar:UID"
	if c.s.version.AtLeast(eas.Version160) {
		uidTag = "Calendar:ClientUid"
	}
	data := []*wbxml.Node{
		cmdText("Calendar:Subject", subject), cmdText("Calendar:MeetingStatus", "1"), cmdText(uidTag, uid),
		cmdText("Calendar:Timezone", cmdUTC()),
		cmdNode("Calendar:Attendees", cmdNode("Calendar:Attendee", cmdText("Calendar:Email", attendee), cmdText("Calendar:Name", attendee),
			cmdText("Calendar:AttendeeStatus", "0"), cmdText("Calendar:AttendeeType", "1"))),
	}
	if c.s.version != eas.Version121 {
		data = append(data, cmdText("Calendar:ResponseRequested", "1"))
	}
	for _, tm := range []struct {
		tag string
		t   *time.Time
	}{{"Calendar:DtStamp", stamp}, {"Calendar:StartTime", start}, {"Calendar:EndTime", end}} {
		if tm.t != nil {
			data = append(data, cmdText(tm.tag, eas.FormatCompactDate(*tm.t)))
		}
	}
	c.initialSync(c.calendar())
	c.sync(cmd2SyncAdd(c.lastSyncKey, c.calendar(), cmd2Appointment("cmd2-cal-"+subject, data...)))
	r := c.syncChanges(c.calendar())
	item := cmd2AddData(r, "Subject", subject)
	c.s.must(cmd2ok(item != nil, "not found"), "reading the meeting back from User01's calendar")
	m := &cmd2Meeting{Subject: subject, Attendee: attendee, RecurrenceType: -1, ResponseRequested: c.s.version != eas.Version121}
	get := func(name string) string { v, _ := cmdChild(item, name); return v }
	m.UID, m.OrganizerEmail, m.Location, m.Reminder = get("UID"), get("OrganizerEmail"), get("Location"), get("Reminder")
	if m.UID == "" {
		m.UID = uid
	}
	if bs := get("BusyStatus"); bs != "" {
		m.BusyStatus = int(bs[0] - '0')
	} else {
		m.BusyStatus = -1
	}
	parse := func(s string) time.Time { t, _ := eas.ParseDate(s); return t }
	m.DtStamp, m.StartTime, m.EndTime = parse(get("DtStamp")), parse(get("StartTime")), parse(get("EndTime"))
	if m.OrganizerEmail == "" {
		m.OrganizerEmail = mailAddress(cmdUser1)
	}
	return m
}

// iCalendar is TestSuiteBase.CreateiCalendarFormatContent.
func (m *cmd2Meeting) iCalendar() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	ts := func(t time.Time) string { return t.UTC().Format("20060102T150405") }
	line("BEGIN: VCALENDAR")
	line("PRODID:-//Microosft Protocols TestSuites")
	line("VERSION:2.0")
	line("METHOD:REQUEST")
	line("X-MS-OLK-FORCEINSPECTOROPEN:TRUE")
	for _, l := range []string{"BEGIN:VTIMEZONE", "TZID:Universal Time", "BEGIN:STANDARD", "DTSTART:16011104T020000", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
		"TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:16010311T020000", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
		"TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:DAYLIGHT", "END:VTIMEZONE", "BEGIN:VEVENT"} {
		line("%s", l)
	}
	line("UID:%s", m.UID)
	if !m.DtStamp.IsZero() {
		line("DTSTAMP:%s", ts(m.DtStamp))
	}
	line("DESCRIPTION:%s", m.Subject)
	line("SUMMARY:%s", m.Subject)
	rsvp := "FALSE"
	if m.ResponseRequested {
		rsvp = "TRUE"
	}
	line("ATTENDEE;CN=\"\";RSVP=%s:mailto:%s", rsvp, m.Attendee)
	line("ORGANIZER:MAILTO:%s", m.OrganizerEmail)
	loc := m.Location
	if loc == "" {
		loc = "My Office"
	}
	line("LOCATION:%s", loc)
	line("DTSTART;TZID=\"Universal Time\":%s", ts(m.StartTime))
	line("DTEND;TZID=\"Universal Time\":%s", ts(m.EndTime))
	switch m.RecurrenceType {
	case 1:
		line("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3")
	case 2:
		line("RRULE:FREQ=MONTHLY;COUNT=3;BYMONTHDAY=1")
	}
	if s := [...]string{"FREE", "TENTATIVE", "BUSY", "OOF"}; m.BusyStatus >= 0 && m.BusyStatus < len(s) {
		line("X-MICROSOFT-CDO-BUSYSTATUS:%s", s[m.BusyStatus])
	}
	if m.Reminder != "" {
		line("BEGIN:VALARM")
		line("TRIGGER:-PT%sM", m.Reminder)
		line("ACTION:DISPLAY")
		line("END:VALARM")
	}
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.String()
}

// sendMeetingRequest is TestSuiteBase.SendMeetingRequest: below 16.0,
// User01 mails the meeting request (the iCalendar in a
// multipart/alternative message); from 16.0 the server sends it when the
// meeting is added.
func (c *cmd2Client) sendMeetingRequest(m *cmd2Meeting) {
	c.s.t.Helper()
	if c.s.version.AtLeast(eas.Version160) {
		return
	}
	mime := "From: " + m.OrganizerEmail + "\r\nTo: " + m.Attendee + "\r\nSubject: " + m.Subject + "\r\n" +
		"Content-Type: multipart/alternative;\r\n    boundary=\"---Next Part---\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"-----Next Part---\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nMSASCMD_content\r\n\r\n" +
		// As the suite's, the message ends without the closing delimiter,
		// which Exchange accepts.
		"-----Next Part---\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n" + m.iCalendar() + "\r\n"
	c.switchUser(cmdUser1)
	a := c.sendMail([]byte(mime), "cmd2-mr-"+m.Subject)
	c.s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d with %d bytes (Status %d)", a.Status, len(a.Body), cmd2ComposeStatus(c.s, a)), "sending the meeting request")
}

// sendWeeklyMeetingRequest is TestSuiteBase.SendWeeklyRecurrenceMeetingRequest:
// a meeting some days ahead, two hours long, weekly.
func (c *cmd2Client) sendWeeklyMeetingRequest(subject, attendee string) *cmd2Meeting {
	c.s.t.Helper()
	m := c.createCalendar(subject, attendee, nil, nil, nil)
	start := cmd2Now.AddDate(0, 0, 40)
	m.DtStamp, m.StartTime, m.EndTime = start, start, start.Add(2*time.Hour)
	m.RecurrenceType = 1
	c.sendMeetingRequest(m)
	return m
}
