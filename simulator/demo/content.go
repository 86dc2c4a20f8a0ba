package demo

import (
	"fmt"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/wbxml"
)

// Mail describes a message to put into a mailbox. It is also the
// `mail:` entry of an organization file.
type Mail struct {
	From    string        `yaml:"from"` // "Name <address>" or an address
	Subject string        `yaml:"subject"`
	Body    string        `yaml:"body"`
	HTML    string        `yaml:"html"`
	Age     time.Duration `yaml:"age"`    // how long ago it arrived
	Read    bool          `yaml:"read"`   // already read
	Folder  string        `yaml:"folder"` // display name; "" is the Inbox
}

// Event describes an appointment of the Calendar.
type Event struct {
	Subject  string        `yaml:"subject"`
	Location string        `yaml:"location"`
	In       time.Duration `yaml:"in"` // start, relative to today 00:00 UTC
	Duration time.Duration `yaml:"duration"`
	Body     string        `yaml:"body"`
}

// Contact describes a contact of the Contacts folder.
type Contact struct {
	FirstName string `yaml:"firstName"`
	LastName  string `yaml:"lastName"`
	Email     string `yaml:"email"`
	Company   string `yaml:"company"`
	Phone     string `yaml:"phone"`
}

// Task describes a task.
type Task struct {
	Subject string        `yaml:"subject"`
	Due     time.Duration `yaml:"due"` // relative to today 00:00 UTC
}

// Note describes a note.
type Note struct {
	Subject string `yaml:"subject"`
	Body    string `yaml:"body"`
}

// textProp is a property of an item: the text v in the element q
// ("Calendar:Subject"), which must be a tag of the code pages.
func textProp(q, v string) *wbxml.Node {
	t := wbxml.LookupQualified(q)
	if t == nil {
		panic("demo: unknown tag " + q)
	}
	return wbxml.NewText(t, v)
}

// AddMail builds a real MIME message from m and puts it into the folder m
// names (the Inbox by default) as if it had arrived m.Age before now.
func AddMail(mb *simulator.Mailbox, m Mail, now time.Time) error {
	from, err := simulator.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("mail %q: from: %w", m.Subject, err)
	}
	owner := mb.Owner()
	at := now.Add(-m.Age)
	raw, err := simulator.BuildMail(from, []*simulator.MailAddress{{Name: owner.DisplayName, Address: owner.PrimarySmtpAddress}}, m.Subject, m.Body, m.HTML, at)
	if err != nil {
		return err
	}
	parsed, err := simulator.ParseMail(raw)
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
	_, err = mb.AddItem(folder.ServerID, simulator.EmailItem(parsed, at, m.Read))
	return err
}

// AddEvent puts an appointment into the Calendar.
func AddEvent(mb *simulator.Mailbox, e Event, now time.Time) error {
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
	_, err := mb.AddItem(cal.ServerID, &simulator.Item{Class: "Calendar", Props: props, Body: simulator.Body{Plain: body}, Received: now})
	return err
}

// AddContact puts a contact into Contacts.
func AddContact(mb *simulator.Mailbox, c Contact, now time.Time) error {
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
	_, err := mb.AddItem(f.ServerID, &simulator.Item{Class: "Contacts", Props: props, Received: now})
	return err
}

// AddTask puts a task into Tasks.
func AddTask(mb *simulator.Mailbox, t Task, now time.Time) error {
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
	_, err := mb.AddItem(f.ServerID, &simulator.Item{Class: "Tasks", Props: props, Body: simulator.Body{Plain: t.Subject}, Received: now})
	return err
}

// AddNote puts a note into Notes.
func AddNote(mb *simulator.Mailbox, n Note, now time.Time) error {
	props := []*wbxml.Node{
		textProp("Notes:Subject", n.Subject),
		textProp("Notes:MessageClass", "IPM.StickyNote"),
		textProp("Notes:LastModifiedDate", eas.FormatDate(now)),
	}
	f, _ := mb.FolderByType(eas.FolderTypeNotes)
	_, err := mb.AddItem(f.ServerID, &simulator.Item{Class: "Notes", Props: props, Body: simulator.Body{Plain: n.Body}, Received: now})
	return err
}
