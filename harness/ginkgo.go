package harness

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// NewEnv builds the spec's world with the current configuration
// (Configure) and ties it to the running spec: it closes when the spec
// ends, and a failed spec gets the evidence attached to its report (the
// devices' transcripts, the event timeline, the MFA pushes, the product's
// output and the IIS log). Call it in a BeforeEach or an It.
func NewEnv(opts ...Option) *Env {
	GinkgoHelper()
	// DeviceIds come from the suite's seed and the spec's text: the same
	// in every run with that seed, and distinct between specs (which
	// matters when the simulator or the gateway outlive a spec).
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s", GinkgoRandomSeed(), CurrentSpecReport().FullText())
	e, err := newEnv(Current(), h.Sum64()&^0xffff, opts...)
	if err != nil {
		Fail("the test environment did not start: " + err.Error())
	}
	DeferCleanup(e.Close)
	DeferCleanup(func() {
		if !CurrentSpecReport().Failed() {
			return
		}
		r := e.report()
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.TrimSpace(r[k]) != "" {
				AddReportEntry(k, ReportEntryVisibilityFailureOrVerbose, r[k])
			}
		}
	})
	return e
}

// SLA is the approval SLA of the current configuration (15 s unless set).
func (e *Env) SLA() time.Duration { return e.Config.sla() }

// Kind is the kind of product under test: "agent", "gateway" or "none".
func (e *Env) Kind() string { return e.Config.Kind() }

// ---- Matchers: they read like the domain ----

// BeQuarantined succeeds for a partnership Exchange holds in quarantine.
func BeQuarantined() types.GomegaMatcher { return haveAccessState("Quarantined", "") }

// BeInDeviceDiscovery succeeds for a partnership still being identified.
func BeInDeviceDiscovery() types.GomegaMatcher { return haveAccessState("DeviceDiscovery", "") }

// BeAllowed succeeds for a partnership that may sync, for any reason.
func BeAllowed() types.GomegaMatcher { return haveAccessState("Allowed", "") }

// BeBlocked succeeds for a blocked partnership.
func BeBlocked() types.GomegaMatcher { return haveAccessState("Blocked", "") }

// Access state reasons, as Get-MobileDevice names them.
const (
	Individual = "Individual" // the mailbox's allow or block list
	Global     = "Global"     // the organization's default
	DeviceRule = "DeviceRule" // a device access rule
	Policy     = "Policy"
	Upgrade    = "Upgrade"
)

// BeAllowedBy succeeds for a partnership allowed for that reason
// (Individual: the mailbox's allow list).
func BeAllowedBy(reason string) types.GomegaMatcher { return haveAccessState("Allowed", reason) }

// BeBlockedBy succeeds for a partnership blocked for that reason.
func BeBlockedBy(reason string) types.GomegaMatcher { return haveAccessState("Blocked", reason) }

func haveAccessState(state, reason string) types.GomegaMatcher {
	want := state
	if reason != "" {
		want += " (" + reason + ")"
	}
	return gcustom.MakeMatcher(func(m MobileDevice) (bool, error) {
		return m.DeviceAccessState == state && (reason == "" || m.DeviceAccessStateReason == reason), nil
	}).WithTemplate("Expected the partnership of {{.Actual.DeviceId}} to be {{.Data}}, Exchange shows it {{.Actual.DeviceAccessState}} ({{.Actual.DeviceAccessStateReason}})", want)
}

// HaveSyncedInbox succeeds for a device (or phone) whose Inbox holds its
// owner's mail, not only Exchange's access notices.
func HaveSyncedInbox() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(actual any) (bool, error) {
		d, err := deviceOf(actual)
		if err != nil {
			return false, err
		}
		in, ok := d.FolderByType(eas.FolderTypeInbox)
		return ok && hasOwnersMail(d, in.ServerId), nil
	}).WithMessage("to have synced its owner's mail")
}

// HaveReceivedQuarantineNotice succeeds for a device whose Inbox holds
// Exchange's quarantine notice.
func HaveReceivedQuarantineNotice() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(actual any) (bool, error) {
		d, err := deviceOf(actual)
		if err != nil {
			return false, err
		}
		in, ok := d.FolderByType(eas.FolderTypeInbox)
		if !ok {
			return false, nil
		}
		for _, it := range d.Items(in.ServerId) {
			if strings.HasPrefix(it.Subject, noticeSubjects[0]) || strings.HasPrefix(it.Subject, noticeSubjects[2]) {
				return true, nil
			}
		}
		return false, nil
	}).WithMessage("to have received Exchange's quarantine notice")
}

func deviceOf(actual any) (*clients.Device, error) {
	switch v := actual.(type) {
	case *clients.Device:
		return v, nil
	case *Phone:
		return v.Device, nil
	}
	return nil, fmt.Errorf("expected a *clients.Device or a *harness.Phone, got %T", actual)
}
