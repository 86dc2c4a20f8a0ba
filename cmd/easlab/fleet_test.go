package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
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

	for _, bad := range [][]string{{"--profiles", "nokia:1"}, {"--profiles", "iphone:0"}, {"--users", "alice"}, {"--devices", "0"}, {"--max-active", "0"}} {
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

// TestFleetShards runs `easlab fleet` as two shards of one fleet against
// one `easlab serve`: each runs its mailboxes' devices (6 devices over 3
// mailboxes: shard 0/2 has mailboxes 1 and 3, four devices; shard 1/2
// mailbox 2, two), together they make the fleet's six partnerships, and
// the report and the metrics name the shard.
func TestFleetShards(t *testing.T) {
	base := serveForTest(t, serveConfig{demoUsers: 3})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		out    bytes.Buffer
		stderr bytes.Buffer
		err    error
	}
	results := make([]*result, 2)
	done := make(chan struct{}, 2)
	for i := range results {
		r := &result{}
		results[i] = r
		args := []string{"fleet", "--url", base, "--devices", "6", "--duration", "1h", "--ramp", "0", "--profiles", "iphone:1,samsung:1",
			"--users", "user%05d@contoso.com", "--user-count", "3", "--json", "--shard", fmt.Sprintf("%d/2", i)}
		if i == 0 {
			args = append(args, "--metrics-listen", metricsAddr)
		}
		cmd := newRootCmd()
		cmd.SetOut(&r.out)
		cmd.SetErr(&r.stderr)
		cmd.SetArgs(args)
		go func() { r.err = cmd.ExecuteContext(ctx); done <- struct{}{} }()
	}
	// Wait until the server has the whole fleet's partnerships and shard
	// 0's metrics show its four devices set up.
	get := func(url string) string {
		resp, err := http.Get(url)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(get(base+"/metrics"), "\neaslab_partnerships 6\n") ||
		!strings.Contains(get("http://"+metricsAddr+"/metrics"), `easlab_fleet_devices{shard="0/2",state="set_up"} 4`) {
		if time.Now().After(deadline) {
			t.Fatalf("the shards did not set up:\n%s\n%s", get(base+"/metrics"), get("http://"+metricsAddr+"/metrics"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	body := get("http://" + metricsAddr + "/metrics")
	for _, want := range []string{`easlab_fleet_requests_total{command="FolderSync",shard="0/2"} 4`, `process_resident_memory_bytes{shard="0/2"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("shard 0's /metrics lacks %q:\n%s", want, body)
		}
	}
	cancel()
	<-done
	<-done
	for i, want := range []int{4, 2} {
		r := results[i]
		if r.err != nil {
			t.Fatalf("shard %d/2: %v\n%s", i, r.err, r.stderr.String())
		}
		var rep clients.FleetReport
		if err := json.Unmarshal(r.out.Bytes(), &rep); err != nil {
			t.Fatalf("shard %d/2: %v\n%s", i, err, r.out.String())
		}
		if rep.Shard != fmt.Sprintf("%d/2", i) || rep.Devices != want || rep.SetUp != want || rep.Failed != 0 || len(rep.Errors) != 0 || rep.ByCommand["FolderSync"] != int64(want) {
			t.Errorf("shard %d/2: want %d devices set up: %+v", i, want, rep)
		}
		if line := fmt.Sprintf("shard %d/2: %d of the fleet's 6 devices", i, want); !strings.Contains(r.stderr.String(), line) {
			t.Errorf("shard %d/2: stderr lacks %q:\n%s", i, line, r.stderr.String())
		}
	}
}

// TestFleetBadShard: a --shard that is not I/N with 0 <= I < N, or that
// leaves a shard without mailboxes, is refused before any request.
func TestFleetBadShard(t *testing.T) {
	for shard, want := range map[string]string{
		"3/2":                       "--shard 3/2: index 3 is not below 2",
		"2/2":                       "--shard 2/2: index 2 is not below 2",
		"-1/4":                      "--shard -1/4: index -1 is negative",
		"0/0":                       "--shard 0/0: count 0 is not at least 1",
		"1":                         `--shard "1": want I/N, e.g. 0/4`,
		"a/b":                       `--shard "a/b": index "a" is not an integer`,
		"$(JOB_COMPLETION_INDEX)/4": `--shard "$(JOB_COMPLETION_INDEX)/4": index "$(JOB_COMPLETION_INDEX)" is not an integer (a $(VAR) left unexpanded`,
		"0/4":                       "--shard 0/4 with --devices 10 and --user-count 3: clients: shard 0/4: 3 mailboxes cannot fill 4 shards",
	} {
		// An unroutable URL: a request would fail, not hang, and none is made.
		_, err := run(t, nil, "fleet", "--url", "http://127.0.0.1:1", "--devices", "10", "--user-count", "3", "--duration", "1h", "--shard", shard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--shard %s: %v; want %q", shard, err, want)
		}
	}
}

// TestFleetInterruptedPrintsReport: a fleet stopped by SIGINT (Ctrl-C, or
// a pod's SIGTERM) ends as at the end of --duration and prints its
// report.
func TestFleetInterruptedPrintsReport(t *testing.T) {
	base := serveForTest(t, serveConfig{demoUsers: 2})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "fleet", "--url", base, "--devices", "2", "--duration", "10m", "--ramp", "0",
		"--profiles", "iphone:1", "--user-count", "2", "--json")
	cmd.Env = append(os.Environ(), "EASLAB_TEST_AS=easlab")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The progress line is rewritten every second; once it counts both
	// devices as holding, interrupt.
	progress := make([]byte, 0, 4096)
	buf := make([]byte, 512)
	for !bytes.Contains(progress, []byte("holding 2 ")) {
		n, err := stderr.Read(buf)
		if err != nil {
			t.Fatalf("easlab fleet ended before its devices held a Ping: %v\n%s", err, progress)
		}
		progress = append(progress[max(0, len(progress)+n-4096):], buf[:n]...)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("easlab fleet interrupted: %v; stdout:\n%s", err, stdout.String())
	}
	var r clients.FleetReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.SetUp != 2 {
		t.Fatalf("an interrupted fleet printed no report of its 2 devices: %v\n%s", err, stdout.String())
	}
}
