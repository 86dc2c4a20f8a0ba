package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
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
	SimulatorAdminUser           string
	SimulatorAdminPassword       string
	LabelFilter, Focus           string
	JUnit, JSONReport            string
	SLA, Grace, PushDeadline     time.Duration
	OrgDefault, MFAListen        string
	SimulatorListen              string
	SUTPreparesOrg, Verbose      bool
	NoColor, FailFast, DryRun    bool
	Seed                         int64
	Procs                        int
	Shard                        harness.Shard
	MFAAdapter                   string
	AbortFile                    string
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
EASLAB_POWERSHELL_URL (Exchange's Remote PowerShell, the simulator's
/PowerShell/), EASLAB_ADMIN_USER and EASLAB_ADMIN_PASSWORD (an account that
may open it), EASLAB_MFA_URL (the mock push provider) and EASLAB_SUT_DIR (a
directory that survives a restart within the spec) in its environment. A
gateway is started with EASLAB_UPSTREAM_URL (the simulator),
EASLAB_LISTEN_ADDR (where it must listen), EASLAB_MFA_URL, the same admin
variables and EASLAB_SUT_DIR. Each is stopped with SIGTERM, then SIGKILL after --stop-grace.
The mock MFA provider's contract and the way scenarios judge a product are in
the README and in the harness package's documentation.

Before an agent starts, the organization is prepared as install guides say:
every existing device on its owner's allow list, then DefaultAccessLevel
Quarantine (--sut-prepares-org leaves this to the agent; --org-default
overrides the level). A gateway gets Exchange's default, Allow.

With --procs N (default 4) the specs are shared among N worker processes
(every spec has its own simulator and product process, so they do not
meet); each finished spec is printed as it ends, the reports are merged,
and the summary gives every failed spec's reason.

--simulator-listen ADDR puts every spec's simulator on ADDR instead of a
free loopback port, for an agent whose configuration names the simulator's
URL beforehand. Each spec still gets a fresh simulator (opened at its start,
closed at its end), so the specs run one at a time in this process and
--procs is ignored.

Nothing run is not a pass: the product is started once before the specs,
and a product that does not start, a filter that selects no spec, or a
worker that writes no report fails the run with one line. After the same
setup failure in 3 specs in a row, the run stops.`,
		Example: `  easlab test --agent "./my-agent --config agent.yaml"
  easlab test --gateway "./my-gateway" --label-filter 'seed || deny' --junit-report junit.xml
  easlab test --agent ./my-agent --approval-sla 30s --push-deadline 30s --json-report report.json
  easlab test --agent agent.exe --simulator-listen 127.0.0.1:8080   # an agent configured with http://127.0.0.1:8080
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
			// Colours only for a person at a terminal (and not under
			// NO_COLOR, no-color.org): CI logs and pipes get plain text.
			if os.Getenv("NO_COLOR") != "" || !isTerminal(os.Stdout) {
				cfg.NoColor = true
			}
			// A shared simulator, a running gateway or a fixed MFA or
			// simulator address serve one spec at a time.
			if cfg.Procs > 1 && cfg.SimulatorURL == "" && cfg.GatewayURL == "" && cfg.MFAListen == "" && cfg.SimulatorListen == "" && !cfg.DryRun {
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
	f.StringVar(&cfg.SimulatorAdminUser, "simulator-admin-user", "", "Remote PowerShell account of --simulator-url's organization, given to the product as EASLAB_ADMIN_USER (default admin)")
	f.StringVar(&cfg.SimulatorAdminPassword, "simulator-admin-password", "", "its password, given as EASLAB_ADMIN_PASSWORD (default the demo password, as easlab serve without --demo-password)")
	f.StringVar(&cfg.SimulatorListen, "simulator-listen", "", "run each spec's simulator on this host:port rather than a free loopback port (for an agent configured beforehand with its URL); the specs then run one at a time (no --procs), each with a fresh simulator on this address")
	f.StringVar(&cfg.LabelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'seed || identity'")
	f.StringVar(&cfg.Focus, "focus", "", "run only specs whose text matches this regular expression")
	f.StringVar(&cfg.JUnit, "junit-report", "", "write a JUnit XML report to this file")
	f.StringVar(&cfg.JSONReport, "json-report", "", "write Ginkgo's JSON report to this file")
	f.DurationVar(&cfg.SLA, "approval-sla", 15*time.Second, "from the push's approval to the first Sync with mail")
	f.DurationVar(&cfg.PushDeadline, "push-deadline", 10*time.Second, "from a new device's first request to the product's push about it")
	f.DurationVar(&cfg.Grace, "stop-grace", 5*time.Second, "time between SIGTERM and SIGKILL")
	f.StringVar(&cfg.OrgDefault, "org-default", "", "DefaultAccessLevel to set before the product starts: Allow, Block or Quarantine")
	f.BoolVar(&cfg.SUTPreparesOrg, "sut-prepares-org", false, "leave the organization's preparation to the product")
	f.StringVar(&cfg.MFAListen, "mfa-listen", "", "run the mock MFA provider on this host:port (for a --gateway-url product configured beforehand)")
	f.StringVar(&cfg.MFAAdapter, "mfa-adapter", "", "command line of an MFA adapter: read and answer the pushes the product sends to its vendor's cloud through it (contract in the README)")
	f.BoolVarP(&cfg.Verbose, "verbose", "v", false, "print every spec as it runs")
	f.BoolVar(&cfg.NoColor, "no-color", false, "no colours in the output (the default when the output is not a terminal, or NO_COLOR is set)")
	f.BoolVar(&cfg.FailFast, "fail-fast", false, "stop at the first failed spec")
	f.BoolVar(&cfg.DryRun, "dry-run", false, "list the specs (with their labels) that would run, without running them")
	f.Int64Var(&cfg.Seed, "seed", 0, "random seed (DeviceIds, spec order); 0: from the time")
	f.IntVar(&cfg.Procs, "procs", 4, "worker processes running specs at once (1: all in this process)")
	return cmd
}

// isTerminal says whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// harnessConfig turns the flags into the harness's configuration.
func (cfg testConfig) harnessConfig() (harness.Config, error) {
	hc := harness.Config{
		GatewayURL: cfg.GatewayURL, SimulatorURL: cfg.SimulatorURL, SimulatorToken: cfg.SimulatorToken,
		SimulatorAdminUser: cfg.SimulatorAdminUser, SimulatorAdminPassword: cfg.SimulatorAdminPassword,
		ApprovalSLA: cfg.SLA, OrgDefault: cfg.OrgDefault, SUTPreparesOrg: cfg.SUTPreparesOrg, StopGrace: cfg.Grace,
		MFAListen: cfg.MFAListen, SimulatorListen: cfg.SimulatorListen,
		Shard:        cfg.Shard,
		PushDeadline: cfg.PushDeadline, AbortFile: cfg.AbortFile,
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
	if cfg.LabelFilter != "" {
		if _, err := types.ParseLabelFilter(cfg.LabelFilter); err != nil {
			msg := err.Error()
			if ge, ok := err.(types.GinkgoError); ok {
				msg = ge.Heading + ": " + ge.Message
			}
			return hc, fmt.Errorf("--label-filter %q: %s", cfg.LabelFilter, strings.Join(strings.Fields(msg), " "))
		}
	}
	if _, err := regexp.Compile(cfg.Focus); err != nil {
		return hc, fmt.Errorf("--focus: %w", err)
	}
	if hc.Kind() == "none" && !cfg.DryRun {
		return hc, errors.New("give the product under test: --agent, --gateway or --gateway-url")
	}
	return hc, hc.Validate()
}

// failRecorder is the GinkgoTestingT of a run outside `go test`.
type failRecorder struct{ failed bool }

func (f *failRecorder) Fail() { f.failed = true }

// runTests runs the scenarios in this process: the whole run, or a
// worker's share of a parallel one (cfg.Shard).
func runTests(out io.Writer, cfg testConfig) error {
	hc, err := cfg.harnessConfig()
	if err != nil {
		return err
	}
	worker := cfg.Shard.Total > 1
	if cfg.Verbose && !cfg.DryRun {
		hc.ProductOutput = out
	}
	if !worker && !cfg.DryRun {
		if err := harness.Preflight(hc); err != nil {
			return err
		}
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
	suite.FailOnEmpty = true
	if cfg.DryRun {
		suite.DryRun, cfg.Verbose = true, true
	}
	reporter := types.NewDefaultReporterConfig()
	reporter.JUnitReport, reporter.JSONReport = cfg.JUnit, cfg.JSONReport
	reporter.Verbose, reporter.NoColor = cfg.Verbose, cfg.NoColor
	if reporter.JSONReport == "" {
		// The summary reads the run back from Ginkgo's report.
		tmp, err := os.MkdirTemp("", "easlab-test-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		reporter.JSONReport = filepath.Join(tmp, "report.json")
	}
	if worker {
		reporter.Succinct = !cfg.Verbose
		ginkgo.ReportAfterEach(func(r types.SpecReport) { writeProgress(os.Stderr, r) })
	}
	start := time.Now()
	var t failRecorder
	ok := scenarios.Run(&t, hc, suite, reporter)
	if worker {
		if !ok || t.failed {
			return errScenariosFailed
		}
		return nil
	}
	r, err := readReport(reporter.JSONReport)
	if err != nil {
		return err
	}
	if r.PreRunStats.SpecsThatWillRun == 0 {
		fmt.Fprintln(out)
		return cfg.noSpecs(r)
	}
	ok = printSummary(out, r, time.Since(start), "") && ok && !t.failed
	fmt.Fprintf(out, "easlab test: %s in %v\n", passedText(ok), time.Since(start).Round(time.Millisecond))
	if !ok {
		return errScenariosFailed
	}
	return nil
}

// noSpecs is the error of a run whose filters selected no spec.
func (cfg testConfig) noSpecs(r types.Report) error {
	var by []string
	if cfg.LabelFilter != "" {
		by = append(by, fmt.Sprintf("--label-filter %q", cfg.LabelFilter))
	}
	if cfg.Focus != "" {
		by = append(by, fmt.Sprintf("--focus %q", cfg.Focus))
	}
	if len(by) == 0 {
		by = []string{"the product's kind"}
	}
	kind := cfg.kind()
	of := fmt.Sprintf("%d specs", kindSpecs(r, kind))
	if kind != "" {
		of = fmt.Sprintf("%d %s specs", kindSpecs(r, kind), kind)
	}
	return fmt.Errorf("no spec selected: %s matches none of the %s (list them with: easlab test --dry-run)", strings.Join(by, " and "), of)
}

// kind is the kind of product the flags name ("agent", "gateway"; "" for
// a dry run without one).
func (cfg testConfig) kind() string {
	switch {
	case cfg.Agent != "":
		return "agent"
	case cfg.Gateway != "" || cfg.GatewayURL != "":
		return "gateway"
	}
	return ""
}

// kindSpecs counts the specs labelled kind ("": all).
func kindSpecs(r types.Report, kind string) int {
	n := 0
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && (kind == "" || slices.Contains(s.Labels(), kind)) {
			n++
		}
	}
	return n
}

// readReport reads a Ginkgo JSON report of one suite.
func readReport(file string) (types.Report, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return types.Report{}, err
	}
	var rs []types.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return types.Report{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(rs) != 1 {
		return types.Report{}, fmt.Errorf("%s: %d suites, want 1", file, len(rs))
	}
	return rs[0], nil
}

func passedText(ok bool) string {
	if ok {
		return "passed"
	}
	return "FAILED"
}

// progressPrefix marks a worker's line about a finished spec, on its
// stderr, for the parent to print as it comes.
const progressPrefix = "easlab-progress "

// progress is a finished spec, as a worker tells its parent.
type progress struct {
	Spec, State, Reason string
	Took                time.Duration
}

// writeProgress tells the parent about a spec this worker ran (skipped
// ones are only counted in the summary).
func writeProgress(w io.Writer, r types.SpecReport) {
	if r.LeafNodeType != types.NodeTypeIt || r.State != types.SpecStatePassed && !r.State.Is(types.SpecStateFailureStates) {
		return
	}
	p := progress{Spec: r.FullText(), State: r.State.String(), Took: r.RunTime}
	if r.State.Is(types.SpecStateFailureStates) {
		p.Reason = failureSentence(r.Failure.Message)
	}
	b, _ := json.Marshal(p)
	fmt.Fprintf(w, "%s%s\n", progressPrefix, b)
}

// printProgress prints a worker's progress line for the vendor.
func printProgress(out io.Writer, worker, n int, line string) {
	var p progress
	if json.Unmarshal([]byte(line), &p) != nil {
		return
	}
	state := strings.ToUpper(p.State)
	if state == "PASSED" {
		state = "PASS"
	} else if state == "FAILED" {
		state = "FAIL"
	}
	fmt.Fprintf(out, "[%s] %s (worker %d of %d, %v)\n", state, p.Spec, worker, n, p.Took.Round(100*time.Millisecond))
	if p.Reason != "" {
		fmt.Fprintf(out, "       %s\n", p.Reason)
	}
}

// runParallel shares the specs among cfg.Procs worker processes (this
// binary, with $EASLAB_TEST_CONFIG), prints a line per finished spec as
// the workers report it, then their output, a summary, and writes the
// merged reports.
func runParallel(out io.Writer, cfg testConfig) error {
	hc, err := cfg.harnessConfig()
	if err != nil {
		return err
	}
	if err := harness.Preflight(hc); err != nil {
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
	var outMu sync.Mutex // out gets whole lines from several workers
	outputs := make([]bytes.Buffer, n)
	errs := make([]error, n)
	fmt.Fprintf(out, "easlab test: %d worker processes, seed %d\n", n, cfg.Seed)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		w := cfg
		w.Procs, w.Shard = 1, harness.Shard{Index: i, Total: n}
		w.JUnit, w.JSONReport = "", filepath.Join(tmp, fmt.Sprintf("worker-%d.json", i))
		w.AbortFile = filepath.Join(tmp, "abort")
		b, _ := json.Marshal(w)
		cmd := exec.Command(self, "test")
		cmd.Env = append(os.Environ(), workerEnv+"="+string(b))
		// Ginkgo and the product write stdout; the progress lines and
		// errors come on stderr.
		outR, outW := io.Pipe()
		progressR, progressW := io.Pipe()
		cmd.Stdout, cmd.Stderr = outW, progressW
		line := func(l string, progress bool) {
			outMu.Lock()
			defer outMu.Unlock()
			switch {
			case progress && strings.HasPrefix(l, progressPrefix):
				printProgress(out, i+1, n, strings.TrimPrefix(l, progressPrefix))
			case cfg.Verbose:
				fmt.Fprintf(out, "[worker %d] %s", i+1, l)
			default:
				outputs[i].WriteString(l)
			}
		}
		var readers sync.WaitGroup
		readers.Add(2)
		go func() { defer readers.Done(); readLines(outR, func(l string) { line(l, false) }) }()
		go func() { defer readers.Done(); readLines(progressR, func(l string) { line(l, true) }) }()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cmd.Run()
			outW.Close()
			progressW.Close()
			readers.Wait()
		}()
	}
	wg.Wait()
	merged, err := mergeReports(tmp, n, errs)
	if err == nil && merged.PreRunStats.SpecsThatWillRun == 0 {
		return cfg.noSpecs(merged)
	}
	for i := range outputs {
		if o := outputs[i].String(); o != "" {
			if !strings.HasSuffix(o, "\n") {
				o += "\n"
			}
			fmt.Fprintf(out, "\n---- worker %d of %d ----\n%s", i+1, n, o)
		}
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
	abort, _ := os.ReadFile(filepath.Join(tmp, "abort"))
	ok := printSummary(out, merged, time.Since(start), string(abort))
	for _, e := range errs {
		ok = ok && e == nil
	}
	fmt.Fprintf(out, "easlab test: %s in %v\n", passedText(ok), time.Since(start).Round(time.Millisecond))
	if !ok {
		return errScenariosFailed
	}
	return nil
}

// readLines calls f with each line of r (with its newline).
func readLines(r io.Reader, f func(string)) {
	br := bufio.NewReader(r)
	for {
		l, err := br.ReadString('\n')
		if l != "" {
			f(l)
		}
		if err != nil {
			return
		}
	}
}

// mergeReports joins the workers' reports: each spec as the worker that
// ran it saw it.
// A worker that wrote no report fails the run: its specs are unaccounted
// for. exits are the workers' exit errors.
func mergeReports(dir string, n int, exits []error) (types.Report, error) {
	var merged types.Report
	seen := map[string]bool{} // specs every worker reports (filtered out)
	for i := 0; i < n; i++ {
		file := filepath.Join(dir, fmt.Sprintf("worker-%d.json", i))
		if _, err := os.Stat(file); err != nil {
			return merged, fmt.Errorf("worker %d of %d wrote no report (it ended with %s), so its share of the specs is unaccounted for", i+1, n, harness.ExitText(exits[i]))
		}
		r, err := readReport(file)
		if err != nil {
			return merged, fmt.Errorf("worker %d of %d's report: %w", i+1, n, err)
		}
		if i == 0 {
			merged = r
			merged.SpecReports = nil
		}
		merged.SuiteSucceeded = merged.SuiteSucceeded && r.SuiteSucceeded
		merged.PreRunStats.SpecsThatWillRun = max(merged.PreRunStats.SpecsThatWillRun, r.PreRunStats.SpecsThatWillRun)
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

// printSummary prints the counts of a run and every failed spec with the
// sentence that says why, and reports whether it passed. abort is why the
// run stopped early ("" if it did not).
func printSummary(out io.Writer, r types.Report, took time.Duration, abort string) bool {
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
			if s.State == types.SpecStateAborted && abort == "" {
				abort = failureSentence(s.Failure.Message)
			}
		default:
			skipped++
		}
	}
	fmt.Fprintln(out)
	if abort != "" {
		fmt.Fprintf(out, "easlab test: stopped early: %s\n", abort)
	}
	fmt.Fprintf(out, "==== ran %d specs in %v: %d passed, %d failed, %d skipped\n", ran, took.Round(time.Millisecond), passed, failed, skipped)
	// Specs that failed for one reason (a product that broke) are listed
	// under it once.
	var reasons []string
	specs := map[string][]types.SpecReport{}
	for _, s := range failures {
		why := failureSentence(s.Failure.Message)
		if specs[why] == nil {
			reasons = append(reasons, why)
		}
		specs[why] = append(specs[why], s)
	}
	for _, why := range reasons {
		if ss := specs[why]; len(ss) == 1 {
			fmt.Fprintf(out, "  [FAIL] %s\n         %s\n         %s\n", ss[0].FullText(), why, ss[0].Failure.Location)
			continue
		}
		fmt.Fprintf(out, "  [FAIL] %d specs: %s\n", len(specs[why]), why)
		for _, s := range specs[why] {
			fmt.Fprintf(out, "         - %s (%s)\n", s.FullText(), s.Failure.Location)
		}
	}
	return len(failures) == 0
}
