package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/clients"
)

// fleetConfig is what `easlab fleet` is told.
type fleetConfig struct {
	url       string
	devices   int
	duration  time.Duration
	ramp      time.Duration
	profiles  string
	users     string
	userCount int
	password  string
	seed      uint64
	insecure  bool
	asJSON    bool
	steady    string
	http2     bool
	park      bool
	maxActive int
	// metricsListen serves the fleet's metrics (fleetmetrics.go).
	metricsListen string
	// shard is --shard I/N: this process runs one shard of the fleet.
	shard string
}

func newFleetCmd() *cobra.Command {
	var cfg fleetConfig
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Run many simulated devices at once against an ActiveSync server and report load figures",
		Long: `Start --devices simulated devices over --ramp, in the --profiles mix, spread
over --user-count mailboxes round-robin (as in a real organization; Exchange
allows at most 100 partnerships per mailbox). Each device sets up, then holds
a Ping on its Inbox and Syncs when it wakes. A progress line is printed every
second on stderr; at the end, a summary of requests per second, latency
percentiles and errors by status (--json for machines).

With --park (the default, on Linux over HTTP/1.1) each device owns one
connection and an event-driven pinger holds every device's Ping without a
goroutine per device; a held Ping with no answer by its heartbeat plus 2
minutes is closed and counted as a transport error. --park=false holds each
Ping on its own goroutine through net/http's client, as --http2 always does
(its devices share connections, so the pinger is not used).`,
		Example: `  easlab serve --demo-users 500 &
  easlab fleet --url http://127.0.0.1:8080 --devices 1000 --duration 2m --profiles iphone:60,gmail:30,samsung:10 \
    --users 'user%05d@contoso.com' --user-count 500 --password 'Passw0rd!'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Interrupted (Ctrl-C, a pod's SIGTERM), the fleet stops as at
			// the end of --duration and still prints its report.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runFleet(ctx, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "the server's base URL")
	f.IntVar(&cfg.devices, "devices", 100, "number of devices")
	f.DurationVar(&cfg.duration, "duration", time.Minute, "how long to run, ramp included")
	f.DurationVar(&cfg.ramp, "ramp", 10*time.Second, "spread the devices' starts over this long")
	f.StringVar(&cfg.profiles, "profiles", "iphone:60,gmail:30,samsung:10", "profile mix, name:weight,...")
	f.StringVar(&cfg.users, "users", "user%05d@contoso.com", "user name pattern, with one %d for 1..--user-count")
	f.IntVar(&cfg.userCount, "user-count", 100, "number of mailboxes (easlab serve --demo-users N)")
	f.StringVar(&cfg.password, "password", "Passw0rd!", "password of every user")
	f.BoolVar(&cfg.http2, "http2", false, "speak HTTP/2 (over TLS: easlab serve --tls, with --insecure), many devices' requests sharing a connection")
	f.IntVar(&cfg.maxActive, "max-active", clients.DefaultMaxActive, "with --park, how many woken devices read their answer, Sync and hold their next Ping at once (the others wait their turn, their answer in their socket): bounds the fleet's memory and the server's burst when every mailbox wakes at once")
	f.BoolVar(&cfg.park, "park", true, "with --steady ping, hold the devices' Pings in one event-driven pinger (Linux, HTTP/1.1 plain or TLS): a connection per device and no goroutine per held Ping; --park=false holds each on its own goroutine through net/http's client; not used with --http2")
	f.StringVar(&cfg.steady, "steady", "ping", "after setup: ping (hold a Ping, Sync on change), sync (Inbox Syncs back to back) or options (OPTIONS back to back, the per-request baseline)")
	f.Uint64Var(&cfg.seed, "seed", 1, "seed of the DeviceIds")
	f.BoolVar(&cfg.insecure, "insecure", false, "accept any TLS certificate (for easlab serve --tls)")
	f.BoolVar(&cfg.asJSON, "json", false, "print the final report as JSON")
	f.StringVar(&cfg.metricsListen, "metrics-listen", "", "serve the fleet's Prometheus metrics at http://ADDR/metrics while it runs (devices by state, request latency, errors by kind)")
	f.StringVar(&cfg.shard, "shard", "", "run shard I/N of the fleet (0 <= I < N): N fleets given the same --devices, --user-count and --seed make one; each runs the devices of the mailboxes u with u % N = I, with the DeviceIds of the whole fleet (in a Kubernetes Indexed Job: --shard=$(JOB_COMPLETION_INDEX)/N)")
	return cmd
}

// parseMix parses "iphone:60,gmail:30".
func parseMix(s string) ([]clients.Share, error) {
	var mix []clients.Share
	for _, part := range strings.Split(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), ":")
		w := 1
		if ok {
			var err error
			if w, err = strconv.Atoi(weight); err != nil || w <= 0 {
				return nil, fmt.Errorf("--profiles %q: weight %q is not a positive integer", s, weight)
			}
		}
		p, found := clients.ProfileByName(name)
		if !found {
			return nil, fmt.Errorf("--profiles %q: unknown profile %q", s, name)
		}
		mix = append(mix, clients.Share{Profile: p, Weight: w})
	}
	return mix, nil
}

func runFleet(ctx context.Context, cfg fleetConfig, stdout, stderr io.Writer) error {
	mix, err := parseMix(cfg.profiles)
	if err != nil {
		return err
	}
	if cfg.devices <= 0 || cfg.userCount <= 0 {
		return fmt.Errorf("--devices and --user-count must be positive")
	}
	if cfg.maxActive <= 0 {
		return fmt.Errorf("--max-active %d: must be positive", cfg.maxActive)
	}
	if strings.Count(cfg.users, "%") != 1 {
		return fmt.Errorf("--users %q: want exactly one %%d verb", cfg.users)
	}
	shard, mine, err := parseShard(cfg)
	if err != nil {
		return err
	}
	if mine > 0 {
		fmt.Fprintf(stderr, "shard %s: %d of the fleet's %d devices, in the mailboxes u with u %% %d = %d\n", shard, mine, cfg.devices, shard.Count, shard.Index)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	tr := &http.Transport{MaxIdleConns: cfg.devices + 16, MaxIdleConnsPerHost: cfg.devices + 16, ForceAttemptHTTP2: cfg.http2}
	if cfg.insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	if !cfg.http2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // HTTP/1.1 only, as phones speak
	}
	steady, err := clients.ParseSteady(cfg.steady)
	if err != nil {
		return fmt.Errorf("--steady: %w", err)
	}
	var fm *fleetMetrics
	opts := clients.FleetOptions{
		BaseURL: strings.TrimSuffix(cfg.url, "/") + "/Microsoft-Server-ActiveSync",
		Devices: cfg.devices, Mix: mix, Ramp: cfg.ramp, Seed: cfg.seed, Steady: steady, Shard: shard, Users: cfg.userCount,
		HTTPClient: &http.Client{Transport: tr}, NoPark: !cfg.park || cfg.http2, MaxActive: cfg.maxActive,
		Account: func(i int) (string, string) {
			return fmt.Sprintf(cfg.users, i%cfg.userCount+1), cfg.password
		},
	}
	if cfg.metricsListen != "" {
		fm = newFleetMetrics(shard)
		opts.Observe = fm.observe
	}
	fl := clients.NewFleet(opts)
	if fm != nil {
		addr, stop, err := fm.serve(cfg.metricsListen, fl)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(stderr, "fleet metrics at http://%s/metrics\n", addr)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	done := make(chan clients.FleetReport, 1)
	go func() { r, _ := fl.Run(ctx); done <- r }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var report clients.FleetReport
	for running := true; running; {
		select {
		case <-tick.C:
			r := fl.Report()
			fmt.Fprintf(stderr, "\r%6.0fs  devices %d  set up %d  failed %d  holding %d  requests %d (%.0f/s)  p99 %v  errors %d   ",
				r.Elapsed.Seconds(), r.Devices, r.SetUp, r.Failed, r.Holding, r.Requests, r.RequestsPerSecond, r.P99.Round(time.Millisecond), sum(r.Errors))
		case report = <-done:
			running = false
		}
	}
	fmt.Fprintln(stderr)
	if cfg.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	_, err = io.WriteString(stdout, report.String())
	return err
}

// parseShard reads --shard and counts this shard's devices (0 without
// --shard).
func parseShard(cfg fleetConfig) (clients.Shard, int, error) {
	if cfg.shard == "" {
		return clients.Shard{}, 0, nil
	}
	shard, err := clients.ParseShard(cfg.shard)
	if err != nil {
		if strings.Contains(cfg.shard, "$(") {
			// Kubernetes leaves $(VAR) as is when VAR is not defined.
			return shard, 0, fmt.Errorf("--%w (a $(VAR) left unexpanded: Kubernetes expands it in args only where the variable is set, as an Indexed Job sets JOB_COMPLETION_INDEX)", err)
		}
		return shard, 0, fmt.Errorf("--%w", err)
	}
	mine, err := shard.Devices(cfg.devices, cfg.userCount)
	if err != nil {
		return shard, 0, fmt.Errorf("--shard %s with --devices %d and --user-count %d: %w", shard, cfg.devices, cfg.userCount, err)
	}
	return shard, len(mine), nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
