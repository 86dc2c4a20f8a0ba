package clients

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
)

// Share is one profile's part of a fleet's mix.
type Share struct {
	Profile Profile
	Weight  int
}

// FleetOptions configure a Fleet.
type FleetOptions struct {
	// BaseURL is the ActiveSync endpoint.
	BaseURL string
	// Devices is how many devices run.
	Devices int
	// Mix is the profiles and their weights; device i gets the profile
	// that a weighted round-robin over Mix gives it, so the mix is exact.
	Mix []Share
	// Account returns device i's user name and password. Spread devices
	// over mailboxes round-robin, as a real organization does (Exchange
	// allows 100 partnerships per mailbox).
	Account func(i int) (user, password string)
	// Ramp spreads the devices' starts evenly over this long.
	Ramp time.Duration
	// HTTPClient defaults to one with enough idle connections per host.
	HTTPClient *http.Client
	// Seed makes the DeviceIds repeatable.
	Seed uint64
	// Clock paces ramps and back-offs; default the real clock.
	Clock clock.Clock
	// Steady is what a device does once set up: SteadyPing (the default,
	// a phone in its owner's pocket), SteadySync (an incremental Inbox
	// Sync back to back: the busiest a device gets) or SteadyOptions
	// (OPTIONS back to back: the cost of an authenticated request that
	// does no EAS work, the baseline the Sync rate is compared with).
	Steady Steady
	// Observe, when set, sees every exchange the fleet counts, with its
	// command (or HTTP method) and its error kind ("" when none): what
	// easlab fleet --metrics-listen exports.
	Observe func(ex Exchange, command, errKind string)
	// Shard, when set, runs only this shard's devices of the whole fleet
	// of Devices (see Shard); the ramp spreads the shard's own devices.
	Shard Shard
	// Users is the number of mailboxes Account spreads the devices over
	// round-robin (device i's is i % Users); a Shard of more than one
	// needs it.
	Users int
}

// Steady is a fleet device's behaviour after setup.
type Steady int

// The steady behaviours.
const (
	SteadyPing Steady = iota
	SteadySync
	SteadyOptions
)

// ParseSteady reads "ping", "sync" or "options".
func ParseSteady(s string) (Steady, error) {
	switch strings.ToLower(s) {
	case "ping", "":
		return SteadyPing, nil
	case "sync":
		return SteadySync, nil
	case "options":
		return SteadyOptions, nil
	}
	return 0, fmt.Errorf("clients: steady behaviour %q is not ping, sync or options", s)
}

// Fleet runs many devices at once: each sets up, then holds a Ping on its
// Inbox and Syncs when it wakes, as a phone in steady state does. It
// counts requests, latencies and errors as it goes.
type Fleet struct {
	opts  FleetOptions
	start time.Time

	setUp, failed, running, holding atomic.Int64

	mu        sync.Mutex
	requests  int64
	byCommand map[string]int64
	errors    map[string]int64
	latency   []time.Duration // a reservoir sample
	rng       *rand.Rand
}

// latencySample is the size of the latency reservoir.
const latencySample = 1 << 16

// NewFleet returns a fleet that has not started.
func NewFleet(opts FleetOptions) *Fleet {
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1 << 14, MaxIdleConns: 1 << 14}}
	}
	return &Fleet{opts: opts, byCommand: map[string]int64{}, errors: map[string]int64{}, rng: rand.New(rand.NewPCG(opts.Seed, 1))}
}

// FleetReport is a fleet's figures so far.
type FleetReport struct {
	Elapsed           time.Duration
	Devices           int              // started
	SetUp             int              // finished setup
	Failed            int              // stopped on an error they do not retry
	Holding           int              // Pings on the wire now (long-polls held)
	Requests          int64            // HTTP requests completed
	RequestsPerSecond float64          // Requests / Elapsed
	ByCommand         map[string]int64 // requests per command (OPTIONS too)
	Errors            map[string]int64 // by HTTP status or "Status N", "transport"
	P50, P90, P99     time.Duration
	Max               time.Duration
	Shard             string `json:",omitempty"` // "I/N" when the fleet is one shard of several
}

// Devices reports how many devices have started, finished setup, stopped
// on an error, and hold a Ping now, without the cost of a Report.
func (f *Fleet) Devices() (running, setUp, failed, holding int) {
	return int(f.running.Load()), int(f.setUp.Load()), int(f.failed.Load()), int(f.holding.Load())
}

// Report returns the figures so far; it may be called while Run runs.
func (f *Fleet) Report() FleetReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := FleetReport{Devices: int(f.running.Load()), SetUp: int(f.setUp.Load()), Failed: int(f.failed.Load()), Holding: int(f.holding.Load()),
		Requests: f.requests, ByCommand: map[string]int64{}, Errors: map[string]int64{}, Shard: f.opts.Shard.String()}
	if !f.start.IsZero() {
		r.Elapsed = f.opts.Clock.Since(f.start)
	}
	if r.Elapsed > 0 {
		r.RequestsPerSecond = float64(r.Requests) / r.Elapsed.Seconds()
	}
	for k, v := range f.byCommand {
		r.ByCommand[k] = v
	}
	for k, v := range f.errors {
		r.Errors[k] = v
	}
	if n := len(f.latency); n > 0 {
		s := slices.Clone(f.latency)
		slices.Sort(s)
		at := func(q float64) time.Duration { return s[min(n-1, int(q*float64(n)))] }
		r.P50, r.P90, r.P99, r.Max = at(0.50), at(0.90), at(0.99), s[n-1]
	}
	return r
}

// observe counts one exchange.
func (f *Fleet) observe(ex Exchange) {
	cmd := ex.Method
	if ex.Command != 0 {
		cmd = ex.Command.String()
	}
	var errKey string
	switch {
	case ex.Err != nil:
		if errors.Is(ex.Err, context.Canceled) || errors.Is(ex.Err, context.DeadlineExceeded) {
			return // the run ended; not the server's doing
		}
		errKey = "transport"
	case ex.StatusCode != http.StatusOK:
		errKey = "HTTP " + strconv.Itoa(ex.StatusCode)
	case len(ex.ResponseBody) > 0 && hasWBXML(ex.ResponseHeader):
		if st := topStatus(ex.ResponseBody); st > 100 || (cmd == eas.CommandPing.String() && st > 2) {
			errKey = fmt.Sprintf("Status %d", st)
		}
	}
	if f.opts.Observe != nil {
		f.opts.Observe(ex, cmd, errKey)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.byCommand[cmd]++
	if errKey != "" {
		f.errors[errKey]++
	}
	if len(f.latency) < latencySample {
		f.latency = append(f.latency, ex.Duration)
	} else if i := f.rng.Int64N(f.requests); i < latencySample {
		f.latency[i] = ex.Duration
	}
}

// profileFor returns device i's profile by weighted round-robin.
func (f *Fleet) profileFor(i int) Profile {
	total := 0
	for _, s := range f.opts.Mix {
		total += s.Weight
	}
	k := i % total
	for _, s := range f.opts.Mix {
		if k < s.Weight {
			return s.Profile
		}
		k -= s.Weight
	}
	return f.opts.Mix[0].Profile
}

// Run starts the devices over the ramp and keeps them in steady state until
// ctx ends, then returns the final report.
func (f *Fleet) Run(ctx context.Context) (FleetReport, error) {
	if f.opts.Devices <= 0 || len(f.opts.Mix) == 0 || f.opts.Account == nil {
		return FleetReport{}, errors.New("clients: a fleet needs Devices, Mix and Account")
	}
	for _, s := range f.opts.Mix {
		if s.Weight <= 0 {
			return FleetReport{}, fmt.Errorf("clients: profile %s has weight %d", s.Profile.Name, s.Weight)
		}
	}
	mine, err := f.opts.Shard.Devices(f.opts.Devices, f.opts.Users)
	if err != nil {
		return FleetReport{}, err
	}
	f.mu.Lock()
	f.start = f.opts.Clock.Now()
	f.mu.Unlock()
	var wg sync.WaitGroup
	for k, i := range mine {
		if k > 0 && f.opts.Ramp > 0 {
			f.opts.Clock.Sleep(ctx, f.opts.Ramp/time.Duration(len(mine)))
		}
		if ctx.Err() != nil {
			break
		}
		user, password := f.opts.Account(i)
		seed := f.opts.Seed*1_000_003 + uint64(i) + 1
		d := New(f.profileFor(i), Options{BaseURL: f.opts.BaseURL, User: user, Password: password, HTTPClient: f.opts.HTTPClient,
			Seed: seed, Clock: f.opts.Clock, TranscriptLimit: -1, Observe: f.observe})
		f.running.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.live(ctx, d)
		}()
	}
	wg.Wait()
	return f.Report(), nil
}

// live is one device's life in the fleet: setup, then Ping and Sync.
// Refusals a phone retries (503, 5xx, transport) back off and retry;
// 401, blocks, wipes, 126 (user disabled) and 177 (too many devices) stop
// the device.
func (f *Fleet) live(ctx context.Context, d *Device) {
	backoff := func(err error) bool {
		var se *ServerError
		wait := 30 * time.Second
		switch {
		case ctx.Err() != nil:
			return false
		case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrBlocked), errors.Is(err, ErrWiped),
			errors.As(err, &se) && (se.Status == int(eas.StatusUserDisabledForSync) || se.Status == int(eas.StatusMaximumDevicesReached)):
			// What a phone shows the user and does not retry by itself.
			f.failed.Add(1)
			return false
		case errors.As(err, &se) && se.RetryAfter > 0:
			wait = se.RetryAfter
		}
		return f.opts.Clock.Sleep(ctx, wait) == nil
	}
	for {
		err := d.Setup(ctx)
		if err == nil {
			break
		}
		if !backoff(err) {
			return
		}
	}
	f.setUp.Add(1)
	inbox, _ := d.FolderByType(eas.FolderTypeInbox)
	for ctx.Err() == nil {
		var err error
		switch f.opts.Steady {
		case SteadySync:
			_, err = d.Sync(ctx, inbox.ServerId)
		case SteadyOptions:
			_, err = d.Options(ctx)
		default:
			f.holding.Add(1)
			var changed []string
			changed, err = d.Ping(ctx, []string{inbox.ServerId})
			f.holding.Add(-1)
			if err == nil && len(changed) > 0 {
				_, err = d.Sync(ctx, inbox.ServerId)
			}
		}
		if err != nil && !backoff(err) {
			return
		}
	}
}

// String prints the report as a table.
func (r FleetReport) String() string {
	s := ""
	if r.Shard != "" {
		s = "shard " + r.Shard + "  "
	}
	s += fmt.Sprintf("devices %d (set up %d, failed %d, holding a Ping %d)  elapsed %v\nrequests %d (%.1f/s)  latency p50 %v p90 %v p99 %v max %v\n",
		r.Devices, r.SetUp, r.Failed, r.Holding, r.Elapsed.Round(time.Millisecond), r.Requests, r.RequestsPerSecond,
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	for _, t := range []struct {
		label string
		m     map[string]int64
	}{{"  ", r.ByCommand}, {"  error ", r.Errors}} {
		keys := make([]string, 0, len(t.m))
		for k := range t.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += fmt.Sprintf("%s%-20s %d\n", t.label, k, t.m[k])
		}
	}
	return s
}
