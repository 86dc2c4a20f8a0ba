package simulator

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/easlab/easlab/simulator/admin"
)

// ---- Set-User ----

// setUserParams are the person attributes of Exchange's Set-User that the
// GAL shows (Search and Find results); $null clears one.
type setUserParams struct {
	Identity    admin.String `ps:"mandatory"`
	FirstName   admin.String
	LastName    admin.String
	Office      admin.String
	Title       admin.String
	Company     admin.String
	Phone       admin.String
	HomePhone   admin.String
	MobilePhone admin.String
}

// userAttribute is one attribute Set-User writes: its parameter, the
// longest value Exchange takes (ADOrgPersonSchema's
// StringLengthConstraint), and where it lives in a User.
type userAttribute struct {
	param *admin.String
	max   int
	field func(*User) *string
}

func (p *setUserParams) attributes() []userAttribute {
	return []userAttribute{
		{&p.FirstName, 64, func(u *User) *string { return &u.FirstName }},
		{&p.LastName, 64, func(u *User) *string { return &u.LastName }},
		{&p.Office, 128, func(u *User) *string { return &u.Office }},
		{&p.Title, 128, func(u *User) *string { return &u.Title }},
		{&p.Company, 256, func(u *User) *string { return &u.Company }},
		{&p.Phone, 64, func(u *User) *string { return &u.Phone }},
		{&p.HomePhone, 64, func(u *User) *string { return &u.HomePhone }},
		{&p.MobilePhone, 64, func(u *User) *string { return &u.MobilePhone }},
	}
}

// setUser changes a user's person attributes, as the deployment of the
// Interop suites sets User01's (Set-ADUser there, Set-User's attributes):
// a value longer than the attribute takes is refused with Exchange's
// property-length error before anything is saved; setting nothing new is
// the no-change warning.
func (s *Server) setUser(p *setUserParams) (admin.Output, error) {
	ref, err := s.resolveMailbox(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	u := ref.user
	changed := false
	for _, a := range p.attributes() {
		if !a.param.Set {
			continue
		}
		v := strings.TrimSpace(a.param.V)
		if a.param.Null {
			v = ""
		}
		if n := utf8.RuneCountInString(v); n > a.max {
			return admin.Output{}, &admin.Error{Status: http.StatusBadRequest, Category: "InvalidData",
				Message: fmt.Sprintf("The length of the property is too long. The maximum length is %d and the length of the value provided is %d.", a.max, n)}
		}
		if f := a.field(&u); *f != v {
			*f, changed = v, true
		}
	}
	if !changed {
		return admin.NoOutput(noChangeWarning(mailboxIdentity(&ref.user))), nil
	}
	s.dir.setPerson(ref, u)
	return admin.NoOutput(), nil
}

// setPerson stores the person attributes of u in the directory and the
// mailbox's record.
func (d *Directory) setPerson(ref mailboxRef, u User) {
	copyPerson := func(dst *User) {
		dst.FirstName, dst.LastName, dst.Office, dst.Title = u.FirstName, u.LastName, u.Office, u.Title
		dst.Company, dst.Phone, dst.HomePhone, dst.MobilePhone = u.Company, u.Phone, u.HomePhone, u.MobilePhone
	}
	d.mu.Lock()
	if a := d.users[strings.ToLower(ref.user.Alias)]; a != nil {
		copyPerson(&a.user)
	}
	d.mu.Unlock()
	m := ref.mb
	m.lock()
	copyPerson(&m.owner)
	m.metaGen++
	m.unlock()
}
