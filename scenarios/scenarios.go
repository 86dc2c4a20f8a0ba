// Package scenarios holds easlab's Ginkgo suite of realistic device flows,
// run against an MFA agent or gateway (see harness for the contract).
// Specs register themselves; Run runs them, as `easlab test` does.
//
// Labels: every spec carries "agent", "gateway" or both (the kinds of
// product it judges), and topics: seed, profiles, deny, noanswer, dedupe,
// identity, multidevice, lifecycle, rollout, allowlist, org, revoke,
// wipe, discovery, mfa-down, restart, leak, base64, passthrough, ping,
// differential, auth.
//
// A scenario judges only what Exchange's admin view, the devices and the
// MFA provider show, never a product's internals; its failure message
// says which promise was broken.
package scenarios

import (
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/harness"
)

// Run runs the scenarios with cfg as Ginkgo's RunSpecs does, with the
// label filter narrowed to the kind of product under test. t is anything
// with Fail(); suite and reporter are Ginkgo's configuration.
func Run(t GinkgoTestingT, cfg harness.Config, suite types.SuiteConfig, reporter types.ReporterConfig) bool {
	harness.Configure(cfg)
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(10 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	SetDefaultConsistentlyDuration(1500 * time.Millisecond)
	SetDefaultConsistentlyPollingInterval(100 * time.Millisecond)
	kind := cfg.Kind()
	switch {
	case kind == "none":
		// Only a dry run gets here without a product: every spec.
	case suite.LabelFilter == "":
		suite.LabelFilter = kind
	default:
		suite.LabelFilter = kind + " && (" + suite.LabelFilter + ")"
	}
	return RunSpecs(t, "easlab scenarios ("+kind+")", suite, reporter)
}

// specIndex counts the specs this process reached, in the suite's order.
var specIndex atomic.Int64

// A worker of `easlab test --procs` runs its share of the specs only.
var _ = BeforeEach(func() {
	if !harness.Current().Shard.Runs(int(specIndex.Add(1) - 1)) {
		Skip(harness.ShardSkipMessage)
	}
})

// Labels of the kinds of product.
var (
	Agent   = Label("agent")
	Gateway = Label("gateway")
	Both    = Label("agent", "gateway")
)
