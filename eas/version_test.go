package eas

import (
	"slices"
	"strings"
	"testing"

	"github.com/easlab/easlab/wbxml"
)

func TestProtocolVersions(t *testing.T) {
	tests := []struct {
		v    ProtocolVersion
		s    string
		b    byte
		b64  bool
		wbit wbxml.Version
	}{
		{Version25, "2.5", 25, false, wbxml.V25},
		{Version120, "12.0", 120, false, wbxml.V120},
		{Version121, "12.1", 0x79, true, wbxml.V121},
		{Version140, "14.0", 0x8C, true, wbxml.V140},
		{Version141, "14.1", 0x8D, true, wbxml.V141},
		{Version160, "16.0", 0xA0, true, wbxml.V160},
		{Version161, "16.1", 0xA1, true, wbxml.V161},
	}
	if got := ProtocolVersions(); len(got) != len(tests) {
		t.Fatalf("ProtocolVersions() = %v", got)
	}
	for i, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if ProtocolVersions()[i] != tt.v {
				t.Errorf("ProtocolVersions()[%d] = %v", i, ProtocolVersions()[i])
			}
			if got := tt.v.String(); got != tt.s {
				t.Errorf("String() = %q, want %q", got, tt.s)
			}
			if v, err := ParseProtocolVersion(tt.s); err != nil || v != tt.v {
				t.Errorf("ParseProtocolVersion(%q) = %v, %v", tt.s, v, err)
			}
			if got := tt.v.Byte(); got != tt.b {
				t.Errorf("Byte() = %d, want %d", got, tt.b)
			}
			if v, ok := ProtocolVersionFromByte(tt.b); !ok || v != tt.v {
				t.Errorf("ProtocolVersionFromByte(%d) = %v, %v", tt.b, v, ok)
			}
			if got := tt.v.Base64Allowed(); got != tt.b64 {
				t.Errorf("Base64Allowed() = %v", got)
			}
			if got := tt.v.WBXML(); got != tt.wbit {
				t.Errorf("WBXML() = %v, want %v", got, tt.wbit)
			}
			// Ordering follows the table.
			for j, other := range tests {
				if got := tt.v.AtLeast(other.v); got != (i >= j) {
					t.Errorf("%v.AtLeast(%v) = %v", tt.v, other.v, got)
				}
			}
		})
	}
}

func TestParseProtocolVersionRejects(t *testing.T) {
	for _, s := range []string{"", "1.0", "2.0", "2.1", "14", "14.10", " 14.0", "14.0 ", "v14.0", "16.2", "14,0"} {
		if v, err := ParseProtocolVersion(s); err == nil {
			t.Errorf("ParseProtocolVersion(%q) = %v, want error", s, v)
		}
	}
	for _, b := range []byte{0, 10, 20, 21, 122, 142, 162, 255} {
		if v, ok := ProtocolVersionFromByte(b); ok {
			t.Errorf("ProtocolVersionFromByte(%d) = %v, want none", b, v)
		}
	}
	if s := ProtocolVersion(99).String(); s != "ProtocolVersion(99)" {
		t.Errorf("String() = %q", s)
	}
	if ProtocolVersion(99).WBXML() != 0 || ProtocolVersion(0).Base64Allowed() {
		t.Error("unknown version has a wbxml bit or allows base64")
	}
}

func TestProfiles(t *testing.T) {
	// The header values each server sends (protocol.md 1.7; Exchange 2013
	// CU23 Constants.cs).
	const cmds23 = "Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,CreateCollection,DeleteCollection,MoveCollection,FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,ValidateCert"
	tests := []struct {
		name, server, versions, commands string
	}{
		{ProfileExchange2010SP3, "14.3", "2.0,2.1,2.5,12.0,12.1,14.0,14.1", cmds23},
		{ProfileExchange2013, "15.0", "2.0,2.1,2.5,12.0,12.1,14.0,14.1", cmds23},
		{ProfileExchange2016, "15.1", "2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1", cmds23 + ",Find"},
		{ProfileExchange2019, "15.2", "2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1", cmds23 + ",Find"},
	}
	ps := Profiles()
	if len(ps) != len(tests) {
		t.Fatalf("Profiles() has %d entries", len(ps))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := Profile(strings.ToLower(tt.name))
			if !ok || p.Name != tt.name || ps[i].Name != tt.name {
				t.Fatalf("Profile(%q) = %+v, %v", tt.name, p, ok)
			}
			if p.ServerVersion != tt.server || p.VersionsHeader() != tt.versions || p.CommandsHeader() != tt.commands {
				t.Errorf("got %q / %q / %q", p.ServerVersion, p.VersionsHeader(), p.CommandsHeader())
			}
			// Every advertised token but the legacy versions 2.0 and 2.1 is
			// known to this package.
			if got, want := len(p.Versions()), len(p.ProtocolVersions)-2; got != want {
				t.Errorf("Versions() = %v", p.Versions())
			}
			if got := p.Commands(); len(got) != len(p.ProtocolCommands) {
				t.Errorf("Commands() = %v", got)
			}
			// Every command is served in at least one advertised version.
			for _, c := range p.Commands() {
				if !slices.ContainsFunc(p.Versions(), func(v ProtocolVersion) bool { return p.Supports(c, v) }) {
					t.Errorf("%v is advertised but not served in any advertised version", c)
				}
			}
		})
	}
	if d := DefaultProfile(); d.Name != ProfileExchange2019 {
		t.Errorf("DefaultProfile() = %q", d.Name)
	}
	if _, ok := Profile("Exchange2003"); ok {
		t.Error("Profile(Exchange2003) found")
	}
	// Callers may change what they get.
	ps[0].ProtocolCommands[0] = "Changed"
	if p, _ := Profile(ProfileExchange2010SP3); p.ProtocolCommands[0] != "Sync" {
		t.Error("Profiles() shares its slices")
	}
	p := DefaultProfile()
	if p.Supports(CommandFind, Version141) || !p.Supports(CommandFind, Version161) || p.Supports(CommandSync, ProtocolVersion(20)) {
		t.Error("Supports is wrong for Find")
	}
	p13, _ := Profile(ProfileExchange2013)
	if p13.Supports(CommandSync, Version161) {
		t.Error("Exchange 2013 does not advertise 16.1")
	}
}
