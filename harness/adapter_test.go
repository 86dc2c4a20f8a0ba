package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary an adapter helper process instead.
const helperEnv = "EASLAB_ADAPTER_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		adapterHelper(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// adapterHelper is a tiny adapter: "good" fronts the mock at
// $EASLAB_MFA_URL; the others misbehave as named.
func adapterHelper(mode string) {
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "adapter: no licence key")
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Minute)
		return
	}
	sc := bufio.NewScanner(os.Stdin)
	for n := 0; sc.Scan(); n++ {
		var req adapterRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			os.Exit(4)
		}
		ans := map[string]any{"id": req.ID, "ok": true}
		if req.Op == "hello" {
			if mode == "hang" {
				// A child in the adapter's process group, which must
				// not outlive it.
				child := exec.Command(os.Args[0])
				child.Env = append(os.Environ(), helperEnv+"=sleep")
				child.Start()
				ans["name"] = strconv.Itoa(child.Process.Pid)
			}
			json.NewEncoder(os.Stdout).Encode(ans)
			continue
		}
		switch mode {
		case "malformed":
			fmt.Println("hello there")
			continue
		case "wrongid":
			ans["id"] = 99
		case "die":
			fmt.Fprintln(os.Stderr, "panic: boom")
			os.Exit(2)
		case "hang":
			select {}
		case "good":
			ans = helperAnswer(req)
		}
		json.NewEncoder(os.Stdout).Encode(ans)
	}
}

// helperAnswer answers from the mock's test-control side.
func helperAnswer(req adapterRequest) map[string]any {
	base := os.Getenv("EASLAB_MFA_URL")
	ans := map[string]any{"id": req.ID, "ok": true}
	var resp *http.Response
	var err error
	switch req.Op {
	case "pushes":
		resp, err = http.Get(base + "/_internal/pushes")
		if err == nil {
			var out struct{ Pushes []json.RawMessage }
			json.NewDecoder(resp.Body).Decode(&out)
			if out.Pushes == nil {
				out.Pushes = []json.RawMessage{}
			}
			ans["pushes"] = out.Pushes
		}
	case "decide":
		resp, err = http.Post(base+"/_internal/push/"+req.PushID+"/decision", "application/json", strings.NewReader(`{"status":"`+req.Status+`"}`))
	case "setDown":
		r, _ := http.NewRequest(http.MethodPut, base+"/_internal/down", strings.NewReader(fmt.Sprintf(`{"down":%v}`, *req.Down)))
		resp, err = http.DefaultClient.Do(r)
	}
	if err == nil && resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		err = errors.New(string(bytes.TrimSpace(b)))
	}
	if err != nil {
		ans["ok"], ans["error"] = false, err.Error()
	}
	return ans
}

func startHelper(t *testing.T, mode string, timeout time.Duration, env ...string) (*mfaAdapter, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return startAdapter([]string{self}, append(env, helperEnv+"="+mode), timeout)
}

// gone reports whether pid has ended (and been reaped) within 3 s.
func gone(pid int) bool {
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
	}
	return false
}

// The good path: pushes the mock received come back through the adapter,
// decisions and setDown reach the mock, and OnPush is emulated.
func TestAdapterGoodPath(t *testing.T) {
	m := NewMFAProvider([]Person{{UPN: Alice, SMTP: Alice, DisplayName: "Alice Wilber"}})
	defer m.Close()
	if err := m.useAdapter(nil, nil); err == nil {
		t.Fatal("an empty adapter command started")
	}
	self, _ := os.Executable()
	if err := m.useAdapter([]string{self}, []string{helperEnv + "=good", "EASLAB_MFA_URL=" + m.URL()}); err != nil {
		t.Fatal(err)
	}
	push := func() string {
		t.Helper()
		resp, err := http.Post(m.URL()+"/v1/push", "application/json", strings.NewReader(`{"user":"Alice Wilber","device":{"id":"DEV1","type":"iPhone"}}`))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %v %v", err, resp)
		}
		var out struct{ PushID string }
		json.NewDecoder(resp.Body).Decode(&out)
		return out.PushID
	}
	id := push()
	ps := m.PushesFor("dev1")
	if len(ps) != 1 || ps[0].ID != id || ps[0].Person != Alice || ps[0].Device.Type != "iPhone" || ps[0].Status != PushPending || ps[0].Created.IsZero() {
		t.Fatalf("through the adapter: %+v", ps)
	}
	if err := m.Approve(id); err != nil {
		t.Fatal(err)
	}
	if p := m.mockPushes()[0]; p.Status != PushApproved {
		t.Fatalf("the mock has the push %s after Approve through the adapter", p.Status)
	}
	if p := m.Pushes()[0]; p.Status != PushApproved || p.Decided.IsZero() {
		t.Fatalf("through the adapter after Approve: %+v", p)
	}
	err := m.Deny(id)
	var failed *adapterError
	if err == nil || errors.As(err, &failed) || !strings.Contains(err.Error(), "already approved") {
		t.Fatalf("deny an approved push: %v, want the adapter's refusal", err)
	}

	m.OnPush(func(Push) Decision { return Decision{Action: PushDenied, Delay: 50 * time.Millisecond} })
	id2 := push()
	for deadline := time.Now().Add(5 * time.Second); m.mockPushes()[1].Status == PushPending; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the OnPush rule was not applied through the adapter")
		}
	}
	if p := m.mockPushes(); p[1].ID != id2 || p[1].Status != PushDenied || p[0].Status != PushApproved {
		t.Fatalf("after the OnPush rule: %+v", p)
	}

	m.SetDown(true)
	resp, _ := http.Post(m.URL()+"/v1/push", "application/json", strings.NewReader(`{"user":"alice@contoso.com","device":{"id":"DEV2"}}`))
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("SetDown through the adapter: the mock answered %v", resp)
	}
	m.SetDown(false)
	pid := m.adapter.a.cmd.Process.Pid
	m.Close()
	if !gone(pid) {
		t.Fatalf("the adapter %d outlived Close", pid)
	}
}

// A failing adapter gives one line naming the cause, at once or within
// the per-request timeout, is killed with its children, and stays failed.
func TestAdapterFailures(t *testing.T) {
	if _, err := startHelper(t, "exit", time.Second); err == nil || !strings.Contains(err.Error(), "did not start: it exited (exit status 3); its last words: adapter: no licence key") {
		t.Errorf("an adapter that exits at once: %v", err)
	}
	for _, c := range []struct{ mode, want string }{
		{"malformed", `failed on "pushes": malformed answer "hello there": invalid character 'h'`},
		{"wrongid", `failed on "pushes": malformed answer "{\"id\":99,\"ok\":true}": id 99, want 2`},
		{"die", `failed on "pushes": it exited (exit status 2); its last words: panic: boom`},
		{"hang", `failed on "pushes": no answer within 300ms (killed)`},
	} {
		a, err := startHelper(t, c.mode, 300*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		start := time.Now()
		_, err = a.pushes()
		took := time.Since(start)
		t.Logf("%s: %v", c.mode, err)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", c.mode, err, c.want)
		}
		if took > 2*time.Second {
			t.Errorf("%s: the failure took %v", c.mode, took)
		}
		if err2 := a.decide("x", PushApproved); err2 != err {
			t.Errorf("%s: after the failure: %v, want the same failure", c.mode, err2)
		}
		if !gone(a.cmd.Process.Pid) {
			t.Errorf("%s: the adapter still runs after its failure", c.mode)
		}
		if c.mode == "hang" {
			child, _ := strconv.Atoi(a.hello)
			if child == 0 || !gone(child) {
				t.Errorf("hang: the adapter's child %q outlived it", a.hello)
			}
		}
		a.Close()
	}
}

// The mock's test-control side refuses what it cannot do.
func TestMFAControlSide(t *testing.T) {
	m := NewMFAProvider([]Person{{UPN: Alice, SMTP: Alice}})
	defer m.Close()
	resp, err := http.Post(m.URL()+"/v1/push", "application/json", strings.NewReader(`{"user":"alice@contoso.com","device":{"id":"D"}}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %v %v", err, resp)
	}
	id := m.Pushes()[0].ID
	for _, c := range []struct {
		path, body string
		want       int
	}{
		{"/_internal/push/" + id + "/decision", `{"status":"pending"}`, http.StatusBadRequest},
		{"/_internal/push/nope/decision", `{"status":"approved"}`, http.StatusNotFound},
		{"/_internal/push/" + id + "/decision", `{"status":"expired"}`, http.StatusOK},
		{"/_internal/push/" + id + "/decision", `{"status":"approved"}`, http.StatusConflict},
	} {
		resp, err := http.Post(m.URL()+c.path, "application/json", strings.NewReader(c.body))
		if err != nil || resp.StatusCode != c.want {
			t.Errorf("POST %s %s: %v %v, want %d", c.path, c.body, err, resp, c.want)
		}
	}
	resp, err = http.Get(m.URL() + "/_internal/pushes")
	var out struct{ Pushes []Push }
	if err == nil {
		err = json.NewDecoder(resp.Body).Decode(&out)
	}
	if err != nil || len(out.Pushes) != 1 || out.Pushes[0].Status != PushExpired {
		t.Fatalf("GET /_internal/pushes: %v %+v", err, out)
	}
}
