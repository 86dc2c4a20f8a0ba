package access

import (
	"strconv"
	"strings"
)

// State is a device's access state
// (Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState),
// as Get-MobileDevice shows it.
type State int

// Device access states. "Mailbox upgrade" is not a state of its own: it is
// Allowed with reason Upgrade.
const (
	Unknown         State = 0 // not determined; what Set-CASMailbox writes when it drops an individual entry
	Allowed         State = 1
	Blocked         State = 2
	Quarantined     State = 3
	DeviceDiscovery State = 4 // quarantine-like while Exchange waits for DeviceInformation
)

var stateNames = [...]string{"Unknown", "Allowed", "Blocked", "Quarantined", "DeviceDiscovery"}

// String returns Exchange's name of the state.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "DeviceAccessState(" + strconv.Itoa(int(s)) + ")"
}

// Reason says why a device has its access state
// (DeviceAccessStateReason enum).
type Reason int

// Device access state reasons. 6 to 12 are the autoblock reasons; 51 to 53
// belong to Exchange Online's cloud-MDM path and are never produced here.
const (
	ReasonUnknown                 Reason = 0
	ReasonGlobal                  Reason = 1 // the organization's DefaultAccessLevel (also OPTIONS)
	ReasonIndividual              Reason = 2 // ActiveSyncBlockedDeviceIDs / ActiveSyncAllowedDeviceIDs
	ReasonDeviceRule              Reason = 3 // a device access rule (also discovery while rules exist)
	ReasonUpgrade                 Reason = 4 // upgrade grace period after a mailbox move
	ReasonPolicy                  Reason = 5 // failed the mailbox policy check (stamped by the policy check, not here)
	ReasonUserAgentsChanges       Reason = 6
	ReasonRecentCommands          Reason = 7
	ReasonWatsons                 Reason = 8
	ReasonOutOfBudgets            Reason = 9
	ReasonSyncCommands            Reason = 10
	ReasonEnableNotificationEmail Reason = 11 // autoblock-threshold entry for the mail, not a block cause
	ReasonCommandFrequency        Reason = 12
	ReasonExternallyManaged       Reason = 51 // Exchange Online only
	ReasonExternalCompliance      Reason = 52 // Exchange Online only
	ReasonExternalEnrollment      Reason = 53 // Exchange Online only
)

var reasonNames = [...]string{
	"Unknown", "Global", "Individual", "DeviceRule", "Upgrade", "Policy",
	"UserAgentsChanges", "RecentCommands", "Watsons", "OutOfBudgets",
	"SyncCommands", "EnableNotificationEmail", "CommandFrequency",
}

// String returns Exchange's name of the reason.
func (r Reason) String() string {
	switch {
	case r >= 0 && int(r) < len(reasonNames):
		return reasonNames[r]
	case r == ReasonExternallyManaged:
		return "ExternallyManaged"
	case r == ReasonExternalCompliance:
		return "ExternalCompliance"
	case r == ReasonExternalEnrollment:
		return "ExternalEnrollment"
	}
	return "DeviceAccessStateReason(" + strconv.Itoa(int(r)) + ")"
}

// IsAutoblock reports whether r is one of the autoblock reasons
// (UserAgentsChanges to CommandFrequency), which a blocked device gets as
// HTTP 503 instead of status 129 (exchange-admin.md 1.2, 2.2).
func (r Reason) IsAutoblock() bool {
	return r >= ReasonUserAgentsChanges && r <= ReasonCommandFrequency
}

// Level is the access a device access rule or the
// organization's DefaultAccessLevel grants.
type Level int

// Device access levels.
const (
	LevelAllow      Level = 0
	LevelBlock      Level = 1
	LevelQuarantine Level = 2
)

var levelNames = [...]string{"Allow", "Block", "Quarantine"}

// String returns Exchange's name of the level.
func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "DeviceAccessLevel(" + strconv.Itoa(int(l)) + ")"
}

// State returns the access state the level grants, Unknown for an invalid
// level (Exchange logs "ABQGlobalUnknown" then).
func (l Level) State() State {
	switch l {
	case LevelAllow:
		return Allowed
	case LevelBlock:
		return Blocked
	case LevelQuarantine:
		return Quarantined
	}
	return Unknown
}

// ParseLevel parses a level by name, ignoring case as
// PowerShell does ("allow", "Block", ...).
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return Level(i), true
		}
	}
	return 0, false
}

// Characteristic is what a device access rule matches on.
type Characteristic int

// Device access characteristics. XMSWLHeader (2013 on) exists but the
// access decision never consults it.
const (
	CharacteristicDeviceType  Characteristic = 0
	CharacteristicDeviceModel Characteristic = 1
	CharacteristicDeviceOS    Characteristic = 2
	CharacteristicUserAgent   Characteristic = 3
	CharacteristicXMSWLHeader Characteristic = 4
)

var characteristicNames = [...]string{"DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader"}

// String returns Exchange's name of the characteristic.
func (c Characteristic) String() string {
	if c >= 0 && int(c) < len(characteristicNames) {
		return characteristicNames[c]
	}
	return "DeviceAccessCharacteristic(" + strconv.Itoa(int(c)) + ")"
}

// ParseCharacteristic parses a characteristic by name,
// ignoring case.
func ParseCharacteristic(s string) (Characteristic, bool) {
	for i, n := range characteristicNames {
		if strings.EqualFold(s, n) {
			return Characteristic(i), true
		}
	}
	return 0, false
}
