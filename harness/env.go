package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/internal/lockedbuf"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/store"
	"github.com/easlab/easlab/wbxml"
)

// Password is the password of every user of the harness organization.
const Password = demo.Password

// The users of the harness organization: the demo organization (alice and
// bob, with mail; admin) plus people who make identity mistakes visible.
const (
	Alice = "alice@contoso.com"
	Bob   = "bob@contoso.com"
	// Chris's UPN is not his e-mail address (chris@corp.contoso.com vs
	// chris.taylor@contoso.com), as in many organizations.
	Chris     = "chris@corp.contoso.com"
	ChrisSMTP = "chris.taylor@contoso.com"
	// Two people are called "Megan Bowen".
	Megan  = "megan@contoso.com"
	Megan2 = "megan.bowen@contoso.com"
)

// Event is one entry of the simulator's event stream (/api/events), as
// the harness reads it back from the stream.
type Event = simulator.Event

// formatEvent is one line of the failure report's event timeline.
func formatEvent(e Event) string {
	s := fmt.Sprintf("#%d %s %s %s", e.ID, e.Time.Format("15:04:05.000"), e.Kind, e.Mailbox)
	for _, kv := range [][2]string{{"device", e.DeviceID}, {"from", e.From}, {"to", e.To}, {"reason", e.Reason}, {"rule", e.Rule}, {"subject", e.Subject}, {"status", e.Status}} {
		if kv[1] != "" {
			s += " " + kv[0] + "=" + kv[1]
		}
	}
	return s
}

// Env is one spec's world: a fresh simulator on a warpable clock, the mock
// MFA provider, the product under test and the devices. Make one per spec
// with NewEnv; it tears itself down when the spec ends.
type Env struct {
	Config Config
	// Clock is the simulator's clock (nil with an external simulator):
	// real time that Warp can jump forward.
	Clock *clock.Warped
	// Admin runs cmdlets against the simulator.
	Admin *AdminClient
	// MFA is the push provider the specs see: the mock, or with
	// Config.MFAAdapter the vendor's cloud through its adapter.
	MFA *MFAProvider
	// SUT is the product's process (nil for a gateway given by URL).
	SUT *Process

	sim       *simulator.Server
	simSrv    *httptest.Server
	simURL    string
	deviceURL string
	sutDir    string
	iis       *lockedbuf.Buffer
	adminHits atomic.Int64
	sutHits   int64     // adminHits when the product started
	sutStart  time.Time // when it started

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	events  []Event
	evWake  chan struct{}
	devices []*clients.Device
	phones  []*Phone
	seed    uint64
}

// Option changes how NewEnv builds the world.
type Option func(*envOptions)

type envOptions struct {
	beforeSUT []func(*Env)
	sim       simulator.Options
	casSet    bool         // CASCacheDelay was given
	state     *store.State // FromState
	stateErr  error
}

// FromState starts the simulator from a state file (`easlab state export`,
// read with store.ReadFile) rather than from the demo organization: a
// customer's organization, mailboxes and devices, with their policy and
// sync keys, become the start of a spec. The harness adds none of its own
// users; a spec uses the file's.
func FromState(st *store.State) Option {
	return func(o *envOptions) { o.state = st }
}

// FromStateFile is FromState with the file read from path; a file that
// cannot be read fails the spec's setup with the reason.
func FromStateFile(path string) Option {
	return func(o *envOptions) {
		f, err := os.Open(path)
		if err != nil {
			o.stateErr = err
			return
		}
		defer f.Close()
		o.state, o.stateErr = store.ReadFile(f)
		if o.stateErr != nil {
			o.stateErr = fmt.Errorf("harness: state file %s: %w", path, o.stateErr)
		}
	}
}

// BeforeProduct runs f after the organization exists and before the
// organization is prepared and the product starts: devices set up in f
// are the "existing devices" of a rollout.
func BeforeProduct(f func(*Env)) Option {
	return func(o *envOptions) { o.beforeSUT = append(o.beforeSUT, f) }
}

// CASCacheDelay sets the refresh interval of the directory cache through
// which the in-process simulator's EAS side sees mailbox changes (allow
// and block lists): by default Exchange's 60 s
// (simulator.DefaultCASCacheRefresh; see
// simulator.Options.CASMailboxCacheDelay); 0 shows a change at once.
//
// With a cache, the harness warps the simulator's clock over it: when a
// request to the admin plane (the product's or a spec's) leaves a
// mailbox's cached entry behind its settings, the clock jumps to the
// moment the entry drops out. So the EAS side behaves as Exchange's does
// (a quarantined device's hanging request waits for the cache, a revoked
// device syncs until it refreshes) while the spec spends no wall time on
// it, and the approval SLA measures the product, not Exchange's cache.
func CASCacheDelay(d time.Duration) Option {
	return func(o *envOptions) { o.sim.CASMailboxCacheDelay, o.casSet = d, true }
}

// newEnv builds an Env; NewEnv (ginkgo.go) ties it to a spec.
func newEnv(cfg Config, seed uint64, opts ...Option) (*Env, error) {
	var o envOptions
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Env{Config: cfg, ctx: ctx, cancel: cancel, evWake: make(chan struct{}), seed: seed, iis: &lockedbuf.Buffer{}}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	if cfg.SimulatorURL != "" {
		e.simURL = strings.TrimSuffix(cfg.SimulatorURL, "/")
		e.Admin = &AdminClient{adminapi.Client{URL: e.simURL, Token: cfg.SimulatorToken}}
	} else if o.stateErr != nil {
		return nil, o.stateErr
	} else if err := e.startSimulator(o.sim, o.state, o.casSet); err != nil {
		return nil, err
	}
	e.deviceURL = e.simURL
	go e.followEvents()
	people, err := e.people()
	if err != nil {
		return nil, err
	}
	if e.MFA, err = NewMFAProviderAt(cfg.MFAListen, people); err != nil {
		return nil, err
	}
	if len(cfg.MFAAdapter) > 0 {
		if err := e.MFA.useAdapter(cfg.MFAAdapter, []string{"EASLAB_MFA_URL=" + e.MFA.URL(), "EASLAB_ADMIN_URL=" + e.simURL, "EASLAB_ADMIN_TOKEN=" + e.Admin.Token}); err != nil {
			return nil, err
		}
	}
	for _, f := range o.beforeSUT {
		f(e)
	}
	if err := e.prepareOrg(); err != nil {
		return nil, err
	}
	if err := e.startSUT(); err != nil {
		return nil, err
	}
	ok = true
	return e, nil
}

func (e *Env) startSimulator(so simulator.Options, state *store.State, casSet bool) error {
	e.Clock = clock.NewWarped(clock.Real())
	if !casSet {
		so.CASMailboxCacheDelay = simulator.DefaultCASCacheRefresh
	}
	if state != nil {
		dir, err := simulator.RestoreDirectory(state)
		if err != nil {
			return fmt.Errorf("harness: starting from a state: %w", err)
		}
		return e.serveSimulator(so, dir)
	}
	dir, err := demo.NewDirectory(Password, 0, e.Clock.Now())
	if err != nil {
		return err
	}
	extra := []simulator.User{
		{DisplayName: "Chris Taylor", Alias: "chris", UserPrincipalName: Chris, PrimarySmtpAddress: ChrisSMTP, Password: Password},
		{DisplayName: "Megan Bowen", Alias: "megan", UserPrincipalName: Megan, PrimarySmtpAddress: Megan, Password: Password},
		{DisplayName: "Megan Bowen", Alias: "megan.bowen", UserPrincipalName: Megan2, PrimarySmtpAddress: Megan2, Password: Password},
	}
	for _, u := range extra {
		mb := simulator.NewMailbox()
		if err := dir.AddUser(u, mb); err != nil {
			return err
		}
		if err := demo.AddMail(mb, demo.Mail{From: "Contoso IT <it@contoso.com>", Subject: "Welcome, " + u.DisplayName, Body: "Your mailbox is ready.", Age: time.Hour}, e.Clock.Now()); err != nil {
			return err
		}
	}
	return e.serveSimulator(so, dir)
}

// serveSimulator starts the simulator over dir.
func (e *Env) serveSimulator(so simulator.Options, dir *simulator.Directory) error {
	so.Directory = dir
	so.Clock = e.Clock
	so.Logger = slog.New(slog.NewTextHandler(discard{}, nil))
	so.IISLog = simulator.NewIISLog(e.iis)
	so.AdminToken = "easlab-harness-token"
	// Refusals are answered at once rather than after Exchange's 20 s
	// tarpit, which would only slow every spec down by real seconds.
	so.ErrorResponseDelay = -1
	sim, err := simulator.New(so)
	if err != nil {
		return err
	}
	e.sim = sim
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admin := isAdminPath(r.URL.Path)
		if admin && r.Header.Get(harnessHeader) == "" {
			e.adminHits.Add(1)
		}
		sim.ServeHTTP(w, r)
		if admin {
			e.warpCache()
		}
	})
	// Behind the same hardened http.Server as easlab serve.
	e.simSrv = httptest.NewUnstartedServer(h)
	e.simSrv.Config = simulator.NewHTTPServer(h, simulator.HTTPLimits{})
	if addr := e.Config.SimulatorListen; addr != "" {
		ln, err := listenRetry(addr, 3*time.Second)
		if err != nil {
			return fmt.Errorf("harness: the simulator cannot listen on %s: %w", addr, err)
		}
		e.simSrv.Listener.Close()
		e.simSrv.Listener = ln
	}
	e.simSrv.Listener = simulator.Listener(e.simSrv.Listener)
	e.simSrv.Start()
	e.simURL = dialableURL(e.simSrv.Listener.Addr())
	e.Admin = &AdminClient{adminapi.Client{URL: e.simURL, Token: sim.AdminToken(), HTTP: harnessClient}}
	return nil
}

// listenRetry listens on addr, trying again for a while when the address
// is still held (the previous spec's simulator on a fixed address).
func listenRetry(addr string, patience time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(patience)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialableURL is the http URL of a listening address, with an unspecified
// host (0.0.0.0, ::) replaced by loopback so that the harness and a
// product on this machine can connect to it on every OS.
func dialableURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// isAdminPath reports whether a request is to the admin plane: the admin
// API (/api/) or Remote PowerShell (/PowerShell, any case, as IIS sees it).
func isAdminPath(path string) bool {
	lower := strings.ToLower(path)
	return strings.HasPrefix(path, "/api/") || lower == "/powershell" || strings.HasPrefix(lower, "/powershell/")
}

// adminAccount is the account an agent may open Remote PowerShell with
// (EASLAB_ADMIN_USER, EASLAB_ADMIN_PASSWORD): "admin" if the organization
// has one with a role group, else its first user with a role group. An
// external simulator's users are not known with their passwords: there it
// is Config.SimulatorAdminUser and SimulatorAdminPassword, by default the
// demo organization's admin.
func (e *Env) adminAccount() (user, password string) {
	if e.sim != nil {
		if u, ok := e.sim.Directory().AdminAccount(); ok {
			return u.Alias, u.Password
		}
	}
	user, password = e.Config.SimulatorAdminUser, e.Config.SimulatorAdminPassword
	if user == "" {
		user = "admin"
	}
	if password == "" {
		password = Password
	}
	return user, password
}

// adminEnv is the admin plane's part of a product's environment.
func (e *Env) adminEnv() []string {
	user, password := e.adminAccount()
	return []string{"EASLAB_ADMIN_URL=" + e.simURL, "EASLAB_ADMIN_TOKEN=" + e.Admin.Token,
		"EASLAB_POWERSHELL_URL=" + e.simURL + "/PowerShell/", "EASLAB_ADMIN_USER=" + user, "EASLAB_ADMIN_PASSWORD=" + password}
}

// harnessHeader marks the harness's own admin API calls, which do not
// show that the product has started (adminHits).
const harnessHeader = "X-Easlab-Harness"

// harnessClient sends harnessHeader with every request.
var harnessClient = &http.Client{Transport: harnessTransport{}}

type harnessTransport struct{}

func (harnessTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(harnessHeader, "1")
	return http.DefaultTransport.RoundTrip(r)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// people are the MFA provider's users: everyone in the directory (of an
// external simulator, as Get-Mailbox lists them).
func (e *Env) people() ([]Person, error) {
	var out []Person
	if e.sim != nil {
		for _, u := range e.sim.Directory().Users() {
			out = append(out, Person{UPN: u.UserPrincipalName, SMTP: u.PrimarySmtpAddress, DisplayName: u.DisplayName})
		}
		return out, nil
	}
	var mbx []struct{ UserPrincipalName, PrimarySmtpAddress, DisplayName string }
	if err := e.Admin.Run(e.ctx, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}, &mbx); err != nil {
		return nil, fmt.Errorf("harness: list the external simulator's users: %w", err)
	}
	for _, m := range mbx {
		out = append(out, Person{UPN: m.UserPrincipalName, SMTP: m.PrimarySmtpAddress, DisplayName: m.DisplayName})
	}
	return out, nil
}

// HasUser reports whether the organization has a user with that UPN (an
// external simulator may lack the harness's own users).
func (e *Env) HasUser(upn string) bool {
	for _, p := range e.MFA.people {
		if strings.EqualFold(p.UPN, upn) {
			return true
		}
	}
	return false
}

// prepareOrg does what an install guide asks before an agent starts:
// every existing device on its owner's allow list, then quarantine by
// default. A gateway gets Exchange's defaults.
func (e *Env) prepareOrg() error {
	cfg := e.Config
	level := cfg.OrgDefault
	if cfg.SUTPreparesOrg {
		return nil
	}
	if level == "" && cfg.Kind() == "agent" {
		level = "Quarantine"
	}
	if level == "" {
		return nil
	}
	if level == "Quarantine" {
		devs, err := e.Admin.Devices(e.ctx, "")
		if err != nil {
			return fmt.Errorf("harness: prepare the organization: %w", err)
		}
		for _, d := range devs {
			if err := e.Admin.Run(e.ctx, "Set-CASMailbox", map[string]any{"Identity": d.UserPrincipalName, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceId}}, nil); err != nil {
				return fmt.Errorf("harness: prepare the organization: %w", err)
			}
		}
	}
	return e.Admin.Run(e.ctx, "Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": level}, nil)
}

// startSUT starts the product and waits until it is ready: a gateway
// listens; an agent has called the admin API once (or 5 s passed).
func (e *Env) startSUT() error {
	cfg := e.Config
	if cfg.GatewayURL != "" {
		e.deviceURL = strings.TrimSuffix(cfg.GatewayURL, "/")
		return nil
	}
	if len(cfg.Agent) == 0 && len(cfg.Gateway) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "easlab-sut-")
	if err != nil {
		return err
	}
	e.sutDir = dir
	env := append(e.adminEnv(), "EASLAB_MFA_URL="+e.MFA.URL(), "EASLAB_SUT_DIR="+dir)
	if len(cfg.Agent) > 0 {
		e.sutHits, e.sutStart = e.adminHits.Load(), time.Now()
		if e.SUT, err = startProcess(cfg.Agent, env, dir, cfg.ProductOutput); err != nil {
			return err
		}
		if e.sim != nil {
			if exited, err := e.waitFirstAdminCall(time.Now().Add(5 * time.Second)); exited {
				return fmt.Errorf("harness: the agent exited at start (%v):\n%s", ExitText(err), e.SUT.Output())
			}
		}
		if cfg.SUTPreparesOrg {
			// The agent prepares the organization itself: devices come
			// once it has switched quarantine on (or after 10 s, and the
			// specs will say what is missing).
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if st, err := e.Admin.OrgSettings(e.ctx); err == nil && st.DefaultAccessLevel == "Quarantine" {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		return nil
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env = append(env, "EASLAB_UPSTREAM_URL="+e.simURL, "EASLAB_LISTEN_ADDR="+addr)
	if e.SUT, err = startProcess(cfg.Gateway, env, dir, cfg.ProductOutput); err != nil {
		return err
	}
	if err := waitListening(addr, 10*time.Second, e.SUT); err != nil {
		return fmt.Errorf("%w\n%s", err, e.SUT.Output())
	}
	e.deviceURL = "http://" + addr
	return nil
}

// Preflight starts the product once as a spec would, in a throwaway world,
// and says in one line why it cannot be judged: its command does not
// start or exits at once, a gateway never listens, an agent makes no admin
// API call within the push deadline. `easlab test` runs it before the
// specs, so such a product costs one line rather than a failure per spec.
func Preflight(cfg Config) error {
	e, err := newEnv(cfg, 0)
	if err != nil {
		return fmt.Errorf("the %s did not start: %s", cfg.Kind(), oneLine(err))
	}
	defer e.Close()
	if cfg.GatewayURL != "" {
		u, err := url.Parse(cfg.GatewayURL)
		if err != nil {
			return fmt.Errorf("the gateway's URL: %w", err)
		}
		host := u.Host
		if u.Port() == "" && u.Scheme == "https" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		if err := waitListening(host, 10*time.Second, nil); err != nil {
			return fmt.Errorf("the gateway at %s is not reachable: %s", cfg.GatewayURL, oneLine(err))
		}
		return nil
	}
	if e.SUT == nil {
		return nil
	}
	if cfg.Kind() == "agent" && e.sim != nil {
		exited, err := e.waitFirstAdminCall(e.sutStart.Add(cfg.pushDeadline()))
		switch {
		case exited:
			return fmt.Errorf("the agent exited at start (%s)%s", ExitText(err), lastOutput(e.SUT))
		case e.adminHits.Load() == e.sutHits:
			return fmt.Errorf("the agent made no admin API call ($EASLAB_ADMIN_URL/api/... or $EASLAB_POWERSHELL_URL) within the %v push deadline of its start", cfg.pushDeadline())
		}
	}
	// A product that fails on its first steps exits within moments.
	time.Sleep(300 * time.Millisecond)
	if exited, err := e.SUT.Exited(); exited {
		return fmt.Errorf("the %s exited right after its start (%s)%s", cfg.Kind(), ExitText(err), lastOutput(e.SUT))
	}
	return nil
}

// waitFirstAdminCall waits until the agent has called the admin API since
// it started, or it exited (then it reports so with its exit error), or
// the deadline passed.
func (e *Env) waitFirstAdminCall(deadline time.Time) (bool, error) {
	for e.adminHits.Load() == e.sutHits && time.Now().Before(deadline) {
		if exited, err := e.SUT.Exited(); exited {
			return true, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false, nil
}

// oneLine is an error of startSUT in one line: its first line, and the
// last line the product wrote of the output that follows it.
func oneLine(err error) string {
	first, rest, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(strings.TrimSuffix(first, ":"), "harness: ") + outputTail(rest)
}

// lastOutput is outputTail of the product's output.
func lastOutput(p *Process) string { return outputTail(p.Output()) }

// outputTail is `; its last output: "..."` with the last line of a
// product's output that is not the harness's, or "".
func outputTail(output string) string {
	if l := lastLine(output); l != "" {
		return fmt.Sprintf("; its last output: %q", l)
	}
	return ""
}

// RestartProduct stops the product (SIGTERM, then SIGKILL after the
// grace period) and starts it again, keeping EASLAB_SUT_DIR.
func (e *Env) RestartProduct() error {
	if e.SUT == nil {
		return fmt.Errorf("harness: no product process to restart")
	}
	return e.SUT.Restart(e.Config.grace())
}

// StopProduct stops the product.
func (e *Env) StopProduct() {
	if e.SUT != nil {
		e.SUT.Stop(e.Config.grace())
	}
}

// Close stops the devices, the product, the MFA provider and the
// simulator.
func (e *Env) Close() {
	e.cancel()
	e.mu.Lock()
	phones := e.phones
	e.mu.Unlock()
	for _, p := range phones {
		p.Stop()
	}
	if e.SUT != nil {
		e.SUT.Stop(e.Config.grace())
	}
	if e.MFA != nil {
		e.MFA.Close()
	}
	if e.simSrv != nil {
		e.simSrv.CloseClientConnections()
		e.simSrv.Close()
	}
	if e.sutDir != "" {
		os.RemoveAll(e.sutDir)
	}
}

// SimulatorURL is the simulator's base URL.
func (e *Env) SimulatorURL() string { return e.simURL }

// DeviceURL is the base URL devices connect to: the gateway's when a
// gateway is under test, else the simulator's.
func (e *Env) DeviceURL() string { return e.deviceURL }

// InProcess reports whether the simulator runs in this process (its
// clock can be warped and its mailboxes filled).
func (e *Env) InProcess() bool { return e.sim != nil }

// Warp moves the simulator's clock forward by d at once: every Exchange
// timer due in that span fires (device discovery, heartbeats, autoblock).
func (e *Env) Warp(d time.Duration) error {
	if e.Clock == nil {
		return fmt.Errorf("harness: an external simulator's clock cannot be warped")
	}
	e.Clock.Warp(d)
	return nil
}

// warpCache jumps the simulator's clock to the moment the EAS side's
// directory cache shows the mailboxes' latest settings (see CASCacheDelay).
func (e *Env) warpCache() {
	if d := e.sim.CASCacheWait(); d > 0 {
		e.Clock.Warp(d)
	}
}

// DeliverMail puts a new message into user's Inbox, as if it had just
// arrived (in-process simulator only).
func (e *Env) DeliverMail(user, from, subject string) error {
	if e.sim == nil {
		return fmt.Errorf("harness: cannot deliver mail into an external simulator")
	}
	_, mb, ok := e.sim.Directory().Resolve(user)
	if !ok {
		return fmt.Errorf("harness: no user %s", user)
	}
	return demo.AddMail(mb, demo.Mail{From: from, Subject: subject, Body: "Delivered by the easlab harness."}, e.Clock.Now())
}

// NewDevice returns a new device of a clients profile for user, talking to
// DeviceURL. Its DeviceId is drawn from the spec's random seed.
func (e *Env) NewDevice(profile, user string) *clients.Device {
	p, ok := clients.ProfileByName(profile)
	if !ok {
		panic(fmt.Sprintf("harness: no device profile %q", profile))
	}
	return e.NewDeviceOf(p, user)
}

// NewDeviceOf returns a new device of profile p for user.
func (e *Env) NewDeviceOf(p clients.Profile, user string) *clients.Device {
	return e.newDevice(p, user, e.deviceURL)
}

// newDevice returns a tracked device talking to base.
func (e *Env) newDevice(p clients.Profile, user, base string) *clients.Device {
	e.mu.Lock()
	e.seed++
	seed := e.seed
	e.mu.Unlock()
	d := clients.New(p, clients.Options{
		BaseURL: base + "/Microsoft-Server-ActiveSync", User: user, Password: Password, Seed: seed,
		HTTPClient: &http.Client{Timeout: 2 * time.Minute},
	})
	e.Track(d)
	return d
}

// Track adds a device to the spec's report (NewDevice does it; devices
// from AddAccount need it).
func (e *Env) Track(d *clients.Device) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.devices = append(e.devices, d)
}

// Context is the spec's context: done when the Env closes.
func (e *Env) Context() context.Context { return e.ctx }

// followEvents records the event stream.
func (e *Env) followEvents() {
	var last uint64
	for e.ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(e.ctx, http.MethodGet, e.simURL+"/api/events", nil)
		req.Header.Set("Authorization", "Bearer "+e.Admin.Token)
		req.Header.Set(harnessHeader, "1")
		if last > 0 {
			req.Header.Set("Last-Event-ID", fmt.Sprint(last))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if !bytes.HasPrefix(line, []byte("data: ")) {
				continue
			}
			var ev Event
			if json.Unmarshal(line[len("data: "):], &ev) != nil {
				continue
			}
			last = ev.ID
			e.mu.Lock()
			e.events = append(e.events, ev)
			close(e.evWake)
			e.evWake = make(chan struct{})
			e.mu.Unlock()
		}
		resp.Body.Close()
	}
}

// Events returns the events seen so far.
func (e *Env) Events() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.events...)
}

// WaitForEvent waits until an event matching match has been seen, up to
// timeout, and returns it.
func (e *Env) WaitForEvent(timeout time.Duration, match func(Event) bool) (Event, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := 0; ; {
		e.mu.Lock()
		evs, wake := e.events[i:], e.evWake
		i = len(e.events)
		e.mu.Unlock()
		for _, ev := range evs {
			if match(ev) {
				return ev, nil
			}
		}
		select {
		case <-wake:
		case <-deadline.C:
			return Event{}, fmt.Errorf("harness: no such event within %v", timeout)
		case <-e.ctx.Done():
			return Event{}, e.ctx.Err()
		}
	}
}

// Partnership returns the device's partnership as Get-MobileDevice shows
// it in its user's mailbox; for Gomega's Eventually it is a function.
func (e *Env) Partnership(d *clients.Device) func() (MobileDevice, error) {
	return func() (MobileDevice, error) {
		devs, err := e.Admin.Devices(e.ctx, d.User())
		if err != nil {
			return MobileDevice{}, err
		}
		for _, m := range devs {
			if strings.EqualFold(m.DeviceId, d.DeviceID) {
				return m, nil
			}
		}
		return MobileDevice{}, fmt.Errorf("no partnership of %s in %s's mailbox", d.DeviceID, d.User())
	}
}

// report is the evidence attached to a failed spec.
func (e *Env) report() map[string]string {
	out := map[string]string{}
	var b strings.Builder
	e.mu.Lock()
	devices := append([]*clients.Device(nil), e.devices...)
	for _, ev := range e.events {
		b.WriteString(formatEvent(ev) + "\n")
	}
	e.mu.Unlock()
	out["events"] = b.String()
	b.Reset()
	for _, p := range e.MFA.Pushes() {
		fmt.Fprintf(&b, "%s %s user=%q person=%s device=%s (%s) status=%s polls=%d\n", p.Created.Format("15:04:05.000"), p.ID, p.User, p.Person, p.Device.ID, p.Device.Type, p.Status, p.Polls)
	}
	out["mfa pushes"] = b.String()
	b.Reset()
	for _, r := range e.MFA.Refusals() {
		fmt.Fprintf(&b, "%s %d %s: the product sent %s\n", r.Time.Format("15:04:05.000"), r.Status, r.Error, strings.TrimSpace(r.Body))
	}
	out["mfa refusals"] = b.String()
	out["mfa adapter"] = e.MFA.adapterReport()
	for _, d := range devices {
		out["transcript "+d.Profile.Name+" "+d.DeviceID] = d.Transcript().String()
	}
	if e.SUT != nil {
		out["product output"] = e.SUT.Output()
	}
	out["iis log"] = e.iis.String()
	return out
}

// WithBase64Query returns p sending the base64-encoded query form
// (MS-ASHTTP 2.2.1.1.1.1) that Windows Phone and some Android builds use:
// a gateway must see the user and DeviceId in it too.
func WithBase64Query(p clients.Profile) clients.Profile {
	p.QueryForm = eas.Base64Query
	p.Name += "-base64"
	return p
}

// WithProtocolVersion returns p speaking version v ("12.1", "14.1",
// "16.1"), e.g. an older build whose policy changes come as HTTP 449.
func WithProtocolVersion(p clients.Profile, v string) clients.Profile {
	pv, err := eas.ParseProtocolVersion(v)
	if err != nil {
		panic("harness: " + err.Error())
	}
	p.ProtocolVersion = pv
	p.Name += "-" + v
	return p
}

// InboxType is the Inbox's folder type, for FolderByType.
const InboxType = eas.FolderTypeInbox

// NewDeviceDirect returns a new device that talks to the simulator
// itself, not through the gateway under test: the reference side of a
// differential comparison.
func (e *Env) NewDeviceDirect(profile, user string) *clients.Device {
	p, ok := clients.ProfileByName(profile)
	if !ok {
		panic(fmt.Sprintf("harness: no device profile %q", profile))
	}
	return e.newDevice(p, user, e.simURL)
}

// DeliverMailWithAttachment puts a new message with one attached file
// into user's Inbox (in-process simulator only).
func (e *Env) DeliverMailWithAttachment(user, from, subject, filename string, data []byte) error {
	if e.sim == nil {
		return fmt.Errorf("harness: cannot deliver mail into an external simulator")
	}
	u, mb, ok := e.sim.Directory().Resolve(user)
	if !ok {
		return fmt.Errorf("harness: no user %s", user)
	}
	now := e.Clock.Now()
	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{{Address: from}})
	h.SetAddressList("To", []*mail.Address{{Name: u.DisplayName, Address: u.PrimarySmtpAddress}})
	h.SetSubject(subject)
	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return err
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	tw, err := w.CreateSingleInline(th)
	if err != nil {
		return err
	}
	io.WriteString(tw, "See the attachment.\r\n")
	tw.Close()
	var ah mail.AttachmentHeader
	ah.SetContentType("application/octet-stream", nil)
	ah.SetFilename(filename)
	aw, err := w.CreateAttachment(ah)
	if err != nil {
		return err
	}
	aw.Write(data)
	aw.Close()
	if err := w.Close(); err != nil {
		return err
	}
	parsed, err := simulator.ParseMail(buf.Bytes())
	if err != nil {
		return err
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	_, err = mb.AddItem(inbox.ServerID, simulator.EmailItem(parsed, now, false))
	return err
}

// WithoutProvisioning returns p never provisioning: it sends no
// X-MS-PolicyKey, and Exchange serves it under a policy that allows
// non-provisionable devices (the default), as it serves Outlook's desktop
// ActiveSync connector and Microsoft's own MS-ASCMD test suite.
func WithoutProvisioning(p clients.Profile) clients.Profile {
	p.NoPolicyKey = true
	p.Name += "-noprovision"
	return p
}

// NewRoamingDevice returns a device of profile p for user that was set up
// straight against Exchange (on the office network: it holds a policy key,
// unless p never provisions, its folders and its Inbox) and now reaches
// Exchange through DeviceURL, the product under test, as a phone does
// once its owner leaves the building. Against an agent both URLs are the
// same.
func (e *Env) NewRoamingDevice(ctx context.Context, p clients.Profile, user string) (*clients.Device, error) {
	d := e.newDevice(p, user, e.simURL)
	if err := d.Setup(ctx); err != nil {
		return d, fmt.Errorf("harness: %s %s could not be set up straight against Exchange: %w", p.Name, d.DeviceID, err)
	}
	d.Roam(e.deviceURL + "/Microsoft-Server-ActiveSync")
	return d, nil
}

// MailboxSnapshot returns what user's mailbox holds, folder by folder (the
// ServerIds of its items, sorted), leaving out Exchange's access notices:
// two snapshots differ when something was sent, moved or deleted. In
// process only.
func (e *Env) MailboxSnapshot(user string) (map[string][]string, error) {
	if e.sim == nil {
		return nil, fmt.Errorf("harness: cannot read the mailbox of an external simulator")
	}
	_, mb, ok := e.sim.Directory().Resolve(user)
	if !ok {
		return nil, fmt.Errorf("harness: no user %s", user)
	}
	subject := wbxml.Lookup("Email", "Subject")
	out := map[string][]string{}
	for _, f := range mb.Folders() {
		ids := []string{}
		for _, it := range mb.Items(f.ServerID) {
			if !isNotice(it.Prop(subject)) {
				ids = append(ids, it.ServerID)
			}
		}
		slices.Sort(ids)
		out[f.DisplayName] = ids
	}
	return out, nil
}
