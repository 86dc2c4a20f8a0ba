package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/easlab/easlab/harness"
	"github.com/easlab/easlab/scenarios"
)

// testConfig is what `easlab test` is told.
type testConfig struct {
	agent, gateway, gatewayURL string
	simulatorURL, simulatorTok string
	labelFilter, focus         string
	junit, jsonReport          string
	sla, grace                 time.Duration
	orgDefault                 string
	sutPreparesOrg, verbose    bool
	noColor, failFast          bool
	seed                       int64
}

// errScenariosFailed makes `easlab test` exit 1.
var errScenariosFailed = errors.New("scenarios failed")

func newTestCmd() *cobra.Command {
	var cfg testConfig
	cmd := &cobra.Command{
		Use:   "test --agent CMD | --gateway CMD | --gateway-url URL",
		Short: "Run the MFA scenarios against an agent or a gateway",
		Long: `Run easlab's scenarios (realistic device flows) against an ActiveSync MFA
product, from this binary, and exit 1 if any fails.

An agent is started for every spec with EASLAB_ADMIN_URL (cmdlets at
$EASLAB_ADMIN_URL/api/cmdlet, events at /api/events), EASLAB_ADMIN_TOKEN,
EASLAB_MFA_URL (the mock push provider) and EASLAB_SUT_DIR (a directory that
survives a restart within the spec) in its environment. A gateway is
started with EASLAB_UPSTREAM_URL (the simulator), EASLAB_LISTEN_ADDR (where
it must listen), EASLAB_MFA_URL, EASLAB_ADMIN_URL, EASLAB_ADMIN_TOKEN and
EASLAB_SUT_DIR. Each is stopped with SIGTERM, then SIGKILL after --stop-grace.
The mock MFA provider's contract and the way scenarios judge a product are in
the README and in the harness package's documentation.

Before an agent starts, the organization is prepared as install guides say:
every existing device on its owner's allow list, then DefaultAccessLevel
Quarantine (--sut-prepares-org leaves this to the agent; --org-default
overrides the level). A gateway gets Exchange's default, Allow.`,
		Example: `  easlab test --agent "./my-agent --config agent.yaml"
  easlab test --gateway "./my-gateway" --label-filter 'seed || deny' --junit-report junit.xml
  easlab test --agent ./my-agent --approval-sla 30s --json-report report.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTests(cmd.OutOrStdout(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.agent, "agent", "", "command line of the agent under test")
	f.StringVar(&cfg.gateway, "gateway", "", "command line of the gateway under test")
	f.StringVar(&cfg.gatewayURL, "gateway-url", "", "base URL of a running gateway (needs --simulator-url)")
	f.StringVar(&cfg.simulatorURL, "simulator-url", "", "use a running easlab serve instead of a fresh simulator per spec (specs that warp its clock are skipped)")
	f.StringVar(&cfg.simulatorTok, "simulator-token", "", "admin token of --simulator-url")
	f.StringVar(&cfg.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'seed || identity'")
	f.StringVar(&cfg.focus, "focus", "", "run only specs whose text matches this regular expression")
	f.StringVar(&cfg.junit, "junit-report", "", "write a JUnit XML report to this file")
	f.StringVar(&cfg.jsonReport, "json-report", "", "write Ginkgo's JSON report to this file")
	f.DurationVar(&cfg.sla, "approval-sla", 15*time.Second, "from the push's approval to the first Sync with mail")
	f.DurationVar(&cfg.grace, "stop-grace", 5*time.Second, "time between SIGTERM and SIGKILL")
	f.StringVar(&cfg.orgDefault, "org-default", "", "DefaultAccessLevel to set before the product starts: Allow, Block or Quarantine")
	f.BoolVar(&cfg.sutPreparesOrg, "sut-prepares-org", false, "leave the organization's preparation to the product")
	f.BoolVarP(&cfg.verbose, "verbose", "v", false, "print every spec as it runs")
	f.BoolVar(&cfg.noColor, "no-color", false, "no colours in the output")
	f.BoolVar(&cfg.failFast, "fail-fast", false, "stop at the first failed spec")
	f.Int64Var(&cfg.seed, "seed", 0, "random seed (DeviceIds, spec order); 0: from the time")
	return cmd
}

// failRecorder is the GinkgoTestingT of a run outside `go test`.
type failRecorder struct{ failed bool }

func (f *failRecorder) Fail() { f.failed = true }

func runTests(out io.Writer, cfg testConfig) error {
	hc := harness.Config{
		GatewayURL: cfg.gatewayURL, SimulatorURL: cfg.simulatorURL, SimulatorToken: cfg.simulatorTok,
		ApprovalSLA: cfg.sla, OrgDefault: cfg.orgDefault, SUTPreparesOrg: cfg.sutPreparesOrg, StopGrace: cfg.grace,
	}
	var err error
	if cfg.agent != "" {
		if hc.Agent, err = harness.SplitCommand(cfg.agent); err != nil {
			return fmt.Errorf("--agent: %w", err)
		}
	}
	if cfg.gateway != "" {
		if hc.Gateway, err = harness.SplitCommand(cfg.gateway); err != nil {
			return fmt.Errorf("--gateway: %w", err)
		}
	}
	if hc.Kind() == "none" {
		return errors.New("give the product under test: --agent, --gateway or --gateway-url")
	}
	if err := hc.Validate(); err != nil {
		return err
	}
	suite := types.NewDefaultSuiteConfig()
	suite.LabelFilter = cfg.labelFilter
	if cfg.focus != "" {
		suite.FocusStrings = []string{cfg.focus}
	}
	if cfg.seed != 0 {
		suite.RandomSeed = cfg.seed
	}
	suite.Timeout = 30 * time.Minute
	suite.FailFast = cfg.failFast
	reporter := types.NewDefaultReporterConfig()
	reporter.JUnitReport, reporter.JSONReport = cfg.junit, cfg.jsonReport
	reporter.Verbose, reporter.NoColor = cfg.verbose, cfg.noColor
	start := time.Now()
	var t failRecorder
	ok := scenarios.Run(&t, hc, suite, reporter)
	fmt.Fprintf(out, "easlab test: %s in %v\n", map[bool]string{true: "passed", false: "FAILED"}[ok && !t.failed], time.Since(start).Round(time.Millisecond))
	if !ok || t.failed {
		return errScenariosFailed
	}
	return nil
}
