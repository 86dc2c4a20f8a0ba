package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/easlab/easlab/harness"
	"github.com/easlab/easlab/scenarios"
)

// testConfig is what `easlab test` is told. A parallel run hands it to its
// worker processes as JSON in $EASLAB_TEST_CONFIG.
type testConfig struct {
	Agent, Gateway, GatewayURL   string
	SimulatorURL, SimulatorToken string
	LabelFilter, Focus           string
	JUnit, JSONReport            string
	SLA, Grace                   time.Duration
	OrgDefault, MFAListen        string
	SUTPreparesOrg, Verbose      bool
	NoColor, FailFast, DryRun    bool
	Seed                         int64
	Procs                        int
	Shard                        harness.Shard
	MFAAdapter                   string
}

// errScenariosFailed makes `easlab test` exit 1.
var errScenariosFailed = errors.New("scenarios failed")

// workerEnv carries a worker's configuration.
const workerEnv = "EASLAB_TEST_CONFIG"

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
overrides the level). A gateway gets Exchange's default, Allow.

With --procs N (default 4) the specs are shared among N worker processes
(every spec has its own simulator and product process, so they do not
meet); the reports are merged.`,
		Example: `  easlab test --agent "./my-agent --config agent.yaml"
  easlab test --gateway "./my-gateway" --label-filter 'seed || deny' --junit-report junit.xml
  easlab test --agent ./my-agent --approval-sla 30s --json-report report.json
  easlab test --dry-run --label-filter gateway     # list the specs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if v := os.Getenv(workerEnv); v != "" {
				var w testConfig
				if err := json.Unmarshal([]byte(v), &w); err != nil {
					return fmt.Errorf("$%s: %w", workerEnv, err)
				}
				return runTests(cmd.OutOrStdout(), w)
			}
			// A shared simulator, a running gateway or a fixed MFA address
			// serve one spec at a time.
			if cfg.Procs > 1 && cfg.SimulatorURL == "" && cfg.GatewayURL == "" && cfg.MFAListen == "" && !cfg.DryRun {
				return runParallel(cmd.OutOrStdout(), cfg)
			}
			return runTests(cmd.OutOrStdout(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Agent, "agent", "", "command line of the agent under test")
	f.StringVar(&cfg.Gateway, "gateway", "", "command line of the gateway under test")
	f.StringVar(&cfg.GatewayURL, "gateway-url", "", "base URL of a running gateway (needs --simulator-url)")
	f.StringVar(&cfg.SimulatorURL, "simulator-url", "", "use a running easlab serve instead of a fresh simulator per spec (specs that warp its clock are skipped)")
	f.StringVar(&cfg.SimulatorToken, "simulator-token", "", "admin token of --simulator-url")
	f.StringVar(&cfg.LabelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'seed || identity'")
	f.StringVar(&cfg.Focus, "focus", "", "run only specs whose text matches this regular expression")
	f.StringVar(&cfg.JUnit, "junit-report", "", "write a JUnit XML report to this file")
	f.StringVar(&cfg.JSONReport, "json-report", "", "write Ginkgo's JSON report to this file")
	f.DurationVar(&cfg.SLA, "approval-sla", 15*time.Second, "from the push's approval to the first Sync with mail")
	f.DurationVar(&cfg.Grace, "stop-grace", 5*time.Second, "time between SIGTERM and SIGKILL")
	f.StringVar(&cfg.OrgDefault, "org-default", "", "DefaultAccessLevel to set before the product starts: Allow, Block or Quarantine")
	f.BoolVar(&cfg.SUTPreparesOrg, "sut-prepares-org", false, "leave the organization's preparation to the product")
	f.StringVar(&cfg.MFAListen, "mfa-listen", "", "run the mock MFA provider on this host:port (for a --gateway-url product configured beforehand)")
	f.StringVar(&cfg.MFAAdapter, "mfa-adapter", "", "command line of an MFA adapter: read and answer the pushes the product sends to its vendor's cloud through it (contract in the README)")
	f.BoolVarP(&cfg.Verbose, "verbose", "v", false, "print every spec as it runs")
	f.BoolVar(&cfg.NoColor, "no-color", false, "no colours in the output")
	f.BoolVar(&cfg.FailFast, "fail-fast", false, "stop at the first failed spec")
	f.BoolVar(&cfg.DryRun, "dry-run", false, "list the specs (with their labels) that would run, without running them")
	f.Int64Var(&cfg.Seed, "seed", 0, "random seed (DeviceIds, spec order); 0: from the time")
	f.IntVar(&cfg.Procs, "procs", 4, "worker processes running specs at once (1: all in this process)")
	return cmd
}

// harnessConfig turns the flags into the harness's configuration.
func (cfg testConfig) harnessConfig() (harness.Config, error) {
	hc := harness.Config{
		GatewayURL: cfg.GatewayURL, SimulatorURL: cfg.SimulatorURL, SimulatorToken: cfg.SimulatorToken,
		ApprovalSLA: cfg.SLA, OrgDefault: cfg.OrgDefault, SUTPreparesOrg: cfg.SUTPreparesOrg, StopGrace: cfg.Grace,
		MFAListen: cfg.MFAListen,
		Shard:     cfg.Shard,
	}
	var err error
	if cfg.Agent != "" {
		if hc.Agent, err = harness.SplitCommand(cfg.Agent); err != nil {
			return hc, fmt.Errorf("--agent: %w", err)
		}
	}
	if cfg.Gateway != "" {
		if hc.Gateway, err = harness.SplitCommand(cfg.Gateway); err != nil {
			return hc, fmt.Errorf("--gateway: %w", err)
		}
	}
	if cfg.MFAAdapter != "" {
		if hc.MFAAdapter, err = harness.SplitCommand(cfg.MFAAdapter); err != nil {
			return hc, fmt.Errorf("--mfa-adapter: %w", err)
		}
	}
	if hc.Kind() == "none" && !cfg.DryRun {
		return hc, errors.New("give the product under test: --agent, --gateway or --gateway-url")
	}
	return hc, hc.Validate()
}

// failRecorder is the GinkgoTestingT of a run outside `go test`.
type failRecorder struct{ failed bool }

func (f *failRecorder) Fail() { f.failed = true }

// runTests runs the scenarios in this process.
func runTests(out io.Writer, cfg testConfig) error {
	hc, err := cfg.harnessConfig()
	if err != nil {
		return err
	}
	suite := types.NewDefaultSuiteConfig()
	suite.LabelFilter = cfg.LabelFilter
	if cfg.Focus != "" {
		suite.FocusStrings = []string{cfg.Focus}
	}
	if cfg.Seed != 0 {
		suite.RandomSeed = cfg.Seed
	}
	suite.Timeout = 30 * time.Minute
	suite.FailFast = cfg.FailFast
	if cfg.DryRun {
		suite.DryRun, cfg.Verbose = true, true
	}
	reporter := types.NewDefaultReporterConfig()
	reporter.JUnitReport, reporter.JSONReport = cfg.JUnit, cfg.JSONReport
	reporter.Verbose, reporter.NoColor = cfg.Verbose, cfg.NoColor
	if cfg.Shard.Total > 1 {
		reporter.Succinct = !cfg.Verbose
	}
	start := time.Now()
	var t failRecorder
	ok := scenarios.Run(&t, hc, suite, reporter)
	if cfg.Shard.Total <= 1 {
		fmt.Fprintf(out, "easlab test: %s in %v\n", passedText(ok && !t.failed), time.Since(start).Round(time.Millisecond))
	}
	if !ok || t.failed {
		return errScenariosFailed
	}
	return nil
}

func passedText(ok bool) string {
	if ok {
		return "passed"
	}
	return "FAILED"
}

// runParallel shares the specs among cfg.Procs worker processes (this
// binary, with $EASLAB_TEST_CONFIG), prints their output and a summary,
// and writes the merged reports.
func runParallel(out io.Writer, cfg testConfig) error {
	if _, err := cfg.harnessConfig(); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "easlab-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano() % 1000000000
	}
	start := time.Now()
	n := cfg.Procs
	outputs := make([]bytes.Buffer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		w := cfg
		w.Procs, w.Shard = 1, harness.Shard{Index: i, Total: n}
		w.JUnit, w.JSONReport = "", filepath.Join(tmp, fmt.Sprintf("worker-%d.json", i))
		b, _ := json.Marshal(w)
		cmd := exec.Command(self, "test")
		cmd.Env = append(os.Environ(), workerEnv+"="+string(b))
		cmd.Stdout, cmd.Stderr = &outputs[i], &outputs[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = cmd.Run()
		}(i)
	}
	fmt.Fprintf(out, "easlab test: %d worker processes, seed %d\n", n, cfg.Seed)
	wg.Wait()
	merged, err := mergeReports(tmp, n)
	for i := range outputs {
		fmt.Fprintf(out, "\n---- worker %d of %d ----\n%s", i+1, n, outputs[i].String())
	}
	if err != nil {
		return err
	}
	if cfg.JUnit != "" {
		if err := reporters.GenerateJUnitReport(merged, cfg.JUnit); err != nil {
			return err
		}
	}
	if cfg.JSONReport != "" {
		if err := reporters.GenerateJSONReport(merged, cfg.JSONReport); err != nil {
			return err
		}
	}
	ok := printSummary(out, merged, time.Since(start))
	for _, e := range errs {
		ok = ok && e == nil
	}
	fmt.Fprintf(out, "easlab test: %s in %v\n", passedText(ok), time.Since(start).Round(time.Millisecond))
	if !ok {
		return errScenariosFailed
	}
	return nil
}

// mergeReports joins the workers' reports: each spec as the worker that
// ran it saw it.
func mergeReports(dir string, n int) (types.Report, error) {
	var merged types.Report
	seen := map[string]bool{} // specs every worker reports (filtered out)
	for i := 0; i < n; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("worker-%d.json", i)))
		if err != nil {
			return merged, fmt.Errorf("worker %d wrote no report: %w", i+1, err)
		}
		var rs []types.Report
		if err := json.Unmarshal(b, &rs); err != nil || len(rs) != 1 {
			return merged, fmt.Errorf("worker %d's report: %v", i+1, err)
		}
		r := rs[0]
		if i == 0 {
			merged = r
			merged.SpecReports = nil
		}
		merged.SuiteSucceeded = merged.SuiteSucceeded && r.SuiteSucceeded
		merged.RunTime = max(merged.RunTime, r.RunTime)
		merged.EndTime = r.EndTime
		for _, s := range r.SpecReports {
			if s.State == types.SpecStateSkipped && s.Failure.Message == harness.ShardSkipMessage {
				continue
			}
			if s.State != types.SpecStatePassed && !s.State.Is(types.SpecStateFailureStates) {
				key := s.FullText() + "@" + s.LeafNodeLocation.String()
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			merged.SpecReports = append(merged.SpecReports, s)
		}
	}
	return merged, nil
}

// printSummary prints what Ginkgo prints at the end of a run, for the
// merged report, and reports whether it passed.
func printSummary(out io.Writer, r types.Report, took time.Duration) bool {
	var passed, failed, skipped, ran int
	var failures []types.SpecReport
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				failures = append(failures, s)
			}
			continue
		}
		switch {
		case s.State == types.SpecStatePassed:
			passed++
			ran++
		case s.State.Is(types.SpecStateFailureStates):
			failed++
			ran++
			failures = append(failures, s)
		default:
			skipped++
		}
	}
	fmt.Fprintf(out, "\n==== merged: ran %d specs in %v: %d passed, %d failed, %d skipped\n", ran, took.Round(time.Millisecond), passed, failed, skipped)
	for _, s := range failures {
		msg, _, _ := strings.Cut(strings.TrimSpace(s.Failure.Message), "\n")
		fmt.Fprintf(out, "  [FAIL] %s\n         %s\n         %s\n", s.FullText(), msg, s.Failure.Location)
	}
	return len(failures) == 0
}
