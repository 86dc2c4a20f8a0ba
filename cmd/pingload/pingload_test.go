//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The easlab binary the tests run: built once, with the toolchain running
// the tests, from this module's ./cmd/easlab.
var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	cleanBin  func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cleanBin != nil {
		cleanBin()
	}
	os.Exit(code)
}

func easlabBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtBin, cleanBin, buildErr = buildEasLab(t.Context(), filepath.Join(runtime.GOROOT(), "bin", "go"), ".")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// runTool runs pingload's main logic with args against the built binary
// and returns its exit status, its JSON report (when it printed one) and
// its error output.
func runTool(t *testing.T, args ...string) (int, *Report, string) {
	t.Helper()
	args = append([]string{"--easlab", easlabBinary(t), "--json", "--log-level", "warn"}, args...)
	var stdout, stderr bytes.Buffer
	code := mainCode(t.Context(), args, &stdout, &stderr)
	var rep *Report
	if stdout.Len() > 0 {
		rep = new(Report)
		if err := json.Unmarshal(stdout.Bytes(), rep); err != nil {
			t.Fatalf("the --json report does not parse: %v\n%s", err, stdout.String())
		}
	}
	return code, rep, stderr.String()
}

// TestPingloadHoldsAndWakes runs a small fleet through the whole run: every
// device holds, the mail wakes every one, and they hold again.
func TestPingloadHoldsAndWakes(t *testing.T) {
	code, rep, stderr := runTool(t, "--devices", "40", "--users", "4", "--ramp", "1s")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d, report %v; stderr:\n%s", code, rep != nil, stderr)
	}
	if !rep.OK || len(rep.Failures) != 0 || len(rep.Runs) != 1 || rep.RatioParkedToBaseline != nil {
		t.Fatalf("report: ok %v, failures %q, %d runs, ratio %v", rep.OK, rep.Failures, len(rep.Runs), rep.RatioParkedToBaseline)
	}
	if rep.Devices != 40 || rep.Users != 4 || rep.TLS || rep.HTTP2 {
		t.Errorf("report header: %+v", rep)
	}
	r := rep.Runs[0]
	if !r.OK || r.Failure != "" || r.Park != "" || len(r.Errors) != 0 {
		t.Errorf("run: ok %v, failure %q, park %q, errors %v", r.OK, r.Failure, r.Park, r.Errors)
	}
	for name, p := range map[string]Proc{"serve": r.Serve, "fleet": r.Fleet} {
		if p.PID <= 0 || p.HeldRSSKB <= 0 || p.SetupPeakRSSKB < p.HeldRSSKB || p.PeakRSSKB < p.SetupPeakRSSKB || p.Goroutines <= 0 || p.HeapInuseBytes <= 0 || p.GoSysBytes <= 0 {
			t.Errorf("%s: %+v", name, p)
		}
		if want := float64(p.PeakRSSKB) / 40; p.KBPerDevice != want {
			t.Errorf("%s: KB per device %v, want peak / devices = %v", name, p.KBPerDevice, want)
		}
	}
	if want := float64(r.Serve.PeakRSSKB+r.Fleet.PeakRSSKB) / 40; r.KBPerDevice != want {
		t.Errorf("KB per device %v, want (serve + fleet peak) / devices = %v", r.KBPerDevice, want)
	}
	if want := float64(r.Serve.HeldRSSKB+r.Fleet.HeldRSSKB) / 40; r.HeldKBPerDevice != want {
		t.Errorf("held KB per device %v, want %v", r.HeldKBPerDevice, want)
	}
	if r.HoldSeconds <= 0 || r.LoadAverageStart == "" || r.LoadAverageEnd == "" {
		t.Errorf("hold %vs, load average %q, %q", r.HoldSeconds, r.LoadAverageStart, r.LoadAverageEnd)
	}
	w := r.Wake
	if w == nil {
		t.Fatal("no wake figures")
	}
	if w.Mailboxes != 4 || w.Messages != 1 || w.PingsAnswered < 40 || w.Syncs < 40 || w.AllHeldAgainSeconds <= 0 {
		t.Errorf("wake: %+v", w)
	}
	if w.LatencyMeasured && (w.Observations < 40 || w.P50Seconds == nil || w.P99Seconds == nil || *w.P50Seconds > *w.P99Seconds) {
		t.Errorf("wake latency: %+v", w)
	}
	if !w.LatencyMeasured && (w.P50Seconds != nil || w.P99Seconds != nil) {
		t.Errorf("wake latency quantiles without the server's histogram: %+v", w)
	}
}

// TestPingloadFailsWhenDevicesCannotHold gives the fleet a wrong password:
// no device can set up, and the tool says so and exits nonzero.
func TestPingloadFailsWhenDevicesCannotHold(t *testing.T) {
	code, rep, stderr := runTool(t, "--devices", "8", "--users", "2", "--ramp", "0s", "--fleet-arg=--password=wrong")
	if code != 1 || rep == nil || rep.OK {
		t.Fatalf("exit %d, report %+v; stderr:\n%s", code, rep, stderr)
	}
	r := rep.Runs[0]
	if r.OK || !strings.Contains(r.Failure, "stopped on an error they do not retry") || !strings.Contains(r.Failure, "HTTP 401") {
		t.Errorf("failure %q", r.Failure)
	}
	if r.Errors["HTTP 401"] == 0 || r.Wake != nil {
		t.Errorf("errors %v, wake %+v", r.Errors, r.Wake)
	}
	if !strings.Contains(stderr, "FAIL: default run: ") {
		t.Errorf("stderr does not name the failure:\n%s", stderr)
	}
}

// TestPingloadBoundsKBPerDevice: a bound no fleet can meet fails the run,
// and the figures are still reported.
func TestPingloadBoundsKBPerDevice(t *testing.T) {
	code, rep, stderr := runTool(t, "--devices", "8", "--users", "2", "--ramp", "0s", "--max-kb-per-device", "1")
	if code != 1 || rep == nil || rep.OK || len(rep.Failures) != 1 {
		t.Fatalf("exit %d, report %+v; stderr:\n%s", code, rep, stderr)
	}
	if !strings.Contains(rep.Failures[0], "over --max-kb-per-device 1.0") || !rep.Runs[0].OK || rep.Runs[0].KBPerDevice <= 1 {
		t.Errorf("failures %q, run %+v", rep.Failures, rep.Runs[0])
	}
}

// TestPingloadNamesARefusedFlag: a flag the binary does not have (as
// --park on a binary older than it) is named as such.
func TestPingloadNamesARefusedFlag(t *testing.T) {
	code, rep, _ := runTool(t, "--devices", "2", "--users", "1", "--serve-arg=--no-such-flag")
	if code != 1 || rep == nil || len(rep.Runs) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	if want := "easlab serve refuses the flag --no-such-flag (unknown flag"; !strings.HasPrefix(rep.Runs[0].Failure, want) {
		t.Errorf("failure %q, want it to start %q", rep.Runs[0].Failure, want)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--devices", "0"},
		{"--users", "-1"},
		{"--park", "maybe"},
		{"--baseline", "--park", "true"},
		{"--max-kb-per-device", "-3"},
		{"--gogc", "fast"},
		{"--gomemlimit-serve", "200MB"},
		{"--gomemlimit-fleet", "lots"},
		{"--hold-for", "-1s"},
		{"--poll", "0s"},
		{"extra"},
		{"--log-level", "loud"},
	} {
		var stderr bytes.Buffer
		if code := mainCode(t.Context(), args, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "pingload") && !strings.Contains(stderr.String(), "flag") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a reason", args, code, stderr.String())
		}
	}
}

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	bs := []bucket{{0.1, 10}, {0.5, 30}, {1, 40}, {inf, 40}}
	for _, c := range []struct {
		q, want float64
		bs      []bucket
	}{
		{0.25, 0.1, bs},                       // the top of the first bucket
		{0.5, 0.3, bs},                        // halfway through (0.1, 0.5]
		{0.99, 0.98, bs},                      // 9.6 of 10 into (0.5, 1]
		{0.1, 0.04, bs},                       // from 0 within the first bucket
		{0.9, 1, []bucket{{1, 5}, {inf, 10}}}, // in +Inf: the highest finite bound
		{0.5, math.NaN(), []bucket{{1, 0}, {inf, 0}}},          // no observations
		{0.5, math.NaN(), []bucket{{1, 3}, {2, 3}}},            // no +Inf bucket
		{0.5, -1, []bucket{{-1, 4}, {0, 4}, {inf, 4}}},         // a non-positive first bound is returned as is
		{1.5, math.NaN(), bs},                                  // out of range
		{0.5, 1.5, []bucket{{1, 0}, {2, 4}, {3, 4}, {inf, 4}}}, // past an empty first bucket
	} {
		got := quantile(c.q, c.bs)
		if math.IsNaN(c.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-c.want) > 1e-9 {
			t.Errorf("quantile(%v, %v) = %v, want %v", c.q, c.bs, got, c.want)
		}
	}
	if got := since([]bucket{{1, 5}, {inf, 9}}, []bucket{{1, 2}, {inf, 3}}); got[0].count != 3 || got[1].count != 6 {
		t.Errorf("since: %v", got)
	}
}

// TestScrapeReadsClientGolang parses what client_golang itself writes, as
// easlab serve and fleet do: a labelled counter, a histogram and a gauge.
func TestScrapeReadsClientGolang(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_total", Help: "h"}, []string{"kind"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "t_seconds", Help: "h", Buckets: []float64{.01, .1, 1}})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_gauge", Help: "h", ConstLabels: prometheus.Labels{"state": "a \"quoted\"\\ value\nx"}})
	reg.MustRegister(c, h, g)
	c.WithLabelValues("HTTP 401").Add(3)
	c.WithLabelValues("transport").Add(2)
	g.Set(7)
	for i := 1; i <= 100; i++ {
		h.Observe(float64(i) / 100) // 0.01 .. 1
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	r := &runner{http: srv.Client()}
	sc, err := r.scrape(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if v := sc.value("t_total", "kind", "HTTP 401"); v != 3 {
		t.Errorf("t_total{kind=HTTP 401} = %v", v)
	}
	if v := sc.value("t_total"); v != 5 {
		t.Errorf("t_total summed = %v", v)
	}
	if v, ok := sc.get("t_gauge", "state", "a \"quoted\"\\ value\nx"); !ok || v != 7 {
		t.Errorf("t_gauge with an escaped label = %v, %v", v, ok)
	}
	if _, ok := sc.get("absent"); ok {
		t.Error("an absent metric was found")
	}
	hb := sc.histogram("t_seconds")
	want := []bucket{{.01, 1}, {.1, 10}, {1, 100}, {math.Inf(1), 100}}
	if fmt.Sprint(hb) != fmt.Sprint(want) {
		t.Errorf("buckets %v, want %v", hb, want)
	}
	if q := quantile(0.5, hb); math.Abs(q-0.5) > 1e-9 { // 40 of 90 into (0.1, 1]
		t.Errorf("median %v, want 0.5", q)
	}
	for _, bad := range []string{"name", "name{a=\"x} 1", "name{a=x} 1", "name 1 2 3", "name{a=\"x\"} one"} {
		if _, err := parseExposition(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestWakeMailParses(t *testing.T) {
	raw := wakeMail(1, maxRecipients)
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "user00001@contoso.com" {
		t.Errorf("To: %v %v, want the sender alone", to, err)
	}
	to, err := msg.Header.AddressList("Bcc")
	if err != nil {
		t.Fatal(err)
	}
	if len(to) != maxRecipients || to[0].Address != "user00001@contoso.com" || to[maxRecipients-1].Address != "user00500@contoso.com" {
		t.Errorf("%d recipients, first %v, last %v", len(to), to[0], to[len(to)-1])
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d characters", len(line))
		}
	}
}

func TestReadMemStatus(t *testing.T) {
	m, err := readMemStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSSKB <= 0 || m.PeakKB < m.RSSKB {
		t.Errorf("%+v", m)
	}
	if _, err := readMemStatus(-1); err == nil {
		t.Error("no error for process -1")
	}
}

// TestPingloadBaseline runs --baseline: --park=false then --park=true on
// both sides. A binary without the --park flags fails both runs naming
// the flag; one with them gives the ratio of the two runs' figures.
func TestPingloadBaseline(t *testing.T) {
	code, rep, stderr := runTool(t, "--devices", "20", "--users", "2", "--ramp", "0s", "--baseline")
	if rep == nil || len(rep.Runs) != 2 {
		t.Fatalf("exit %d, report %+v; stderr:\n%s", code, rep, stderr)
	}
	for i, want := range []struct{ name, park string }{{"baseline", "false"}, {"parked", "true"}} {
		if r := rep.Runs[i]; r.Name != want.name || r.Park != want.park {
			t.Errorf("run %d: %s --park=%s, want %s --park=%s", i, r.Name, r.Park, want.name, want.park)
		}
	}
	if refused := strings.Contains(rep.Runs[0].Failure, "refuses the flag --park"); refused {
		if code != 1 || rep.OK || rep.RatioParkedToBaseline != nil || len(rep.Failures) != 2 {
			t.Errorf("a refused --park: exit %d, ok %v, ratio %v, failures %q", code, rep.OK, rep.RatioParkedToBaseline, rep.Failures)
		}
		t.Logf("this easlab has no --park flag: %s", rep.Runs[0].Failure)
		return
	}
	if code != 0 || !rep.OK || rep.RatioParkedToBaseline == nil || rep.HeldRatioParkedToBaseline == nil {
		t.Fatalf("exit %d, ok %v, failures %q; stderr:\n%s", code, rep.OK, rep.Failures, stderr)
	}
	b, p := rep.Runs[0], rep.Runs[1]
	if want := p.KBPerDevice / b.KBPerDevice; *rep.RatioParkedToBaseline != want {
		t.Errorf("ratio %v, want %v / %v", *rep.RatioParkedToBaseline, p.KBPerDevice, b.KBPerDevice)
	}
	if want := p.HeldKBPerDevice / b.HeldKBPerDevice; *rep.HeldRatioParkedToBaseline != want {
		t.Errorf("held ratio %v, want %v / %v", *rep.HeldRatioParkedToBaseline, p.HeldKBPerDevice, b.HeldKBPerDevice)
	}
}
