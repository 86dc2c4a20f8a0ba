package main

import (
	"context"
	"encoding/json"
	"io"
	"testing"

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
