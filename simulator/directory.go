package simulator

import (
	"crypto/subtle"
	"fmt"
	"github.com/easlab/easlab/simulator/access"
	"sort"
	"strings"
	"sync"
	"time"
)

// Organization is the Exchange organization the simulator plays.
type Organization struct {
	Name    string // display name, e.g. "Contoso"
	Domain  string // accepted domain, e.g. "contoso.com"
	NetBIOS string // pre-Windows 2000 domain name, e.g. "CONTOSO"
}

// User is a mailbox-enabled user of the directory, named as Get-Mailbox
// names its properties.
type User struct {
	DisplayName        string
	Alias              string // e.g. "alice"
	UserPrincipalName  string // e.g. "alice@contoso.com"
	PrimarySmtpAddress string // e.g. "alice@contoso.com"
	Password           string
	// RoleGroups are the Exchange role groups the user is a member of
	// ("Organization Management"); a user with none cannot open Remote
	// PowerShell (remotepowershell.go).
	RoleGroups []string `json:",omitempty"`
	// Languages are the mailbox's preferred cultures, as Get-Mailbox and
	// Set-Mailbox -Languages name them ("de-DE"): the first is the one
	// Exchange writes the mailbox's notices in (notice.Device.Language).
	// Empty: the server's language.
	Languages []string `json:",omitempty"`
	// The person's directory attributes, as Set-User writes them and GAL
	// results show them (Exchange's ADOrgPerson properties); empty: not
	// set. Without FirstName and LastName the GAL splits the display
	// name; without Company it shows the organization's name.
	FirstName   string `json:",omitempty"`
	LastName    string `json:",omitempty"`
	Office      string `json:",omitempty"`
	Title       string `json:",omitempty"`
	Company     string `json:",omitempty"`
	Phone       string `json:",omitempty"`
	HomePhone   string `json:",omitempty"`
	MobilePhone string `json:",omitempty"`
}

// galNames are the first and last name the GAL shows for u: its
// FirstName and LastName when either is set, else its display name's
// first word and the rest.
func (u User) galNames() (first, last string) {
	if u.FirstName != "" || u.LastName != "" {
		return u.FirstName, u.LastName
	}
	return galSplitName(u.DisplayName)
}

// Directory holds the organization's users and their mailboxes. Lookups are
// case-insensitive, as Active Directory's are.
type Directory struct {
	Org Organization

	mu        sync.RWMutex
	users     map[string]*account // by lower-case alias
	by        map[string]*account // by lower-case UPN, SMTP and alias
	settings  OrganizationSettings
	rules     []access.Rule
	events    *EventLog
	names     *interner                   // the strings its partnerships share
	policies  []MobileDeviceMailboxPolicy // nil: only the Default policy
	autoblock map[access.Reason]AutoblockThreshold
	store     *writer       // nil: the state lives in memory only
	savedOrg  []byte        // the organization record last written
	writeErr  error         // the last write of the organization failed
	warmed    chan struct{} // closed once every restored mailbox is decoded (OpenDirectory)
}

// account is a user and the mailbox they own.
type account struct {
	user    User
	mailbox *Mailbox
}

// NewDirectory returns an empty directory of org.
func NewDirectory(org Organization) *Directory {
	return &Directory{Org: org, users: map[string]*account{}, by: map[string]*account{}, events: newEventLog(), names: &interner{}}
}

// AddUser adds a user and creates their mailbox with the default folders.
func (d *Directory) AddUser(u User, mb *Mailbox) error {
	if u.Alias == "" {
		return fmt.Errorf("simulator: user %q has no alias", u.DisplayName)
	}
	if u.UserPrincipalName == "" {
		u.UserPrincipalName = u.Alias + "@" + d.Org.Domain
	}
	if u.PrimarySmtpAddress == "" {
		u.PrimarySmtpAddress = u.Alias + "@" + d.Org.Domain
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Alias
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	keys := []string{strings.ToLower(u.Alias), strings.ToLower(u.UserPrincipalName), strings.ToLower(u.PrimarySmtpAddress)}
	for _, k := range keys {
		if _, dup := d.by[k]; dup {
			return fmt.Errorf("simulator: %q is already used by another user", k)
		}
	}
	a := &account{user: u, mailbox: mb}
	mb.owner = u
	mb.events = d.events
	mb.names = d.names
	mb.now = func() time.Time { return d.events.now() }
	d.users[keys[0]] = a
	for _, k := range keys {
		d.by[k] = a
	}
	if d.store != nil {
		// A new mailbox of a directory kept in a store is written whole
		// (its lock is free: nobody else has it yet).
		mb.store = d.store
		mb.mu.Lock()
		err := mb.flushLocked(true)
		mb.mu.Unlock()
		return err
	}
	return nil
}

// lookup finds an account by alias, UPN, SMTP address or DOMAIN\alias.
func (d *Directory) lookup(name string) *account {
	name = strings.ToLower(strings.TrimSpace(name))
	if dom, alias, ok := strings.Cut(name, `\`); ok {
		if !strings.EqualFold(dom, d.Org.NetBIOS) && !strings.EqualFold(dom, d.Org.Domain) {
			return nil
		}
		name = alias
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.by[name]
}

// Authenticate checks Basic credentials as Exchange accepts them: the user
// may be given as a UPN, DOMAIN\alias or a bare alias (and, as on most
// deployments, the primary SMTP address).
func (d *Directory) Authenticate(name, password string) (User, *Mailbox, bool) {
	a := d.lookup(name)
	if a == nil {
		// Compare anyway, so that unknown and known users take alike.
		subtle.ConstantTimeCompare([]byte(password), []byte(password+"x"))
		return User{}, nil, false
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(a.user.Password)) != 1 {
		return User{}, nil, false
	}
	return a.user, a.mailbox, true
}

// Resolve finds a user by SMTP address, UPN, alias or DOMAIN\alias.
func (d *Directory) Resolve(name string) (User, *Mailbox, bool) {
	a := d.lookup(strings.Trim(name, "<> "))
	if a == nil {
		return User{}, nil, false
	}
	return a.user, a.mailbox, true
}

// AdminAccount is the user an agent opens Remote PowerShell as (what
// `easlab serve` prints and `easlab test` passes as EASLAB_ADMIN_USER):
// "admin" if that user is in a role group, else the first user (by alias)
// who is. ok is false when nobody is in a role group.
func (d *Directory) AdminAccount() (u User, ok bool) {
	for _, c := range d.Users() {
		if len(c.RoleGroups) == 0 {
			continue
		}
		if strings.EqualFold(c.Alias, "admin") {
			return c, true
		}
		if !ok {
			u, ok = c, true
		}
	}
	return u, ok
}

// Users returns every user, sorted by alias.
func (d *Directory) Users() []User {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]User, 0, len(d.users))
	for _, a := range d.users {
		out = append(out, a.user)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out
}
