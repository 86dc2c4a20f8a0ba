package access

import (
	"strings"
	"time"
)

// Defaults of the EAS virtual directory's web.config (S1
// GlobalSettingsSchema): DeviceDiscoveryPeriod 14 minutes and
// UpgradeGracePeriod 10080 minutes.
const (
	DefaultDeviceDiscoveryPeriod = 14 * time.Minute
	DefaultUpgradeGracePeriod    = 7 * 24 * time.Hour
)

// RequestKind is what the request is, as far as access cares.
type RequestKind int

// Access request kinds.
const (
	RequestCommand RequestKind = iota // any command that does not hang
	RequestOptions                    // HTTP OPTIONS
	RequestHanging                    // Ping, or Sync with Wait or HeartbeatInterval
)

// Input is the snapshot the access decision reads: organization
// settings, the mailbox's CAS settings, the device's record and the request.
// The request path builds it under the locks that make it consistent;
// Decide keeps no reference to it except Rule, which points into Rules.
type Input struct {
	Now time.Time

	// Organization: Get-ActiveSyncOrganizationSettings and
	// Get-ActiveSyncDeviceAccessRule.
	DefaultAccessLevel Level
	Rules              []Rule

	// Mailbox: Get-CASMailbox.
	ActiveSyncEnabled          bool
	ActiveSyncAllowedDeviceIDs []string
	ActiveSyncBlockedDeviceIDs []string
	MonitoringMailbox          bool // a health-probe mailbox: always Allowed/Global

	// Device: the partnership's record (Exchange's GlobalInfo sync state).
	DeviceID        string
	DeviceType      string // from the request URL
	DeviceModel     string // from DeviceInformation; empty means DeviceType, as Exchange fills it in
	DeviceOS        string // from DeviceInformation, or derived from the User-Agent earlier; see DeviceOS
	DeviceUserAgent string // the stored User-Agent, used when the request has none
	// DeviceInformationReceived: Settings or Provision brought
	// DeviceInformation (or the sync state was just upgraded with a model).
	DeviceInformationReceived bool
	// DeviceInformationPromoted: a hanging request during discovery made
	// Exchange take DeviceType as the model for good (Decision.Promoted).
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
	AutoblockReason Reason
	AutoblockUntil  time.Time
	// RemoteWipePending: Clear-MobileDevice asked for a wipe that the
	// device has not acknowledged.
	RemoteWipePending bool

	// Request.
	Request   RequestKind
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

// Decision is the outcome of Decide.
type Decision struct {
	// UserDisabled: ActiveSyncEnabled is false. Answer HTTP 403 with
	// status 126 (UserDisabledForSync), OPTIONS included; nothing else is
	// decided and nothing is recorded.
	UserDisabled bool
	// RemoteWipe: a wipe is pending, so the request goes on whatever the
	// device's state (the policy check then answers 449 or 403 with status
	// 140 and Provision delivers the wipe). Exchange does not evaluate
	// access then: State is Unknown and the device keeps its recorded state.
	RemoteWipe bool

	State  State
	Reason Reason
	// Rule is the device access rule that decided (Get-MobileDevice's
	// DeviceAccessControlRule), pointing into Input.Rules; nil if
	// none did.
	Rule *Rule
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

// Decide decides whether the device may sync, in Exchange's order
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
// Decide does not allocate.
func Decide(in Input) Decision {
	// Handler: ActiveSyncEnabled $false is 403/126 before command dispatch,
	// so even OPTIONS of a disabled user is refused.
	if !in.ActiveSyncEnabled {
		return Decision{UserDisabled: true}
	}
	// DetermineDeviceAccessState: "OPTIONS is always allowed." OPTIONS opens
	// no sync state, so the wipe check (which reads it) never applies and
	// nothing is stamped.
	if in.Request == RequestOptions {
		return Decision{State: Allowed, Reason: ReasonGlobal}
	}
	// IsDeviceAccessAllowed: RemoteWipeRequestedTime set returns true at
	// once, before any evaluation.
	if in.RemoteWipePending {
		return Decision{RemoteWipe: true}
	}
	if in.MonitoringMailbox {
		return Decision{State: Allowed, Reason: ReasonGlobal, Record: true}
	}
	if containsDeviceID(in.ActiveSyncBlockedDeviceIDs, in.DeviceID, in.CaseSensitiveDeviceIDs) {
		return Decision{State: Blocked, Reason: ReasonIndividual, Record: true}
	}
	if in.AutoblockReason != ReasonUnknown && in.Now.Before(in.AutoblockUntil) {
		return Decision{
			State: Blocked, Reason: in.AutoblockReason, Record: true,
			RetryAfter: in.AutoblockUntil.Sub(in.Now), Expires: in.AutoblockUntil,
		}
	}
	// (Forest-wide rules of multi-tenant datacenters would come here.)
	if containsDeviceID(in.ActiveSyncAllowedDeviceIDs, in.DeviceID, in.CaseSensitiveDeviceIDs) {
		return Decision{State: Allowed, Reason: ReasonIndividual, Record: true}
	}
	d := in.decideByRules(in.DeviceInformationPromoted)
	// PingCommand / SyncCommand (shouldHang): in DeviceDiscovery they set
	// DeviceInformationPromoted and evaluate again.
	if d.State == DeviceDiscovery && in.Request == RequestHanging {
		d = in.decideByRules(true)
		d.Promoted = true
	}
	d.Record = true
	return d
}

// decideByRules is DetermineDeviceAccessState from step 4 on ("Check device
// access rule settings"): discovery, rules, then the default.
func (in *Input) decideByRules(promoted bool) Decision {
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
			return Decision{State: Allowed, Reason: ReasonUpgrade, Expires: graceEnds}
		}
		if inDiscovery {
			return Decision{State: DeviceDiscovery, Reason: ReasonDeviceRule, Expires: discoveryEnds}
		}
	}
	// 4.2: rules, then the organization's default.
	if r := in.matchRule(); r != nil {
		return Decision{State: r.AccessLevel.State(), Reason: ReasonDeviceRule, Rule: r}
	}
	if in.DefaultAccessLevel != LevelQuarantine {
		return Decision{State: in.DefaultAccessLevel.State(), Reason: ReasonGlobal}
	}
	// 4.3: "Global access level is quarantine." The code asks about the
	// upgrade grace period first and whether or not DeviceInformation has
	// come (the reference's summary puts the grace period under "no
	// DeviceInformation"; the code, followed here, does not).
	switch {
	case inGrace:
		return Decision{State: Allowed, Reason: ReasonUpgrade, Expires: graceEnds}
	case in.DeviceInformationReceived || promoted:
		return Decision{State: Quarantined, Reason: ReasonGlobal}
	case inDiscovery:
		return Decision{State: DeviceDiscovery, Reason: ReasonGlobal, Expires: discoveryEnds}
	}
	return Decision{State: Quarantined, Reason: ReasonGlobal}
}

// ruleRank orders the characteristics as DetermineDeviceAccessState asks
// them; XMSWLHeader and invalid values are never asked.
func ruleRank(c Characteristic) int {
	switch c {
	case CharacteristicUserAgent:
		return 0
	case CharacteristicDeviceOS:
		return 1
	case CharacteristicDeviceModel:
		return 2
	case CharacteristicDeviceType:
		return 3
	}
	return -1
}

// matchRule returns the deciding rule: of the first characteristic, in the
// order UserAgent, DeviceOS, DeviceModel, DeviceType, that has a rule whose
// QueryString equals the device's value ignoring case, the first such rule.
// UserAgent and DeviceOS are asked only when not empty.
func (in *Input) matchRule() *Rule {
	ua := in.UserAgent // Command.EffectiveUserAgent
	if ua == "" {
		ua = in.DeviceUserAgent
	}
	model := in.DeviceModel
	if model == "" {
		model = in.DeviceType
	}
	derived := in.derivedOS(ua)

	var best *Rule
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
