package clients_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// TestFleetSetsUpAndWakesOnMail runs a small fleet against the simulator on
// the real clock: every device sets up with its profile's mix, then holds
// a Ping; new mail for alice wakes her devices, which Sync.
func TestFleetSetsUpAndWakesOnMail(t *testing.T) {
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, time.Now()), ErrorResponseDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	iphone, _ := clients.ProfileByName(clients.IPhone)
	gmail, _ := clients.ProfileByName(clients.Gmail)
	users := []string{"alice@contoso.com", "bob@contoso.com"}
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: 6, Seed: 1,
		Mix:     []clients.Share{{Profile: iphone, Weight: 2}, {Profile: gmail, Weight: 1}},
		Account: func(i int) (string, string) { return users[i%len(users)], demo.Password },
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan clients.FleetReport, 1)
	go func() { r, _ := f.Run(ctx); done <- r }()

	waitFor := func(what string, cond func(clients.FleetReport) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond(f.Report()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, f.Report())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Set up, and every device's Ping is on the wire (its OPTIONS ...
	// Sync requests are counted; the Ping completes only later).
	waitFor("setup", func(r clients.FleetReport) bool { return r.SetUp == 6 && r.Holding == 6 })
	syncs := f.Report().ByCommand["Sync"]
	_, mb, _ := srv.Directory().Resolve("alice")
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	raw, _ := simulator.BuildMail(&simulator.MailAddress{Address: "bob@contoso.com"}, []*simulator.MailAddress{{Address: "alice@contoso.com"}}, "wake up", "ping me", "", time.Now())
	m, _ := simulator.ParseMail(raw)
	mb.AddItem(inbox.ServerID, simulator.EmailItem(m, time.Now(), false))
	// Alice holds devices 0, 2 and 4: each Ping answers and each Syncs.
	waitFor("syncs after the mail", func(r clients.FleetReport) bool { return r.ByCommand["Sync"] >= syncs+3 })
	cancel()
	r := <-done

	if r.Devices != 6 || r.SetUp != 6 || r.Failed != 0 {
		t.Errorf("devices %d, set up %d, failed %d", r.Devices, r.SetUp, r.Failed)
	}
	if len(r.Errors) != 0 {
		t.Errorf("errors: %v", r.Errors)
	}
	if r.ByCommand["OPTIONS"] != 6 || r.ByCommand["Provision"] != 12 || r.ByCommand["FolderSync"] != 6 || r.ByCommand["Ping"] < 3 {
		t.Errorf("requests by command: %v", r.ByCommand)
	}
	if r.Requests == 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Errorf("latencies: %v", r)
	}
	t.Log("\n" + r.String())
}

func TestFleetRejectsAnEmptyMix(t *testing.T) {
	f := clients.NewFleet(clients.FleetOptions{Devices: 1, Account: func(int) (string, string) { return "", "" }})
	if _, err := f.Run(context.Background()); err == nil {
		t.Error("a fleet without profiles ran")
	}
}

// TestFleetStopsDevicesOverTheLimit: with EasMaxDevices 2 on one mailbox,
// two devices set up and the third stops on 177 instead of retrying.
func TestFleetStopsDevicesOverTheLimit(t *testing.T) {
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, time.Now()), ErrorResponseDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 2 })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	gmail, _ := clients.ProfileByName(clients.Gmail)
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: 3, Seed: 2,
		Mix:     []clients.Share{{Profile: gmail, Weight: 1}},
		Account: func(int) (string, string) { return "alice@contoso.com", demo.Password },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		for r := f.Report(); r.Holding+r.Failed < 3; r = f.Report() {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	r, _ := f.Run(ctx)
	if r.SetUp != 2 || r.Failed != 1 || r.Errors["Status 177"] != 1 {
		t.Errorf("set up %d, failed %d, errors %v; want 2, 1 and one Status 177", r.SetUp, r.Failed, r.Errors)
	}
}

// TestFleetBacksOffOn503: a front answers the first request 503 with
// Retry-After 120; the device waits those 120 s on the fleet's clock, then
// sets up.
func TestFleetBacksOffOn503(t *testing.T) {
	clk := clock.NewManual(start)
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, clk.Now()), ErrorResponseDelay: -1, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	gmail, _ := clients.ProfileByName(clients.Gmail)
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: 1, Seed: 3, Clock: clk,
		Mix:     []clients.Share{{Profile: gmail, Weight: 1}},
		Account: func(int) (string, string) { return "alice@contoso.com", demo.Password },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan clients.FleetReport, 1)
	go func() { r, _ := f.Run(ctx); done <- r }()
	if err := clk.BlockUntil(ctx, 1); err != nil { // the device sleeps on Retry-After
		t.Fatal(err)
	}
	if r := f.Report(); r.SetUp != 0 || r.Errors["HTTP 503"] != 1 {
		t.Fatalf("before the back-off ends: %v", r)
	}
	next, _ := clk.NextDeadline()
	if wait := next.Sub(clk.Now()); wait != 120*time.Second {
		t.Errorf("the device waits %v, want Retry-After's 120s", wait)
	}
	clk.Advance(120 * time.Second)
	for r := f.Report(); r.Holding < 1; r = f.Report() {
		if ctx.Err() != nil {
			t.Fatalf("no setup after the back-off: %v", r)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if r := <-done; r.SetUp != 1 || r.Failed != 0 {
		t.Errorf("set up %d, failed %d", r.SetUp, r.Failed)
	}
}

// In the active steady states devices Sync, or ask OPTIONS, back to back.
func TestFleetSteadySyncAndOptions(t *testing.T) {
	for _, c := range []struct {
		steady string
		cmd    string
	}{{"sync", "Sync"}, {"options", "OPTIONS"}, {"ping", ""}} {
		steady, err := clients.ParseSteady(c.steady)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, time.Now()), ErrorResponseDelay: -1})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		iphone, _ := clients.ProfileByName(clients.IPhone)
		f := clients.NewFleet(clients.FleetOptions{
			BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: 3, Seed: 2, Steady: steady,
			Mix:     []clients.Share{{Profile: iphone, Weight: 1}},
			Account: func(i int) (string, string) { return "alice@contoso.com", demo.Password },
		})
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		r, _ := f.Run(ctx)
		cancel()
		hs.CloseClientConnections()
		hs.Close()
		// Setup sends one OPTIONS and two Syncs per device; the active
		// states send many more, a Ping holder none.
		switch {
		case r.SetUp != 3:
			t.Errorf("--steady %s: %d devices set up", c.steady, r.SetUp)
		case c.cmd != "" && r.ByCommand[c.cmd] <= 6:
			t.Errorf("--steady %s: only %d %s: %v", c.steady, r.ByCommand[c.cmd], c.cmd, r.ByCommand)
		case c.cmd == "" && (r.ByCommand["Sync"] != 6 || r.ByCommand["OPTIONS"] != 3):
			t.Errorf("--steady ping: idle devices sent %v", r.ByCommand)
		}
	}
	if _, err := clients.ParseSteady("nap"); err == nil {
		t.Error("ParseSteady(nap) did not fail")
	}
}
