package simulator

import (
	"slices"
	"strings"

	"github.com/easlab/easlab/simulator/admin"
)

// The identities of directory objects as Exchange's cmdlets show and
// accept them: a device partnership's Identity and DistinguishedName, and
// MobileDeviceIdParameter, the lookup of -Identity of the MobileDevice
// cmdlets.

// IdentityStyle is how the admin plane writes an object's Identity.
// Exchange shows an object's ADObjectId.ToString(): the canonical name of
// an object outside a tenant, and for a tenant's object the path below the
// tenant's organizational unit, joined with backslashes (Exchange 2013
// CU23 ADObjectId.ToString: ResolveDomainNCToString, or
// BuildHierarchicalIdentity when IsTenantId).
type IdentityStyle int

const (
	// IdentityOnPremises is Exchange Server's form, the canonical name:
	// "contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§ApplF17XY2ZZ".
	// It is the default.
	IdentityOnPremises IdentityStyle = iota
	// IdentityExchangeOnline is a tenant's form, the path below the
	// tenant's organizational unit, where the user object is named by the
	// mailbox's Name (here the alias):
	// "alice\ExchangeActiveSyncDevices\iPhone§ApplF17XY2ZZ"
	// (exchange-admin.md 2.4: "<Mailbox name>\ExchangeActiveSyncDevices\<DeviceType>§<DeviceId>").
	IdentityExchangeOnline
)

// hostedOrganizations is the container of the tenants' organizational
// units in Exchange Online's directory.
const hostedOrganizations = "Microsoft Exchange Hosted Organizations"

// userCN is the name of the user's AD object, its Name: on premises the
// display name, as Active Directory Users and Computers and the Exchange
// admin center name a new user; in a tenant, the alias.
func (s *Server) userCN(u *User) string {
	if s.opts.IdentityStyle == IdentityExchangeOnline || u.DisplayName == "" {
		return u.Alias
	}
	return u.DisplayName
}

// canonicalName is the user's AD canonical name, which Exchange shows as a
// device's UserDisplayName ("contoso.com/Users/Alice Wilber").
func (s *Server) canonicalName(u *User) string {
	if s.opts.IdentityStyle == IdentityExchangeOnline {
		return s.dir.Org.Domain + "/" + hostedOrganizations + "/" + s.dir.Org.Domain + "/" + escapeCanonical(s.userCN(u))
	}
	return s.dir.Org.Domain + "/Users/" + escapeCanonical(s.userCN(u))
}

// userDN is the user's distinguished name.
func (s *Server) userDN(u *User) string {
	if s.opts.IdentityStyle == IdentityExchangeOnline {
		return "CN=" + escapeRDN(s.userCN(u)) + ",OU=" + escapeRDN(s.dir.Org.Domain) + ",OU=" + hostedOrganizations + "," + s.dcPart()
	}
	return "CN=" + escapeRDN(s.userCN(u)) + ",CN=Users," + s.dcPart()
}

// deviceName is a device's Name: "<DeviceType>§<DeviceId>".
func deviceName(d *Device) string { return d.DeviceType + "§" + d.DeviceID }

// deviceContainer is the container of a user's partnerships, below the
// user's object (exchange-admin.md 2.4).
const deviceContainer = "ExchangeActiveSyncDevices"

// deviceDN is a partnership's DistinguishedName.
func (s *Server) deviceDN(u *User, d *Device) string {
	return "CN=" + escapeRDN(deviceName(d)) + ",CN=" + deviceContainer + "," + s.userDN(u)
}

// deviceCanonicalName is a partnership's canonical name.
func (s *Server) deviceCanonicalName(u *User, d *Device) string {
	return s.canonicalName(u) + "/" + deviceContainer + "/" + escapeCanonical(deviceName(d))
}

// deviceIdentity is the Identity Get-MobileDevice and
// Get-MobileDeviceStatistics show for a partnership, in the server's
// IdentityStyle.
func (s *Server) deviceIdentity(u *User, d *Device) string {
	if s.opts.IdentityStyle == IdentityExchangeOnline {
		return s.userCN(u) + `\` + deviceContainer + `\` + deviceName(d)
	}
	return s.deviceCanonicalName(u, d)
}

// escapeRDN escapes an attribute value of a distinguished name (RFC 4514).
func escapeRDN(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, r),
			r == '#' && i == 0,
			r == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// escapeCanonical escapes a name in a canonical name, where "/" separates
// the names.
func escapeCanonical(v string) string {
	return strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "/", `\/`)
}

// looksLikeDN says whether s has the form of a distinguished name,
// "attr=value,attr=value,...", as ADObjectId.TryParseDnOrGuid reads one.
func looksLikeDN(s string) bool {
	for _, rdn := range splitDN(s) {
		attr, value, ok := strings.Cut(rdn, "=")
		if !ok || strings.TrimSpace(attr) == "" || strings.TrimSpace(value) == "" {
			return false
		}
		for _, c := range strings.TrimSpace(attr) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				return false
			}
		}
	}
	return s != ""
}

// splitDN splits a distinguished name at its unescaped commas.
func splitDN(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// normalizeDN trims the spaces around each RDN's attribute and value, so
// that "CN=a, CN=b" and "CN=a,CN=b" compare equal.
func normalizeDN(s string) string {
	parts := splitDN(s)
	for i, rdn := range parts {
		attr, value, _ := strings.Cut(rdn, "=")
		parts[i] = strings.TrimSpace(attr) + "=" + strings.TrimSpace(value)
	}
	return strings.Join(parts, ",")
}

// wildcardMatch reports whether name matches pattern, which has a "*" at
// its start, its end or both, ignoring case (ADIdParameter.CreateWildcardFilter:
// a prefix, suffix or substring match).
func wildcardMatch(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	switch {
	case len(p) > 2 && strings.HasPrefix(p, "*") && strings.HasSuffix(p, "*"):
		return strings.Contains(n, p[1:len(p)-1])
	case strings.HasSuffix(p, "*"):
		return strings.HasPrefix(n, p[:len(p)-1])
	case strings.HasPrefix(p, "*"):
		return strings.HasSuffix(n, p[1:])
	}
	return false
}

// resolveDevices finds the partnerships an -Identity of the MobileDevice
// cmdlets names, as Exchange's MobileDeviceIdParameter does (Exchange 2013
// CU23 MobileDeviceIdParameter.GetObjects over ADIdParameter): first an
// exact match on the object's GUID, distinguished name or canonical name;
// failing that, "<user>\<anything>\<name>": the partnerships whose Name
// ("<DeviceType>§<DeviceId>") is <name>, ignoring case (with "*" at its
// start or end, as a wildcard, when nothing matches exactly), below the
// user object whose Name is <user>. Nothing else is an identity: a bare
// DeviceId or Name, an alias or address before the backslash, or a
// DOMAIN\user prefix match nothing, as on Exchange, whose error says the
// object couldn't be found (Microsoft's Get-MobileDevice documentation
// lists the identities: "<Mailbox Name>\ExchangeActiveSyncDevices\<Name>",
// the distinguished name and the GUID). The error is Exchange's
// ManagementObjectNotFoundException; its wording is UNCONFIRMED: Exchange's
// task words it with MobileDeviceIdParameter's not-found reason, the
// resource WrongActiveSyncDeviceIdParameter, whose text the sources here
// lack, so easlab writes the generic "The operation couldn't be performed
// because object '...' couldn't be found on '<DC>'."
func (s *Server) resolveDevices(identity string) ([]deviceRef, error) {
	id := strings.TrimSpace(identity)
	var match func(u *User, d *Device) bool
	var fallback func(u *User, d *Device) bool
	switch guid := parseGuid(id); {
	case id == "":
	case guid != "":
		match = func(u *User, d *Device) bool { return deviceGuid(u, d) == guid }
	case looksLikeDN(id):
		dn := normalizeDN(id)
		match = func(u *User, d *Device) bool { return strings.EqualFold(dn, s.deviceDN(u, d)) }
	case strings.Contains(id, "/"):
		match = func(u *User, d *Device) bool { return strings.EqualFold(id, s.deviceCanonicalName(u, d)) }
	default:
		parts := strings.Split(id, `\`)
		if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
			break
		}
		user, name := parts[0], parts[2]
		match = func(u *User, d *Device) bool {
			return strings.EqualFold(s.userCN(u), user) && strings.EqualFold(deviceName(d), name)
		}
		if strings.Contains(name, "*") {
			fallback = func(u *User, d *Device) bool {
				return strings.EqualFold(s.userCN(u), user) && wildcardMatch(name, deviceName(d))
			}
		}
	}
	found := s.findDevices(match)
	if len(found) == 0 && fallback != nil {
		found = s.findDevices(fallback)
	}
	if len(found) == 0 {
		return nil, s.errNotFound(identity)
	}
	return found, nil
}

// findDevices returns the partnerships match accepts, by mailbox alias
// then DeviceId; none for a nil match.
func (s *Server) findDevices(match func(u *User, d *Device) bool) []deviceRef {
	if match == nil {
		return nil
	}
	var found []deviceRef
	for _, ref := range s.dir.mailboxRefs() {
		start := len(found)
		ref.mb.lock()
		for k, d := range ref.mb.devices {
			if match(&ref.user, d) {
				found = append(found, deviceRef{ref, k})
			}
		}
		ref.mb.unlock()
		slices.SortFunc(found[start:], func(a, b deviceRef) int { return strings.Compare(a.key, b.key) })
	}
	return found
}

// resolveDevice finds the one partnership an -Identity names, for the
// cmdlets that change one (Remove-, Clear-MobileDevice): an identity that
// matches several is ManagementObjectAmbiguous.
func (s *Server) resolveDevice(identity string) (deviceRef, error) {
	found, err := s.resolveDevices(identity)
	if err != nil {
		return deviceRef{}, err
	}
	if len(found) > 1 {
		return deviceRef{}, admin.Ambiguous(identity)
	}
	return found[0], nil
}
