package eas

import (
	"slices"
	"testing"

	"github.com/easlab/easlab/wbxml"
)

// TestCommandTable checks every command against the reference: name, base64
// code (protocol.md 1.4), versions (3.1) and WBXML root.
func TestCommandTable(t *testing.T) {
	all := ProtocolVersions()
	upTo121 := []ProtocolVersion{Version25, Version120, Version121}
	from120 := all[1:]
	tests := []struct {
		cmd      Command
		name     string
		code     int // -1: none
		versions []ProtocolVersion
		ns       string
	}{
		{CommandSync, "Sync", 0, all, "AirSync"},
		{CommandSendMail, "SendMail", 1, all, "ComposeMail"},
		{CommandSmartForward, "SmartForward", 2, all, "ComposeMail"},
		{CommandSmartReply, "SmartReply", 3, all, "ComposeMail"},
		{CommandGetAttachment, "GetAttachment", 4, upTo121, ""},
		{CommandGetHierarchy, "GetHierarchy", -1, upTo121, ""},
		{CommandCreateCollection, "CreateCollection", -1, upTo121, ""},
		{CommandDeleteCollection, "DeleteCollection", -1, upTo121, ""},
		{CommandMoveCollection, "MoveCollection", -1, upTo121, ""},
		{CommandFolderSync, "FolderSync", 9, all, "FolderHierarchy"},
		{CommandFolderCreate, "FolderCreate", 10, all, "FolderHierarchy"},
		{CommandFolderDelete, "FolderDelete", 11, all, "FolderHierarchy"},
		{CommandFolderUpdate, "FolderUpdate", 12, all, "FolderHierarchy"},
		{CommandMoveItems, "MoveItems", 13, all, "Move"},
		{CommandGetItemEstimate, "GetItemEstimate", 14, all, "GetItemEstimate"},
		{CommandMeetingResponse, "MeetingResponse", 15, all, "MeetingResponse"},
		{CommandSearch, "Search", 16, all, "Search"},
		{CommandSettings, "Settings", 17, from120, "Settings"},
		{CommandPing, "Ping", 18, all, "Ping"},
		{CommandItemOperations, "ItemOperations", 19, from120, "ItemOperations"},
		{CommandProvision, "Provision", 20, all, "Provision"},
		{CommandResolveRecipients, "ResolveRecipients", 21, all, "ResolveRecipients"},
		{CommandValidateCert, "ValidateCert", 22, all, "ValidateCert"},
		{CommandFind, "Find", 23, []ProtocolVersion{Version161}, "Find"},
	}
	if got := Commands(); len(got) != len(tests) {
		t.Fatalf("Commands() has %d commands, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Commands()[i]; got != tt.cmd {
				t.Errorf("Commands()[%d] = %v, want %v", i, got, tt.cmd)
			}
			if got := tt.cmd.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if c, ok := ParseCommand(tt.name); !ok || c != tt.cmd {
				t.Errorf("ParseCommand(%q) = %v, %v", tt.name, c, ok)
			}
			code, ok := tt.cmd.Code()
			if tt.code < 0 {
				if ok {
					t.Errorf("Code() = %d, want none", code)
				}
			} else {
				if !ok || int(code) != tt.code {
					t.Errorf("Code() = %d, %v, want %d", code, ok, tt.code)
				}
				if c, ok := CommandByCode(code); !ok || c != tt.cmd {
					t.Errorf("CommandByCode(%d) = %v, %v", code, c, ok)
				}
			}
			if got := tt.cmd.Versions(); !slices.Equal(got, tt.versions) {
				t.Errorf("Versions() = %v, want %v", got, tt.versions)
			}
			if tt.cmd.MinVersion() != tt.versions[0] || tt.cmd.MaxVersion() != tt.versions[len(tt.versions)-1] {
				t.Errorf("Min/MaxVersion() = %v/%v", tt.cmd.MinVersion(), tt.cmd.MaxVersion())
			}
			if got := tt.cmd.Namespace(); got != tt.ns {
				t.Errorf("Namespace() = %q, want %q", got, tt.ns)
			}
		})
	}
}

// TestCommandRootsInWBXML checks each command's root element against the
// wbxml page table: the tag exists on the command's page and is defined in
// every version that defines the command.
func TestCommandRootsInWBXML(t *testing.T) {
	for _, c := range Commands() {
		ns := c.Namespace()
		if ns == "" {
			continue
		}
		tag := wbxml.Lookup(ns, c.String())
		if tag == nil {
			t.Errorf("%v: no tag %s:%s in the wbxml page table", c, ns, c)
			continue
		}
		for _, v := range c.Versions() {
			if !c.HasRoot(v) {
				continue
			}
			if tag.Versions&v.WBXML() == 0 {
				t.Errorf("%v: tag %v is not defined in %v (defined in %v)", c, tag, v, tag.Versions)
			}
		}
	}
}

func TestParseCommandCaseAndUnknown(t *testing.T) {
	for _, name := range []string{"sync", "SYNC", "foldersync", "fOLDERsYNC"} {
		if _, ok := ParseCommand(name); !ok {
			t.Errorf("ParseCommand(%q) failed; Exchange ignores case", name)
		}
	}
	for _, name := range []string{"", "Autodiscover", "Options", "Sync,Sync", " Sync", "Syncs"} {
		if c, ok := ParseCommand(name); ok {
			t.Errorf("ParseCommand(%q) = %v, want none", name, c)
		}
	}
	for _, code := range []byte{5, 6, 7, 8, 24, 255} {
		if c, ok := CommandByCode(code); ok {
			t.Errorf("CommandByCode(%d) = %v, want none (unassigned)", code, c)
		}
	}
	if s := Command(0).String(); s != "Command(0)" {
		t.Errorf("Command(0).String() = %q", s)
	}
	if Command(200).Valid() || Command(200).DefinedIn(Version161) || Command(200).Namespace() != "" {
		t.Error("Command(200) should be invalid")
	}
	if CommandSync.DefinedIn(0) || CommandSync.DefinedIn(99) {
		t.Error("Sync defined in an unknown version")
	}
}

func TestCommandHasRoot(t *testing.T) {
	tests := []struct {
		cmd  Command
		v    ProtocolVersion
		want bool
	}{
		{CommandSync, Version25, true},
		{CommandFolderSync, Version161, true},
		{CommandSendMail, Version121, false}, // MIME body
		{CommandSendMail, Version140, true},
		{CommandSmartReply, Version25, false},
		{CommandSmartForward, Version161, true},
		{CommandGetAttachment, Version121, false},
		{CommandGetHierarchy, Version25, false},
		{CommandFind, Version141, false}, // not defined there
		{CommandFind, Version161, true},
		{CommandSettings, Version25, false},
		{CommandSync, 0, false},
	}
	for _, tt := range tests {
		if got := tt.cmd.HasRoot(tt.v); got != tt.want {
			t.Errorf("%v.HasRoot(%v) = %v, want %v", tt.cmd, tt.v, got, tt.want)
		}
	}
}
