package simulator

import (
	"fmt"
	"time"

	"github.com/emersion/go-message/mail"

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
		if err := seedMailbox(d, mb, now); err != nil {
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

// seedMailbox puts realistic content into every default folder.
func seedMailbox(d *Directory, mb *Mailbox, now time.Time) error {
	owner := mb.Owner()
	me := &mail.Address{Name: owner.DisplayName, Address: owner.PrimarySmtpAddress}
	inbox, _ := mb.FolderByType(FolderInbox)
	mails := []struct {
		from, fromName, subject, plain, html string
		age                                  time.Duration
		read                                 bool
	}{
		{"bob@contoso.com", "Bob Kelly", "Quarterly report draft", "Hi,\r\n\r\nthe draft of the Q3 report is on the share. Comments by Friday please.\r\n\r\nBob", "", 50 * time.Hour, true},
		{"it@contoso.com", "Contoso IT", "Your mobile device and multi-factor authentication", "From Monday, new phones need an approval in the authenticator app before they receive mail.", "<html><body><p>From Monday, new phones need an approval in the <b>authenticator app</b> before they receive mail.</p></body></html>", 26 * time.Hour, false},
		{"katie@fabrikam.com", "Katie Jordan", "Re: Shipping schedule", "The pallets leave Rotterdam on the 28th. Grüße, Katie", "", 5 * time.Hour, false},
		{"alice@contoso.com", "Alice Wilber", "Lunch on Thursday?", "Shall we try the new place on 5th Avenue?", "<html><body>Shall we try the new place on <i>5th Avenue</i>?</body></html>", 40 * time.Minute, false},
	}
	for _, m := range mails {
		raw, err := BuildMail(&mail.Address{Name: m.fromName, Address: m.from}, []*mail.Address{me}, m.subject, m.plain, m.html, now.Add(-m.age))
		if err != nil {
			return err
		}
		parsed, err := ParseMail(raw)
		if err != nil {
			return err
		}
		if _, err := mb.AddItem(inbox.ServerID, EmailItem(parsed, now.Add(-m.age), m.read)); err != nil {
			return err
		}
	}
	t := func(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }
	compact := func(at time.Time) string { return at.UTC().Format("20060102T150405Z") }
	day := now.UTC().Truncate(24 * time.Hour)
	cal, _ := mb.FolderByType(FolderCalendar)
	for i, ev := range []struct {
		subject, location string
		start             time.Duration
		length            time.Duration
	}{
		{"Team stand-up", "Teams", 24*time.Hour + 9*time.Hour, 15 * time.Minute},
		{"Budget review", "Room 4.12", 48*time.Hour + 14*time.Hour, time.Hour},
		{"Dentist", "", 72*time.Hour + 8*time.Hour, 45 * time.Minute},
	} {
		start := day.Add(ev.start)
		props := []*wbxml.Node{
			t("Calendar:Timezone", "xP///wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="),
			t("Calendar:DtStamp", compact(now)),
			t("Calendar:StartTime", compact(start)),
			t("Calendar:Subject", ev.subject),
			t("Calendar:UID", fmt.Sprintf("easlab-%s-%d", owner.Alias, i)),
			t("Calendar:OrganizerName", owner.DisplayName),
			t("Calendar:OrganizerEmail", owner.PrimarySmtpAddress),
		}
		if ev.location != "" {
			props = append(props, t("Calendar:Location", ev.location))
		}
		props = append(props,
			t("Calendar:EndTime", compact(start.Add(ev.length))),
			t("Calendar:Sensitivity", "0"),
			t("Calendar:BusyStatus", "2"),
			t("Calendar:AllDayEvent", "0"),
			t("Calendar:Reminder", "15"),
			t("Calendar:MeetingStatus", "0"),
		)
		if _, err := mb.AddItem(cal.ServerID, &Item{Class: "Calendar", Props: props, Body: Body{Plain: ev.subject}, Received: now}); err != nil {
			return err
		}
	}
	contacts, _ := mb.FolderByType(FolderContacts)
	for _, u := range d.Users() {
		if u.Alias == owner.Alias {
			continue
		}
		first, last := splitName(u.DisplayName)
		props := []*wbxml.Node{
			t("Contacts:Email1Address", fmt.Sprintf("%q <%s>", u.DisplayName, u.PrimarySmtpAddress)),
			t("Contacts:FileAs", last+", "+first),
			t("Contacts:FirstName", first),
			t("Contacts:LastName", last),
			t("Contacts:CompanyName", "Contoso"),
			t("Contacts:BusinessPhoneNumber", "+1 425 555 0100"),
		}
		if _, err := mb.AddItem(contacts.ServerID, &Item{Class: "Contacts", Props: props, Received: now}); err != nil {
			return err
		}
	}
	tasks, _ := mb.FolderByType(FolderTasks)
	for i, subject := range []string{"Renew parking permit", "Send travel expenses"} {
		due := day.Add(time.Duration(7+i*7) * 24 * time.Hour)
		props := []*wbxml.Node{
			t("Tasks:Subject", subject),
			t("Tasks:Importance", "1"),
			t("Tasks:UtcDueDate", due.Format("2006-01-02T15:04:05.000Z")),
			t("Tasks:DueDate", due.Format("2006-01-02T15:04:05.000Z")),
			t("Tasks:Complete", "0"),
			t("Tasks:Sensitivity", "0"),
			t("Tasks:ReminderSet", "0"),
		}
		if _, err := mb.AddItem(tasks.ServerID, &Item{Class: "Tasks", Props: props, Body: Body{Plain: subject}, Received: now}); err != nil {
			return err
		}
	}
	notes, _ := mb.FolderByType(FolderNotes)
	props := []*wbxml.Node{
		t("Notes:Subject", "Wi-Fi at the Seattle office"),
		t("Notes:MessageClass", "IPM.StickyNote"),
		t("Notes:LastModifiedDate", now.UTC().Format("2006-01-02T15:04:05.000Z")),
	}
	_, err := mb.AddItem(notes.ServerID, &Item{Class: "Notes", Props: props, Body: Body{Plain: "SSID Contoso-Guest, ask reception for the code."}, Received: now})
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
