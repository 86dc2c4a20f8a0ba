package demo

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/easlab/easlab/simulator"
)

// OrgFile is the YAML form of an organization for `easlab serve --org`:
//
//	organization: {name: Fabrikam, domain: fabrikam.com, netbios: FABRIKAM}
//	users:
//	  - alias: katie
//	    displayName: Katie Jordan
//	    password: Passw0rd!
//	    mail:
//	      - {from: "Bob Kelly <bob@contoso.com>", subject: Hello, body: Hi Katie, age: 2h}
//	    calendar:
//	      - {subject: Review, location: Room 1, in: 33h, duration: 1h}
//	    contacts:
//	      - {firstName: Bob, lastName: Kelly, email: bob@contoso.com}
//	    tasks: [{subject: Expenses, due: 168h}]
//	    notes: [{subject: Wi-Fi, body: ask reception}]
type OrgFile struct {
	Organization struct {
		Name    string `yaml:"name"`
		Domain  string `yaml:"domain"`
		NetBIOS string `yaml:"netbios"`
	} `yaml:"organization"`
	Users []OrgUser `yaml:"users"`
}

// OrgUser is one user of an OrgFile with the content of their mailbox.
type OrgUser struct {
	Alias       string   `yaml:"alias"`
	DisplayName string   `yaml:"displayName"`
	UPN         string   `yaml:"userPrincipalName"`
	SMTP        string   `yaml:"primarySmtpAddress"`
	Password    string   `yaml:"password"`
	RoleGroups  []string `yaml:"roleGroups"` // e.g. [Organization Management]: may use Remote PowerShell
	// Language is the mailbox's language (Get-Mailbox Languages), e.g.
	// de-DE: Exchange writes the mailbox's notices in it.
	Language string    `yaml:"language"`
	Mail     []Mail    `yaml:"mail"`
	Calendar []Event   `yaml:"calendar"`
	Contacts []Contact `yaml:"contacts"`
	Tasks    []Task    `yaml:"tasks"`
	Notes    []Note    `yaml:"notes"`
}

// LoadOrgFile reads an organization from YAML and builds its directory,
// dating content relative to now. Unknown keys are errors, so a typo does
// not silently drop content.
func LoadOrgFile(r io.Reader, now time.Time) (*simulator.Directory, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f OrgFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("organization file: %w", explainYAML(err))
	}
	if len(f.Users) == 0 {
		return nil, fmt.Errorf("organization file: no users: it needs a users: list (each with an alias and a password)")
	}
	o := f.Organization
	if o.Domain == "" {
		return nil, fmt.Errorf("organization file: organization.domain is required")
	}
	if o.Name == "" {
		o.Name = o.Domain
	}
	if o.NetBIOS == "" {
		o.NetBIOS = o.Name
	}
	d := simulator.NewDirectory(simulator.Organization{Name: o.Name, Domain: o.Domain, NetBIOS: o.NetBIOS})
	for i, u := range f.Users {
		if u.Password == "" {
			return nil, fmt.Errorf("organization file: user %d (%s) has no password", i+1, u.Alias)
		}
		var langs []string
		if u.Language != "" {
			c, ok := simulator.CanonicalCulture(u.Language)
			if !ok {
				return nil, fmt.Errorf("organization file: user %s: language %q is not a culture name such as de-DE", u.Alias, u.Language)
			}
			langs = []string{c}
		}
		mb := simulator.NewMailbox()
		if err := d.AddUser(simulator.User{Alias: u.Alias, DisplayName: u.DisplayName, UserPrincipalName: u.UPN, PrimarySmtpAddress: u.SMTP, Password: u.Password, RoleGroups: u.RoleGroups, Languages: langs}, mb); err != nil {
			return nil, fmt.Errorf("organization file: %w", err)
		}
		if err := fillMailbox(mb, u, now); err != nil {
			return nil, fmt.Errorf("organization file: user %s: %w", u.Alias, err)
		}
	}
	return d, nil
}

func fillMailbox(mb *simulator.Mailbox, u OrgUser, now time.Time) error {
	for _, m := range u.Mail {
		if err := AddMail(mb, m, now); err != nil {
			return err
		}
	}
	for _, e := range u.Calendar {
		if err := AddEvent(mb, e, now); err != nil {
			return err
		}
	}
	for _, c := range u.Contacts {
		if err := AddContact(mb, c, now); err != nil {
			return err
		}
	}
	for _, t := range u.Tasks {
		if err := AddTask(mb, t, now); err != nil {
			return err
		}
	}
	for _, n := range u.Notes {
		if err := AddNote(mb, n, now); err != nil {
			return err
		}
	}
	return nil
}

// unknownField is yaml.v3's message for a field its type does not have.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type demo\.(\w+)$`)

// explainYAML rewords the decoder's errors for a person writing the file:
// an empty file, and unknown fields with the ones that part takes.
func explainYAML(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("the file is empty: it needs an organization: {domain: ...} and a users: list")
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	lines := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		m := unknownField.FindStringSubmatch(e)
		if m == nil {
			lines = append(lines, e)
			continue
		}
		part, fields := describeType(m[3])
		lines = append(lines, fmt.Sprintf("line %s: unknown field %q in %s (its fields: %s)", m[1], m[2], part, strings.Join(fields, ", ")))
	}
	return errors.New(strings.Join(lines, "; "))
}

// describeType names a part of the file by its Go type, with the fields
// it takes.
func describeType(name string) (string, []string) {
	var v any
	part := name
	switch name {
	case "OrgFile":
		v, part = OrgFile{}, "the file"
	case "OrgUser":
		v, part = OrgUser{}, "a user"
	case "Mail":
		v, part = Mail{}, "a mail"
	case "Event":
		v, part = Event{}, "a calendar event"
	case "Contact":
		v, part = Contact{}, "a contact"
	case "Task":
		v, part = Task{}, "a task"
	case "Note":
		v, part = Note{}, "a note"
	default:
		return part, nil
	}
	var fields []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields = append(fields, tag)
		}
	}
	return part, fields
}
