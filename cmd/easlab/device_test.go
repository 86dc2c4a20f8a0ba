package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
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
		for _, want := range []string{"[PASS] OPTIONS: server 15.2 offers 7 versions up to 16.1", "[PASS] Provision", "[PASS] FolderSync", "Sync Inbox", "All steps passed."} {
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
