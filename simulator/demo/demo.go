package demo

import (
	"fmt"
	"time"

	"github.com/easlab/easlab/simulator"
)

// Password is the password of the demo organization's users.
const Password = "Passw0rd!"

// User describes one user of the demo organization.
type User struct {
	Alias, DisplayName string
	RoleGroups         []string
}

// Users are the demo organization's named users.
var Users = []User{
	{"alice", "Alice Wilber", nil},
	{"bob", "Bob Kelly", nil},
	{"admin", "Administrator", []string{"Organization Management"}},
}

// Organization is contoso.com, as in Microsoft's own examples.
var Organization = simulator.Organization{Name: "Contoso", Domain: "contoso.com", NetBIOS: "CONTOSO"}

// NewDirectory returns the demo organization: the Users with password
// ("" means Password), each mailbox seeded with mail, calendar, contacts,
// tasks and notes dated relative to now, plus extra users user00001...
// (no content) for load tests. now is the time of the clock the server
// will run on, so that the content is dated in the server's time.
func NewDirectory(password string, extra int, now time.Time) (*simulator.Directory, error) {
	if password == "" {
		password = Password
	}
	d := simulator.NewDirectory(Organization)
	var seeded []*simulator.Mailbox
	for _, u := range Users {
		mb := simulator.NewMailbox()
		if err := d.AddUser(simulator.User{Alias: u.Alias, DisplayName: u.DisplayName, Password: password, RoleGroups: u.RoleGroups}, mb); err != nil {
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
		if err := d.AddUser(simulator.User{Alias: alias, DisplayName: fmt.Sprintf("User %05d", i), Password: password}, simulator.NewMailbox()); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// content is what every demo mailbox holds.
var content = struct {
	mail   []Mail
	events []Event
	tasks  []Task
	notes  []Note
}{
	mail: []Mail{
		{From: "Bob Kelly <bob@contoso.com>", Subject: "Quarterly report draft", Body: "Hi,\r\n\r\nthe draft of the Q3 report is on the share. Comments by Friday please.\r\n\r\nBob", Age: 50 * time.Hour, Read: true},
		{From: "Contoso IT <it@contoso.com>", Subject: "Your mobile device and multi-factor authentication", Body: "From Monday, new phones need an approval in the authenticator app before they receive mail.", HTML: "<html><body><p>From Monday, new phones need an approval in the <b>authenticator app</b> before they receive mail.</p></body></html>", Age: 26 * time.Hour},
		{From: "Katie Jordan <katie@fabrikam.com>", Subject: "Re: Shipping schedule", Body: "The pallets leave Rotterdam on the 28th. Grüße, Katie", Age: 5 * time.Hour},
		{From: "Alice Wilber <alice@contoso.com>", Subject: "Lunch on Thursday?", Body: "Shall we try the new place on 5th Avenue?", HTML: "<html><body>Shall we try the new place on <i>5th Avenue</i>?</body></html>", Age: 40 * time.Minute},
	},
	events: []Event{
		{Subject: "Team stand-up", Location: "Teams", In: 33 * time.Hour, Duration: 15 * time.Minute},
		{Subject: "Budget review", Location: "Room 4.12", In: 62 * time.Hour, Duration: time.Hour},
		{Subject: "Dentist", In: 80 * time.Hour, Duration: 45 * time.Minute},
	},
	tasks: []Task{{Subject: "Renew parking permit", Due: 7 * 24 * time.Hour}, {Subject: "Send travel expenses", Due: 14 * 24 * time.Hour}},
	notes: []Note{{Subject: "Wi-Fi at the Seattle office", Body: "SSID Contoso-Guest, ask reception for the code."}},
}

// seedMailbox fills a demo mailbox; its contacts are the other users.
func seedMailbox(d *simulator.Directory, mb *simulator.Mailbox, now time.Time) error {
	c := content
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
		if err := AddContact(mb, Contact{FirstName: first, LastName: last, Email: u.PrimarySmtpAddress, Company: d.Org.Name, Phone: "+1 425 555 0100"}, now); err != nil {
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

func splitName(display string) (first, last string) {
	for i := len(display) - 1; i >= 0; i-- {
		if display[i] == ' ' {
			return display[:i], display[i+1:]
		}
	}
	return display, display
}
