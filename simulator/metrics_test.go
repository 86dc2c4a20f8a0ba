package simulator_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// scrape reads /metrics and returns each sample's value by its line's
// name and labels, as Prometheus' text format writes them.
func scrape(t *testing.T, env *simtest.Env) map[string]float64 {
	t.Helper()
	resp, err := env.HTTP.Client().Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: HTTP %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("a sample that is no number: %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsCountAScriptedFlow: after a quarantined device's setup, an
// approval, a sync, a fired fault and a held Ping, /metrics counts each,
// with the labels the README lists.
func TestMetricsCountAScriptedFlow(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
	d := env.Device("alice", "METRICS1", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	d.SyncAll(inbox)

	m := scrape(t, env)
	// One decision a request: discovery for the first, quarantine for
	// the four after it (Provision twice, FolderSync, Sync twice).
	want := map[string]float64{
		`easlab_access_decisions_total{reason="Global",state="DeviceDiscovery"}`: 1,
		`easlab_access_decisions_total{reason="Global",state="Quarantined"}`:     4,
		`easlab_events_total{kind="MailPosted"}`:                                 1,
		`easlab_events_total{kind="DeviceCreated"}`:                              1,
		`easlab_partnerships`: 1,
		`easlab_mailboxes`:    3,
		`easlab_held_pings`:   0,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("after a quarantined setup, %s = %v, want %v", k, m[k], v)
		}
	}
	// eas_status is a status the answer carried as an error (the IIS
	// log's), 0 for none.
	if m[`easlab_eas_requests_total{command="FolderSync",eas_status="0",http_status="200",protocol_version="14.1"}`] != 1 {
		t.Errorf("FolderSync not counted with its statuses and version: %v", m)
	}
	if m[`easlab_eas_request_duration_seconds_count{command="Provision"}`] != 2 {
		t.Errorf("the Provision latency histogram counts %v, want 2 (policy and acknowledgement)", m[`easlab_eas_request_duration_seconds_count{command="Provision"}`])
	}

	if code, body := postFault(t, env, `{"match": {"command": "Settings"}, "action": {"httpStatus": 503}, "count": 1}`); code/100 != 2 {
		t.Fatalf("posting a fault: HTTP %d %s", code, body)
	}
	d.Post(eas.CommandSettings, nil)
	m = scrape(t, env)
	if got := m[`easlab_faults_fired_total{on="eas"}`]; got != 1 {
		t.Errorf("faults fired: %v, want 1", got)
	}
	if got := m[`easlab_eas_requests_total{command="Settings",eas_status="0",http_status="503",protocol_version="14.1"}`]; got != 1 {
		t.Errorf("the faulted Settings counted %v times with HTTP 503, want 1", got)
	}

	// A Ping held on the synced Inbox shows in the gauge while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := mustMarshal(t, &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := env.HTTP.Client().Do(d.HTTPRequest(d.Request(eas.CommandPing), body).WithContext(ctx)); err == nil {
			resp.Body.Close()
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, env)["easlab_held_pings"] != 1 {
		if time.Now().After(deadline) {
			t.Fatal("a held Ping never showed in easlab_held_pings")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	for scrape(t, env)["easlab_held_pings"] != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the held Ping stayed in easlab_held_pings after its client went away")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
