package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/easlab/easlab/clients"
)

// TestDeviceSetupAgainstServe runs `easlab device setup` against a running
// `easlab serve`: a device with good credentials passes every step, one
// with a wrong password fails at the first authenticated request.
func TestDeviceSetupAgainstServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go runServe(ctx, serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", profile: "Exchange2019", logFormat: "text", logLevel: "error"}, io.Discard, io.Discard, ready)
	base := <-ready

	for _, profile := range []string{"iphone", "outlook", "tbsync-legacy"} {
		out, err := run(t, nil, "device", "setup", "--profile", profile, "--url", base, "--user", "alice@contoso.com", "--password", "Passw0rd!")
		if err != nil {
			t.Fatalf("%s: %v\n%s", profile, err, out)
		}
		provision := "[PASS] Provision"
		if profile == "tbsync-legacy" {
			// Legacy TbSync never provisions (it would get 165 at 14.1
			// without DeviceInformation: exchange-admin.md 2.2).
			provision = "[SKIP] Provision: the client never provisions"
		}
		for _, want := range []string{"[PASS] OPTIONS: server 15.2 offers 9 versions (2.0, 2.1, 2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1)", provision, "[PASS] FolderSync", "Sync Inbox", "All steps passed."} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%s: no %q in\n%s", profile, want, out)
			}
		}
	}

	out, err := run(t, nil, "device", "setup", "--profile", "windowsmail", "--url", base, "--user", "alice@contoso.com", "--password", "Passw0rd!", "--autodiscover", "alice@contoso.com")
	if err != nil || !bytes.Contains(out, []byte("[PASS] Autodiscover: the ActiveSync URL is "+base+"/Microsoft-Server-ActiveSync")) || !bytes.Contains(out, []byte("All steps passed.")) {
		t.Fatalf("--autodiscover: %v\n%s", err, out)
	}
	out, err = run(t, nil, "device", "setup", "--url", base, "--autodiscover", "nobody@contoso.com")
	if !errors.Is(err, errSetupFailed) || !bytes.Contains(out, []byte("[FAIL] Autodiscover")) {
		t.Fatalf("--autodiscover of an unknown address: %v\n%s", err, out)
	}

	out, err = run(t, nil, "device", "setup", "--profile", "gmail", "--url", base, "--user", "alice@contoso.com", "--password", "wrong", "--json")
	if !errors.Is(err, errSetupFailed) {
		t.Fatalf("wrong password: err %v\n%s", err, out)
	}
	var report setupReport
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if report.Passed || len(report.Steps) != 1 || report.Steps[0].Result != "fail" || report.Steps[0].Name != "OPTIONS" {
		t.Errorf("wrong password report: %+v", report)
	}

	if _, err := run(t, nil, "device", "setup", "--profile", "nokia", "--url", base); err == nil {
		t.Error("unknown profile accepted")
	}
}

// TestDeviceActionsWithState runs setup, send, ping, sync and wipe-ack as
// separate invocations sharing one --state file, against easlab serve and
// its admin API, as a support engineer would script them.
func TestDeviceActionsWithState(t *testing.T) {
	base := serveForTest(t, serveConfig{adminToken: "tok"})
	state := filepath.Join(t.TempDir(), "gmail.json")
	common := []string{"--url", base, "--user", "alice@contoso.com", "--password", "Passw0rd!", "--state", state}
	dev := func(args ...string) ([]byte, error) {
		return run(t, nil, append(append([]string{"device"}, args...), common...)...)
	}

	if out, err := dev("sync"); err == nil || !strings.Contains(err.Error(), "setup") {
		t.Fatalf("sync before setup: %v\n%s", err, out)
	}
	if out, err := dev("setup", "--profile", "gmail"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	var st clients.State
	b, err := os.ReadFile(state)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Profile != "gmail" || st.PolicyKey == nil || len(st.Folders) == 0 {
		t.Fatalf("state after setup: %v\n%s", err, b)
	}
	if out, err := dev("send", "--subject", "from the command line"); err != nil || !bytes.Contains(out, []byte("sent")) {
		t.Fatalf("send: %v\n%s", err, out)
	}
	// A second run sends with the next ClientId: the state keeps the
	// counter (a reused one is Status 118, MessagePreviouslySent).
	if out, err := dev("send", "--subject", "a second one", "--to", "bob@contoso.com"); err != nil || !bytes.Contains(out, []byte("sent")) {
		t.Fatalf("a second send from the same state: %v\n%s", err, out)
	}
	if out, err := dev("ping", "--heartbeat", "60"); err != nil || !bytes.Contains(out, []byte("Inbox changed")) {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	out, err := dev("sync", "--json")
	var r actionReport
	if err != nil || json.Unmarshal(out, &r) != nil || len(r.Added) != 1 || r.Added[0] != "from the command line" || r.DeviceID != st.DeviceID {
		t.Fatalf("sync: %v %+v\n%s", err, r, out)
	}
	if out, err := dev("sync"); err != nil || !bytes.Contains(out, []byte("Inbox: 0 new, 0 changed, 0 deleted")) {
		t.Fatalf("a second sync: %v\n%s", err, out)
	}

	if out, err := dev("wipe-ack"); !errors.Is(err, errNoWipe) {
		t.Fatalf("wipe-ack with no wipe pending: %v\n%s", err, out)
	}
	t.Setenv("EASLAB_ADMIN_URL", base)
	t.Setenv("EASLAB_ADMIN_TOKEN", "tok")
	// The Identity as Exchange takes it, "<user>\<container>\<Type>§<Id>"
	// (a bare DeviceId is none; the Gmail profile's DeviceType is Android).
	if out, err := run(t, nil, "admin", "Clear-MobileDevice", "-Identity", `Alice Wilber\ExchangeActiveSyncDevices\Android§`+st.DeviceID); err != nil {
		t.Fatalf("Clear-MobileDevice: %v\n%s", err, out)
	}
	out, err = dev("wipe-ack")
	if err != nil || !bytes.Contains(out, []byte("remote wipe acknowledged")) {
		t.Fatalf("wipe-ack: %v\n%s", err, out)
	}
	b, _ = os.ReadFile(state)
	st = clients.State{}
	if json.Unmarshal(b, &st) != nil || st.PolicyKey != nil || len(st.Folders) != 0 {
		t.Fatalf("the wiped device still remembers its account:\n%s", b)
	}
}

// TestDeviceSetupQuarantined: a device the server quarantines does not
// report "All steps passed": setup says the server holds it, shows the
// quarantine notice from its Inbox, carries the state in --json and exits
// with exitHeld; once allowed, a sync says it is Allowed and exits 0.
func TestDeviceSetupQuarantined(t *testing.T) {
	base := serveForTest(t, serveConfig{adminToken: "tok"})
	adminEnv(t, base)
	if out, err := run(t, nil, "admin", "Set-ActiveSyncOrganizationSettings", "-DefaultAccessLevel", "Quarantine"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "iphone.json")
	common := []string{"--url", base, "--user", "alice@contoso.com", "--password", "Passw0rd!", "--state", state}

	out, err := run(t, nil, append([]string{"device", "setup", "--profile", "iphone"}, common...)...)
	if exitCode(err) != exitHeld || bytes.Contains(out, []byte("All steps passed")) ||
		!bytes.Contains(out, []byte("The server holds the device (Quarantined)")) || !bytes.Contains(out, []byte("Subject: Your mobile device is temporarily blocked")) {
		t.Fatalf("setup of a quarantined device: exit %d (%v), want %d\n%s", exitCode(err), err, exitHeld, out)
	}
	if !bytes.Contains(out, []byte("until your administrator grants it access")) {
		t.Errorf("the report does not show the notice's body:\n%s", out)
	}

	os.Remove(state)
	out, err = run(t, nil, append([]string{"device", "setup", "--profile", "iphone", "--json"}, common...)...)
	var report setupReport
	if exitCode(err) != exitHeld || json.Unmarshal(out, &report) != nil || report.AccessState != "Quarantined" || !report.Held || report.Passed || report.Notice == nil {
		t.Fatalf("setup --json of a quarantined device: %v %+v\n%s", err, report, out)
	}

	var st clients.State
	b, _ := os.ReadFile(state)
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, nil, "admin", "Set-CASMailbox", "-Identity", "alice", "-ActiveSyncAllowedDeviceIDs", "@{Add='"+st.DeviceID+"'}"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = run(t, nil, append([]string{"device", "sync", "--json"}, common...)...)
	var r actionReport
	if err != nil || json.Unmarshal(out, &r) != nil || r.AccessState != "Allowed" || r.Held || len(r.Added) == 0 {
		t.Fatalf("sync of the allowed device: %v %+v\n%s", err, r, out)
	}
}

// TestExitCodes: the statuses the device commands document.
func TestExitCodes(t *testing.T) {
	if exitCode(errDeviceHeld) != 3 || exitCode(fmt.Errorf("sync: %w", errDeviceHeld)) != 3 || exitCode(errSetupFailed) != 1 || exitCode(errors.New("x")) != 1 {
		t.Error("wrong exit statuses")
	}
}

// TestDeviceLifecycleActions: mail lists and reads what the device holds;
// update-os and set-useragent change the User-Agent the server then
// records; factory-reset gives a new DeviceId the server sees as a new
// partnership; change-password is refused with a wrong password and taken
// with the right one; each action has its own --help.
func TestDeviceLifecycleActions(t *testing.T) {
	base := serveForTest(t, serveConfig{adminToken: "tok"})
	adminEnv(t, base)
	state := filepath.Join(t.TempDir(), "android.json")
	common := []string{"--url", base, "--user", "alice@contoso.com", "--password", "Passw0rd!", "--state", state}
	dev := func(args ...string) ([]byte, error) {
		return run(t, nil, append(append([]string{"device"}, args...), common...)...)
	}
	if out, err := dev("setup", "--profile", "samsung"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}

	out, err := dev("mail", "--json")
	var r actionReport
	if err != nil || json.Unmarshal(out, &r) != nil || len(r.Messages) == 0 || r.Messages[0].ServerID == "" || r.Messages[0].Subject == "" {
		t.Fatalf("mail: %v %+v\n%s", err, r, out)
	}
	first := r.Messages[0]
	out, err = dev("mail", "--read", first.ServerID)
	if err != nil || !bytes.Contains(out, []byte("Subject: "+first.Subject)) || !bytes.Contains(out, []byte("From: ")) {
		t.Fatalf("mail --read %s: %v\n%s", first.ServerID, err, out)
	}
	if _, err := dev("mail", "--read", "99:99"); err == nil || !strings.Contains(err.Error(), "holds no message") {
		t.Errorf("mail --read of an unknown message: %v", err)
	}

	if _, err := dev("update-os"); err == nil || !strings.Contains(err.Error(), "--user-agent") {
		t.Errorf("update-os without --user-agent: %v", err)
	}
	if out, err := dev("update-os", "--user-agent", "SAMSUNG-SM-S928B/101.99999", "--os", "Android 15.0.0"); err != nil {
		t.Fatalf("update-os: %v\n%s", err, out)
	}
	if out, err := dev("sync"); err != nil {
		t.Fatalf("sync after update-os: %v\n%s", err, out)
	}
	out, err = run(t, nil, "admin", "Get-MobileDevice", "-Mailbox", "alice", "--json")
	if err != nil || !bytes.Contains(out, []byte("SAMSUNG-SM-S928B/101.99999")) {
		t.Fatalf("the server did not record the new User-Agent: %v\n%s", err, out)
	}
	if out, err := dev("set-useragent", "--user-agent", "SAMSUNG-SM-S928B/102.1"); err != nil || !bytes.Contains(out, []byte("SAMSUNG-SM-S928B/102.1")) {
		t.Fatalf("set-useragent: %v\n%s", err, out)
	}

	if out, err := dev("change-password", "--new-password", "wrong"); err == nil {
		t.Fatalf("a wrong new password was taken:\n%s", out)
	}
	if out, err := dev("change-password", "--new-password", "Passw0rd!"); err != nil || !bytes.Contains(out, []byte("takes the new password")) {
		t.Fatalf("change-password: %v\n%s", err, out)
	}

	out, err = dev("factory-reset", "--json")
	r = actionReport{}
	if err != nil || json.Unmarshal(out, &r) != nil || r.DeviceID == "" || r.DeviceID == r.PreviousDeviceID {
		t.Fatalf("factory-reset: %v %+v\n%s", err, r, out)
	}
	if out, err := dev("sync"); err == nil || !strings.Contains(err.Error(), "setup") {
		t.Fatalf("sync after a factory reset needs setup again: %v\n%s", err, out)
	}
	if out, err := dev("setup"); err != nil {
		t.Fatalf("setup after the reset: %v\n%s", err, out)
	}
	out, err = run(t, nil, "admin", "Get-MobileDevice", "-Mailbox", "alice", "--json")
	if err != nil || !bytes.Contains(out, []byte(r.DeviceID)) || !bytes.Contains(out, []byte(r.PreviousDeviceID)) {
		t.Fatalf("the server does not show both partnerships: %v\n%s", err, out)
	}

	for _, action := range deviceActions {
		out, err := run(t, nil, "device", action, "--help")
		if err != nil || !bytes.Contains(out, []byte("easlab device "+action)) {
			t.Errorf("device %s --help: %v\n%s", action, err, out)
		}
	}
}

// serveForTest runs easlab serve (Exchange 2019, the demo organization,
// password Passw0rd!, on a free loopback port) for the test, with cfg's
// other fields, and returns its base URL.
func serveForTest(t *testing.T, cfg serveConfig) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg.listen, cfg.profile, cfg.logFormat, cfg.logLevel = "127.0.0.1:0", "Exchange2019", "text", "error"
	if cfg.demoPassword == "" {
		cfg.demoPassword = "Passw0rd!"
	}
	ready := make(chan string, 1)
	go runServe(ctx, cfg, io.Discard, io.Discard, ready)
	return <-ready
}

// adminEnv points easlab admin at base with the token "tok".
func adminEnv(t *testing.T, base string) {
	t.Setenv("EASLAB_ADMIN_URL", base)
	t.Setenv("EASLAB_ADMIN_TOKEN", "tok")
}
