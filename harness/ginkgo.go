package harness

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
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
// devices' transcripts, the event timeline, the MFA pushes and refusals,
// the product's output and the IIS log). Call it in a BeforeEach or an It.
// After the same setup failure in SetupFailuresToStop specs in a row, it
// stops the suite.
func NewEnv(opts ...Option) *Env {
	GinkgoHelper()
	cfg := Current()
	if cfg.AbortFile != "" {
		if b, err := os.ReadFile(cfg.AbortFile); err == nil && len(b) > 0 {
			Skip("not run: another worker stopped the run: " + string(b))
		}
	}
	if cfg.ProductOutput != nil {
		cfg.ProductOutput = &prefixWriter{w: cfg.ProductOutput, prefix: "[" + CurrentSpecReport().LeafNodeText + "] "}
	}
	// DeviceIds come from the suite's seed and the spec's text: the same
	// in every run with that seed, and distinct between specs (which
	// matters when the simulator or the gateway outlive a spec).
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s", GinkgoRandomSeed(), CurrentSpecReport().FullText())
	e, err := newEnv(cfg, h.Sum64()&^0xffff, opts...)
	if err != nil {
		if n := setupFailed(err); n >= SetupFailuresToStop {
			cause := fmt.Sprintf("the test environment did not start in %d specs in a row: %s", n, oneLine(err))
			if cfg.AbortFile != "" {
				os.WriteFile(cfg.AbortFile, []byte(cause), 0o644)
			}
			AbortSuite(cause + "\n" + err.Error())
		}
		Fail("the test environment did not start: " + oneLine(err) + "\n" + err.Error())
	}
	setupFailed(nil)
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

// SetupFailuresToStop is how many specs in a row may fail to start the
// product for the same cause before the suite stops (AbortSuite): a
// product that broke says so once, not in every remaining spec.
const SetupFailuresToStop = 3

var (
	setupMu       sync.Mutex
	setupCause    string
	setupFailures int
)

// digits are what differs between two reports of one cause (ports, pids).
var digits = regexp.MustCompile(`[0-9]+`)

// setupFailed counts err among the consecutive setup failures with the
// same cause and returns their number; nil resets the count.
func setupFailed(err error) int {
	setupMu.Lock()
	defer setupMu.Unlock()
	if err == nil {
		setupCause, setupFailures = "", 0
		return 0
	}
	cause := digits.ReplaceAllString(oneLine(err), "N")
	if cause != setupCause {
		setupCause, setupFailures = cause, 0
	}
	setupFailures++
	return setupFailures
}

// prefixWriter writes each line with a prefix.
type prefixWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for _, c := range b {
		if !p.midLine {
			out = append(out, p.prefix...)
			p.midLine = true
		}
		out = append(out, c)
		if c == '\n' {
			p.midLine = false
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// SLA is the approval SLA of the current configuration (15 s unless set).
func (e *Env) SLA() time.Duration { return e.Config.sla() }

// PushDeadline is the time a product has, from a new device's first
// request, to send the push about it (10 s unless set).
func (e *Env) PushDeadline() time.Duration { return e.Config.pushDeadline() }

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
