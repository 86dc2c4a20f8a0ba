package eas

import (
	"fmt"
	"slices"
	"strings"

	"github.com/easlab/easlab/wbxml"
)

// ProtocolVersion is an EAS protocol version. Its value is the version times
// ten, which is also its byte in the base64 query form: 121 is 12.1. The zero
// value means no version.
type ProtocolVersion uint8

// The protocol versions this package knows, oldest first.
const (
	Version25  ProtocolVersion = 25
	Version120 ProtocolVersion = 120
	Version121 ProtocolVersion = 121
	Version140 ProtocolVersion = 140
	Version141 ProtocolVersion = 141
	Version160 ProtocolVersion = 160
	Version161 ProtocolVersion = 161
)

// ProtocolVersions returns every known protocol version, oldest first.
func ProtocolVersions() []ProtocolVersion {
	return []ProtocolVersion{Version25, Version120, Version121, Version140, Version141, Version160, Version161}
}

// ParseProtocolVersion parses the value of the MS-ASProtocolVersion header.
// Like Exchange, it accepts only the exact strings "2.5", "12.0", ... "16.1":
// no spaces, no "14.10". The legacy versions 1.0, 2.0 and 2.1, which Exchange
// still advertises, are reported as unsupported.
func ParseProtocolVersion(s string) (ProtocolVersion, error) {
	for v, name := range versionNames {
		if name == s {
			return v, nil
		}
	}
	if s == "" {
		return 0, fmt.Errorf("eas: empty protocol version")
	}
	return 0, fmt.Errorf("eas: unsupported protocol version %q", s)
}

// ProtocolVersionFromByte returns the version whose base64-query byte is b
// (121 = 12.1, 140 = 14.0, 161 = 16.1, ...). It reports false for any other
// byte. Whether the base64 form may carry that version is
// [ProtocolVersion.Base64Allowed].
func ProtocolVersionFromByte(b byte) (ProtocolVersion, bool) {
	v := ProtocolVersion(b)
	return v, v.Valid()
}

// Valid reports whether v is one of the known versions.
func (v ProtocolVersion) Valid() bool {
	switch v {
	case Version25, Version120, Version121, Version140, Version141, Version160, Version161:
		return true
	}
	return false
}

// String returns the version as the MS-ASProtocolVersion header writes it,
// e.g. "14.1"; an unknown value prints as "ProtocolVersion(99)".
func (v ProtocolVersion) String() string {
	if !v.Valid() {
		return fmt.Sprintf("ProtocolVersion(%d)", uint8(v))
	}
	if s, ok := versionNames[v]; ok {
		return s
	}
	return fmt.Sprintf("%d.%d", v/10, v%10)
}

// versionNames are the known versions' strings, so that String, which
// every request calls, does not format.
var versionNames = func() map[ProtocolVersion]string {
	m := map[ProtocolVersion]string{}
	for _, v := range ProtocolVersions() {
		m[v] = fmt.Sprintf("%d.%d", v/10, v%10)
	}
	return m
}()

// Byte returns the version's byte in the base64 query form.
func (v ProtocolVersion) Byte() byte { return byte(v) }

// AtLeast reports whether v is w or later. The zero version is before every
// known version.
func (v ProtocolVersion) AtLeast(w ProtocolVersion) bool { return v >= w }

// Base64Allowed reports whether a request of version v may use the base64
// query form: MS-ASHTTP allows it from 12.1 on; 2.5 and 12.0 must use the
// plain form.
func (v ProtocolVersion) Base64Allowed() bool { return v.Valid() && v >= Version121 }

// WBXML returns v as the wbxml package's version bit, for looking up which
// tags v defines. It returns 0 for an unknown version.
func (v ProtocolVersion) WBXML() wbxml.Version {
	switch v {
	case Version25:
		return wbxml.V25
	case Version120:
		return wbxml.V120
	case Version121:
		return wbxml.V121
	case Version140:
		return wbxml.V140
	case Version141:
		return wbxml.V141
	case Version160:
		return wbxml.V160
	case Version161:
		return wbxml.V161
	}
	return 0
}

// ServerProfile is what one Exchange release sends in the headers of its
// OPTIONS response (MS-ASHTTP 3.1.5.1, protocol.md 1.7), token for token.
// The version and command lists are kept as sent, including the legacy
// versions 2.0 and 2.1 and the legacy commands GetHierarchy,
// CreateCollection, DeleteCollection and MoveCollection.
type ServerProfile struct {
	// Name identifies the profile, e.g. "Exchange2019".
	Name string
	// ServerVersion is the MS-Server-ActiveSync header value.
	ServerVersion string
	// ProtocolVersions lists the MS-ASProtocolVersions tokens in order.
	ProtocolVersions []string
	// ProtocolCommands lists the MS-ASProtocolCommands tokens in order.
	ProtocolCommands []string
}

// The profile names.
const (
	ProfileExchange2010SP3 = "Exchange2010SP3"
	ProfileExchange2013    = "Exchange2013"
	ProfileExchange2016    = "Exchange2016"
	ProfileExchange2019    = "Exchange2019"
)

// Profiles returns the known server profiles, oldest release first. Each call
// returns fresh slices, so callers may change them.
func Profiles() []ServerProfile {
	// Exchange 2010 to 2013 advertise these 23 commands (MS-ASHTTP's example
	// value; Exchange 2013 CU23 Constants.ProtocolCommandsHeaderValue).
	commands := func() []string {
		return []string{
			"Sync", "SendMail", "SmartForward", "SmartReply", "GetAttachment",
			"GetHierarchy", "CreateCollection", "DeleteCollection", "MoveCollection",
			"FolderSync", "FolderCreate", "FolderDelete", "FolderUpdate", "MoveItems",
			"GetItemEstimate", "MeetingResponse", "Search", "Settings", "Ping",
			"ItemOperations", "Provision", "ResolveRecipients", "ValidateCert",
		}
	}
	v141 := func() []string {
		return []string{"2.0", "2.1", "2.5", "12.0", "12.1", "14.0", "14.1"}
	}
	v161 := func() []string { return append(v141(), "16.0", "16.1") }
	return []ServerProfile{
		{
			// "14.3" and this version list were captured from an Exchange
			// 2010 SP3 server (protocol.md 1.7).
			Name:             ProfileExchange2010SP3,
			ServerVersion:    "14.3",
			ProtocolVersions: v141(),
			ProtocolCommands: commands(),
		},
		{
			// Exchange 2013's handler writes MS-Server-ActiveSync as
			// "major.minor" of its build (15.0.x) and offers 16.0 only when
			// the EnableV160 setting is on, which it is not by default
			// (Exchange 2013 CU23 Handler.cs, Constants.cs).
			Name:             ProfileExchange2013,
			ServerVersion:    "15.0",
			ProtocolVersions: v141(),
			ProtocolCommands: commands(),
		},
		{
			// "15.1" is MS-ASHTTP's example value and Exchange 2016's build
			// (15.1.x). The reference is unsure whether on-premises 2016
			// offers 16.0 and 16.1; we assume it does (its later CUs speak
			// 16.1), and so advertises Find, as 16.1 servers do.
			Name:             ProfileExchange2016,
			ServerVersion:    "15.1",
			ProtocolVersions: v161(),
			ProtocolCommands: append(commands(), "Find"),
		},
		{
			// Exchange 2019's build is 15.2.x, so by the "major.minor" rule
			// above it sends "15.2". (The "15.20" in the reference was
			// captured from Exchange Online, whose builds are 15.20.x.) The
			// version list is the one captured from Exchange Online; that
			// on-premises 2019 sends the same is our assumption.
			Name:             ProfileExchange2019,
			ServerVersion:    "15.2",
			ProtocolVersions: v161(),
			ProtocolCommands: append(commands(), "Find"),
		},
	}
}

// DefaultProfile returns the Exchange 2019 profile.
func DefaultProfile() ServerProfile {
	p, _ := Profile(ProfileExchange2019)
	return p
}

// Profile returns the profile with the given name (case-insensitive).
func Profile(name string) (ServerProfile, bool) {
	for _, p := range Profiles() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return ServerProfile{}, false
}

// VersionsHeader returns the MS-ASProtocolVersions header value.
func (p ServerProfile) VersionsHeader() string { return strings.Join(p.ProtocolVersions, ",") }

// CommandsHeader returns the MS-ASProtocolCommands header value.
func (p ServerProfile) CommandsHeader() string { return strings.Join(p.ProtocolCommands, ",") }

// Versions returns the advertised versions this package knows, in the order
// advertised; the legacy 2.0 and 2.1 are left out.
func (p ServerProfile) Versions() []ProtocolVersion {
	var vs []ProtocolVersion
	for _, s := range p.ProtocolVersions {
		if v, err := ParseProtocolVersion(s); err == nil {
			vs = append(vs, v)
		}
	}
	return vs
}

// Commands returns the advertised commands in the order advertised. Names
// this package does not know are left out.
func (p ServerProfile) Commands() []Command {
	var cs []Command
	for _, s := range p.ProtocolCommands {
		if c, ok := ParseCommand(s); ok {
			cs = append(cs, c)
		}
	}
	return cs
}

// Supports reports whether a server with this profile serves command c at
// version v: the profile advertises both, and c is defined in v.
func (p ServerProfile) Supports(c Command, v ProtocolVersion) bool {
	if !c.DefinedIn(v) {
		return false
	}
	// By name, as advertised: every request asks, so nothing is parsed.
	return slices.Contains(p.ProtocolVersions, v.String()) && slices.Contains(p.ProtocolCommands, c.String())
}
