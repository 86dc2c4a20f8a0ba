package access

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// The device every case judges, and the rules that match it. Each rule's
// QueryString differs in case from the device's value: matching ignores
// case (exchange-admin.md 1.3, "ordinal, case-insensitive, whole string").
const (
	accDeviceID  = "ApplF17XK2ABCDEF"
	accType      = "iPhone"
	accModel     = "iPhone12C1"
	accOS        = "iOS 17.4 21E219"
	accUA        = "Apple-iPhone12C1/2104.219"
	accStoredUA  = "Apple-iPhone12C1/2104.100" // an older stored User-Agent the request's overrides
	accAutoblock = 14 * time.Hour              // a User-Agent-change autoblock (field notes: 14 h)
)

var accNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// ruleLevel is a rule on one characteristic in an enumerated case.
type ruleLevel int

const (
	ruleNone ruleLevel = iota
	ruleAllow
	ruleBlock
	ruleQuarantine
)

// Characteristics in the order the decision asks them (1.3: "UserAgent,
// then DeviceOS, then DeviceModel, then DeviceType").
const (
	chUA = iota
	chOS
	chModel
	chType
)

// The matching rules on each characteristic, in that order.
var (
	accQueries   = [4]string{strings.ToLower(accUA), strings.ToUpper(accOS), strings.ToLower(accModel), strings.ToUpper(accType)}
	accChars     = [4]Characteristic{CharacteristicUserAgent, CharacteristicDeviceOS, CharacteristicDeviceModel, CharacteristicDeviceType}
	accRuleNames = [4]string{ // written out, not built by the code under test
		"apple-iphone12c1/2104.219 (UserAgent)",
		"IOS 17.4 21E219 (DeviceOS)",
		"iphone12c1 (DeviceModel)",
		"IPHONE (DeviceType)",
	}
)

// extraRules are rules that never decide but make "rules exist" true.
type extraRules int

const (
	extraNone        extraRules = iota
	extraNonMatching            // a non-matching Block rule on every characteristic, listed first
	extraXMSWLHeader            // XMSWLHeader rules whose QueryStrings are the User-Agent and the type: never consulted
)

// accessCombo is one enumerated case.
type accessCombo struct {
	enabled       bool // ActiveSyncEnabled
	wipe          bool // remote wipe pending
	blockListed   bool // DeviceId in ActiveSyncBlockedDeviceIDs
	autoblocked   bool
	allowListed   bool // DeviceId in ActiveSyncAllowedDeviceIDs
	rules         [4]ruleLevel
	extra         extraRules
	def           Level
	info          bool // DeviceInformation received
	upgrade       bool // inside the upgrade grace period
	pastDiscovery bool // first contact 15 minutes ago rather than 5
	req           RequestKind
}

func (c accessCombo) String() string {
	return fmt.Sprintf("enabled=%v wipe=%v block=%v autoblock=%v allow=%v rules[UA,OS,Model,Type]=%v extra=%d default=%v info=%v upgrade=%v pastDiscovery=%v req=%d",
		c.enabled, c.wipe, c.blockListed, c.autoblocked, c.allowListed, c.rules, c.extra, c.def, c.info, c.upgrade, c.pastDiscovery, c.req)
}

// accessDims are the sizes of the enumerated dimensions, in the order
// forEachAccessCombo reads them.
var accessDims = []int{2, 2, 2, 2, 2, 4, 4, 4, 4, 3, 3, 2, 2, 2, 3}

func accessComboCount() int {
	n := 1
	for _, d := range accessDims {
		n *= d
	}
	return n
}

// forEachAccessCombo calls f with every combination.
func forEachAccessCombo(f func(accessCombo)) {
	for n := range accessComboCount() {
		x := n
		pick := func(k int) int { v := x % k; x /= k; return v }
		c := accessCombo{
			enabled:     pick(2) == 1,
			wipe:        pick(2) == 1,
			blockListed: pick(2) == 1,
			autoblocked: pick(2) == 1,
			allowListed: pick(2) == 1,
		}
		for i := range c.rules {
			c.rules[i] = ruleLevel(pick(4))
		}
		c.extra = extraRules(pick(3))
		c.def = Level(pick(3))
		c.info = pick(2) == 1
		c.upgrade = pick(2) == 1
		c.pastDiscovery = pick(2) == 1
		c.req = RequestKind(pick(3))
		f(c)
	}
}

// accessRuleSets caches the rule slice of each (rules, extra) pair. Rules
// are listed in the reverse of the order they are asked, so that list order
// cannot pass for precedence.
var accessRuleSets = map[[5]int][]Rule{}

func accessRules(c accessCombo) []Rule {
	key := [5]int{int(c.rules[0]), int(c.rules[1]), int(c.rules[2]), int(c.rules[3]), int(c.extra)}
	if rs, ok := accessRuleSets[key]; ok {
		return rs
	}
	var rs []Rule
	switch c.extra {
	case extraNonMatching:
		for _, q := range []struct {
			s  string
			ch Characteristic
		}{
			{"Android", CharacteristicDeviceType},
			{"SM-G991B", CharacteristicDeviceModel},
			{"Android 14", CharacteristicDeviceOS},
			{"Apple-iPhone12C1", CharacteristicUserAgent}, // a prefix: no partial matches
		} {
			rs = append(rs, Rule{Name: q.s + " (" + q.ch.String() + ")", QueryString: q.s, Characteristic: q.ch, AccessLevel: LevelBlock})
		}
	case extraXMSWLHeader:
		for _, q := range []string{accUA, accType} {
			rs = append(rs, Rule{Name: q + " (XMSWLHeader)", QueryString: q, Characteristic: CharacteristicXMSWLHeader, AccessLevel: LevelBlock})
		}
	}
	for i := chType; i >= chUA; i-- {
		if c.rules[i] == ruleNone {
			continue
		}
		rs = append(rs, Rule{Name: accRuleNames[i], QueryString: accQueries[i], Characteristic: accChars[i], AccessLevel: Level(c.rules[i] - 1)})
	}
	accessRuleSets[key] = rs
	return rs
}

// accessComboInput builds the snapshot of a combination.
func accessComboInput(c accessCombo) Input {
	in := Input{
		Now:                        accNow,
		DefaultAccessLevel:         c.def,
		Rules:                      accessRules(c),
		ActiveSyncEnabled:          c.enabled,
		ActiveSyncAllowedDeviceIDs: []string{"Androidc123456789"},
		ActiveSyncBlockedDeviceIDs: []string{"WP8ABCDEF"},
		DeviceID:                   accDeviceID,
		DeviceType:                 accType,
		DeviceUserAgent:            accStoredUA,
		DeviceInformationReceived:  c.info,
		FirstSyncTime:              accNow.Add(-5 * time.Minute),
		RemoteWipePending:          c.wipe,
		Request:                    c.req,
		UserAgent:                  accUA,
	}
	if c.blockListed { // listed in another case: the lists ignore case
		in.ActiveSyncBlockedDeviceIDs = append(in.ActiveSyncBlockedDeviceIDs, strings.ToLower(accDeviceID))
	}
	if c.allowListed {
		in.ActiveSyncAllowedDeviceIDs = append(in.ActiveSyncAllowedDeviceIDs, strings.ToUpper(accDeviceID))
	}
	if c.autoblocked {
		in.AutoblockReason = ReasonUserAgentsChanges
		in.AutoblockUntil = accNow.Add(accAutoblock)
	}
	if c.info { // without DeviceInformation there is no model or OS yet
		in.DeviceModel = accModel
		in.DeviceOS = accOS
	}
	if c.upgrade {
		in.SyncStateUpgradeTime = accNow.Add(-48 * time.Hour)
	}
	if c.pastDiscovery {
		in.FirstSyncTime = accNow.Add(-15 * time.Minute)
	}
	return in
}

// accessWant is an expected decision, in plain values.
type accessWant struct {
	disabled   bool
	wipe       bool
	state      State
	reason     Reason
	rule       string // the deciding rule's Name, "" for none
	record     bool
	promoted   bool
	retryAfter time.Duration
	expires    time.Time
}

func accessGot(d Decision) accessWant {
	w := accessWant{
		disabled: d.UserDisabled, wipe: d.RemoteWipe, state: d.State, reason: d.Reason,
		record: d.Record, promoted: d.Promoted, retryAfter: d.RetryAfter, expires: d.Expires,
	}
	if d.Rule != nil {
		w.rule = d.Rule.Name
	}
	return w
}

func (w accessWant) String() string {
	switch {
	case w.disabled:
		return "UserDisabled"
	case w.wipe:
		return "RemoteWipe"
	}
	s := w.state.String() + "/" + w.reason.String()
	if w.rule != "" {
		s += " rule=" + w.rule
	}
	if !w.record {
		s += " not-recorded"
	}
	if w.promoted {
		s += " promoted"
	}
	if w.retryAfter != 0 {
		s += " retry-after=" + w.retryAfter.String()
	}
	if !w.expires.IsZero() {
		s += " expires=" + w.expires.Format(time.TimeOnly)
	}
	return s
}

// accessOracle is the expected decision of a combination, written from the
// reference's order (exchange-admin.md 1.3 CODE order, 1.4, 1.5) and not
// from the code under test. One correction to the reference's summary,
// from the code it summarises: with a Quarantine default the upgrade grace
// period is asked before, and regardless of, DeviceInformation.
func accessOracle(c accessCombo) accessWant {
	discoveryEnds := accNow.Add(-5 * time.Minute).Add(14 * time.Minute) // 1.4: "default 14 minutes ... from ... first contact"
	graceEnds := accNow.Add(-48 * time.Hour).Add(7 * 24 * time.Hour)    // 1.4: "UpgradeGracePeriod default 10080 min (7 days)"

	// 1.3 step 2: "ActiveSyncEnabled = $false ... → 403 + status 126
	// UserDisabledForSync ... This happens before command dispatch, so even
	// OPTIONS of a disabled user gets HTTP 403".
	if !c.enabled {
		return accessWant{disabled: true}
	}
	// 3c: "OPTIONS → Allowed/Global". OPTIONS opens no sync state, so it
	// stamps nothing and 3a (which reads the sync state) does not apply.
	if c.req == RequestOptions {
		return accessWant{state: Allowed, reason: ReasonGlobal}
	}
	// 3a: "A pending remote wipe short-circuits to "allowed" so the wipe can
	// be delivered even to blocked devices."
	if c.wipe {
		return accessWant{wipe: true}
	}
	// "personal block list (ActiveSyncBlockedDeviceIDs contains the
	// request's DeviceId) → Blocked/Individual".
	if c.blockListed {
		return accessWant{state: Blocked, reason: ReasonIndividual, record: true}
	}
	// "autoblock (device behaviour thresholds) → Blocked/<autoblock reason>
	// plus Retry-After".
	if c.autoblocked {
		return accessWant{state: Blocked, reason: ReasonUserAgentsChanges, record: true,
			retryAfter: accAutoblock, expires: accNow.Add(accAutoblock)}
	}
	// "personal allow list (ActiveSyncAllowedDeviceIDs) → Allowed/Individual".
	if c.allowListed {
		return accessWant{state: Allowed, reason: ReasonIndividual, record: true}
	}

	rulesExist := c.extra != extraNone || c.rules != [4]ruleLevel{}
	promoted := false
	// "if the org has at least one device access rule and no
	// DeviceInformation has been received yet: within the upgrade grace
	// period → Allowed/Upgrade; within the device-discovery period →
	// DeviceDiscovery/DeviceRule".
	if rulesExist && !c.info {
		if c.upgrade {
			return accessWant{state: Allowed, reason: ReasonUpgrade, record: true, expires: graceEnds}
		}
		if !c.pastDiscovery {
			if c.req != RequestHanging {
				return accessWant{state: DeviceDiscovery, reason: ReasonDeviceRule, record: true, expires: discoveryEnds}
			}
			// 1.4: discovery "Exits when: ... the device issues a hanging
			// request (Ping, or Sync with Wait/HeartbeatInterval) — Exchange
			// then "promotes" the DeviceType as the model ... and evaluates
			// rules/default".
			promoted = true
		}
	}
	// "device access rules, evaluated by characteristic in this fixed order:
	// UserAgent, then DeviceOS, then DeviceModel, then DeviceType. The first
	// characteristic that has a rule whose QueryString equals the device's
	// value ... decides: state = rule's AccessLevel, reason DeviceRule".
	// "Values the rules see: DeviceType from the URL; DeviceModel/DeviceOS
	// from DeviceInformation ..., else DeviceModel = DeviceType; UserAgent =
	// current request's User-Agent": without DeviceInformation the model and
	// OS rules cannot match. "XMSWLHeader rules are NOT consulted here."
	sees := [4]bool{chUA: true, chOS: c.info, chModel: c.info, chType: true}
	for ch, lvl := range c.rules {
		if lvl != ruleNone && sees[ch] {
			state := map[ruleLevel]State{ruleAllow: Allowed, ruleBlock: Blocked, ruleQuarantine: Quarantined}[lvl]
			return accessWant{state: state, reason: ReasonDeviceRule, rule: accRuleNames[ch], record: true, promoted: promoted}
		}
	}
	// "default: DefaultAccessLevel → Allowed/Blocked/Quarantined with reason
	// Global."
	switch c.def {
	case LevelAllow:
		return accessWant{state: Allowed, reason: ReasonGlobal, record: true, promoted: promoted}
	case LevelBlock:
		return accessWant{state: Blocked, reason: ReasonGlobal, record: true, promoted: promoted}
	}
	// "If the default is Quarantine and DeviceInformation has not arrived:
	// upgrade grace → Allowed/Upgrade; within the discovery period →
	// DeviceDiscovery/Global; otherwise Quarantined/Global." The code asks
	// the grace period first, DeviceInformation or not.
	if c.upgrade {
		return accessWant{state: Allowed, reason: ReasonUpgrade, record: true, expires: graceEnds}
	}
	// 1.5: "Existing devices already sent DeviceInformation, so they go
	// straight to Quarantined/Global (no discovery)"; a promoted device
	// likewise.
	if c.info || promoted {
		return accessWant{state: Quarantined, reason: ReasonGlobal, record: true, promoted: promoted}
	}
	if !c.pastDiscovery {
		if c.req != RequestHanging {
			return accessWant{state: DeviceDiscovery, reason: ReasonGlobal, record: true, expires: discoveryEnds}
		}
		promoted = true // the hanging request ends discovery (1.4)
	}
	return accessWant{state: Quarantined, reason: ReasonGlobal, record: true, promoted: promoted}
}

// TestDecideEnumerated checks every combination of the decision's
// inputs against the oracle.
func TestDecideEnumerated(t *testing.T) {
	var n, failed int
	outcomes := map[string]int{}
	forEachAccessCombo(func(c accessCombo) {
		n++
		want := accessOracle(c)
		got := accessGot(Decide(accessComboInput(c)))
		outcomes[want.state.String()+"/"+want.reason.String()]++
		if got != want {
			failed++
			if failed <= 20 {
				t.Errorf("%v:\n got  %v\n want %v", c, got, want)
			}
		}
	})
	if failed > 20 {
		t.Errorf("... %d failures in all", failed)
	}
	if n != accessComboCount() || n != 1769472 {
		t.Fatalf("enumerated %d combinations, want %d", n, accessComboCount())
	}
	// The enumeration reaches every outcome a device can have.
	for _, o := range []string{
		"Allowed/Global", "Allowed/Individual", "Allowed/DeviceRule", "Allowed/Upgrade",
		"Blocked/Global", "Blocked/Individual", "Blocked/DeviceRule", "Blocked/UserAgentsChanges",
		"Quarantined/Global", "Quarantined/DeviceRule",
		"DeviceDiscovery/Global", "DeviceDiscovery/DeviceRule",
	} {
		if outcomes[o] == 0 {
			t.Errorf("no combination gives %s", o)
		}
	}
	t.Logf("%d combinations; outcomes: %v", n, outcomes)
}

// accessBase is an ordinary request of a device that sent
// DeviceInformation long ago, under a default of Allow and no rules.
func accessBase() Input {
	return Input{
		Now:                       accNow,
		ActiveSyncEnabled:         true,
		DeviceID:                  accDeviceID,
		DeviceType:                accType,
		DeviceModel:               accModel,
		DeviceOS:                  accOS,
		DeviceUserAgent:           accUA,
		UserAgent:                 accUA,
		DeviceInformationReceived: true,
		FirstSyncTime:             accNow.Add(-30 * 24 * time.Hour),
	}
}

func rule(q string, c Characteristic, l Level) Rule {
	return NewRule(q, c, l)
}

// Named cases: the consequences exchange-admin.md 1.3 to 1.5 lists, and the
// edges of each step.
func TestDecideCases(t *testing.T) {
	allowed := func(r Reason) accessWant {
		return accessWant{state: Allowed, reason: r, record: true}
	}
	blocked := func(r Reason) accessWant {
		return accessWant{state: Blocked, reason: r, record: true}
	}
	quarantined := func(r Reason) accessWant {
		return accessWant{state: Quarantined, reason: r, record: true}
	}
	byRule := func(w accessWant, name string) accessWant { w.rule = name; return w }
	newDevice := func(in *Input) { // first contact 5 minutes ago, no DeviceInformation yet
		in.FirstSyncTime = accNow.Add(-5 * time.Minute)
		in.DeviceInformationReceived = false
		in.DeviceModel, in.DeviceOS = "", ""
	}
	discovery := func(r Reason) accessWant {
		return accessWant{state: DeviceDiscovery, reason: r, record: true, expires: accNow.Add(9 * time.Minute)}
	}

	tests := []struct {
		name string
		mod  func(*Input)
		want accessWant
	}{
		{"default Allow", func(in *Input) {}, allowed(ReasonGlobal)},
		{"default Block", func(in *Input) { in.DefaultAccessLevel = LevelBlock }, blocked(ReasonGlobal)},
		{"invalid default level gives Unknown/Global", func(in *Input) { in.DefaultAccessLevel = 7 },
			accessWant{state: Unknown, reason: ReasonGlobal, record: true}},

		// 1.3: "DeviceType "iPhone"=Block plus DeviceModel "iPhone12C1"=Allow
		// → the iPhone12C1 is Allowed."
		{"DeviceType Block, DeviceModel Allow: allowed by the model rule", func(in *Input) {
			in.Rules = []Rule{rule("iPhone", CharacteristicDeviceType, LevelBlock), rule("iPhone12C1", CharacteristicDeviceModel, LevelAllow)}
		}, byRule(allowed(ReasonDeviceRule), "iPhone12C1 (DeviceModel)")},
		{"the same rules judge another iPhone by its type", func(in *Input) {
			in.DeviceModel = "iPhone14C3"
			in.Rules = []Rule{rule("iPhone", CharacteristicDeviceType, LevelBlock), rule("iPhone12C1", CharacteristicDeviceModel, LevelAllow)}
		}, byRule(blocked(ReasonDeviceRule), "iPhone (DeviceType)")},
		{"UserAgent Allow beats DeviceOS Block", func(in *Input) {
			in.Rules = []Rule{rule(accOS, CharacteristicDeviceOS, LevelBlock), rule(accUA, CharacteristicUserAgent, LevelAllow)}
		}, byRule(allowed(ReasonDeviceRule), accUA+" (UserAgent)")},
		{"DeviceOS Quarantine beats DeviceModel Allow", func(in *Input) {
			in.Rules = []Rule{rule(accModel, CharacteristicDeviceModel, LevelAllow), rule(accOS, CharacteristicDeviceOS, LevelQuarantine)}
		}, byRule(quarantined(ReasonDeviceRule), accOS+" (DeviceOS)")},
		{"within one characteristic the first matching rule decides", func(in *Input) {
			in.Rules = []Rule{
				{Name: "first", QueryString: "IPHONE", Characteristic: CharacteristicDeviceType, AccessLevel: LevelQuarantine},
				{Name: "second", QueryString: "iphone", Characteristic: CharacteristicDeviceType, AccessLevel: LevelAllow},
			}
		}, byRule(quarantined(ReasonDeviceRule), "first")},
		// "QueryString never supports wildcards or partial matches".
		{"no wildcards", func(in *Input) {
			in.Rules = []Rule{rule("iPhone*", CharacteristicDeviceType, LevelBlock), rule("*", CharacteristicDeviceModel, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"no partial matches", func(in *Input) {
			in.Rules = []Rule{rule("iPhone1", CharacteristicDeviceType, LevelBlock), rule("Apple-iPhone12C1", CharacteristicUserAgent, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"XMSWLHeader rules are not consulted", func(in *Input) {
			in.Rules = []Rule{rule(accUA, CharacteristicXMSWLHeader, LevelBlock), rule(accType, CharacteristicXMSWLHeader, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"a rule of an invalid characteristic is not consulted", func(in *Input) {
			in.Rules = []Rule{{Name: "x", QueryString: accType, Characteristic: 9, AccessLevel: LevelBlock}}
		}, allowed(ReasonGlobal)},
		{"the request's User-Agent, not the stored one", func(in *Input) {
			in.DeviceUserAgent = accStoredUA
			in.Rules = []Rule{rule(accStoredUA, CharacteristicUserAgent, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"the stored User-Agent when the request has none", func(in *Input) {
			in.UserAgent, in.DeviceUserAgent = "", accStoredUA
			in.Rules = []Rule{rule(accStoredUA, CharacteristicUserAgent, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), accStoredUA+" (UserAgent)")},
		{"no User-Agent at all: UserAgent rules are skipped", func(in *Input) {
			in.UserAgent, in.DeviceUserAgent = "", ""
			in.Rules = []Rule{{Name: "empty", QueryString: "", Characteristic: CharacteristicUserAgent, AccessLevel: LevelBlock}}
		}, allowed(ReasonGlobal)},
		{"an empty DeviceOS is not matched", func(in *Input) {
			in.DeviceOS = ""
			in.Rules = []Rule{{Name: "empty", QueryString: "", Characteristic: CharacteristicDeviceOS, AccessLevel: LevelBlock}}
		}, allowed(ReasonGlobal)},
		// 1.3 step 6: "if DeviceModel empty set DeviceModel := DeviceType".
		{"an empty DeviceModel is the DeviceType", func(in *Input) {
			in.DeviceModel = ""
			in.Rules = []Rule{rule("iphone", CharacteristicDeviceModel, LevelQuarantine)}
		}, byRule(quarantined(ReasonDeviceRule), "iphone (DeviceModel)")},

		// 1.3: "For DeviceType exactly Android/SAMSUNG with empty DeviceOS,
		// Exchange derives DeviceOS from the User-Agent ... e.g.
		// Android/4.4.2-EAS-1.3 → Android 4.4.2".
		{"Android DeviceOS from the User-Agent", func(in *Input) {
			in.DeviceType, in.DeviceModel, in.DeviceOS, in.UserAgent = "Android", "", "", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("Android 4.4.2", CharacteristicDeviceOS, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "Android 4.4.2 (DeviceOS)")},
		{"Android DeviceOS from the User-Agent, ignoring case", func(in *Input) {
			in.DeviceType, in.DeviceModel, in.DeviceOS, in.UserAgent = "android", "", "", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("ANDROID 4.4.2", CharacteristicDeviceOS, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "ANDROID 4.4.2 (DeviceOS)")},
		{"a stored DeviceOS of just Android is derived again", func(in *Input) {
			in.DeviceType, in.DeviceOS, in.UserAgent = "Android", "Android", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("Android 4.4.2", CharacteristicDeviceOS, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "Android 4.4.2 (DeviceOS)")},
		{"a stored DeviceOS of just Android stays when nothing derives", func(in *Input) {
			in.DeviceType, in.DeviceOS, in.UserAgent = "Android", "Android", "Android/4.4.2"
			in.Rules = []Rule{rule("android", CharacteristicDeviceOS, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "android (DeviceOS)")},
		{"a DeviceOS from DeviceInformation is kept", func(in *Input) {
			in.DeviceType, in.DeviceOS, in.UserAgent = "Android", "Android 14.0.0", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("Android 4.4.2", CharacteristicDeviceOS, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"the derived DeviceOS is the whole string", func(in *Input) {
			in.DeviceType, in.DeviceModel, in.DeviceOS, in.UserAgent = "Android", "", "", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("Android 4.4", CharacteristicDeviceOS, LevelBlock), rule("Android 4.4.2x", CharacteristicDeviceOS, LevelBlock)}
		}, allowed(ReasonGlobal)},
		{"SAMSUNG DeviceOS from the User-Agent", func(in *Input) {
			in.DeviceType, in.DeviceModel, in.DeviceOS, in.UserAgent = "SAMSUNG", "", "", "SAMSUNG-SM-N9005/101.40402"
			in.Rules = []Rule{rule("Android 4.4.2", CharacteristicDeviceOS, LevelQuarantine)}
		}, byRule(quarantined(ReasonDeviceRule), "Android 4.4.2 (DeviceOS)")},
		{"other device types derive nothing", func(in *Input) {
			in.DeviceOS, in.UserAgent = "", "Android/4.4.2-EAS-1.3"
			in.Rules = []Rule{rule("Android 4.4.2", CharacteristicDeviceOS, LevelBlock)}
		}, allowed(ReasonGlobal)},

		// 1.3: "personal block beats personal allow".
		{"personal block beats personal allow", func(in *Input) {
			in.ActiveSyncAllowedDeviceIDs = []string{accDeviceID}
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID}
		}, blocked(ReasonIndividual)},
		// "Personal lists beat rules".
		{"personal allow beats a DeviceType Block rule", func(in *Input) {
			in.ActiveSyncAllowedDeviceIDs = []string{accDeviceID}
			in.Rules = []Rule{rule(accType, CharacteristicDeviceType, LevelBlock)}
		}, allowed(ReasonIndividual)},
		{"personal block beats a UserAgent Allow rule", func(in *Input) {
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID}
			in.Rules = []Rule{rule(accUA, CharacteristicUserAgent, LevelAllow)}
		}, blocked(ReasonIndividual)},
		{"device ids match ignoring case", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
			in.ActiveSyncAllowedDeviceIDs = []string{strings.ToLower(accDeviceID)}
		}, allowed(ReasonIndividual)},
		{"CaseSensitiveDeviceIDs: a differently cased id does not match", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
			in.CaseSensitiveDeviceIDs = true
			in.ActiveSyncAllowedDeviceIDs = []string{strings.ToLower(accDeviceID)}
		}, quarantined(ReasonGlobal)},
		{"CaseSensitiveDeviceIDs: the exact id matches", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
			in.CaseSensitiveDeviceIDs = true
			in.ActiveSyncAllowedDeviceIDs = []string{"x", accDeviceID}
		}, allowed(ReasonIndividual)},
		{"ids are whole: a prefix does not match", func(in *Input) {
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID[:8]}
		}, allowed(ReasonGlobal)},

		// 1.5: quarantine by default, and what an approval does.
		{"Quarantine default: an existing device with DeviceInformation goes straight to Quarantined", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"Quarantine default: an individually allowed device stays Allowed", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
			in.ActiveSyncAllowedDeviceIDs = []string{"other", accDeviceID}
		}, allowed(ReasonIndividual)},
		{"Quarantine default: approval of a new device during discovery", func(in *Input) {
			newDevice(in)
			in.DefaultAccessLevel = LevelQuarantine
			in.ActiveSyncAllowedDeviceIDs = []string{accDeviceID}
		}, allowed(ReasonIndividual)},
		// 1.3: "rules do apply to devices that are currently quarantined".
		{"Quarantine default: an Allow rule releases the device", func(in *Input) {
			in.DefaultAccessLevel = LevelQuarantine
			in.Rules = []Rule{rule(accType, CharacteristicDeviceType, LevelAllow)}
		}, byRule(allowed(ReasonDeviceRule), "iPhone (DeviceType)")},

		// 1.4: "Applies only when the org has device access rules, or
		// DefaultAccessLevel = Quarantine, AND the device has not yet sent
		// DeviceInformation."
		{"discovery: none under Allow without rules", newDevice, allowed(ReasonGlobal)},
		{"discovery: none under Block without rules", func(in *Input) { newDevice(in); in.DefaultAccessLevel = LevelBlock }, blocked(ReasonGlobal)},
		{"discovery: with a rule", func(in *Input) {
			newDevice(in)
			in.Rules = []Rule{rule("Android", CharacteristicDeviceType, LevelBlock)}
		}, discovery(ReasonDeviceRule)},
		{"discovery: with only an XMSWLHeader rule", func(in *Input) {
			newDevice(in)
			in.Rules = []Rule{rule("x", CharacteristicXMSWLHeader, LevelBlock)}
		}, discovery(ReasonDeviceRule)},
		{"discovery: with rules, even one that would match the type", func(in *Input) {
			newDevice(in)
			in.Rules = []Rule{rule(accType, CharacteristicDeviceType, LevelAllow)}
		}, discovery(ReasonDeviceRule)},
		{"discovery: under Quarantine", func(in *Input) { newDevice(in); in.DefaultAccessLevel = LevelQuarantine }, discovery(ReasonGlobal)},
		{"discovery: ends with DeviceInformation", func(in *Input) {
			newDevice(in)
			in.DeviceInformationReceived, in.DeviceModel = true, accModel
			in.DefaultAccessLevel = LevelQuarantine
			in.Rules = []Rule{rule(accModel, CharacteristicDeviceModel, LevelAllow)}
		}, byRule(allowed(ReasonDeviceRule), accModel+" (DeviceModel)")},
		{"discovery: includes its last instant", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = accNow.Add(-14 * time.Minute)
			in.DefaultAccessLevel = LevelQuarantine
		}, accessWant{state: DeviceDiscovery, reason: ReasonGlobal, record: true, expires: accNow}},
		{"discovery: over a nanosecond later", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = accNow.Add(-14*time.Minute - 1)
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"discovery: over, rules then judge by DeviceType", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = accNow.Add(-time.Hour)
			in.DefaultAccessLevel = LevelQuarantine
			in.Rules = []Rule{rule(accModel, CharacteristicDeviceModel, LevelAllow), rule(accType, CharacteristicDeviceType, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "iPhone (DeviceType)")},
		{"discovery: a custom period", func(in *Input) {
			newDevice(in)
			in.DeviceDiscoveryPeriod = 2 * time.Minute
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"discovery: a negative period turns it off", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = accNow
			in.DeviceDiscoveryPeriod = -1
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"discovery: a zero FirstSyncTime is long ago", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = time.Time{}
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		// 1.4: a hanging request promotes DeviceType to the model.
		{"discovery: a Ping promotes and is judged by the rules", func(in *Input) {
			newDevice(in)
			in.Request = RequestHanging
			in.Rules = []Rule{rule("IPHONE", CharacteristicDeviceModel, LevelAllow)}
		}, accessWant{state: Allowed, reason: ReasonDeviceRule, rule: "IPHONE (DeviceModel)", record: true, promoted: true}},
		{"discovery: a Ping under Quarantine promotes to Quarantined", func(in *Input) {
			newDevice(in)
			in.Request = RequestHanging
			in.DefaultAccessLevel = LevelQuarantine
		}, accessWant{state: Quarantined, reason: ReasonGlobal, record: true, promoted: true}},
		{"discovery: a Ping outside discovery promotes nothing", func(in *Input) {
			newDevice(in)
			in.FirstSyncTime = accNow.Add(-time.Hour)
			in.Request = RequestHanging
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"discovery: over for good once promoted", func(in *Input) {
			newDevice(in)
			in.DeviceInformationPromoted = true
			in.DefaultAccessLevel = LevelQuarantine
			in.Rules = []Rule{rule("x", CharacteristicDeviceType, LevelAllow)}
		}, quarantined(ReasonGlobal)},

		// 1.1: "Mailbox upgrade ... is Allowed with reason Upgrade."
		{"upgrade grace: rules, no DeviceInformation", func(in *Input) {
			newDevice(in)
			in.SyncStateUpgradeTime = accNow.Add(-6 * 24 * time.Hour)
			in.Rules = []Rule{rule(accType, CharacteristicDeviceType, LevelBlock)}
		}, accessWant{state: Allowed, reason: ReasonUpgrade, record: true, expires: accNow.Add(24 * time.Hour)}},
		{"upgrade grace: rules decide once DeviceInformation came", func(in *Input) {
			in.SyncStateUpgradeTime = accNow.Add(-6 * 24 * time.Hour)
			in.Rules = []Rule{rule(accType, CharacteristicDeviceType, LevelBlock)}
		}, byRule(blocked(ReasonDeviceRule), "iPhone (DeviceType)")},
		{"upgrade grace: Quarantine default, DeviceInformation or not (code 4.3.1)", func(in *Input) {
			in.SyncStateUpgradeTime = accNow.Add(-6 * 24 * time.Hour)
			in.DefaultAccessLevel = LevelQuarantine
		}, accessWant{state: Allowed, reason: ReasonUpgrade, record: true, expires: accNow.Add(24 * time.Hour)}},
		{"upgrade grace: over after 7 days", func(in *Input) {
			in.SyncStateUpgradeTime = accNow.Add(-7*24*time.Hour - time.Second)
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"upgrade grace: a custom period", func(in *Input) {
			in.SyncStateUpgradeTime = accNow.Add(-2 * time.Hour)
			in.UpgradeGracePeriod = time.Hour
			in.DefaultAccessLevel = LevelQuarantine
		}, quarantined(ReasonGlobal)},
		{"upgrade grace: does not lift a Block default", func(in *Input) {
			in.SyncStateUpgradeTime = accNow.Add(-time.Hour)
			in.DefaultAccessLevel = LevelBlock
		}, blocked(ReasonGlobal)},

		// 4.9 autoblock.
		{"autoblock keeps its reason and says when to retry", func(in *Input) {
			in.AutoblockReason = ReasonCommandFrequency
			in.AutoblockUntil = accNow.Add(90 * time.Second)
		}, accessWant{state: Blocked, reason: ReasonCommandFrequency, record: true, retryAfter: 90 * time.Second, expires: accNow.Add(90 * time.Second)}},
		{"autoblock beats the personal allow list", func(in *Input) {
			in.ActiveSyncAllowedDeviceIDs = []string{accDeviceID}
			in.AutoblockReason = ReasonSyncCommands
			in.AutoblockUntil = accNow.Add(time.Minute)
		}, accessWant{state: Blocked, reason: ReasonSyncCommands, record: true, retryAfter: time.Minute, expires: accNow.Add(time.Minute)}},
		{"an expired autoblock is over", func(in *Input) {
			in.AutoblockReason = ReasonUserAgentsChanges
			in.AutoblockUntil = accNow
		}, allowed(ReasonGlobal)},

		// The short circuits.
		{"disabled user, even with OPTIONS", func(in *Input) {
			in.ActiveSyncEnabled = false
			in.Request = RequestOptions
			in.ActiveSyncAllowedDeviceIDs = []string{accDeviceID}
		}, accessWant{disabled: true}},
		{"OPTIONS of a blocked device", func(in *Input) {
			in.Request = RequestOptions
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID}
		}, accessWant{state: Allowed, reason: ReasonGlobal}},
		{"a wipe reaches a blocked device", func(in *Input) {
			in.RemoteWipePending = true
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID}
		}, accessWant{wipe: true}},
		{"a wipe reaches a quarantined device", func(in *Input) {
			in.RemoteWipePending = true
			in.DefaultAccessLevel = LevelQuarantine
		}, accessWant{wipe: true}},
		{"a disabled user gets no wipe", func(in *Input) {
			in.RemoteWipePending = true
			in.ActiveSyncEnabled = false
		}, accessWant{disabled: true}},
		{"a monitoring mailbox is always allowed", func(in *Input) {
			in.MonitoringMailbox = true
			in.ActiveSyncBlockedDeviceIDs = []string{accDeviceID}
			in.DefaultAccessLevel = LevelBlock
		}, allowed(ReasonGlobal)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := accessBase()
			tt.mod(&in)
			d := Decide(in)
			if got := accessGot(d); got != tt.want {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if d.Rule != nil { // the rule is the caller's, not a copy
				found := false
				for i := range in.Rules {
					found = found || d.Rule == &in.Rules[i]
				}
				if !found {
					t.Errorf("Rule %p does not point into Rules", d.Rule)
				}
			}
		})
	}
}

func TestDeviceOS(t *testing.T) {
	tests := []struct {
		typ, ua, want string
		ok            bool
	}{
		{"Android", "Android/4.4.2-EAS-1.3", "Android 4.4.2", true},
		{"android", "Android/10-EAS-2.0", "Android 10", true},
		{"Android", "Android-SAMSUNG-SM-G991B/101.1402", "Android", true}, // before the first '-'
		{"Android", "Android/4.4.2", "", false},                           // no '-'
		{"Android", "-EAS-1.3", "", false},                                // '-' first
		{"Android", "", "", false},
		{"SAMSUNG", "SAMSUNG-SM-N9005/101.40402", "Android 4.4.2", true},
		{"samsung", "SAMSUNG-SM-G900F/101.500", "Android 5..", true}, // every '0', as Exchange does
		{"SAMSUNG", "SAMSUNG-SM-N9005/101.4.4.2x", "", false},        // not an integer
		{"SAMSUNG", "SAMSUNG-SM-N9005/101.", "", false},
		{"SAMSUNG", "SAMSUNG-SM-N9005/101.99999999999", "", false}, // beyond int32
		{"SAMSUNG", "SAMSUNG-SM-N9005/101.-7", "Android -7", true}, // int.TryParse takes a sign
		{"SAMSUNG", ".40402", "", false},                           // '.' first
		{"iPhone", "Android/4.4.2-EAS-1.3", "", false},
		{"SAMSUNGX", "SAMSUNG-SM-N9005/101.40402", "", false},
		{"WindowsMail", "Android/4.4.2-EAS-1.3", "", false},
	}
	for _, tt := range tests {
		got, ok := DeviceOS(tt.typ, tt.ua)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DeviceOS(%q, %q) = %q, %v; want %q, %v", tt.typ, tt.ua, got, ok, tt.want, tt.ok)
		}
		// The allocation-free matcher agrees with the built string.
		d := parseDeviceOS(tt.typ, tt.ua)
		if d.ok && (!d.equalFold(tt.want) || !d.equalFold(strings.ToUpper(tt.want)) || d.equalFold(tt.want+"x") || d.equalFold(tt.want[:len(tt.want)-1])) {
			t.Errorf("derived %q does not match as a whole string, ignoring case", tt.want)
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		v    fmt.Stringer
		want string
	}{
		{Unknown, "Unknown"},
		{Allowed, "Allowed"},
		{Blocked, "Blocked"},
		{Quarantined, "Quarantined"},
		{DeviceDiscovery, "DeviceDiscovery"},
		{State(5), "DeviceAccessState(5)"},
		{State(-1), "DeviceAccessState(-1)"},

		{ReasonUnknown, "Unknown"},
		{ReasonGlobal, "Global"},
		{ReasonIndividual, "Individual"},
		{ReasonDeviceRule, "DeviceRule"},
		{ReasonUpgrade, "Upgrade"},
		{ReasonPolicy, "Policy"},
		{ReasonUserAgentsChanges, "UserAgentsChanges"},
		{ReasonRecentCommands, "RecentCommands"},
		{ReasonWatsons, "Watsons"},
		{ReasonOutOfBudgets, "OutOfBudgets"},
		{ReasonSyncCommands, "SyncCommands"},
		{ReasonEnableNotificationEmail, "EnableNotificationEmail"},
		{ReasonCommandFrequency, "CommandFrequency"},
		{ReasonExternallyManaged, "ExternallyManaged"},
		{ReasonExternalCompliance, "ExternalCompliance"},
		{ReasonExternalEnrollment, "ExternalEnrollment"},
		{Reason(13), "DeviceAccessStateReason(13)"},
		{Reason(50), "DeviceAccessStateReason(50)"},

		{LevelAllow, "Allow"},
		{LevelBlock, "Block"},
		{LevelQuarantine, "Quarantine"},
		{Level(3), "DeviceAccessLevel(3)"},

		{CharacteristicDeviceType, "DeviceType"},
		{CharacteristicDeviceModel, "DeviceModel"},
		{CharacteristicDeviceOS, "DeviceOS"},
		{CharacteristicUserAgent, "UserAgent"},
		{CharacteristicXMSWLHeader, "XMSWLHeader"},
		{Characteristic(5), "DeviceAccessCharacteristic(5)"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%T(%v).String() = %q, want %q", tt.v, tt.v, got, tt.want)
		}
	}
	// Exchange's numeric values (1.1, 1.2).
	for _, v := range [][2]int{
		{int(DeviceDiscovery), 4}, {int(ReasonCommandFrequency), 12},
		{int(ReasonExternalEnrollment), 53}, {int(LevelQuarantine), 2},
		{int(CharacteristicXMSWLHeader), 4},
	} {
		if v[0] != v[1] {
			t.Errorf("value %d, want %d", v[0], v[1])
		}
	}
	for r := Reason(0); r <= 60; r++ {
		if want := r >= 6 && r <= 12; r.IsAutoblock() != want {
			t.Errorf("%v.IsAutoblock() = %v", r, !want)
		}
	}
	for l, s := range map[Level]State{
		LevelAllow: Allowed, LevelBlock: Blocked,
		LevelQuarantine: Quarantined, 3: Unknown,
	} {
		if l.State() != s {
			t.Errorf("%v.State() = %v, want %v", l, l.State(), s)
		}
	}
}

func TestParse(t *testing.T) {
	for _, s := range []string{"Allow", "block", "QUARANTINE"} {
		l, ok := ParseLevel(s)
		if !ok || !strings.EqualFold(l.String(), s) {
			t.Errorf("ParseLevel(%q) = %v, %v", s, l, ok)
		}
	}
	for _, s := range []string{"DeviceType", "devicemodel", "DEVICEOS", "UserAgent", "xmswlheader"} {
		c, ok := ParseCharacteristic(s)
		if !ok || !strings.EqualFold(c.String(), s) {
			t.Errorf("ParseCharacteristic(%q) = %v, %v", s, c, ok)
		}
	}
	for _, s := range []string{"", "Allowed", "0", "Deny"} {
		if _, ok := ParseLevel(s); ok {
			t.Errorf("ParseLevel(%q) succeeded", s)
		}
		if _, ok := ParseCharacteristic(s); ok {
			t.Errorf("ParseCharacteristic(%q) succeeded", s)
		}
	}
}

func TestRuleName(t *testing.T) {
	// 4.5: name auto-built "<QueryString> (<Characteristic>)"; the
	// reference's examples.
	for _, tt := range []struct {
		q    string
		c    Characteristic
		want string
	}{
		{"iPhone", CharacteristicDeviceType, "iPhone (DeviceType)"},
		{"iOS 6.1 10B145", CharacteristicDeviceOS, "iOS 6.1 10B145 (DeviceOS)"},
		{"NokiaE521/2.00()MailforExchange", CharacteristicUserAgent, "NokiaE521/2.00()MailforExchange (UserAgent)"},
		{"Outlook for iOS and Android", CharacteristicDeviceModel, "Outlook for iOS and Android (DeviceModel)"},
		{"WindowsMail", CharacteristicDeviceType, "WindowsMail (DeviceType)"},
	} {
		r := NewRule(tt.q, tt.c, LevelBlock)
		if r.Name != tt.want || r.QueryString != tt.q || r.Characteristic != tt.c || r.AccessLevel != LevelBlock {
			t.Errorf("NewRule(%q, %v) = %+v, want name %q", tt.q, tt.c, r, tt.want)
		}
	}

	// Exactly 64 UTF-16 code units stays whole.
	q := strings.Repeat("a", 64-len(" (UserAgent)"))
	if got := RuleName(q, CharacteristicUserAgent); got != q+" (UserAgent)" {
		t.Errorf("64-unit name changed: %q", got)
	}
	// Longer names keep their start and end in "<hash> (<Characteristic>)".
	tail := regexp.MustCompile(`^(.*?)(-?[0-9]+) \(UserAgent\)$`)
	for _, q := range []string{
		strings.Repeat("a", 64-len(" (UserAgent)")+1),
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Outlook-Android/2.0",
		strings.Repeat("é", 40) + strings.Repeat("😀", 20), // 2 UTF-16 units each
	} {
		got := RuleName(q, CharacteristicUserAgent)
		if n := len(utf16.Encode([]rune(got))); n != 64 {
			t.Errorf("name of a %d-byte QueryString is %d UTF-16 units long: %q", len(q), n, got)
		}
		m := tail.FindStringSubmatch(got)
		if m == nil || !strings.HasPrefix(q, strings.TrimRight(m[1], "\ufffd")) {
			t.Errorf("name %q does not keep the start of %q and end in a hash", got, q)
		}
		if again := RuleName(q, CharacteristicUserAgent); again != got {
			t.Errorf("name is not stable: %q, then %q", got, again)
		}
	}
	// .NET Framework 64-bit String.GetHashCode: "" never enters the loop,
	// so it is 5381 + 5381 * 1566083941 (mod 2^32).
	for s, want := range map[string]int32{"": 371857150, "a": 372029373, "ab\x00cd": dotNetStringHash(utf16.Encode([]rune("ab")))} {
		if got := dotNetStringHash(utf16.Encode([]rune(s))); got != want {
			t.Errorf("dotNetStringHash(%q) = %d, want %d", s, got, want)
		}
	}
}

var accessSink Decision

// TestDecideAllocs: a decision allocates nothing, on each path.
func TestDecideAllocs(t *testing.T) {
	android := accessBase()
	android.DeviceType, android.DeviceModel, android.DeviceOS, android.UserAgent = "Android", "", "", "Android/4.4.2-EAS-1.3"
	android.Rules = []Rule{rule("Android 4.4.3", CharacteristicDeviceOS, LevelBlock)}
	hanging := accessBase()
	newDev := func(in *Input) {
		in.DeviceInformationReceived, in.FirstSyncTime, in.Request = false, accNow, RequestHanging
		in.DefaultAccessLevel = LevelQuarantine
	}
	newDev(&hanging)
	for name, in := range map[string]Input{
		"benchmark input": benchInput(),
		"android":         android,
		"hanging":         hanging,
	} {
		if n := testing.AllocsPerRun(100, func() { accessSink = Decide(in) }); n != 0 {
			t.Errorf("%s: %v allocations per decision", name, n)
		}
	}
}
