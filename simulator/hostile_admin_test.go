package simulator_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// Hostile clients of the admin plane (issue 12): each test runs an attack
// at a scale that hurt before and asserts the bound.

// TestHostileEventSubscribersThatNeverRead: 300 subscribers of
// /api/events that never read, while 10,000 events of 1 KB are emitted,
// cost at most one batch each, and are dropped after the write timeout
// (before: each held a copy of every event it had not taken, over 4 GB
// for 2,000 of them).
func TestHostileEventSubscribersThatNeverRead(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-client test")
	}
	env := simtest.New(t, simulator.Options{EventWriteTimeout: time.Second})
	u, _ := url.Parse(env.URL)
	const subscribers, events = 300, 10000
	baseline := runtime.NumGoroutine()
	conns := make([]net.Conn, 0, subscribers)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < subscribers; i++ {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		// A small receive window, as a stalled client has.
		c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET /api/events?since=0 HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", u.Host, simtest.AdminToken)
		conns = append(conns, c)
	}
	before := int64(rssKB(t)) << 10
	subject := strings.Repeat("x", 1000)
	for i := 0; i < events; i++ {
		env.Events().Emit(simulator.Event{Kind: simulator.EventMailPosted, Mailbox: "alice@contoso.com", Subject: subject})
	}
	time.Sleep(500 * time.Millisecond)
	grown := int64(rssKB(t))<<10 - before
	t.Logf("%d subscribers that never read, %d events of 1 KB: RSS grew %d MB", subscribers, events, grown>>20)
	if grown > 200<<20 && !raceDetector {
		t.Errorf("%d subscribers that never read cost %d MB of RSS; a subscriber must hold at most one batch", subscribers, grown>>20)
	}
	// After the write timeout the server has dropped them: their
	// handlers and connections are gone (their goroutines with them).
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline+20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine() - baseline; n > 20 {
		t.Errorf("10 s after the 1 s write timeout, %d goroutines more than before the %d subscribers that never read connected: they were not dropped", n, subscribers)
	}
}

// TestHostileFaults: the faults API refuses what it cannot carry out,
// with the reason (a latency of 1e300 seconds used to be stored as
// -2562047h, a fault that did nothing and hid the faults after it), and a
// latency-only fault no longer hides a later fault that answers.
func TestHostileFaults(t *testing.T) {
	// The real clock: an injected latency sleeps on the simulator's clock.
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, Clock: clock.Real()})
	post := func(body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ body, why string }{
		{`{"match": {"command": "Sync"}, "action": {"latency": 1e300}}`, "at most"},
		{`{"match": {"command": "Sync"}, "action": {"latency": "1000000h"}}`, "at most"},
		{`{"match": {"command": "Sync"}, "action": {"latency": -1}}`, "want"},
		{`{"match": {"command": "Sync"}, "action": {"httpStatus": 503}, "for": 1e30}`, "at most"},
		{`{"match": {"command": "Sync"}, "action": {"drop": true, "retryAfter": 5}}`, "retryAfter"},
		{`{"match": {"command": "Sync"}, "action": {"httpStatus": 503, "retryAfter": 100000000}}`, "over a day"},
	} {
		if code, body := post(c.body); code != http.StatusBadRequest || !strings.Contains(body, c.why) {
			t.Errorf("fault %s: HTTP %d %s, want 400 saying %q", c.body, code, body, c.why)
		}
	}
	// A latency-only fault, then one that answers: both apply.
	if code, body := post(`{"match": {"command": "FolderSync"}, "action": {"latency": "1ms"}}`); code/100 != 2 {
		t.Fatalf("latency fault: HTTP %d %s", code, body)
	}
	if code, body := post(`{"match": {"command": "FolderSync"}, "action": {"httpStatus": 503, "retryAfter": 7}, "count": 1}`); code/100 != 2 {
		t.Fatalf("503 fault: HTTP %d %s", code, body)
	}
	d := env.Device("alice", "FAULT1", eas.Version141)
	d.Provision()
	resp, _ := d.Post(eas.CommandFolderSync, mustMarshal(t, &eas.FolderSyncRequest{SyncKey: "0"}))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("FolderSync under a latency fault and a 503 fault: HTTP %d Retry-After %q, want 503 and 7: the latency fault hid the other", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestHostileConcurrencyOfOneUser: one user opening 40 requests whose 28 MB
// bodies stall gets 10 in progress (Exchange's EasMaxConcurrency) and 503
// with Retry-After for the rest at once, and another user's Sync stays
// within twice its idle latency (before: all 40 were read, 1.7-2.8 GB).
func TestHostileConcurrencyOfOneUser(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-client test")
	}
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	u, _ := url.Parse(env.URL)
	bob := env.Device("bob", "BOBIDLE", eas.Version141).Provision()
	bob.FolderSync()
	inbox, _ := env.Mailbox("bob").FolderByType(eas.FolderTypeInbox)
	key := bob.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox.ServerID}).SyncKey
	p50 := func() time.Duration {
		var ds []time.Duration
		for i := 0; i < 21; i++ {
			t0 := time.Now()
			bob.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox.ServerID})
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	idle := p50()

	const stalled = 40
	auth := base64.StdEncoding.EncodeToString([]byte("alice:" + demo.Password))
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	chunk := make([]byte, 1<<20)
	for i := 0; i < stalled; i++ {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=alice&DeviceId=STALL%02d&DeviceType=iPhone HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nMS-ASProtocolVersion: 14.1\r\nX-MS-PolicyKey: 0\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: 28000000\r\n\r\n", i, u.Host, auth)
		c.Write(chunk) // 1 MB of 28, then nothing
	}
	refused := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
				refused++
			}
			resp.Body.Close()
		}
	}
	during := p50()
	t.Logf("%d stalled requests of one user: %d refused with 503; another user's Sync p50 %v idle, %v during", stalled, refused, idle, during)
	if refused < stalled-simulator.DefaultEasMaxConcurrency {
		t.Errorf("one user held %d requests with stalled bodies: only %d were refused with 503 and Retry-After, want at least %d (EasMaxConcurrency %d)", stalled, refused, stalled-simulator.DefaultEasMaxConcurrency, simulator.DefaultEasMaxConcurrency)
	}
	if during > 2*idle+2*time.Millisecond {
		t.Errorf("another user's Sync p50 was %v during the attack against %v idle: over twice", during, idle)
	}
}

// TestHostilePasswordGuessing: with an AD lockout policy (threshold 5,
// the default 30-minute window and duration), 2,000 wrong passwords lock
// the account: then even the right one gets 401, until the lockout ends.
// Without a policy (the default, as in AD) nothing locks.
func TestHostilePasswordGuessing(t *testing.T) {
	try := func(env *simtest.Env, password string) int {
		req, _ := http.NewRequest(http.MethodOptions, env.EASURL, nil)
		req.SetBasicAuth("alice", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	locked := simtest.New(t, simulator.Options{Lockout: simulator.Lockout{Threshold: 5}})
	for i := 0; i < 2000; i++ {
		if code := try(locked, "guess"+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: HTTP %d", i, code)
		}
	}
	if code := try(locked, demo.Password); code != http.StatusUnauthorized {
		t.Errorf("after 2,000 wrong passwords with a lockout threshold of 5, the right password got HTTP %d, want 401: the account was not locked", code)
	}
	locked.Clock.Advance(simulator.DefaultLockoutPeriod)
	if code := try(locked, demo.Password); code != http.StatusOK {
		t.Errorf("after the lockout duration, the right password got HTTP %d, want 200", code)
	}
	open := simtest.New(t, simulator.Options{})
	for i := 0; i < 50; i++ {
		try(open, "guess")
	}
	if code := try(open, demo.Password); code != http.StatusOK {
		t.Errorf("without a lockout policy the right password after 50 wrong ones got HTTP %d, want 200 (AD's default: no lockout)", code)
	}
}

// TestHostileHostHeader: with an ExternalURL, as Exchange's virtual
// directories have, a forged Host header reaches neither Autodiscover's
// MobileSync URL nor the Basic realm.
func TestHostileHostHeader(t *testing.T) {
	env := simtest.New(t, simulator.Options{ExternalURL: "https://mail.contoso.com"})
	body := `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>alice@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>`
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/autodiscover/autodiscover.xml", strings.NewReader(body))
	req.Host = "evil.example.net"
	req.SetBasicAuth("alice", demo.Password)
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(b), "evil") || !strings.Contains(string(b), "https://mail.contoso.com/Microsoft-Server-ActiveSync") {
		t.Errorf("Autodiscover with a forged Host: HTTP %d\n%s\nwant the ExternalURL's MobileSync URL and no trace of the Host", resp.StatusCode, b)
	}
	req, _ = http.NewRequest(http.MethodOptions, env.EASURL, nil)
	req.Host = "evil.example.net"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="mail.contoso.com"` {
		t.Errorf("the Basic challenge to a forged Host is %q, want the ExternalURL's host", got)
	}
	if _, err := simulator.New(simulator.Options{Directory: simtest.DemoDirectory(t, 0), ExternalURL: "mail.contoso.com/x?y"}); err == nil {
		t.Error("an ExternalURL that is not an absolute URL with a host only was accepted")
	}
}
