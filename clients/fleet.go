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
	// NoPark keeps every device on HTTPClient, its held Ping on a
	// goroutine as net/http's client holds it (easlab fleet --park=false).
	// By default, in steady state ping on Linux, each device owns one
	// HTTP/1.1 connection (plain or TLS, dialled as HTTPClient's
	// *http.Transport dials) for all its requests, and an event-driven
	// pinger holds every device's Ping with no goroutine per device
	// (pinger_linux.go). HTTPClient with another RoundTripper, or an
	// *http.Transport with ForceAttemptHTTP2 or a Proxy, keeps the
	// blocking path, as do other systems than Linux.
	NoPark bool
	// MaxActive bounds how many parked devices run their active part at
	// once (reading a held Ping's answer, the Sync it calls for, the next
	// Ping's request), DefaultMaxActive if zero; the others wait their
	// turn with their answer in their socket (easlab fleet --max-active).
	// Setup, and the blocking path, are not bounded by it.
	MaxActive int
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
	pinger                          *pinger // holds the Pings in park mode; nil otherwise

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
	base, park := f.parkTransport()
	var conns *connConfig
	if park {
		conns = newConnConfig(base)
		p, err := newPinger(f.opts.Clock, f.opts.MaxActive)
		if err != nil {
			return FleetReport{}, err
		}
		f.pinger = p
		defer p.close()
		// The run's end closes every held connection; their devices stop.
		stop := context.AfterFunc(ctx, p.shutdown)
		defer stop()
	}
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
		client := f.opts.HTTPClient
		var conn *connTransport
		if park {
			conn = conns.newConn()
			client = &http.Client{Transport: conn}
		}
		d := New(f.profileFor(i), Options{BaseURL: f.opts.BaseURL, User: user, Password: password, HTTPClient: client,
			Seed: seed, Clock: f.opts.Clock, TranscriptLimit: -1, NoItemData: true, Observe: f.observe})
		f.running.Add(1)
		wg.Add(1)
		go f.live(ctx, d, conn, wg.Done)
	}
	wg.Wait()
	return f.Report(), nil
}

// parkTransport reports whether the devices hold their Pings in the
// pinger, and the Transport whose dialling their connections copy (nil:
// the defaults).
func (f *Fleet) parkTransport() (*http.Transport, bool) {
	if f.opts.NoPark || f.opts.Steady != SteadyPing || !parkSupported {
		return nil, false
	}
	switch rt := f.opts.HTTPClient.Transport; t := rt.(type) {
	case nil:
		return nil, true
	case *http.Transport:
		return t, !t.ForceAttemptHTTP2 && t.Proxy == nil
	}
	return nil, false
}

// backoffWait is what a device does on err: wait that long and retry, or
// stop (retry false; counted as failed when it is the server's refusal).
// Refusals a phone retries (503, 5xx, transport) back off 30 s, or as
// Retry-After says; 401, blocks, wipes, 126 (user disabled) and 177 (too
// many devices) stop the device.
func (f *Fleet) backoffWait(ctx context.Context, err error) (wait time.Duration, retry bool) {
	var se *ServerError
	wait = 30 * time.Second
	switch {
	case ctx.Err() != nil:
		return 0, false
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrBlocked), errors.Is(err, ErrWiped),
		errors.As(err, &se) && (se.Status == int(eas.StatusUserDisabledForSync) || se.Status == int(eas.StatusMaximumDevicesReached)):
		// What a phone shows the user and does not retry by itself.
		f.failed.Add(1)
		return 0, false
	case errors.As(err, &se) && se.RetryAfter > 0:
		wait = se.RetryAfter
	}
	return wait, true
}

// after runs next in a new goroutine once wait has passed on the fleet's
// clock, or stopped if ctx ends first, with no goroutine waiting
// meanwhile (a parked device's back-off).
func (f *Fleet) after(ctx context.Context, wait time.Duration, next, stopped func()) {
	var mu sync.Mutex
	var fired bool
	var t clock.Timer
	var stopCtx func() bool
	claim := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if fired {
			return false
		}
		fired = true
		return true
	}
	mu.Lock()
	t = f.opts.Clock.AfterFunc(wait, func() {
		if claim() {
			mu.Lock()
			stopCtx()
			mu.Unlock()
			go next()
		}
	})
	stopCtx = context.AfterFunc(ctx, func() {
		if claim() {
			mu.Lock()
			t.Stop()
			mu.Unlock()
			stopped()
		}
	})
	mu.Unlock()
}

// live is one device's life in the fleet: setup, then Ping and Sync,
// backing off as backoffWait says. With conn (park mode), the Pings are
// held by the pinger and live returns after setup; done is called once
// the device stops.
func (f *Fleet) live(ctx context.Context, d *Device, conn *connTransport, done func()) {
	backoff := func(err error) bool {
		wait, retry := f.backoffWait(ctx, err)
		return retry && f.opts.Clock.Sleep(ctx, wait) == nil
	}
	stop := func() {
		if conn != nil {
			conn.close()
		}
		done()
	}
	for {
		err := d.Setup(ctx)
		if err == nil {
			break
		}
		if !backoff(err) {
			stop()
			return
		}
	}
	f.setUp.Add(1)
	inbox, _ := d.FolderByType(eas.FolderTypeInbox)
	if conn != nil {
		f.holdPings(ctx, d, conn, inbox.ServerId, done)
		return
	}
	defer stop()
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
