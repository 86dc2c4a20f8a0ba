package eas

import (
	"fmt"
	"strings"
)

// Command is an EAS command, posted as Cmd=<name> in the plain query or as a
// command code in the base64 query. The zero value is no command.
//
// Autodiscover is not a Command: it has its own URL and plain XML body.
type Command uint8

// The commands, in the order Exchange lists them in MS-ASProtocolCommands.
const (
	CommandSync Command = iota + 1
	CommandSendMail
	CommandSmartForward
	CommandSmartReply
	CommandGetAttachment
	CommandGetHierarchy
	CommandCreateCollection
	CommandDeleteCollection
	CommandMoveCollection
	CommandFolderSync
	CommandFolderCreate
	CommandFolderDelete
	CommandFolderUpdate
	CommandMoveItems
	CommandGetItemEstimate
	CommandMeetingResponse
	CommandSearch
	CommandSettings
	CommandPing
	CommandItemOperations
	CommandProvision
	CommandResolveRecipients
	CommandValidateCert
	CommandFind
)

// noCode marks a command that has no base64 command code.
const noCode = -1

// commandInfo is one row of the command table.
type commandInfo struct {
	name string
	// code is the base64 command code (MS-ASHTTP 2.2.1.1.1.1.2), or noCode.
	code int
	// min and max bound the protocol versions that define the command.
	min, max ProtocolVersion
	// namespace is the code page of the command's WBXML root element, whose
	// name is the command's name; "" if the command has no WBXML root.
	namespace string
}

// commandTable holds every command: name (protocol.md 1.4, 3.1), base64 code
// (table 1.4), versions (table 3.1) and WBXML root (exchange-admin.md 2.2).
//
// The four legacy commands from EAS 2.x that Exchange still advertises
// (GetHierarchy and the *Collection commands) have no code in the spec's
// table: codes 5 to 8 are unassigned there, and which of them the legacy
// commands once had is unconfirmed, so they can only be sent in the plain
// form (they end at 12.1, which may use it). Exchange 2013 gives all four,
// and GetAttachment, a maximum version of 12.1 (its *Command.MaxVersion). Their
// responses have no WBXML root Exchange could put a status in (GetHierarchy's
// root is "Invalid"; the *Collection commands answer with a bare Response).
var commandTable = [...]commandInfo{
	CommandSync:              {"Sync", 0, Version25, Version161, "AirSync"},
	CommandSendMail:          {"SendMail", 1, Version25, Version161, "ComposeMail"},
	CommandSmartForward:      {"SmartForward", 2, Version25, Version161, "ComposeMail"},
	CommandSmartReply:        {"SmartReply", 3, Version25, Version161, "ComposeMail"},
	CommandGetAttachment:     {"GetAttachment", 4, Version25, Version121, ""},
	CommandGetHierarchy:      {"GetHierarchy", noCode, Version25, Version121, ""},
	CommandCreateCollection:  {"CreateCollection", noCode, Version25, Version121, ""},
	CommandDeleteCollection:  {"DeleteCollection", noCode, Version25, Version121, ""},
	CommandMoveCollection:    {"MoveCollection", noCode, Version25, Version121, ""},
	CommandFolderSync:        {"FolderSync", 9, Version25, Version161, "FolderHierarchy"},
	CommandFolderCreate:      {"FolderCreate", 10, Version25, Version161, "FolderHierarchy"},
	CommandFolderDelete:      {"FolderDelete", 11, Version25, Version161, "FolderHierarchy"},
	CommandFolderUpdate:      {"FolderUpdate", 12, Version25, Version161, "FolderHierarchy"},
	CommandMoveItems:         {"MoveItems", 13, Version25, Version161, "Move"},
	CommandGetItemEstimate:   {"GetItemEstimate", 14, Version25, Version161, "GetItemEstimate"},
	CommandMeetingResponse:   {"MeetingResponse", 15, Version25, Version161, "MeetingResponse"},
	CommandSearch:            {"Search", 16, Version25, Version161, "Search"},
	CommandSettings:          {"Settings", 17, Version120, Version161, "Settings"},
	CommandPing:              {"Ping", 18, Version25, Version161, "Ping"},
	CommandItemOperations:    {"ItemOperations", 19, Version120, Version161, "ItemOperations"},
	CommandProvision:         {"Provision", 20, Version25, Version161, "Provision"},
	CommandResolveRecipients: {"ResolveRecipients", 21, Version25, Version161, "ResolveRecipients"},
	CommandValidateCert:      {"ValidateCert", 22, Version25, Version161, "ValidateCert"},
	CommandFind:              {"Find", 23, Version161, Version161, "Find"},
}

// Commands returns every command in table order (that of
// MS-ASProtocolCommands, with Find last).
func Commands() []Command {
	cs := make([]Command, 0, len(commandTable)-1)
	for c := range commandTable {
		if c != 0 {
			cs = append(cs, Command(c))
		}
	}
	return cs
}

// ParseCommand returns the command named name. Like Exchange, which lowers
// the Cmd value before looking it up, it ignores case.
func ParseCommand(name string) (Command, bool) {
	for c, info := range commandTable {
		if c != 0 && strings.EqualFold(info.name, name) {
			return Command(c), true
		}
	}
	return 0, false
}

// CommandByCode returns the command whose base64 command code is code.
func CommandByCode(code byte) (Command, bool) {
	for c, info := range commandTable {
		if c != 0 && info.code == int(code) {
			return Command(c), true
		}
	}
	return 0, false
}

// Valid reports whether c is a known command.
func (c Command) Valid() bool { return c != 0 && int(c) < len(commandTable) }

// String returns the command's name as the plain query writes it, e.g.
// "FolderSync"; an unknown value prints as "Command(99)".
func (c Command) String() string {
	if !c.Valid() {
		return fmt.Sprintf("Command(%d)", uint8(c))
	}
	return commandTable[c].name
}

// Code returns the command's base64 command code. It reports false for the
// legacy commands, which have none.
func (c Command) Code() (byte, bool) {
	if !c.Valid() || commandTable[c].code == noCode {
		return 0, false
	}
	return byte(commandTable[c].code), true
}

// MinVersion returns the first protocol version that defines c.
func (c Command) MinVersion() ProtocolVersion {
	if !c.Valid() {
		return 0
	}
	return commandTable[c].min
}

// MaxVersion returns the last protocol version that defines c.
func (c Command) MaxVersion() ProtocolVersion {
	if !c.Valid() {
		return 0
	}
	return commandTable[c].max
}

// DefinedIn reports whether protocol version v defines c.
func (c Command) DefinedIn(v ProtocolVersion) bool {
	return c.Valid() && v.Valid() && v >= commandTable[c].min && v <= commandTable[c].max
}

// Versions returns the protocol versions that define c, oldest first.
func (c Command) Versions() []ProtocolVersion {
	var vs []ProtocolVersion
	for _, v := range ProtocolVersions() {
		if c.DefinedIn(v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// Namespace returns the WBXML code page (namespace) of c's root element,
// which is named like c: "AirSync" for Sync, "FolderHierarchy" for
// FolderSync, "Move" for MoveItems. It returns "" when c never has a WBXML
// root (GetAttachment and the legacy commands). See also [Command.HasRoot].
func (c Command) Namespace() string {
	if !c.Valid() {
		return ""
	}
	return commandTable[c].namespace
}

// HasRoot reports whether c's messages in version v are WBXML with a root
// element that a Status can be put in. SendMail, SmartForward and
// SmartReply have one only from 14.0 on (earlier their bodies are MIME);
// GetAttachment and the legacy commands never do, so errors reach them only
// as bare HTTP statuses.
func (c Command) HasRoot(v ProtocolVersion) bool {
	if c.Namespace() == "" || !c.DefinedIn(v) {
		return false
	}
	switch c {
	case CommandSendMail, CommandSmartForward, CommandSmartReply:
		return v >= Version140
	}
	return true
}
