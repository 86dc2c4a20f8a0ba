package harness

import (
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
)

// An Env with no product: Exchange's defaults, a phone syncs, the event
// stream and the admin view show its partnership, the clock warps and a
// quarantined device (OrgDefault) gets the notice and no mail.
func TestEnvWithoutProduct(t *testing.T) {
	e, err := newEnv(Config{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d := e.NewDevice(clients.IPhone, Alice)
	ph := e.Start(d)
	deadline := time.Now().Add(10 * time.Second)
	for !ph.HasMail() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !ph.HasMail() {
		t.Fatalf("the phone did not sync under Allow: %v", ph.Errors())
	}
	if ev, err := e.WaitForEvent(5*time.Second, func(ev Event) bool { return ev.Kind == "DeviceCreated" && ev.DeviceID == d.DeviceID }); err != nil || ev.Mailbox != Alice {
		t.Fatalf("no DeviceCreated event: %v %+v", err, ev)
	}
	m, err := e.Partnership(d)()
	if err != nil || m.DeviceAccessState != "Allowed" || m.DeviceAccessStateReason != "Global" {
		t.Fatalf("partnership %+v, %v", m, err)
	}
	if ok, err := HaveSyncedInbox().Match(ph); !ok || err != nil {
		t.Errorf("HaveSyncedInbox on a synced phone: %v %v", ok, err)
	}
	if ok, _ := BeAllowedBy(Global).Match(m); !ok {
		t.Error("BeAllowedBy(Global) did not match")
	}
	if ok, _ := BeQuarantined().Match(m); ok {
		t.Error("BeQuarantined matched an allowed device")
	}
	// New mail wakes the phone's Ping.
	if err := e.DeliverMail(Alice, "bob@contoso.com", "ping me"); err != nil {
		t.Fatal(err)
	}
	for time.Now().Before(deadline) {
		found := false
		for _, it := range d.Items(func() string { f, _ := d.FolderByType(InboxType); return f.ServerId }()) {
			found = found || it.Subject == "ping me"
		}
		if found {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := e.Clock.Now()
	if err := e.Warp(time.Hour); err != nil || e.Clock.Now().Sub(start) < time.Hour {
		t.Errorf("Warp: %v", err)
	}
	ph.Stop()
}

func TestEnvQuarantineDefault(t *testing.T) {
	e, err := newEnv(Config{OrgDefault: "Quarantine"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d := e.NewDevice(clients.Gmail, Bob)
	ph := e.Start(d)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok, _ := HaveReceivedQuarantineNotice().Match(d); ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, _ := HaveReceivedQuarantineNotice().Match(d); !ok {
		t.Fatalf("no quarantine notice: %v\n%s", ph.Errors(), d.Transcript())
	}
	if ph.HasMail() {
		t.Error("a quarantined phone has its owner's mail")
	}
	m, _ := e.Partnership(d)()
	if ok, _ := BeQuarantined().Match(m); !ok {
		t.Errorf("partnership %+v", m)
	}
	// The admin releases it: the event stream says so at once, before the
	// device's next request.
	ph.Stop()
	if err := e.Admin.Run(e.ctx, "Set-CASMailbox", map[string]any{"Identity": Bob, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceID}}, nil); err != nil {
		t.Fatal(err)
	}
	if ev, err := e.WaitForEvent(5*time.Second, func(ev Event) bool {
		return ev.Kind == "AccessStateChanged" && ev.DeviceID == d.DeviceID && ev.To == "Allowed"
	}); err != nil || ev.From != "Quarantined" || ev.Reason != "Individual" {
		t.Errorf("no release event: %v %+v", err, ev)
	}
	r := e.report()
	for _, k := range []string{"events", "iis log", "transcript gmail " + d.DeviceID} {
		if r[k] == "" {
			t.Errorf("the failure report has no %q", k)
		}
	}
}

// With Exchange's directory cache (exchange-admin.md 4.3; S1
// ADUserCache.cs, 60 s ADCacheRefreshInterval, the harness's default), an
// approval through the admin plane leaves the EAS side's cached entry of
// the mailbox behind its settings; the harness warps the simulator's clock
// over the rest of the entry's life before the admin request returns.
func TestEnvWarpsOverDirectoryCache(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		warp bool
	}{{nil, true}, {[]Option{CASCacheDelay(0)}, false}} {
		e, err := newEnv(Config{OrgDefault: "Quarantine"}, 3, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		d := e.NewDevice(clients.Gmail, Bob)
		e.Start(d)
		if _, err := e.WaitForEvent(10*time.Second, func(ev Event) bool {
			return ev.Kind == "AccessStateChanged" && ev.DeviceID == d.DeviceID && ev.To == "Quarantined"
		}); err != nil {
			e.Close()
			t.Fatal(err)
		}
		before := e.Clock.Now()
		if err := e.Admin.Run(e.Context(), "Set-CASMailbox", map[string]any{"Identity": Bob, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceID}}, nil); err != nil {
			e.Close()
			t.Fatal(err)
		}
		jump := e.Clock.Now().Sub(before)
		// The entry was read at the device's first request, seconds after
		// the start: it drops out at the third rotation, 180 s on.
		if tc.warp && (jump < 150*time.Second || jump > 3*time.Minute) {
			t.Errorf("the clock moved %v over the approval, want the rest of the cache entry's life (150 s to 3 min)", jump)
		}
		if !tc.warp && jump > 10*time.Second {
			t.Errorf("without a cache the clock jumped %v", jump)
		}
		if w := e.sim.CASCacheWait(); w != 0 {
			t.Errorf("after the warp the cache still lags %v", w)
		}
		e.Close()
	}
}
