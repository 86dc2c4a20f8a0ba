package simulator

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/easlab/easlab/simulator/admin"
)

// ---- Set-Mailbox ----

type setMailboxParams struct {
	Identity admin.String `ps:"mandatory"`
	// Languages is Exchange's MultiValuedProperty<CultureInfo>: the
	// mailbox's preferred cultures, the first the one its notices are
	// written in (S1 ABQMailHelper: MailboxSession.PreferedCulture).
	// "-Language" binds to it by PowerShell's unambiguous prefix.
	Languages admin.Multi
}

// cultureName is the shape of a .NET culture name: a two- or
// three-letter language, then subtags ("de", "de-DE", "sr-Latn-RS").
var cultureName = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// CanonicalCulture writes a culture name as .NET does ("de-de" is
// "de-DE"): the language lower case, a two-letter region upper case, a
// four-letter script title case. It reports false for what is not shaped
// like a culture name.
func CanonicalCulture(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !cultureName.MatchString(s) {
		return "", false
	}
	parts := strings.Split(s, "-")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		switch len(parts[i]) {
		case 2:
			parts[i] = strings.ToUpper(parts[i])
		case 4:
			parts[i] = strings.ToUpper(parts[i][:1]) + strings.ToLower(parts[i][1:])
		}
	}
	return strings.Join(parts, "-"), true
}

// setMailbox changes the mailbox properties easlab models: Languages.
func (s *Server) setMailbox(p *setMailboxParams) (admin.Output, error) {
	ref, err := s.resolveMailbox(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	if !p.Languages.Set {
		return admin.NoOutput(noChangeWarning(mailboxIdentity(&ref.user))), nil
	}
	for _, vs := range [][]string{p.Languages.Replace, p.Languages.Add, p.Languages.Remove} {
		for i, v := range vs {
			c, ok := CanonicalCulture(v)
			if !ok {
				// .NET's CultureNotFoundException, as the binder reports it.
				return admin.Output{}, &admin.Error{Status: http.StatusBadRequest, Category: "InvalidData",
					Message: fmt.Sprintf("Cannot process argument transformation on parameter 'Languages'. Culture is not supported. Parameter name: name %s is an invalid culture identifier.", v)}
			}
			vs[i] = c
		}
	}
	langs := dedupFold(p.Languages.Apply(ref.user.Languages))
	if slices.Equal(langs, ref.user.Languages) {
		return admin.NoOutput(noChangeWarning(mailboxIdentity(&ref.user))), nil
	}
	s.dir.setLanguages(ref, langs)
	return admin.NoOutput(), nil
}

// dedupFold drops repeated values, ignoring case, keeping the first.
func dedupFold(vs []string) []string {
	var out []string
	for _, v := range vs {
		dup := false
		for _, o := range out {
			dup = dup || strings.EqualFold(o, v)
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// setLanguages stores a mailbox's Languages in the directory and the
// mailbox's record.
func (d *Directory) setLanguages(ref mailboxRef, langs []string) {
	d.mu.Lock()
	if a := d.users[strings.ToLower(ref.user.Alias)]; a != nil {
		a.user.Languages = langs
	}
	d.mu.Unlock()
	m := ref.mb
	m.lock()
	m.owner.Languages = append([]string(nil), langs...)
	m.metaGen++
	m.unlock()
}
