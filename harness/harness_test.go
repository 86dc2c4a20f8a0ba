package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		`./agent`:                      {"./agent"},
		`./agent --config a.yaml`:      {"./agent", "--config", "a.yaml"},
		`  go  run ./examples/agent  `: {"go", "run", "./examples/agent"},
		`agent --name 'Alice Wilber'`:  {"agent", "--name", "Alice Wilber"},
		`agent --q "say \"hi\""`:       {"agent", "--q", `say "hi"`},
		`agent a\ b`:                   {"agent", "a b"},
		`agent ''`:                     {"agent", ""},
	} {
		got, err := SplitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`agent 'open`, `agent "open`} {
		if _, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) did not fail", bad)
		}
	}
}

// The MFA provider speaks its documented contract.
func TestMFAProviderContract(t *testing.T) {
	m := NewMFAProvider([]Person{
		{UPN: "chris@corp.contoso.com", SMTP: "chris.taylor@contoso.com", DisplayName: "Chris Taylor"},
		{UPN: "megan@contoso.com", SMTP: "megan@contoso.com", DisplayName: "Megan Bowen"},
		{UPN: "megan.bowen@contoso.com", SMTP: "megan.bowen@contoso.com", DisplayName: "Megan Bowen"},
	})
	defer m.Close()
	post := func(body string) (int, map[string]string) {
		resp, err := http.Post(m.URL()+"/v1/push", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	get := func(id, q string) (int, string, time.Duration) {
		start := time.Now()
		resp, err := http.Get(m.URL() + "/v1/push/" + id + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out["status"], time.Since(start)
	}
	dev := `"device": {"id": "ApplDEV1", "type": "iPhone", "model": "iPhone15C2", "os": "iOS 18.1", "userAgent": "Apple-iPhone15C2/2201.1", "friendlyName": "iPhone"}`
	for _, c := range []struct {
		body   string
		status int
		person string
	}{
		{`{"user": "CHRIS.TAYLOR@contoso.com", ` + dev + `}`, 201, "chris@corp.contoso.com"},
		{`{"user": "chris@corp.contoso.com", ` + dev + `}`, 201, "chris@corp.contoso.com"},
		{`{"user": "Chris Taylor", ` + dev + `}`, 201, "chris@corp.contoso.com"},
		{`{"user": "Megan Bowen", ` + dev + `}`, 409, ""},
		{`{"user": "nobody@contoso.com", ` + dev + `}`, 404, ""},
		{`{"user": "chris@corp.contoso.com"}`, 400, ""},
		{`not json`, 400, ""},
	} {
		code, out := post(c.body)
		if code != c.status {
			t.Errorf("POST %s: %d %v, want %d", c.body, code, out, c.status)
		}
		if c.person != "" && m.Pushes()[len(m.Pushes())-1].Person != c.person {
			t.Errorf("POST %s reached %q, want %q", c.body, m.Pushes()[len(m.Pushes())-1].Person, c.person)
		}
	}
	if n := len(m.Pushes()); n != 3 || m.Refused() != 2 {
		t.Fatalf("%d pushes, %d refused; want 3 and 2", n, m.Refused())
	}
	p := m.Pushes()[0]
	if p.Device.Model != "iPhone15C2" || p.Device.UserAgent != "Apple-iPhone15C2/2201.1" {
		t.Errorf("the push lost the device: %+v", p.Device)
	}
	if code, st, _ := get(p.ID, ""); code != 200 || st != PushPending {
		t.Errorf("GET: %d %q", code, st)
	}
	// A long poll answers as soon as the push is decided.
	go func() { time.Sleep(100 * time.Millisecond); m.Approve(p.ID) }()
	if code, st, took := get(p.ID, "?wait=10"); code != 200 || st != PushApproved || took > 5*time.Second {
		t.Errorf("GET ?wait=10: %d %q after %v", code, st, took)
	}
	if err := m.Deny(p.ID); err == nil {
		t.Error("a decided push was decided again")
	}
	// A long poll of a pending push ends after the wait.
	if code, st, took := get(m.Pushes()[1].ID, "?wait=1"); code != 200 || st != PushPending || took < time.Second {
		t.Errorf("GET ?wait=1 of a pending push: %d %q after %v", code, st, took)
	}
	if code, _, _ := get("nope", ""); code != 404 {
		t.Errorf("GET of an unknown push: %d", code)
	}
	if code, _, _ := get(p.ID, "?wait=soon"); code != 400 {
		t.Errorf("GET ?wait=soon: %d", code)
	}
	// Decided by rule, after a delay.
	m.OnPush(func(p Push) Decision { return Decision{Action: PushDenied, Delay: 50 * time.Millisecond} })
	_, out := post(`{"user": "megan@contoso.com", ` + dev + `}`)
	if _, st, _ := get(out["pushId"], "?wait=5"); st != PushDenied {
		t.Errorf("a push denied by rule: %q", st)
	}
	m.SetDown(true)
	if code, _ := post(`{"user": "megan@contoso.com", ` + dev + `}`); code != 503 {
		t.Errorf("POST while down: %d", code)
	}
	if code, _, _ := get(p.ID, ""); code != 503 {
		t.Errorf("GET while down: %d", code)
	}
	if got := len(m.PushesFor("appldev1")); got != 4 {
		t.Errorf("PushesFor (any case): %d, want 4", got)
	}
	// Every refusal is kept with the body the product sent: the evidence
	// of a failed spec's report.
	var got []string
	for _, r := range m.Refusals() {
		got = append(got, fmt.Sprintf("%d %s", r.Status, r.Body))
	}
	want := []string{
		`409 {"user": "Megan Bowen", ` + dev + `}`,
		`404 {"user": "nobody@contoso.com", ` + dev + `}`,
		`400 {"user": "chris@corp.contoso.com"}`,
		`400 not json`,
		`503 {"user": "megan@contoso.com", ` + dev + `}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("refusals:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A product that ignores SIGTERM is killed after the grace period, and its
// output is kept; a restart runs it again in the same directory.
func TestProcessStopAndRestart(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "sut.sh")
	os.WriteFile(script, []byte("#!/bin/sh\ntrap 'echo got TERM' TERM\necho started $EASLAB_X in $(pwd)\nwhile true; do sleep 0.05; done\n"), 0o755)
	p, err := StartProcess([]string{script}, []string{"EASLAB_X=42"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.Output(), "started 42") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	p.Stop(300 * time.Millisecond)
	if took := time.Since(start); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("Stop took %v, want the grace period and then SIGKILL", took)
	}
	if exited, _ := p.Exited(); !exited {
		t.Fatal("the process still runs after Stop")
	}
	out := p.Output()
	for _, want := range []string{"started 42 in " + dir, "got TERM", "SIGKILL"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := p.Restart(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for strings.Count(p.Output(), "started 42") < 2 && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(10 * time.Millisecond)
	}
	if !bytes.Contains([]byte(p.Output()), []byte("start #2")) {
		t.Errorf("no second start:\n%s", p.Output())
	}
	p.Stop(100 * time.Millisecond)
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{Agent: []string{"a"}, Gateway: []string{"g"}},
		{Agent: []string{"a"}, OrgDefault: "Maybe"},
		{GatewayURL: "http://127.0.0.1:1"},
		{GatewayURL: "http://127.0.0.1:1", SimulatorURL: "http://127.0.0.1:2"},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v validated", c)
		}
	}
	if c := (Config{GatewayURL: "http://x", SimulatorURL: "http://y", MFAListen: "127.0.0.1:0"}); c.Validate() != nil || c.Kind() != "gateway" {
		t.Errorf("a running gateway's config: %v %q", c.Validate(), c.Kind())
	}
	s := Shard{Index: 1, Total: 3}
	if s.Runs(0) || !s.Runs(1) || !s.Runs(4) || !(Shard{}).Runs(7) {
		t.Error("Shard.Runs")
	}
}
