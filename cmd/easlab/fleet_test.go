package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
)

// TestFleetAgainstServe runs `easlab fleet` against `easlab serve
// --demo-users`: every device sets up in its mailbox without an error.
func TestFleetAgainstServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go runServe(ctx, serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", demoUsers: 3, profile: "Exchange2019", logFormat: "text", logLevel: "error"}, io.Discard, io.Discard, ready)
	base := <-ready

	out, err := run(t, nil, "fleet", "--url", base, "--devices", "6", "--duration", "2s", "--ramp", "0",
		"--profiles", "iphone:1,samsung:1", "--users", "user%05d@contoso.com", "--user-count", "3", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var r clients.FleetReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Devices != 6 || r.SetUp != 6 || r.Failed != 0 || len(r.Errors) != 0 || r.ByCommand["OPTIONS"] != 6 || r.ByCommand["FolderSync"] != 6 {
		t.Errorf("report: %+v", r)
	}

	for _, bad := range [][]string{{"--profiles", "nokia:1"}, {"--profiles", "iphone:0"}, {"--users", "alice"}, {"--devices", "0"}} {
		if _, err := run(t, nil, append([]string{"fleet", "--url", base}, bad...)...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestFleetMetrics: with --metrics-listen, a running fleet's /metrics
// shows its devices by state, its requests by command and their latency.
func TestFleetMetrics(t *testing.T) {
	base := serveForTest(t, serveConfig{demoUsers: 3})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan error, 1)
	go func() {
		_, err := run(t, nil, "fleet", "--url", base, "--devices", "3", "--duration", "4s", "--ramp", "0",
			"--profiles", "iphone:1", "--users", "user%05d@contoso.com", "--user-count", "3", "--metrics-listen", addr)
		done <- err
	}()
	deadline := time.Now().Add(4 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, `easlab_fleet_devices{state="set_up"} 3`) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{`easlab_fleet_devices{state="set_up"} 3`, `easlab_fleet_devices{state="failed"} 0`,
		`easlab_fleet_requests_total{command="FolderSync"} 3`, `easlab_fleet_request_duration_seconds_count{command="OPTIONS"} 3`} {
		if !strings.Contains(body, want) {
			t.Errorf("the fleet's /metrics lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "easlab_fleet_errors_total") {
		t.Errorf("errors counted in a clean run:\n%s", body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
