// Package simtest starts a simulator for a test, as net/http/httptest
// starts a server: one call gives a demo server on a manual clock behind a
// real HTTP listener, an admin API client and EAS test devices, and
// registers its own cleanup.
//
// It works under the testing package and under Ginkgo alike: New takes a
// TB, which *testing.T, *testing.B and GinkgoT() all are.
//
// simtest imports the simulator, simulator/demo and the protocol packages
// (eas, wbxml, clock, adminapi) only, never clients or harness, so that their tests may
// use it as well as the simulator's own.
package simtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// TB is what simtest needs of a test. testing.TB has it, and so has
// Ginkgo's GinkgoT(), whose Fatalf fails the spec and whose Cleanup is
// DeferCleanup.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start is the simulated time every environment begins at.
var Start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// AdminToken is the admin API's bearer token when Options leave it empty.
const AdminToken = "simtest-admin-token"

// Env is a started simulator.
type Env struct {
	// Server is the simulator; HTTP serves it.
	Server *simulator.Server
	HTTP   *httptest.Server
	// Clock is the manual clock the server runs on, or nil when the
	// Options gave another kind of clock.
	Clock *clock.Manual
	// URL is the base URL (as httptest.Server.URL); EASURL is its EAS
	// endpoint.
	URL    string
	EASURL string
	// Admin runs cmdlets with the server's token.
	Admin *adminapi.Client
	// Store is where the state is kept (NewWithStore, or EASLAB_TEST_STORE),
	// or nil.
	Store *Durable

	tb     TB
	opts   simulator.Options
	limits simulator.HTTPLimits
}

// New starts a simulator with opts and closes it when the test ends.
// Zero values of opts get test defaults: a manual clock at Start, the demo
// organization (demo.NewDirectory with demo.Password, dated at the clock's
// now), a logger that discards, and the admin token AdminToken. Other
// fields are passed as they are.
func New(tb TB, opts simulator.Options) *Env {
	tb.Helper()
	if kind := os.Getenv(StoreEnv); kind != "" {
		return NewWithStore(tb, opts, NewDurable(tb, kind))
	}
	return newEnv(tb, opts, nil, simulator.HTTPLimits{})
}

// NewWithLimits is New behind an http.Server with limits instead of IIS's
// defaults (for example a short ConnectionTimeout, to see idle connections
// closed).
func NewWithLimits(tb TB, opts simulator.Options, limits simulator.HTTPLimits) *Env {
	tb.Helper()
	return newEnv(tb, opts, nil, limits)
}

// NewWithStore is New with the state kept in st, so that Restart can stop
// the server and start another from what st kept.
func NewWithStore(tb TB, opts simulator.Options, st *Durable) *Env {
	tb.Helper()
	return newEnv(tb, opts, st, simulator.HTTPLimits{})
}

func newEnv(tb TB, opts simulator.Options, st *Durable, limits simulator.HTTPLimits) *Env {
	tb.Helper()
	if opts.Clock == nil {
		opts.Clock = clock.NewManual(Start)
	}
	if opts.Directory == nil {
		dir, err := demo.NewDirectory(demo.Password, 0, opts.Clock.Now())
		if err != nil {
			tb.Fatalf("simtest: demo.NewDirectory: %v", err)
		}
		opts.Directory = dir
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AdminToken == "" {
		opts.AdminToken = AdminToken
	}
	e := &Env{Store: st, tb: tb, opts: opts, limits: limits}
	e.Clock, _ = opts.Clock.(*clock.Manual)
	e.start(opts.Directory)
	return e
}

// start starts a server over dir, or over the directory the store keeps.
func (e *Env) start(dir *simulator.Directory) {
	tb := e.tb
	tb.Helper()
	opts := e.opts
	if e.Store != nil {
		var err error
		if opts.Directory, err = e.Store.directory(dir); err != nil {
			tb.Fatalf("simtest: %v", err)
		}
	}
	srv, err := simulator.New(opts)
	if err != nil {
		tb.Fatalf("simtest: simulator.New: %v", err)
	}
	// Behind the same hardened http.Server as easlab serve (http.sys's and
	// IIS's limits, simulator.NewHTTPServer).
	hs := httptest.NewUnstartedServer(srv)
	hs.Config = simulator.NewHTTPServer(srv, e.limits)
	hs.Listener = simulator.Listener(hs.Listener)
	hs.Start()
	tb.Cleanup(hs.Close)
	e.Server, e.HTTP = srv, hs
	e.URL, e.EASURL = hs.URL, hs.URL+"/Microsoft-Server-ActiveSync"
	e.Admin = &adminapi.Client{URL: hs.URL, Token: srv.AdminToken(), HTTP: hs.Client()}
}

// Restart stops the server, as a crash would (open requests are cut), and
// starts a new one from what the store kept, on the same clock and
// options. The Env's URLs change; Devices of the Env follow. It fails the
// test when the Env has no store.
func (e *Env) Restart() {
	e.tb.Helper()
	if e.Store == nil {
		e.tb.Fatalf("simtest: Restart needs an Env with a store (NewWithStore)")
	}
	e.HTTP.CloseClientConnections()
	e.HTTP.Close()
	e.start(nil)
}

// DemoDirectory returns the demo organization with extra users
// user00001..., dated at Start, for Options.Directory.
func DemoDirectory(tb TB, extra int) *simulator.Directory {
	tb.Helper()
	dir, err := demo.NewDirectory(demo.Password, extra, Start)
	if err != nil {
		tb.Fatalf("simtest: demo.NewDirectory: %v", err)
	}
	return dir
}

// Events is the server's event stream.
func (e *Env) Events() *simulator.EventLog { return e.Server.Events() }

// Mailbox returns a user's mailbox, and fails the test if there is no
// such user.
func (e *Env) Mailbox(alias string) *simulator.Mailbox {
	e.tb.Helper()
	_, mb, ok := e.Server.Directory().Resolve(alias)
	if !ok {
		e.tb.Fatalf("simtest: no user %s", alias)
	}
	return mb
}

// Deliver puts a new unread message from Katie Jordan into a user's Inbox,
// as transport would.
func (e *Env) Deliver(alias, subject string) {
	e.tb.Helper()
	mb := e.Mailbox(alias)
	now := e.Server.Clock().Now()
	raw, err := simulator.BuildMail(&simulator.MailAddress{Name: "Katie Jordan", Address: "katie@fabrikam.com"},
		[]*simulator.MailAddress{{Name: alias, Address: alias + "@contoso.com"}}, subject, "Body of "+subject, "", now)
	if err != nil {
		e.tb.Fatalf("simtest: deliver %q to %s: %v", subject, alias, err)
	}
	m, err := simulator.ParseMail(raw)
	if err != nil {
		e.tb.Fatalf("simtest: deliver %q to %s: %v", subject, alias, err)
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	if _, err := mb.AddItem(inbox.ServerID, simulator.EmailItem(m, now, false)); err != nil {
		e.tb.Fatalf("simtest: deliver %q to %s: %v", subject, alias, err)
	}
}

// Cmdlet runs a cmdlet through the admin API and returns its output
// objects. A refusal, or a reply without an output array, fails the test;
// CmdletFails expects a refusal.
func (e *Env) Cmdlet(cmdlet string, params map[string]any) []map[string]any {
	e.tb.Helper()
	out, _ := e.CmdletReply(cmdlet, params)
	return out
}

// CmdletReply is Cmdlet that also returns the cmdlet's warnings.
func (e *Env) CmdletReply(cmdlet string, params map[string]any) (out []map[string]any, warnings []string) {
	e.tb.Helper()
	r, err := e.Admin.Call(context.Background(), cmdlet, params)
	if err != nil {
		e.tb.Fatalf("simtest: %s %v: %v", cmdlet, params, err)
	}
	if len(r.Output) == 0 || string(r.Output) == "null" {
		e.tb.Fatalf("simtest: %s %v: no output array", cmdlet, params)
	}
	if err := json.Unmarshal(r.Output, &out); err != nil {
		e.tb.Fatalf("simtest: %s %v: output: %v", cmdlet, params, err)
	}
	return out, r.Warnings
}

// CmdletFails runs a cmdlet that must be refused with the HTTP status and
// PowerShell error category, and returns the refusal; anything else fails
// the test.
func (e *Env) CmdletFails(cmdlet string, params map[string]any, status int, category string) *adminapi.Error {
	e.tb.Helper()
	_, err := e.Admin.Call(context.Background(), cmdlet, params)
	var ae *adminapi.Error
	if !errors.As(err, &ae) || ae.HTTPStatus != status || ae.Category != category {
		e.tb.Fatalf("simtest: %s %v: want HTTP %d %s, got %v", cmdlet, params, status, category, err)
	}
	return ae
}

// DeviceIdentity returns the Identity Get-MobileDevice shows for the one
// partnership with this DeviceId (found by -Filter), the form to pass to
// -Identity: Exchange takes no bare DeviceId there.
func (e *Env) DeviceIdentity(deviceID string) string {
	e.tb.Helper()
	out := e.Cmdlet("Get-MobileDevice", map[string]any{"Filter": "DeviceId -eq '" + deviceID + "'", "ResultSize": "Unlimited"})
	if len(out) != 1 {
		e.tb.Fatalf("simtest: Get-MobileDevice of DeviceId %s: %v", deviceID, out)
	}
	id, _ := out[0]["Identity"].(string)
	return id
}

// AccessState returns "DeviceAccessState/DeviceAccessStateReason" of one
// partnership: by Get-MobileDevice -Identity, or, for a bare DeviceId
// (which Exchange does not take as an Identity), by -Filter on DeviceId.
// Anything but one object fails the test.
func (e *Env) AccessState(identity string) string {
	e.tb.Helper()
	params := map[string]any{"Identity": identity}
	if !strings.ContainsAny(identity, `\/=§`) && len(identity) != 36 {
		params = map[string]any{"Filter": "DeviceId -eq '" + identity + "'", "ResultSize": "Unlimited"}
	}
	out := e.Cmdlet("Get-MobileDevice", params)
	if len(out) != 1 {
		e.tb.Fatalf("simtest: Get-MobileDevice %s: %v", identity, out)
	}
	return fmt.Sprint(out[0]["DeviceAccessState"], "/", out[0]["DeviceAccessStateReason"])
}
