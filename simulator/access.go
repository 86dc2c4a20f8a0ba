package simulator

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The access engine: Exchange's decision whether a device may sync, as one
// pure function over a snapshot (exchange-admin.md 1.1 to 1.5, 4.3, 4.5,
// 4.9). The order is the one Exchange 2013 CU23 code follows (S1: Handler,
// Command.IsDeviceAccessAllowed, Command.DetermineDeviceAccessState), which
// differs from the documented order; where the reference's summary of that
// code is lossy, the comments below say what the code does and why it was
// followed.

// DeviceAccessState is a device's access state
// (Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState),
// as Get-MobileDevice shows it.
type DeviceAccessState int

// Device access states. "Mailbox upgrade" is not a state of its own: it is
// Allowed with reason Upgrade.
const (
	DeviceAccessStateUnknown         DeviceAccessState = 0 // not determined; what Set-CASMailbox writes when it drops an individual entry
	DeviceAccessStateAllowed         DeviceAccessState = 1
	DeviceAccessStateBlocked         DeviceAccessState = 2
	DeviceAccessStateQuarantined     DeviceAccessState = 3
	DeviceAccessStateDeviceDiscovery DeviceAccessState = 4 // quarantine-like while Exchange waits for DeviceInformation
)

var deviceAccessStateNames = [...]string{"Unknown", "Allowed", "Blocked", "Quarantined", "DeviceDiscovery"}

// String returns Exchange's name of the state.
func (s DeviceAccessState) String() string {
	if s >= 0 && int(s) < len(deviceAccessStateNames) {
		return deviceAccessStateNames[s]
	}
	return "DeviceAccessState(" + strconv.Itoa(int(s)) + ")"
}

// DeviceAccessStateReason says why a device has its access state
// (DeviceAccessStateReason enum).
type DeviceAccessStateReason int

// Device access state reasons. 6 to 12 are the autoblock reasons; 51 to 53
// belong to Exchange Online's cloud-MDM path and are never produced here.
const (
	DeviceAccessStateReasonUnknown                 DeviceAccessStateReason = 0
	DeviceAccessStateReasonGlobal                  DeviceAccessStateReason = 1 // the organization's DefaultAccessLevel (also OPTIONS)
	DeviceAccessStateReasonIndividual              DeviceAccessStateReason = 2 // ActiveSyncBlockedDeviceIDs / ActiveSyncAllowedDeviceIDs
	DeviceAccessStateReasonDeviceRule              DeviceAccessStateReason = 3 // a device access rule (also discovery while rules exist)
	DeviceAccessStateReasonUpgrade                 DeviceAccessStateReason = 4 // upgrade grace period after a mailbox move
	DeviceAccessStateReasonPolicy                  DeviceAccessStateReason = 5 // failed the mailbox policy check (stamped by the policy check, not here)
	DeviceAccessStateReasonUserAgentsChanges       DeviceAccessStateReason = 6
	DeviceAccessStateReasonRecentCommands          DeviceAccessStateReason = 7
	DeviceAccessStateReasonWatsons                 DeviceAccessStateReason = 8
	DeviceAccessStateReasonOutOfBudgets            DeviceAccessStateReason = 9
	DeviceAccessStateReasonSyncCommands            DeviceAccessStateReason = 10
	DeviceAccessStateReasonEnableNotificationEmail DeviceAccessStateReason = 11 // autoblock-threshold entry for the mail, not a block cause
	DeviceAccessStateReasonCommandFrequency        DeviceAccessStateReason = 12
	DeviceAccessStateReasonExternallyManaged       DeviceAccessStateReason = 51 // Exchange Online only
	DeviceAccessStateReasonExternalCompliance      DeviceAccessStateReason = 52 // Exchange Online only
	DeviceAccessStateReasonExternalEnrollment      DeviceAccessStateReason = 53 // Exchange Online only
)

var deviceAccessStateReasonNames = [...]string{
	"Unknown", "Global", "Individual", "DeviceRule", "Upgrade", "Policy",
	"UserAgentsChanges", "RecentCommands", "Watsons", "OutOfBudgets",
	"SyncCommands", "EnableNotificationEmail", "CommandFrequency",
}

// String returns Exchange's name of the reason.
func (r DeviceAccessStateReason) String() string {
	switch {
	case r >= 0 && int(r) < len(deviceAccessStateReasonNames):
		return deviceAccessStateReasonNames[r]
	case r == DeviceAccessStateReasonExternallyManaged:
		return "ExternallyManaged"
	case r == DeviceAccessStateReasonExternalCompliance:
		return "ExternalCompliance"
	case r == DeviceAccessStateReasonExternalEnrollment:
		return "ExternalEnrollment"
	}
	return "DeviceAccessStateReason(" + strconv.Itoa(int(r)) + ")"
}

// IsAutoblock reports whether r is one of the autoblock reasons
// (UserAgentsChanges to CommandFrequency), which a blocked device gets as
// HTTP 503 instead of status 129 (exchange-admin.md 1.2, 2.2).
func (r DeviceAccessStateReason) IsAutoblock() bool {
	return r >= DeviceAccessStateReasonUserAgentsChanges && r <= DeviceAccessStateReasonCommandFrequency
}

// DeviceAccessLevel is the access a device access rule or the
// organization's DefaultAccessLevel grants.
type DeviceAccessLevel int

// Device access levels.
const (
	DeviceAccessLevelAllow      DeviceAccessLevel = 0
	DeviceAccessLevelBlock      DeviceAccessLevel = 1
	DeviceAccessLevelQuarantine DeviceAccessLevel = 2
)

var deviceAccessLevelNames = [...]string{"Allow", "Block", "Quarantine"}

// String returns Exchange's name of the level.
func (l DeviceAccessLevel) String() string {
	if l >= 0 && int(l) < len(deviceAccessLevelNames) {
		return deviceAccessLevelNames[l]
	}
	return "DeviceAccessLevel(" + strconv.Itoa(int(l)) + ")"
}

// State returns the access state the level grants, Unknown for an invalid
// level (Exchange logs "ABQGlobalUnknown" then).
func (l DeviceAccessLevel) State() DeviceAccessState {
	switch l {
	case DeviceAccessLevelAllow:
		return DeviceAccessStateAllowed
	case DeviceAccessLevelBlock:
		return DeviceAccessStateBlocked
	case DeviceAccessLevelQuarantine:
		return DeviceAccessStateQuarantined
	}
	return DeviceAccessStateUnknown
}

// ParseDeviceAccessLevel parses a level by name, ignoring case as
// PowerShell does ("allow", "Block", ...).
func ParseDeviceAccessLevel(s string) (DeviceAccessLevel, bool) {
	for i, n := range deviceAccessLevelNames {
		if strings.EqualFold(s, n) {
			return DeviceAccessLevel(i), true
		}
	}
	return 0, false
}

// DeviceAccessCharacteristic is what a device access rule matches on.
type DeviceAccessCharacteristic int

// Device access characteristics. XMSWLHeader (2013 on) exists but the
// access decision never consults it.
const (
	DeviceAccessCharacteristicDeviceType  DeviceAccessCharacteristic = 0
	DeviceAccessCharacteristicDeviceModel DeviceAccessCharacteristic = 1
	DeviceAccessCharacteristicDeviceOS    DeviceAccessCharacteristic = 2
	DeviceAccessCharacteristicUserAgent   DeviceAccessCharacteristic = 3
	DeviceAccessCharacteristicXMSWLHeader DeviceAccessCharacteristic = 4
)

var deviceAccessCharacteristicNames = [...]string{"DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader"}

// String returns Exchange's name of the characteristic.
func (c DeviceAccessCharacteristic) String() string {
	if c >= 0 && int(c) < len(deviceAccessCharacteristicNames) {
		return deviceAccessCharacteristicNames[c]
	}
	return "DeviceAccessCharacteristic(" + strconv.Itoa(int(c)) + ")"
}

// ParseDeviceAccessCharacteristic parses a characteristic by name,
// ignoring case.
func ParseDeviceAccessCharacteristic(s string) (DeviceAccessCharacteristic, bool) {
	for i, n := range deviceAccessCharacteristicNames {
		if strings.EqualFold(s, n) {
			return DeviceAccessCharacteristic(i), true
		}
	}
	return 0, false
}

// DeviceAccessRule is an ActiveSync device access rule, as
// Get-ActiveSyncDeviceAccessRule shows it. Its Identity is its Name.
type DeviceAccessRule struct {
	Name           string // "<QueryString> (<Characteristic>)"; see DeviceAccessRuleName
	QueryString    string // matched whole, ignoring case; no wildcards
	Characteristic DeviceAccessCharacteristic
	AccessLevel    DeviceAccessLevel
	Guid           string // the AD object's GUID, assigned by whoever stores the rule; DecideAccess ignores it
}

// NewDeviceAccessRule returns the rule New-ActiveSyncDeviceAccessRule
// creates, named as Exchange names it. Guid is left to the caller.
func NewDeviceAccessRule(queryString string, c DeviceAccessCharacteristic, level DeviceAccessLevel) DeviceAccessRule {
	return DeviceAccessRule{
		Name:           DeviceAccessRuleName(queryString, c),
		QueryString:    queryString,
		Characteristic: c,
		AccessLevel:    level,
	}
}

// maxRuleNameLength is the longest rule name, in UTF-16 code units
// (NewActiveSyncDeviceAccessRule.MaxRuleNameLength).
const maxRuleNameLength = 64

// DeviceAccessRuleName returns the name New-ActiveSyncDeviceAccessRule
// builds for a rule: "<QueryString> (<Characteristic>)". A name longer than
// 64 UTF-16 code units keeps its start and ends in
// "<hash> (<Characteristic>)" so that it fits (S1
// NewActiveSyncDeviceAccessRule.BuildRuleName). The hash is .NET
// Framework's 64-bit, non-randomized String.GetHashCode of the full name;
// that Exchange's process uses exactly this variant is UNCONFIRMED, but it
// only affects names over 64 characters.
func DeviceAccessRuleName(queryString string, c DeviceAccessCharacteristic) string {
	name := queryString + " (" + c.String() + ")"
	u := utf16.Encode([]rune(name))
	if len(u) <= maxRuleNameLength {
		return name
	}
	tail := strconv.Itoa(int(dotNetStringHash(u))) + " (" + c.String() + ")" // ASCII: bytes = code units
	return string(utf16.Decode(u[:maxRuleNameLength-len(tail)])) + tail
}

// dotNetStringHash is String.GetHashCode of .NET Framework on 64-bit
// processes without randomized hashing: two interleaved djb2-xor hashes
// over the UTF-16 code units, stopping at a NUL.
func dotNetStringHash(u []uint16) int32 {
	h1, h2 := int32(5381), int32(5381)
	for i := 0; i < len(u) && u[i] != 0; i += 2 {
		h1 = (h1<<5 + h1) ^ int32(u[i])
		if i+1 == len(u) || u[i+1] == 0 {
			break
		}
		h2 = (h2<<5 + h2) ^ int32(u[i+1])
	}
	return h1 + h2*1566083941
}

// Defaults of the EAS virtual directory's web.config (S1
// GlobalSettingsSchema): DeviceDiscoveryPeriod 14 minutes and
// UpgradeGracePeriod 10080 minutes.
const (
	DefaultDeviceDiscoveryPeriod = 14 * time.Minute
	DefaultUpgradeGracePeriod    = 7 * 24 * time.Hour
)

// AccessRequestKind is what the request is, as far as access cares.
type AccessRequestKind int

// Access request kinds.
const (
	AccessRequestCommand AccessRequestKind = iota // any command that does not hang
	AccessRequestOptions                          // HTTP OPTIONS
	AccessRequestHanging                          // Ping, or Sync with Wait or HeartbeatInterval
)

// AccessInput is the snapshot the access decision reads: organization
// settings, the mailbox's CAS settings, the device's record and the request.
// The request path builds it under the locks that make it consistent;
// DecideAccess keeps no reference to it except Rule, which points into Rules.
type AccessInput struct {
	Now time.Time

	// Organization: Get-ActiveSyncOrganizationSettings and
	// Get-ActiveSyncDeviceAccessRule.
	DefaultAccessLevel DeviceAccessLevel
	Rules              []DeviceAccessRule

	// Mailbox: Get-CASMailbox.
	ActiveSyncEnabled          bool
	ActiveSyncAllowedDeviceIDs []string
	ActiveSyncBlockedDeviceIDs []string
	MonitoringMailbox          bool // a health-probe mailbox: always Allowed/Global

	// Device: the partnership's record (Exchange's GlobalInfo sync state).
	DeviceID        string
	DeviceType      string // from the request URL
	DeviceModel     string // from DeviceInformation; empty means DeviceType, as Exchange fills it in
	DeviceOS        string // from DeviceInformation, or derived from the User-Agent earlier; see DeviceOSFromUserAgent
	DeviceUserAgent string // the stored User-Agent, used when the request has none
	// DeviceInformationReceived: Settings or Provision brought
	// DeviceInformation (or the sync state was just upgraded with a model).
	DeviceInformationReceived bool
	// DeviceInformationPromoted: a hanging request during discovery made
	// Exchange take DeviceType as the model for good (AccessDecision.Promoted).
	DeviceInformationPromoted bool
	// FirstSyncTime is when the device's sync state was created (its first
	// contact); discovery runs from here. Zero means long ago.
	FirstSyncTime time.Time
	// SyncStateUpgradeTime is when the sync state was upgraded after a
	// mailbox move from an older Exchange; zero if never.
	SyncStateUpgradeTime time.Time
	// AutoblockReason and AutoblockUntil: the device is autoblocked for
	// that reason (one of 6 to 12) until that time, as the device behaviour
	// tracker (4.9) decided. Unknown means not autoblocked.
	AutoblockReason DeviceAccessStateReason
	AutoblockUntil  time.Time
	// RemoteWipePending: Clear-MobileDevice asked for a wipe that the
	// device has not acknowledged.
	RemoteWipePending bool

	// Request.
	Request   AccessRequestKind
	UserAgent string // the request's User-Agent header

	// Parameters (web.config). DeviceDiscoveryPeriod: zero means
	// DefaultDeviceDiscoveryPeriod, negative turns discovery off.
	// UpgradeGracePeriod: zero means DefaultUpgradeGracePeriod.
	DeviceDiscoveryPeriod time.Duration
	UpgradeGracePeriod    time.Duration
	// CaseSensitiveDeviceIDs compares DeviceId with the allow and block
	// lists exactly. Exchange ignores case (S1 MultiValuedProperty.Contains
	// is OrdinalIgnoreCase, settling the reference's open question 6); the
	// flag is there to reproduce a stricter server.
	CaseSensitiveDeviceIDs bool
}

// AccessDecision is the outcome of DecideAccess.
type AccessDecision struct {
	// UserDisabled: ActiveSyncEnabled is false. Answer HTTP 403 with
	// status 126 (UserDisabledForSync), OPTIONS included; nothing else is
	// decided and nothing is recorded.
	UserDisabled bool
	// RemoteWipe: a wipe is pending, so the request goes on whatever the
	// device's state (the policy check then answers 449 or 403 with status
	// 140 and Provision delivers the wipe). Exchange does not evaluate
	// access then: State is Unknown and the device keeps its recorded state.
	RemoteWipe bool

	State  DeviceAccessState
	Reason DeviceAccessStateReason
	// Rule is the device access rule that decided (Get-MobileDevice's
	// DeviceAccessControlRule), pointing into AccessInput.Rules; nil if
	// none did.
	Rule *DeviceAccessRule
	// Record: Exchange stamps State, Reason and Rule on the device (sync
	// state now, the AD object at completion). False for OPTIONS, which
	// opens no sync state, and with UserDisabled or RemoteWipe.
	Record bool
	// Promoted: this hanging request ended discovery by promoting
	// DeviceType to the model ("As:DeviceInformationPromoted"); the caller
	// sets DeviceInformationPromoted on the device.
	Promoted bool
	// RetryAfter is the Retry-After of an autoblocked device.
	RetryAfter time.Duration
	// Expires is when this outcome lapses by time alone: the end of device
	// discovery, of the upgrade grace period or of the autoblock; zero if
	// it does not. Exchange itself decides again only at the device's next
	// request, so the recorded state (Get-MobileDevice) keeps showing this
	// outcome until then.
	Expires time.Time
}

// DecideAccess decides whether the device may sync, in Exchange's order
// (exchange-admin.md 1.3, "CODE order"):
//
//  1. ActiveSyncEnabled false: UserDisabled (403/126), before dispatch.
//  2. OPTIONS: Allowed/Global, not recorded.
//  3. Pending remote wipe: RemoteWipe, not evaluated.
//  4. Monitoring mailbox: Allowed/Global.
//  5. DeviceId in ActiveSyncBlockedDeviceIDs: Blocked/Individual.
//  6. Autoblocked: Blocked/<autoblock reason>, RetryAfter.
//  7. DeviceId in ActiveSyncAllowedDeviceIDs: Allowed/Individual.
//  8. Rules exist and no DeviceInformation yet: within the upgrade grace
//     period Allowed/Upgrade; within discovery DeviceDiscovery/DeviceRule.
//  9. Rules by characteristic: UserAgent, DeviceOS, DeviceModel, DeviceType;
//     the first characteristic with a matching rule decides (its level,
//     DeviceRule).
//  10. DefaultAccessLevel with reason Global; Quarantine becomes
//     Allowed/Upgrade within the upgrade grace period, and
//     DeviceDiscovery/Global within discovery while no DeviceInformation
//     has come.
//
// A hanging request whose outcome is DeviceDiscovery ends discovery: it is
// decided again as if DeviceInformation had been promoted (Promoted). The
// mailbox-policy check (Blocked/Policy) comes after this, in the caller.
// DecideAccess does not allocate.
func DecideAccess(in AccessInput) AccessDecision {
	// Handler: ActiveSyncEnabled $false is 403/126 before command dispatch,
	// so even OPTIONS of a disabled user is refused.
	if !in.ActiveSyncEnabled {
		return AccessDecision{UserDisabled: true}
	}
	// DetermineDeviceAccessState: "OPTIONS is always allowed." OPTIONS opens
	// no sync state, so the wipe check (which reads it) never applies and
	// nothing is stamped.
	if in.Request == AccessRequestOptions {
		return AccessDecision{State: DeviceAccessStateAllowed, Reason: DeviceAccessStateReasonGlobal}
	}
	// IsDeviceAccessAllowed: RemoteWipeRequestedTime set returns true at
	// once, before any evaluation.
	if in.RemoteWipePending {
		return AccessDecision{RemoteWipe: true}
	}
	if in.MonitoringMailbox {
		return AccessDecision{State: DeviceAccessStateAllowed, Reason: DeviceAccessStateReasonGlobal, Record: true}
	}
	if containsDeviceID(in.ActiveSyncBlockedDeviceIDs, in.DeviceID, in.CaseSensitiveDeviceIDs) {
		return AccessDecision{State: DeviceAccessStateBlocked, Reason: DeviceAccessStateReasonIndividual, Record: true}
	}
	if in.AutoblockReason != DeviceAccessStateReasonUnknown && in.Now.Before(in.AutoblockUntil) {
		return AccessDecision{
			State: DeviceAccessStateBlocked, Reason: in.AutoblockReason, Record: true,
			RetryAfter: in.AutoblockUntil.Sub(in.Now), Expires: in.AutoblockUntil,
		}
	}
	// (Forest-wide rules of multi-tenant datacenters would come here.)
	if containsDeviceID(in.ActiveSyncAllowedDeviceIDs, in.DeviceID, in.CaseSensitiveDeviceIDs) {
		return AccessDecision{State: DeviceAccessStateAllowed, Reason: DeviceAccessStateReasonIndividual, Record: true}
	}
	d := in.decideByRules(in.DeviceInformationPromoted)
	// PingCommand / SyncCommand (shouldHang): in DeviceDiscovery they set
	// DeviceInformationPromoted and evaluate again.
	if d.State == DeviceAccessStateDeviceDiscovery && in.Request == AccessRequestHanging {
		d = in.decideByRules(true)
		d.Promoted = true
	}
	d.Record = true
	return d
}

// decideByRules is DetermineDeviceAccessState from step 4 on ("Check device
// access rule settings"): discovery, rules, then the default.
func (in *AccessInput) decideByRules(promoted bool) AccessDecision {
	discovery := in.DeviceDiscoveryPeriod
	if discovery == 0 {
		discovery = DefaultDeviceDiscoveryPeriod
	}
	grace := in.UpgradeGracePeriod
	if grace == 0 {
		grace = DefaultUpgradeGracePeriod
	}
	// Both windows include their last instant (CreationTime +
	// DeviceDiscoveryPeriod >= UtcNow; likewise SyncStateUpgradeTime).
	discoveryEnds := in.FirstSyncTime.Add(discovery)
	inDiscovery := discovery > 0 && !in.Now.After(discoveryEnds)
	graceEnds := in.SyncStateUpgradeTime.Add(grace)
	inGrace := !in.SyncStateUpgradeTime.IsZero() && !in.Now.After(graceEnds)

	// 4.1: "Did we receive <DeviceInformationSettings> already?" Asked only
	// when the organization has rules (of any characteristic, XMSWLHeader
	// included: IsRulesListEmpty counts them all).
	if len(in.Rules) > 0 && !in.DeviceInformationReceived && !promoted {
		if inGrace {
			return AccessDecision{State: DeviceAccessStateAllowed, Reason: DeviceAccessStateReasonUpgrade, Expires: graceEnds}
		}
		if inDiscovery {
			return AccessDecision{State: DeviceAccessStateDeviceDiscovery, Reason: DeviceAccessStateReasonDeviceRule, Expires: discoveryEnds}
		}
	}
	// 4.2: rules, then the organization's default.
	if r := in.matchRule(); r != nil {
		return AccessDecision{State: r.AccessLevel.State(), Reason: DeviceAccessStateReasonDeviceRule, Rule: r}
	}
	if in.DefaultAccessLevel != DeviceAccessLevelQuarantine {
		return AccessDecision{State: in.DefaultAccessLevel.State(), Reason: DeviceAccessStateReasonGlobal}
	}
	// 4.3: "Global access level is quarantine." The code asks about the
	// upgrade grace period first and whether or not DeviceInformation has
	// come (the reference's summary puts the grace period under "no
	// DeviceInformation"; the code, followed here, does not).
	switch {
	case inGrace:
		return AccessDecision{State: DeviceAccessStateAllowed, Reason: DeviceAccessStateReasonUpgrade, Expires: graceEnds}
	case in.DeviceInformationReceived || promoted:
		return AccessDecision{State: DeviceAccessStateQuarantined, Reason: DeviceAccessStateReasonGlobal}
	case inDiscovery:
		return AccessDecision{State: DeviceAccessStateDeviceDiscovery, Reason: DeviceAccessStateReasonGlobal, Expires: discoveryEnds}
	}
	return AccessDecision{State: DeviceAccessStateQuarantined, Reason: DeviceAccessStateReasonGlobal}
}

// ruleRank orders the characteristics as DetermineDeviceAccessState asks
// them; XMSWLHeader and invalid values are never asked.
func ruleRank(c DeviceAccessCharacteristic) int {
	switch c {
	case DeviceAccessCharacteristicUserAgent:
		return 0
	case DeviceAccessCharacteristicDeviceOS:
		return 1
	case DeviceAccessCharacteristicDeviceModel:
		return 2
	case DeviceAccessCharacteristicDeviceType:
		return 3
	}
	return -1
}

// matchRule returns the deciding rule: of the first characteristic, in the
// order UserAgent, DeviceOS, DeviceModel, DeviceType, that has a rule whose
// QueryString equals the device's value ignoring case, the first such rule.
// UserAgent and DeviceOS are asked only when not empty.
func (in *AccessInput) matchRule() *DeviceAccessRule {
	ua := in.UserAgent // Command.EffectiveUserAgent
	if ua == "" {
		ua = in.DeviceUserAgent
	}
	model := in.DeviceModel
	if model == "" {
		model = in.DeviceType
	}
	derived := in.derivedOS(ua)

	var best *DeviceAccessRule
	bestRank := 4
	for i := range in.Rules {
		r := &in.Rules[i]
		rank := ruleRank(r.Characteristic)
		if rank < 0 || rank >= bestRank {
			continue
		}
		var match bool
		switch rank {
		case 0:
			match = ua != "" && strings.EqualFold(r.QueryString, ua)
		case 1:
			if derived.ok {
				match = derived.equalFold(r.QueryString)
			} else {
				match = in.DeviceOS != "" && strings.EqualFold(r.QueryString, in.DeviceOS)
			}
		case 2:
			match = strings.EqualFold(r.QueryString, model)
		case 3:
			match = strings.EqualFold(r.QueryString, in.DeviceType)
		}
		if match {
			best, bestRank = r, rank
			if rank == 0 {
				break
			}
		}
	}
	return best
}

// containsDeviceID reports whether list holds id.
func containsDeviceID(list []string, id string, caseSensitive bool) bool {
	for _, s := range list {
		if s == id || !caseSensitive && strings.EqualFold(s, id) {
			return true
		}
	}
	return false
}

// derivedOS is a DeviceOS read from the User-Agent, kept as pieces so that
// matching it allocates nothing: prefix, then body with every byte from
// read as to.
type derivedOS struct {
	prefix, body string
	from, to     byte
	ok           bool
}

// derivedOS returns the DeviceOS Exchange derives from the User-Agent when
// the stored one is empty or just "Android" (Command.
// CompleteDeviceAccessProcessing and TryParseDeviceOSFromUserAgent), or
// ok false if it derives none.
//
// Exchange derives it when it completes a request and stores it, so it
// weighs from the device's next request on; deriving it here already
// differs only on a device's very first request, which rules rarely judge
// (no DeviceInformation yet, so discovery).
func (in *AccessInput) derivedOS(ua string) derivedOS {
	if in.DeviceOS != "" && !strings.EqualFold(in.DeviceOS, "Android") {
		return derivedOS{}
	}
	return parseDeviceOS(in.DeviceType, ua)
}

// parseDeviceOS is TryParseDeviceOSFromUserAgent. The device types come
// from web.config DeviceTypesToParseOSVersion (default "samsung,android"),
// compared ignoring case.
//   - SAMSUNG: the digits after the last '.' of the User-Agent, with every
//     '0' read as '.', after "Android ": "SAMSUNG-SM-N9005/101.40402" gives
//     "Android 4.4.2". Exchange accepts what int.TryParse accepts; here an
//     optional sign and ASCII digits within int32.
//   - Android: the User-Agent before its first '-', with '/' read as ' ':
//     "Android/4.4.2-EAS-1.3" gives "Android 4.4.2".
func parseDeviceOS(deviceType, ua string) derivedOS {
	switch {
	case ua == "":
		return derivedOS{}
	case strings.EqualFold(deviceType, "samsung"):
		i := strings.LastIndexByte(ua, '.')
		if i <= 0 || !isInt32(ua[i+1:]) {
			return derivedOS{}
		}
		return derivedOS{prefix: "Android ", body: ua[i+1:], from: '0', to: '.', ok: true}
	case strings.EqualFold(deviceType, "android"):
		i := strings.IndexByte(ua, '-')
		if i <= 0 {
			return derivedOS{}
		}
		return derivedOS{body: ua[:i], from: '/', to: ' ', ok: true}
	}
	return derivedOS{}
}

// isInt32 reports whether s is an optionally signed decimal int32.
func isInt32(s string) bool {
	limit := int64(1<<31 - 1)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			limit++
		}
		s = s[1:]
	}
	if s == "" || len(s) > 10 {
		return false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n <= limit
}

// String builds the derived DeviceOS.
func (d derivedOS) String() string {
	if !d.ok {
		return ""
	}
	return d.prefix + strings.ReplaceAll(d.body, string(rune(d.from)), string(rune(d.to)))
}

// equalFold reports whether q equals the derived DeviceOS, ignoring case
// as strings.EqualFold does.
func (d derivedOS) equalFold(q string) bool {
	q, ok := foldPrefix(q, d.prefix, 0, 0)
	if !ok {
		return false
	}
	q, ok = foldPrefix(q, d.body, d.from, d.to)
	return ok && q == ""
}

// foldPrefix reports whether q starts with s, whose from bytes read as to,
// ignoring case; it returns the rest of q.
func foldPrefix(q, s string, from, to byte) (string, bool) {
	for _, r := range s {
		if from != 0 && r == rune(from) {
			r = rune(to)
		}
		if q == "" {
			return "", false
		}
		qr, n := utf8.DecodeRuneInString(q)
		if !runeEqualFold(qr, r) {
			return "", false
		}
		q = q[n:]
	}
	return q, true
}

// runeEqualFold reports whether a and b are equal under simple Unicode case
// folding.
func runeEqualFold(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// DeviceOSFromUserAgent returns the DeviceOS Exchange derives from the
// User-Agent of an Android or SAMSUNG device (TryParseDeviceOSFromUserAgent),
// for the caller to store when it completes a request whose device has no
// DeviceOS or just "Android", as Exchange does.
func DeviceOSFromUserAgent(deviceType, userAgent string) (string, bool) {
	d := parseDeviceOS(deviceType, userAgent)
	return d.String(), d.ok
}
