//go:build linux

package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// lastScrapeError is "; last failed scrape: ..." when a scrape failed.
func (r *runner) lastScrapeError() string {
	if r.scrapeErr == nil {
		return ""
	}
	return "; last failed scrape: " + r.scrapeErr.Error()
}

// childEnv is what a child (serve or fleet, whose GOMEMLIMIT is memLimit)
// gets added to pingload's environment.
func (cfg config) childEnv(memLimit string) []string {
	var env []string
	if cfg.gogc != "" {
		env = append(env, "GOGC="+cfg.gogc)
	}
	if memLimit != "" {
		env = append(env, "GOMEMLIMIT="+memLimit)
	}
	return env
}

// memLimitPattern is GOMEMLIMIT's syntax (runtime/debug.SetMemoryLimit):
// bytes with an optional unit, or off.
var memLimitPattern = regexp.MustCompile(`^(off|[0-9]+(B|KiB|MiB|GiB|TiB)?)$`)

// config is what pingload is told (main.go's flags).
type config struct {
	devices, users int
	ramp           time.Duration
	holdTimeout    time.Duration // after the ramp, for every device to hold
	wakeTimeout    time.Duration // from the first send, for every device to hold again
	holdFor        time.Duration // how long every device holds before the wake
	startTimeout   time.Duration // for easlab serve to answer /healthz
	poll           time.Duration
	easlab         string // a built binary; "" builds ./cmd/easlab
	goTool         string // the go command that builds it
	moduleDir      string // where it is built
	tls, http2     bool
	park           string // "", "true" or "false": passed as --park=V to serve and fleet
	baseline       bool   // run --park=false, then --park=true, and give the ratio
	profiles       string // the fleet's --profiles ("" keeps its default)
	maxKBPerDevice float64
	serveArgs      []string
	gogc           string // GOGC of both children ("" leaves the environment's)
	memServe       string // GOMEMLIMIT of serve ("" leaves the environment's)
	memFleet       string // GOMEMLIMIT of fleet
	fleetArgs      []string
	asJSON         bool
}

// Report is a pingload invocation's result: one run, or two with
// --baseline and their ratio.
type Report struct {
	Devices int   `json:"devices"`
	Users   int   `json:"users"`
	TLS     bool  `json:"tls"`
	HTTP2   bool  `json:"http2"`
	Runs    []Run `json:"runs"`
	// RatioParkedToBaseline is the parked run's KB per device over the
	// baseline's (--baseline only).
	RatioParkedToBaseline *float64 `json:"ratio_parked_to_baseline,omitempty"`
	// HeldRatioParkedToBaseline is the same for HeldKBPerDevice, the
	// steady state without the setup's and the wake's peaks.
	HeldRatioParkedToBaseline *float64 `json:"held_ratio_parked_to_baseline,omitempty"`
	OK                        bool     `json:"ok"`
	// Failures say, one sentence each, which promise a run broke.
	Failures []string `json:"failures,omitempty"`
}

// Run is one server and one fleet, held, woken and held again.
type Run struct {
	Name string `json:"name"`
	Park string `json:"park,omitempty"` // the --park value given to both, "" when none
	GOGC string `json:"gogc,omitempty"` // the GOGC both ran with, "" for Go's default (100)
	// MemLimitServe and MemLimitFleet are the GOMEMLIMITs given, "" for none.
	MemLimitServe string `json:"gomemlimitServe,omitempty"`
	MemLimitFleet string `json:"gomemlimitFleet,omitempty"`
	OK            bool   `json:"ok"`
	// Failure is the one-sentence reason the run failed, with the figures
	// it saw.
	Failure string `json:"failure,omitempty"`
	// HoldSeconds is from the fleet's start to every device holding a Ping
	// (the ramp included).
	HoldSeconds float64 `json:"hold_seconds"`
	Serve       Proc    `json:"serve"`
	Fleet       Proc    `json:"fleet"`
	// KBPerDevice is (serve's peak RSS + fleet's peak RSS) / devices.
	KBPerDevice float64 `json:"kb_per_device"`
	// HeldKBPerDevice is (serve's + fleet's VmRSS when every device first
	// held a Ping) / devices: the steady state, before the wake's peak.
	HeldKBPerDevice float64          `json:"held_kb_per_device"`
	Wake            *Wake            `json:"wake,omitempty"`
	Errors          map[string]int64 `json:"errors"` // the fleet's errors by kind
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute figures at the
	// run's start and end: the machine may be shared.
	LoadAverageStart string `json:"load_average_start"`
	LoadAverageEnd   string `json:"load_average_end"`
}

// Proc is one process's memory.
type Proc struct {
	PID int `json:"pid"`
	// StartRSSKB is VmRSS before any device started.
	StartRSSKB int64 `json:"start_rss_kb"`
	// HeldRSSKB is VmRSS when every device first held a Ping.
	HeldRSSKB int64 `json:"held_rss_kb"`
	// SetupPeakRSSKB is VmHWM when every device first held: the peak of
	// the ramp and the setups, before the wake.
	SetupPeakRSSKB int64 `json:"setup_peak_rss_kb"`
	// PeakRSSKB is VmHWM at the run's end: the kernel's peak over the run.
	PeakRSSKB int64 `json:"peak_rss_kb"`
	// KBPerDevice is PeakRSSKB / devices.
	KBPerDevice float64 `json:"kb_per_device"`
	// Go's view when every device held, from the process's /metrics
	// (client_golang's Go and process collectors).
	Goroutines      int64 `json:"goroutines"`
	HeapInuseBytes  int64 `json:"heap_inuse_bytes"`
	StackInuseBytes int64 `json:"stack_inuse_bytes"`
	GoSysBytes      int64 `json:"go_sys_bytes"`
}

// Wake is what a mail to every mailbox did.
type Wake struct {
	Mailboxes int `json:"mailboxes"`
	Messages  int `json:"messages"` // SendMails, at most maxRecipients each
	// SendSeconds is from the first SendMail to the last one's answer.
	SendSeconds float64 `json:"send_seconds"`
	// AllHeldAgainSeconds is from the first send to every device holding a
	// Ping again (polled every --poll).
	AllHeldAgainSeconds float64 `json:"all_held_again_seconds"`
	PingsAnswered       int64   `json:"pings_answered"` // fleet Ping count's growth
	Syncs               int64   `json:"syncs"`          // fleet Sync count's growth
	// LatencyMeasured says whether the server exports
	// easlab_ping_wake_seconds; the quantiles are from its buckets.
	LatencyMeasured bool     `json:"latency_measured"`
	Observations    int64    `json:"observations,omitempty"`
	P50Seconds      *float64 `json:"p50_seconds,omitempty"`
	P99Seconds      *float64 `json:"p99_seconds,omitempty"`
}

// maxRecipients caps one wake mail's recipients: Exchange's default
// message recipient limit is 500 (Set-TransportConfig MaxRecipientEnvelopeLimit,
// "Message size and recipient limits in Exchange Server"); the simulator
// has none (simulator/sendmail.go), so a real server would refuse more.
const maxRecipients = 500

// pingload runs cfg: once, or the baseline then the parked run.
func pingload(ctx context.Context, cfg config, log *slog.Logger) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, err := raiseNoFile(); err != nil {
		return nil, err
	}
	if cfg.easlab == "" {
		bin, cleanup, err := buildEasLab(ctx, cfg.goTool, cfg.moduleDir)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		cfg.easlab = bin
	}
	rep := &Report{Devices: cfg.devices, Users: cfg.users, TLS: cfg.tls || cfg.http2, HTTP2: cfg.http2}
	type plan struct{ name, park string }
	plans := []plan{{"default", cfg.park}}
	if cfg.park != "" {
		plans[0].name = "park=" + cfg.park
	}
	if cfg.baseline {
		plans = []plan{{"baseline", "false"}, {"parked", "true"}}
	}
	for _, p := range plans {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Info("run", "name", p.name, "devices", cfg.devices, "users", cfg.users)
		r := runOnce(ctx, cfg, p.name, p.park, log)
		rep.Runs = append(rep.Runs, r)
		if !r.OK {
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s run: %s", r.Name, r.Failure))
		}
	}
	if cfg.baseline && rep.Runs[0].OK && rep.Runs[1].OK && rep.Runs[0].KBPerDevice > 0 {
		ratio := rep.Runs[1].KBPerDevice / rep.Runs[0].KBPerDevice
		rep.RatioParkedToBaseline = &ratio
		if rep.Runs[0].HeldKBPerDevice > 0 {
			held := rep.Runs[1].HeldKBPerDevice / rep.Runs[0].HeldKBPerDevice
			rep.HeldRatioParkedToBaseline = &held
		}
	}
	if cfg.maxKBPerDevice > 0 {
		for _, r := range rep.Runs {
			if r.KBPerDevice > cfg.maxKBPerDevice && (!cfg.baseline || r.Park != "false") {
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s run: %.1f KB per device is over --max-kb-per-device %.1f", r.Name, r.KBPerDevice, cfg.maxKBPerDevice))
			}
		}
	}
	rep.OK = len(rep.Failures) == 0
	return rep, nil
}

func (cfg config) validate() error {
	if cfg.gogc != "" && cfg.gogc != "off" {
		if n, err := strconv.Atoi(cfg.gogc); err != nil || n <= 0 {
			return fmt.Errorf("--gogc %q: a positive percentage or off", cfg.gogc)
		}
	}
	for flag, v := range map[string]string{"--gomemlimit-serve": cfg.memServe, "--gomemlimit-fleet": cfg.memFleet} {
		if v != "" && !memLimitPattern.MatchString(v) {
			return fmt.Errorf("%s %q: bytes with an optional unit (B, KiB, MiB, GiB, TiB), as GOMEMLIMIT, or off", flag, v)
		}
	}
	switch {
	case cfg.devices <= 0:
		return fmt.Errorf("--devices %d: want at least 1", cfg.devices)
	case cfg.users <= 0:
		return fmt.Errorf("--users %d: want at least 1", cfg.users)
	case cfg.ramp < 0 || cfg.holdFor < 0 || cfg.holdTimeout <= 0 || cfg.wakeTimeout <= 0 || cfg.startTimeout <= 0 || cfg.poll <= 0:
		return fmt.Errorf("--ramp and --hold-for may not be negative; --hold-timeout, --wake-timeout, --start-timeout and --poll must be positive")
	case cfg.park != "" && cfg.park != "true" && cfg.park != "false":
		return fmt.Errorf("--park %q: want true, false or empty (pass nothing)", cfg.park)
	case cfg.baseline && cfg.park != "":
		return fmt.Errorf("--baseline runs --park=false then --park=true itself: give no --park")
	case cfg.maxKBPerDevice < 0 || math.IsNaN(cfg.maxKBPerDevice):
		return fmt.Errorf("--max-kb-per-device %v: want 0 (no bound) or more", cfg.maxKBPerDevice)
	}
	return nil
}

// runner is one run's state.
type runner struct {
	cfg           config
	log           *slog.Logger
	http          *http.Client // scrapes and the sender device
	scrapeErr     error        // the last scrape that failed, for a failure's reason
	serveURL      string       // http(s)://127.0.0.1:PORT
	fleetMetrics  string       // http://127.0.0.1:P2/metrics
	serve, fleet  *child
	run           *Run
	partnerships0 float64 // before the fleet: the demo organization's own
}

// runOnce starts a server and a fleet with park ("" passes no --park),
// waits for every device to hold, wakes them, and measures. A failure is
// in the Run, not an error: the figures seen so far are kept.
func runOnce(ctx context.Context, cfg config, name, park string, log *slog.Logger) Run {
	run := Run{Name: name, Park: park, GOGC: cfg.gogc, MemLimitServe: cfg.memServe, MemLimitFleet: cfg.memFleet, LoadAverageStart: loadAverage(), Errors: map[string]int64{}}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // easlab serve --tls: a generated certificate
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}} // HTTP/1.1, as phones speak
	defer tr.CloseIdleConnections()
	r := &runner{cfg: cfg, log: log, http: &http.Client{Transport: tr, Timeout: time.Minute}, run: &run}
	err := r.do(ctx)
	if r.fleet != nil {
		r.fleet.stop(10 * time.Second)
		r.fleetReport()
	}
	if r.serve != nil {
		r.serve.stop(10 * time.Second)
	}
	run.LoadAverageEnd = loadAverage()
	if err == nil && len(run.Errors) > 0 {
		err = fmt.Errorf("the fleet counted errors: %s", formatErrors(run.Errors))
	}
	if err != nil {
		run.Failure = err.Error()
	}
	run.OK = err == nil
	return run
}

func (r *runner) do(ctx context.Context) error {
	cfg := r.cfg
	addr, err := freePort()
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.tls || cfg.http2 {
		scheme = "https"
	}
	r.serveURL = scheme + "://" + addr
	args := []string{"serve", "--listen", addr, "--demo-users", strconv.Itoa(cfg.users), "--eas-max-concurrency", "-1", "--log-level", "error"}
	if scheme == "https" {
		args = append(args, "--tls")
	}
	if r.run.Park != "" {
		args = append(args, "--park="+r.run.Park)
	}
	args = append(args, cfg.serveArgs...)
	if r.serve, err = startChild("easlab serve", cfg.easlab, args, cfg.childEnv(cfg.memServe)); err != nil {
		return err
	}
	r.run.Serve.PID = r.serve.cmd.Process.Pid
	if err := r.waitServe(ctx); err != nil {
		return err
	}
	sc, err := r.scrape(ctx, r.serveURL+"/metrics")
	if err != nil {
		return err
	}
	r.partnerships0 = sc.value("easlab_partnerships")
	if m, err := readMemStatus(r.run.Serve.PID); err == nil {
		r.run.Serve.StartRSSKB = m.RSSKB
	}

	maddr, err := freePort()
	if err != nil {
		return err
	}
	r.fleetMetrics = "http://" + maddr + "/metrics"
	// The fleet runs until pingload stops it; --duration only bounds it
	// should pingload die without its parent-death signal.
	duration := cfg.ramp + cfg.holdTimeout + cfg.holdFor + cfg.wakeTimeout + 5*time.Minute
	args = []string{"fleet", "--url", r.serveURL, "--devices", strconv.Itoa(cfg.devices), "--user-count", strconv.Itoa(cfg.users),
		"--ramp", cfg.ramp.String(), "--duration", duration.String(), "--metrics-listen", maddr, "--json"}
	switch {
	case cfg.http2:
		args = append(args, "--http2", "--insecure")
	case cfg.tls:
		args = append(args, "--insecure")
	}
	if cfg.profiles != "" {
		args = append(args, "--profiles", cfg.profiles)
	}
	if r.run.Park != "" {
		args = append(args, "--park="+r.run.Park)
	}
	args = append(args, cfg.fleetArgs...)
	start := time.Now()
	if r.fleet, err = startChild("easlab fleet", cfg.easlab, args, cfg.childEnv(cfg.memFleet)); err != nil {
		return err
	}
	r.run.Fleet.PID = r.fleet.cmd.Process.Pid
	if m, err := readMemStatus(r.run.Fleet.PID); err == nil {
		r.run.Fleet.StartRSSKB = m.RSSKB
	}

	if err := r.waitHeld(ctx, start); err != nil {
		return err
	}
	r.run.HoldSeconds = time.Since(start).Seconds()
	if cfg.holdFor > 0 {
		// Held for a while before the wake: the steady state, when a
		// profile or the RSS is wanted after the setups' garbage is
		// collected and returned.
		r.log.Info("holding before the wake", "for", cfg.holdFor)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.holdFor):
		}
	}
	if err := r.sampleHeld(ctx); err != nil {
		return err
	}
	if err := r.wake(ctx); err != nil {
		return err
	}
	// Both processes still run: VmHWM now is the peak of the whole run.
	for _, p := range []*Proc{&r.run.Serve, &r.run.Fleet} {
		m, err := readMemStatus(p.PID)
		if err != nil {
			return err
		}
		p.PeakRSSKB = m.PeakKB
		p.KBPerDevice = float64(m.PeakKB) / float64(cfg.devices)
	}
	r.run.KBPerDevice = float64(r.run.Serve.PeakRSSKB+r.run.Fleet.PeakRSSKB) / float64(cfg.devices)
	fsc, err := r.scrape(ctx, r.fleetMetrics)
	if err != nil {
		return err
	}
	r.addErrors(fsc)
	return nil
}

// waitServe waits for easlab serve to answer /healthz.
func (r *runner) waitServe(ctx context.Context) error {
	deadline := time.Now().Add(r.cfg.startTimeout)
	for {
		if r.serve.exited() {
			return fmt.Errorf("%s", r.serve.exitReason())
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.serveURL+"/healthz", nil)
		if err != nil {
			return fmt.Errorf("healthz: %w", err)
		}
		if resp, err := r.http.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("easlab serve did not answer %s/healthz within %v", r.serveURL, r.cfg.startTimeout)
		}
		if err := r.pause(ctx); err != nil {
			return err
		}
	}
}

func (r *runner) pause(ctx context.Context) error {
	t := time.NewTimer(r.cfg.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// scrape reads one /metrics page.
func (r *runner) scrape(ctx context.Context, url string) (scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: HTTP %d", url, resp.StatusCode)
	}
	sc, err := parseExposition(string(body))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	return sc, nil
}

// state is what both sides say about the devices at one poll.
type state struct {
	started, setUp, failed, holding float64 // the fleet's easlab_fleet_devices
	pings, syncs                    float64 // the fleet's requests by command
	errors                          float64 // the fleet's easlab_fleet_errors_total
	held, partnerships              float64 // the server's
	fleet, server                   scrape
}

func (s state) String() string {
	return fmt.Sprintf("fleet started %.0f, set up %.0f, failed %.0f, holding %.0f, errors %.0f; server held Pings %.0f, partnerships %.0f",
		s.started, s.setUp, s.failed, s.holding, s.errors, s.held, s.partnerships)
}

// poll scrapes both sides. The fleet's metrics may not be up yet: ok is
// false then.
func (r *runner) poll(ctx context.Context) (st state, ok bool, err error) {
	if r.fleet.exited() {
		if fr, ok := r.fleetReport(); ok && r.fleet.err == nil {
			return st, false, fmt.Errorf("easlab fleet ended early, its report: %d devices started, %d set up, %d failed (stopped on an error they do not retry), %d holding; errors: %s",
				fr.Devices, fr.SetUp, fr.Failed, fr.Holding, formatErrors(r.run.Errors))
		}
		return st, false, fmt.Errorf("%s", r.fleet.exitReason())
	}
	if r.serve.exited() {
		return st, false, fmt.Errorf("%s", r.serve.exitReason())
	}
	// A scrape that fails (a process too busy to answer within the
	// client's minute) is tried again at the next poll; the waits' own
	// bounds end a run whose metrics never answer, naming the error.
	if st.fleet, err = r.scrape(ctx, r.fleetMetrics); err != nil {
		r.scrapeErr = err
		return st, false, nil
	}
	if st.server, err = r.scrape(ctx, r.serveURL+"/metrics"); err != nil {
		r.scrapeErr = err
		return st, false, nil
	}
	f := st.fleet
	st.started = f.value("easlab_fleet_devices", "state", "started")
	st.setUp = f.value("easlab_fleet_devices", "state", "set_up")
	st.failed = f.value("easlab_fleet_devices", "state", "failed")
	st.holding = f.value("easlab_fleet_devices", "state", "holding")
	st.pings = f.value("easlab_fleet_requests_total", "command", "Ping")
	st.syncs = f.value("easlab_fleet_requests_total", "command", "Sync")
	st.errors = f.value("easlab_fleet_errors_total")
	st.held = st.server.value("easlab_held_pings")
	st.partnerships = st.server.value("easlab_partnerships") - r.partnerships0
	return st, true, nil
}

// waitHeld waits until every device has set up and holds a Ping, as both
// the fleet and the server count it.
func (r *runner) waitHeld(ctx context.Context, start time.Time) error {
	n := float64(r.cfg.devices)
	bound := r.cfg.ramp + r.cfg.holdTimeout
	last := "no metrics read yet"
	for {
		st, ok, err := r.poll(ctx)
		if err != nil {
			return fmt.Errorf("before every device held a Ping: %w (last seen: %v)", err, last)
		}
		if ok {
			last = st.String()
			if st.failed > 0 {
				r.addErrors(st.fleet)
				return fmt.Errorf("%.0f of %d devices stopped on an error they do not retry (errors: %s; %v)", st.failed, r.cfg.devices, formatErrors(r.run.Errors), st)
			}
			if st.setUp == n && st.holding == n && st.held == n && st.partnerships == n {
				return nil
			}
		}
		if time.Since(start) > bound {
			return fmt.Errorf("not every device held a Ping within %v (ramp %v + --hold-timeout %v): %v%s", bound.Round(time.Second), r.cfg.ramp, r.cfg.holdTimeout, last, r.lastScrapeError())
		}
		if err := r.pause(ctx); err != nil {
			return err
		}
	}
}

// sampleHeld records both processes' memory while every device holds.
func (r *runner) sampleHeld(ctx context.Context) error {
	for _, s := range []struct {
		p   *Proc
		url string
	}{{&r.run.Serve, r.serveURL + "/metrics"}, {&r.run.Fleet, r.fleetMetrics}} {
		m, err := readMemStatus(s.p.PID)
		if err != nil {
			return err
		}
		s.p.HeldRSSKB, s.p.SetupPeakRSSKB = m.RSSKB, m.PeakKB
		sc, err := r.scrape(ctx, s.url)
		if err != nil {
			return err
		}
		s.p.Goroutines = int64(sc.value("go_goroutines"))
		s.p.HeapInuseBytes = int64(sc.value("go_memstats_heap_inuse_bytes"))
		s.p.StackInuseBytes = int64(sc.value("go_memstats_stack_inuse_bytes"))
		s.p.GoSysBytes = int64(sc.value("go_memstats_sys_bytes"))
	}
	r.run.HeldKBPerDevice = float64(r.run.Serve.HeldRSSKB+r.run.Fleet.HeldRSSKB) / float64(r.cfg.devices)
	return nil
}

// addErrors copies the fleet's error counters into the run.
func (r *runner) addErrors(fleet scrape) {
	for kind, v := range fleet.byLabel("easlab_fleet_errors_total", "kind") {
		if v > 0 {
			r.run.Errors[kind] = max(r.run.Errors[kind], int64(v))
		}
	}
}

// fleetJSON is the part of easlab fleet's --json report (clients.FleetReport)
// pingload reads.
type fleetJSON struct {
	Devices, SetUp, Failed, Holding int
	Errors                          map[string]int64
}

// fleetReport reads the fleet's --json report, when it printed one on
// its way out (it ends on SIGINT without one), and adds its error counts.
func (r *runner) fleetReport() (fleetJSON, bool) {
	var rep fleetJSON
	out := r.fleet.stdout.String()
	i := strings.IndexByte(out, '{')
	if i < 0 {
		r.log.Debug("the fleet printed no report on its way out")
		return rep, false
	}
	if err := json.Unmarshal([]byte(out[i:]), &rep); err != nil {
		r.log.Warn("the fleet's --json report does not parse", "err", err)
		return rep, false
	}
	for kind, v := range rep.Errors {
		if v > 0 {
			r.run.Errors[kind] = max(r.run.Errors[kind], v)
		}
	}
	return rep, true
}

func formatErrors(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func goRoot() string { return runtime.GOROOT() }
