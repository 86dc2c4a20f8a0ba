//go:build linux

// Command pingload measures what held Pings cost: it starts `easlab serve`
// and `easlab fleet` on loopback, waits until every device holds a Ping
// (as the fleet and the server both count it), reads both processes' peak
// resident memory from the kernel (VmHWM), wakes every mailbox with one
// mail and times every device's answer, Sync and new Ping. With
// --baseline it runs twice, with --park=false and then --park=true on
// both sides, and gives the ratio of the memory per device.
//
//	go run ./cmd/pingload --devices 19000 --users 500 --ramp 90s
//	go run ./cmd/pingload --devices 2000 --users 500 --baseline --json
//
// It exits 1 when a promise is broken: a device that did not hold, wake
// or hold again, a fleet error, or more than --max-kb-per-device; 2 on a
// usage error. Linux only (/proc).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// parseFlags reads args into a config.
func parseFlags(args []string, stderr io.Writer) (config, string, error) {
	cfg := config{goTool: goToolPath(), moduleDir: "."}
	fs := flag.NewFlagSet("pingload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.devices, "devices", 2000, "devices the fleet runs")
	fs.IntVar(&cfg.users, "users", 500, "mailboxes (easlab serve --demo-users), the devices spread over them round-robin")
	fs.DurationVar(&cfg.ramp, "ramp", 20*time.Second, "the fleet's --ramp: its devices' starts spread over this long (19,000 devices want 90s)")
	fs.DurationVar(&cfg.holdTimeout, "hold-timeout", 2*time.Minute, "after the ramp, how long every device may take to hold a Ping before the run fails")
	fs.DurationVar(&cfg.wakeTimeout, "wake-timeout", 2*time.Minute, "from the first wake mail, how long every device may take to answer, Sync and hold again before the run fails")
	fs.DurationVar(&cfg.holdFor, "hold-for", 0, "once every device holds, keep them holding this long before the wake (the held RSS is sampled at its end; time to take a profile)")
	fs.DurationVar(&cfg.startTimeout, "start-timeout", time.Minute, "how long easlab serve may take to answer /healthz")
	fs.DurationVar(&cfg.poll, "poll", 250*time.Millisecond, "how often both processes' metrics are read while waiting")
	fs.StringVar(&cfg.easlab, "easlab", "", "an easlab binary to run (default: go build ./cmd/easlab into a temporary directory)")
	fs.BoolVar(&cfg.tls, "tls", false, "serve HTTPS (easlab serve --tls; the fleet gets --insecure)")
	fs.BoolVar(&cfg.http2, "http2", false, "HTTPS with HTTP/2, the devices sharing connections (serve --tls, fleet --http2 --insecure)")
	fs.StringVar(&cfg.park, "park", "", "pass --park=true or --park=false to both serve and fleet (empty: pass nothing, each side's default)")
	fs.BoolVar(&cfg.baseline, "baseline", false, "run twice, --park=false then --park=true on both sides, and report the ratio of KB per device")
	fs.StringVar(&cfg.profiles, "profiles", "", "the fleet's --profiles mix (empty: its default)")
	fs.Float64Var(&cfg.maxKBPerDevice, "max-kb-per-device", 0, "fail when (serve's + fleet's peak RSS) / devices is over this many KB (0: no bound; with --baseline, the parked run only)")
	fs.Var((*stringList)(&cfg.serveArgs), "serve-arg", "one more argument for easlab serve (repeatable), e.g. --serve-arg=--profile=Exchange2013")
	fs.Var((*stringList)(&cfg.fleetArgs), "fleet-arg", "one more argument for easlab fleet (repeatable), e.g. --fleet-arg=--seed=7")
	fs.StringVar(&cfg.gogc, "gogc", "", "GOGC for easlab serve and fleet (Go's garbage collector target: 100 by default; lower trades CPU for memory: a process's RSS is about live heap x (1 + GOGC/100))")
	fs.StringVar(&cfg.memServe, "gomemlimit-serve", "", "GOMEMLIMIT for easlab serve (Go's soft memory limit, e.g. 230MiB: near it the collector runs sooner and returns freed pages to the system; empty: none)")
	fs.StringVar(&cfg.memFleet, "gomemlimit-fleet", "", "GOMEMLIMIT for easlab fleet, as --gomemlimit-serve")
	fs.BoolVar(&cfg.asJSON, "json", false, "print the report as JSON")
	logLevel := fs.String("log-level", "info", "progress on stderr: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return cfg, *logLevel, cfg.validate()
}

// mainCode runs pingload and returns its exit status: 0 when every
// promise held, 1 when one broke (or the run could not be made), 2 on a
// usage error.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, level, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "pingload:", err)
		return 2
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		fmt.Fprintln(stderr, "pingload: --log-level:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	rep, err := pingload(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "pingload:", err)
		return 1
	}
	if cfg.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "pingload:", err)
			return 1
		}
	} else {
		writeTable(stdout, rep)
	}
	if !rep.OK {
		for _, f := range rep.Failures {
			fmt.Fprintln(stderr, "pingload: FAIL:", f)
		}
		return 1
	}
	return 0
}

// writeTable prints the report for people.
func writeTable(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "%d devices over %d mailboxes", rep.Devices, rep.Users)
	switch {
	case rep.HTTP2:
		fmt.Fprint(w, ", HTTPS with HTTP/2")
	case rep.TLS:
		fmt.Fprint(w, ", HTTPS")
	}
	if len(rep.Runs) > 0 {
		r := rep.Runs[0]
		if r.GOGC != "" {
			fmt.Fprintf(w, ", GOGC=%s", r.GOGC)
		}
		if r.MemLimitServe != "" {
			fmt.Fprintf(w, ", serve GOMEMLIMIT=%s", r.MemLimitServe)
		}
		if r.MemLimitFleet != "" {
			fmt.Fprintf(w, ", fleet GOMEMLIMIT=%s", r.MemLimitFleet)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tok\theld after\tserve peak MB\tfleet peak MB\tKB/device\theld KB/device\tserve KB/dev\tfleet KB/dev\tserve goroutines\tfleet goroutines\twoken+held in\twake p50\twake p99\terrors\tload avg\t")
	for _, r := range rep.Runs {
		wakeIn, p50, p99 := "-", "-", "-"
		if r.Wake != nil && r.OK {
			wakeIn = fmt.Sprintf("%.2fs", r.Wake.AllHeldAgainSeconds)
			p50, p99 = "not measured", "not measured"
			if r.Wake.LatencyMeasured {
				p50, p99 = seconds(r.Wake.P50Seconds), seconds(r.Wake.P99Seconds)
			}
		}
		fmt.Fprintf(tw, "%s\t%v\t%.1fs\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n",
			r.Name, r.OK, r.HoldSeconds, float64(r.Serve.PeakRSSKB)/1024, float64(r.Fleet.PeakRSSKB)/1024, r.KBPerDevice, r.HeldKBPerDevice,
			r.Serve.KBPerDevice, r.Fleet.KBPerDevice, r.Serve.Goroutines, r.Fleet.Goroutines, wakeIn, p50, p99, formatErrors(r.Errors), r.LoadAverageEnd)
	}
	tw.Flush()
	if rep.RatioParkedToBaseline != nil {
		fmt.Fprintf(w, "parked / baseline KB per device: %.3f (peak)", *rep.RatioParkedToBaseline)
		if rep.HeldRatioParkedToBaseline != nil {
			fmt.Fprintf(w, ", %.3f (held)", *rep.HeldRatioParkedToBaseline)
		}
		fmt.Fprintln(w)
	}
	for _, r := range rep.Runs {
		if r.Failure != "" {
			fmt.Fprintf(w, "%s run failed: %s\n", r.Name, r.Failure)
		}
	}
}

func seconds(v *float64) string {
	if v == nil {
		return "-"
	}
	return (time.Duration(*v * float64(time.Second))).Round(10 * time.Microsecond).String()
}
