package simulator

import (
	"fmt"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// DemoPassword is the password of the demo organization's users.
const DemoPassword = "Passw0rd!"

// DemoUser describes one user of the demo organization.
type DemoUser struct {
	Alias, DisplayName string
}

// DemoUsers are the demo organization's named users.
var DemoUsers = []DemoUser{
	{"alice", "Alice Wilber"},
	{"bob", "Bob Kelly"},
	{"admin", "Administrator"},
}

// DemoOrganization is contoso.com, as in Microsoft's own examples.
var DemoOrganization = Organization{Name: "Contoso", Domain: "contoso.com", NetBIOS: "CONTOSO"}

// MailSpec describes a message to put into a mailbox. It is also the
// `mail:` entry of an organization file.
type MailSpec struct {
	From    string        `yaml:"from"` // "Name <address>" or an address
	Subject string        `yaml:"subject"`
	Body    string        `yaml:"body"`
	HTML    string        `yaml:"html"`
	Age     time.Duration `yaml:"age"`    // how long ago it arrived
	Read    bool          `yaml:"read"`   // already read
	Folder  string        `yaml:"folder"` // display name; "" is the Inbox
}

// EventSpec describes an appointment of the Calendar.
type EventSpec struct {
	Subject  string        `yaml:"subject"`
	Location string        `yaml:"location"`
	In       time.Duration `yaml:"in"` // start, relative to today 00:00 UTC
	Duration time.Duration `yaml:"duration"`
	Body     string        `yaml:"body"`
}

// ContactSpec describes a contact of the Contacts folder.
type ContactSpec struct {
	FirstName string `yaml:"firstName"`
	LastName  string `yaml:"lastName"`
	Email     string `yaml:"email"`
	Company   string `yaml:"company"`
	Phone     string `yaml:"phone"`
}

// TaskSpec describes a task.
type TaskSpec struct {
	Subject string        `yaml:"subject"`
	Due     time.Duration `yaml:"due"` // relative to today 00:00 UTC
}

// NoteSpec describes a note.
type NoteSpec struct {
	Subject string `yaml:"subject"`
	Body    string `yaml:"body"`
}

// NewDemoDirectory returns the demo organization: the DemoUsers with
// password, each mailbox seeded with mail, calendar, contacts, tasks and
// notes dated relative to now, plus extra users user00001... (no content)
// for load tests.
func NewDemoDirectory(password string, extra int, now time.Time) (*Directory, error) {
	if password == "" {
		password = DemoPassword
	}
	d := NewDirectory(DemoOrganization)
	var seeded []*Mailbox
	for _, u := range DemoUsers {
		mb := NewMailbox()
		if err := d.AddUser(User{Alias: u.Alias, DisplayName: u.DisplayName, Password: password}, mb); err != nil {
			return nil, err
		}
		seeded = append(seeded, mb)
	}
	for _, mb := range seeded {
		if err := seedDemoMailbox(d, mb, now); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= extra; i++ {
		alias := fmt.Sprintf("user%05d", i)
		if err := d.AddUser(User{Alias: alias, DisplayName: fmt.Sprintf("User %05d", i), Password: password}, NewMailbox()); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// demoContent is what every demo mailbox holds.
var demoContent = struct {
	mail   []MailSpec
	events []EventSpec
	tasks  []TaskSpec
	notes  []NoteSpec
}{
	mail: []MailSpec{
		{From: "Bob Kelly <bob@contoso.com>", Subject: "Quarterly report draft", Body: "Hi,\r\n\r\nthe draft of the Q3 report is on the share. Comments by Friday please.\r\n\r\nBob", Age: 50 * time.Hour, Read: true},
		{From: "Contoso IT <it@contoso.com>", Subject: "Your mobile device and multi-factor authentication", Body: "From Monday, new phones need an approval in the authenticator app before they receive mail.", HTML: "<html><body><p>From Monday, new phones need an approval in the <b>authenticator app</b> before they receive mail.</p></body></html>", Age: 26 * time.Hour},
		{From: "Katie Jordan <katie@fabrikam.com>", Subject: "Re: Shipping schedule", Body: "The pallets leave Rotterdam on the 28th. Grüße, Katie", Age: 5 * time.Hour},
		{From: "Alice Wilber <alice@contoso.com>", Subject: "Lunch on Thursday?", Body: "Shall we try the new place on 5th Avenue?", HTML: "<html><body>Shall we try the new place on <i>5th Avenue</i>?</body></html>", Age: 40 * time.Minute},
	},
	events: []EventSpec{
		{Subject: "Team stand-up", Location: "Teams", In: 33 * time.Hour, Duration: 15 * time.Minute},
		{Subject: "Budget review", Location: "Room 4.12", In: 62 * time.Hour, Duration: time.Hour},
		{Subject: "Dentist", In: 80 * time.Hour, Duration: 45 * time.Minute},
	},
	tasks: []TaskSpec{{Subject: "Renew parking permit", Due: 7 * 24 * time.Hour}, {Subject: "Send travel expenses", Due: 14 * 24 * time.Hour}},
	notes: []NoteSpec{{Subject: "Wi-Fi at the Seattle office", Body: "SSID Contoso-Guest, ask reception for the code."}},
}

// seedDemoMailbox fills a demo mailbox; its contacts are the other users.
func seedDemoMailbox(d *Directory, mb *Mailbox, now time.Time) error {
	c := demoContent
	for _, m := range c.mail {
		if err := AddMail(mb, m, now); err != nil {
			return err
		}
	}
	for _, e := range c.events {
		if err := AddEvent(mb, e, now); err != nil {
			return err
		}
	}
	for _, u := range d.Users() {
		if u.Alias == mb.Owner().Alias {
			continue
		}
		first, last := splitName(u.DisplayName)
		if err := AddContact(mb, ContactSpec{FirstName: first, LastName: last, Email: u.PrimarySmtpAddress, Company: d.Org.Name, Phone: "+1 425 555 0100"}, now); err != nil {
			return err
		}
	}
	for _, t := range c.tasks {
		if err := AddTask(mb, t, now); err != nil {
			return err
		}
	}
	for _, n := range c.notes {
		if err := AddNote(mb, n, now); err != nil {
			return err
		}
	}
	return nil
}

func textProp(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }

// AddMail builds a real MIME message from m and puts it into the folder m
// names (the Inbox by default) as if it had arrived m.Age before now.
func AddMail(mb *Mailbox, m MailSpec, now time.Time) error {
	from, err := ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("mail %q: from: %w", m.Subject, err)
	}
	owner := mb.Owner()
	at := now.Add(-m.Age)
	raw, err := BuildMail(from, []*MailAddress{{Name: owner.DisplayName, Address: owner.PrimarySmtpAddress}}, m.Subject, m.Body, m.HTML, at)
	if err != nil {
		return err
	}
	parsed, err := ParseMail(raw)
	if err != nil {
		return err
	}
	folder, ok := mb.FolderByType(eas.FolderTypeInbox)
	if m.Folder != "" {
		folder, ok = mb.FolderByName(m.Folder)
	}
	if !ok {
		return fmt.Errorf("mail %q: no folder %q", m.Subject, m.Folder)
	}
	_, err = mb.AddItem(folder.ServerID, EmailItem(parsed, at, m.Read))
	return err
}

// AddEvent puts an appointment into the Calendar.
func AddEvent(mb *Mailbox, e EventSpec, now time.Time) error {
	owner := mb.Owner()
	start := now.UTC().Truncate(24 * time.Hour).Add(e.In)
	if e.Duration == 0 {
		e.Duration = 30 * time.Minute
	}
	props := []*wbxml.Node{
		// UTC with no daylight saving: the TIME_ZONE_INFORMATION blob of
		// MS-ASDTYPE 2.6.4, all zeros.
		textProp("Calendar:Timezone", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="),
		textProp("Calendar:DtStamp", eas.FormatCompactDate(now)),
		textProp("Calendar:StartTime", eas.FormatCompactDate(start)),
		textProp("Calendar:Subject", e.Subject),
		textProp("Calendar:UID", fmt.Sprintf("easlab-%s-%d", owner.Alias, start.Unix())),
		textProp("Calendar:OrganizerName", owner.DisplayName),
		textProp("Calendar:OrganizerEmail", owner.PrimarySmtpAddress),
	}
	if e.Location != "" {
		props = append(props, textProp("Calendar:Location", e.Location))
	}
	props = append(props,
		textProp("Calendar:EndTime", eas.FormatCompactDate(start.Add(e.Duration))),
		textProp("Calendar:Sensitivity", "0"),
		textProp("Calendar:BusyStatus", "2"),
		textProp("Calendar:AllDayEvent", "0"),
		textProp("Calendar:Reminder", "15"),
		textProp("Calendar:MeetingStatus", "0"),
	)
	cal, _ := mb.FolderByType(eas.FolderTypeCalendar)
	body := e.Body
	if body == "" {
		body = e.Subject
	}
	_, err := mb.AddItem(cal.ServerID, &Item{Class: "Calendar", Props: props, Body: Body{Plain: body}, Received: now})
	return err
}

// AddContact puts a contact into Contacts.
func AddContact(mb *Mailbox, c ContactSpec, now time.Time) error {
	props := []*wbxml.Node{}
	if c.Email != "" {
		props = append(props, textProp("Contacts:Email1Address", fmt.Sprintf("%q <%s>", c.FirstName+" "+c.LastName, c.Email)))
	}
	props = append(props,
		textProp("Contacts:FileAs", c.LastName+", "+c.FirstName),
		textProp("Contacts:FirstName", c.FirstName),
		textProp("Contacts:LastName", c.LastName),
	)
	if c.Company != "" {
		props = append(props, textProp("Contacts:CompanyName", c.Company))
	}
	if c.Phone != "" {
		props = append(props, textProp("Contacts:BusinessPhoneNumber", c.Phone))
	}
	f, _ := mb.FolderByType(eas.FolderTypeContacts)
	_, err := mb.AddItem(f.ServerID, &Item{Class: "Contacts", Props: props, Received: now})
	return err
}

// AddTask puts a task into Tasks.
func AddTask(mb *Mailbox, t TaskSpec, now time.Time) error {
	due := now.UTC().Truncate(24 * time.Hour).Add(t.Due)
	props := []*wbxml.Node{
		textProp("Tasks:Subject", t.Subject),
		textProp("Tasks:Importance", "1"),
		textProp("Tasks:UtcDueDate", eas.FormatDate(due)),
		textProp("Tasks:DueDate", eas.FormatDate(due)),
		textProp("Tasks:Complete", "0"),
		textProp("Tasks:Sensitivity", "0"),
		textProp("Tasks:ReminderSet", "0"),
	}
	f, _ := mb.FolderByType(eas.FolderTypeTasks)
	_, err := mb.AddItem(f.ServerID, &Item{Class: "Tasks", Props: props, Body: Body{Plain: t.Subject}, Received: now})
	return err
}

// AddNote puts a note into Notes.
func AddNote(mb *Mailbox, n NoteSpec, now time.Time) error {
	props := []*wbxml.Node{
		textProp("Notes:Subject", n.Subject),
		textProp("Notes:MessageClass", "IPM.StickyNote"),
		textProp("Notes:LastModifiedDate", eas.FormatDate(now)),
	}
	f, _ := mb.FolderByType(eas.FolderTypeNotes)
	_, err := mb.AddItem(f.ServerID, &Item{Class: "Notes", Props: props, Body: Body{Plain: n.Body}, Received: now})
	return err
}

func splitName(display string) (first, last string) {
	for i := len(display) - 1; i >= 0; i-- {
		if display[i] == ' ' {
			return display[:i], display[i+1:]
		}
	}
	return display, display
}
