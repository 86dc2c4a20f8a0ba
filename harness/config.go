package harness

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Config is what `easlab test` (or a suite's TestMain) tells the harness:
// which product is under test and how to judge it. Scenarios read it
// through Current.
type Config struct {
	// Agent is the command of an agent under test (argv). The harness
	// starts it per spec with EASLAB_ADMIN_URL, EASLAB_ADMIN_TOKEN,
	// EASLAB_POWERSHELL_URL, EASLAB_ADMIN_USER, EASLAB_ADMIN_PASSWORD,
	// EASLAB_MFA_URL and EASLAB_SUT_DIR in its environment.
	Agent []string
	// Gateway is the command of a gateway under test, started per spec
	// with EASLAB_UPSTREAM_URL, EASLAB_LISTEN_ADDR, EASLAB_MFA_URL, the
	// admin variables of an agent and EASLAB_SUT_DIR.
	Gateway []string
	// GatewayURL is an already running gateway's base URL (devices
	// connect to GatewayURL/Microsoft-Server-ActiveSync). Its upstream
	// must be SimulatorURL.
	GatewayURL string
	// SimulatorListen is the host:port the per-spec simulator listens on
	// ("" a free loopback port per spec), for an agent configured
	// beforehand with its URL. Specs then run one at a time, each with
	// its own simulator on that address, opened when the spec starts and
	// closed when it ends.
	SimulatorListen string
	// SimulatorURL is an external simulator (easlab serve) to use instead
	// of a fresh in-process one per spec; SimulatorToken is its admin
	// token. Its clock cannot be warped, so specs that warp are skipped.
	SimulatorURL, SimulatorToken string
	// SimulatorAdminUser and SimulatorAdminPassword are the Remote
	// PowerShell account of SimulatorURL's organization, handed to the
	// product as EASLAB_ADMIN_USER and EASLAB_ADMIN_PASSWORD; empty means
	// the demo organization's admin and password. (A fresh simulator's
	// account is read from its directory.)
	SimulatorAdminUser, SimulatorAdminPassword string
	// ApprovalSLA runs from the push's approval to the first Sync that
	// brings the user's mail. Zero: 15 s (the seed's promise).
	ApprovalSLA time.Duration
	// PushDeadline runs from a new device's first request to the push
	// about it (any polling interval that meets it is fine). Zero: 10 s.
	PushDeadline time.Duration
	// OrgDefault overrides the organization's DefaultAccessLevel the
	// harness sets before the product starts ("Allow", "Block",
	// "Quarantine"); "" is Quarantine for an agent (after allow-listing
	// every existing device, as the install guides say) and Exchange's
	// Allow for a gateway.
	OrgDefault string
	// SUTPreparesOrg leaves that preparation to the product.
	SUTPreparesOrg bool
	// MFAListen is the address the mock MFA provider listens on ("" a
	// free port per spec). A gateway that runs before the specs
	// (GatewayURL) is configured with http://MFAListen once.
	MFAListen string
	// MFAAdapter is the command of a vendor's MFA adapter (argv): with it
	// the specs read and answer the pushes the product sent to its
	// vendor's cloud through the adapter (its contract is in adapter.go),
	// not the mock's. It is started per spec with EASLAB_MFA_URL (the
	// mock, which a reference adapter may front), EASLAB_ADMIN_URL and
	// EASLAB_ADMIN_TOKEN.
	MFAAdapter []string
	// StopGrace is how long a stopped product has between SIGTERM and
	// SIGKILL. Zero: 5 s.
	StopGrace time.Duration
	// Shard makes this process run only its share of the specs (`easlab
	// test --procs`); the zero Shard runs them all.
	Shard Shard
	// AbortFile is shared by the workers of one run: a worker that stops
	// after repeated setup failures writes the cause there, and the others
	// skip their remaining specs. "": this process only.
	AbortFile string
	// ProductOutput, if set, also receives the product's output as it
	// comes, each line prefixed with the spec's text (`easlab test -v`).
	ProductOutput io.Writer `json:"-"`
}

// Shard is one worker's share of the specs: every Total-th spec from
// Index, in the suite's order, which the seed makes the same in every
// worker.
type Shard struct {
	Index, Total int
}

// ShardSkipMessage is the Skip message of a spec another worker runs.
const ShardSkipMessage = "another easlab worker process runs this spec"

// Runs reports whether the n-th spec to run (from 0) is the shard's.
func (s Shard) Runs(n int) bool {
	return s.Total <= 1 || n%s.Total == s.Index
}

// Kind is the kind of product under test: "agent", "gateway" or "none".
func (c Config) Kind() string {
	switch {
	case len(c.Agent) > 0:
		return "agent"
	case len(c.Gateway) > 0 || c.GatewayURL != "":
		return "gateway"
	}
	return "none"
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	n := 0
	for _, set := range []bool{len(c.Agent) > 0, len(c.Gateway) > 0, c.GatewayURL != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("harness: give one of an agent, a gateway command or a gateway URL")
	}
	switch c.OrgDefault {
	case "", "Allow", "Block", "Quarantine":
	default:
		return fmt.Errorf("harness: org default %q is not Allow, Block or Quarantine", c.OrgDefault)
	}
	if c.SimulatorListen != "" && c.SimulatorURL != "" {
		return fmt.Errorf("harness: give either a simulator address to listen on or an external simulator's URL, not both")
	}
	if c.GatewayURL != "" && c.SimulatorURL == "" {
		return fmt.Errorf("harness: a running gateway needs the simulator it forwards to (--simulator-url)")
	}
	if c.GatewayURL != "" && c.MFAListen == "" {
		return fmt.Errorf("harness: a running gateway needs the MFA provider at a fixed address it was configured with (--mfa-listen)")
	}
	return nil
}

func (c Config) sla() time.Duration {
	if c.ApprovalSLA > 0 {
		return c.ApprovalSLA
	}
	return 15 * time.Second
}

func (c Config) pushDeadline() time.Duration {
	if c.PushDeadline > 0 {
		return c.PushDeadline
	}
	return 10 * time.Second
}

func (c Config) grace() time.Duration {
	if c.StopGrace > 0 {
		return c.StopGrace
	}
	return 5 * time.Second
}

var (
	configMu sync.Mutex
	config   Config
)

// Configure sets the configuration the scenarios run with.
func Configure(c Config) {
	configMu.Lock()
	defer configMu.Unlock()
	config = c
}

// Current returns the configuration set by Configure.
func Current() Config {
	configMu.Lock()
	defer configMu.Unlock()
	return config
}
