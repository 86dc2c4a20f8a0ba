package simulator_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// The tests of parking (park.go): held Pings and hanging Syncs whose
// connections the server keeps without a goroutine, driven over real
// loopback TCP by raw clients (which see every byte) and net/http clients.

// parkEnv starts a simulator for a parking test, with an IIS log.
func parkEnv(t testing.TB, opts simulator.Options) (*simtest.Env, *lockedBuffer) {
	t.Helper()
	iis := &lockedBuffer{}
	opts.IISLog = simulator.NewIISLog(iis)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return simtest.New(t, opts), iis
}

// pingReady provisions a device, syncs its Inbox whole and returns it with
// the Inbox's id: its Ping of the Inbox waits for a change.
func pingReady(t testing.TB, env *simtest.Env, user, id string) (*simtest.Device, string) {
	t.Helper()
	d := env.Device(user, id, eas.Version141)
	d.Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	d.SyncAll(inbox)
	return d, inbox
}

// pingRequest is the HTTP request of a Ping of folder.
func pingRequest(t testing.TB, d *simtest.Device, folder string, heartbeat int) *http.Request {
	t.Helper()
	body, err := wbxml.Marshal(&eas.PingRequest{HeartbeatInterval: heartbeat, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: folder, Class: "Email"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return d.HTTPRequest(d.Request(eas.CommandPing), body)
}

// rawConn is a client on a bare TCP connection: it writes requests as
// net/http serializes them and keeps every byte it reads.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	seen bytes.Buffer // every byte read
	br   *bufio.Reader
}

func dialRaw(t testing.TB, env *simtest.Env) *rawConn {
	t.Helper()
	rc := dialRawOnly(t, env)
	t.Cleanup(func() { rc.conn.Close() })
	return rc
}

// dialRawOnly is dialRaw for a caller that closes the connection itself.
func dialRawOnly(t testing.TB, env *simtest.Env) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", env.HTTP.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return &rawConn{t: t, conn: conn}
}

// send writes requests back to back, in one write (pipelined).
func (rc *rawConn) send(reqs ...*http.Request) {
	rc.t.Helper()
	var buf bytes.Buffer
	for _, r := range reqs {
		if err := r.Write(&buf); err != nil {
			rc.t.Fatal(err)
		}
	}
	if _, err := rc.conn.Write(buf.Bytes()); err != nil {
		rc.t.Fatal(err)
	}
}

// read reads the next response whole and returns it with its bytes as
// they came on the wire.
func (rc *rawConn) read(req *http.Request) (*http.Response, []byte, []byte) {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if rc.br == nil {
		// Made at the first read, so that a client that only holds a
		// Ping costs no buffer (BenchmarkParkedPing counts the server).
		rc.br = bufio.NewReader(io.TeeReader(rc.conn, &rc.seen))
	}
	before := rc.seen.Len() - rc.br.Buffered()
	resp, err := http.ReadResponse(rc.br, req)
	if err != nil {
		rc.t.Fatalf("reading the answer to %s: %v", req.URL.RawQuery, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("reading the body of the answer to %s: %v", req.URL.RawQuery, err)
	}
	after := rc.seen.Len() - rc.br.Buffered()
	return resp, body, bytes.Clone(rc.seen.Bytes()[before:after])
}

// readChanged reads the answer to the Ping req and fails the test unless
// it reports changes (Status 2); it returns the answer's bytes as they
// came on the wire. what names the Ping in the failure.
func (rc *rawConn) readChanged(req *http.Request, what string) []byte {
	rc.t.Helper()
	resp, body, raw := rc.read(req)
	if st := pingStatus(rc.t, resp, body); st != int(eas.PingStatusChangesOccurred) {
		rc.t.Fatalf("%s status %d, want 2", what, st)
	}
	return raw
}

// metric reads a metric of the server's /metrics.
func metric(t testing.TB, env *simtest.Env, name string) float64 {
	t.Helper()
	resp, err := env.HTTP.Client().Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// waitFor waits until cond holds (for at most 30 s of wall time).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitParked waits until n requests are parked.
func waitParked(t testing.TB, env *simtest.Env, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d parked", n), func() bool { return metric(t, env, "easlab_parked_connections") == float64(n) })
}

// pingStatus decodes a Ping answer's Status.
func pingStatus(t testing.TB, resp *http.Response, body []byte) int {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Ping: HTTP %d", resp.StatusCode)
	}
	var r eas.PingResponse
	if err := wbxml.Unmarshal(body, &r); err != nil {
		t.Fatalf("Ping answer: %v", err)
	}
	return r.Status
}

// normalize blanks what differs between two servers' identical answers:
// the Date and the random request-id.
var volatile = regexp.MustCompile(`(?m)^(Date|request-id): [^\r]*\r$`)

// policyKey is the IIS log's Pk: item, a random key.
var policyKey = regexp.MustCompile(`_Pk:\d+_`)

func normalize(b []byte) string { return volatile.ReplaceAllString(string(b), "$1: -\r") }

// iisLine returns the IIS log's line for command cmd ("Cmd=Ping"), the
// server's port blanked.
func iisLine(t *testing.T, iis *lockedBuffer, cmd string) string {
	t.Helper()
	var found string
	for _, l := range strings.Split(iis.String(), "\n") {
		if strings.Contains(l, "Cmd="+cmd+"&") {
			found = l
		}
	}
	if found == "" {
		t.Fatalf("no IIS log line for %s in:\n%s", cmd, iis.String())
	}
	found = policyKey.ReplaceAllString(found, "_Pk:-_")
	return regexp.MustCompile(` \d{2,5} alice `).ReplaceAllString(found, " PORT alice ")
}

// A mail delivered wakes the parked Ping: Status 2, in the same bytes
// (apart from Date and request-id) as the blocking path answers, with the
// same IIS log line.
func TestParkWake(t *testing.T) {
	answer := func(opts simulator.Options, wantParked int) (string, string) {
		env, iis := parkEnv(t, opts)
		d, inbox := pingReady(t, env, "alice", "PARKWAKE")
		rc := dialRaw(t, env)
		req := pingRequest(t, d, inbox, 480)
		rc.send(req)
		if wantParked == 1 {
			waitParked(t, env, 1)
		} else {
			waitFor(t, "the Ping held", func() bool { return metric(t, env, "easlab_held_pings") == 1 })
			if got := metric(t, env, "easlab_parked_connections"); got != 0 {
				t.Fatalf("parked connections: %v, want 0", got)
			}
		}
		env.Deliver("alice", "Wake up")
		raw := rc.readChanged(req, "Ping")
		waitFor(t, "the Ping let go", func() bool { return metric(t, env, "easlab_held_pings") == 0 })
		if got := metric(t, env, "easlab_parked_connections"); got != 0 {
			t.Fatalf("parked connections after the answer: %v", got)
		}
		if wantParked == 1 {
			if n := metric(t, env, "easlab_ping_wake_seconds_count"); n != 1 {
				t.Fatalf("easlab_ping_wake_seconds_count %v, want 1", n)
			}
		}
		return normalize(raw), iisLine(t, iis, "Ping")
	}
	parked, parkedLog := answer(simulator.Options{}, 1)
	blocked, blockedLog := answer(simulator.Options{NoPark: true}, 0)
	if parked != blocked {
		t.Fatalf("the parked Ping's answer differs from the blocking one's:\nparked:\n%q\nblocking:\n%q", parked, blocked)
	}
	if parkedLog != blockedLog {
		t.Fatalf("IIS log lines differ:\nparked:   %s\nblocking: %s", parkedLog, blockedLog)
	}
	if !strings.Contains(parkedLog, " 200 0 0 ") {
		t.Fatalf("IIS log line of the parked Ping: %s", parkedLog)
	}
}

// The heartbeat runs out on the server's (manual) clock: Status 1.
func TestParkHeartbeat(t *testing.T) {
	env, _ := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKBEAT")
	rc := dialRaw(t, env)
	req := pingRequest(t, d, inbox, 480)
	rc.send(req)
	waitParked(t, env, 1)
	env.Clock.Advance(479 * time.Second)
	if got := metric(t, env, "easlab_parked_connections"); got != 1 {
		t.Fatalf("parked before the heartbeat: %v", got)
	}
	env.Clock.Advance(time.Second)
	resp, body, _ := rc.read(req)
	if st := pingStatus(t, resp, body); st != int(eas.PingStatusHeartbeatExpired) {
		t.Fatalf("Ping status %d, want 1", st)
	}
	waitParked(t, env, 0)
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// A client that hangs up ends its parked Ping as a client gone: 408 in
// the IIS log, the Ping no longer held, the server's descriptor closed.
func TestParkHangUp(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking is Linux's")
	}
	env, iis := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKGONE")
	rc := dialRaw(t, env)
	rc.send(pingRequest(t, d, inbox, 480))
	waitParked(t, env, 1)
	// Less the client's and the server's ends of the connection.
	before := openFDs(t) - 2
	rc.conn.Close()
	waitParked(t, env, 0)
	waitFor(t, "the Ping let go", func() bool { return metric(t, env, "easlab_held_pings") == 0 })
	waitFor(t, "the server's descriptor closed", func() bool { return openFDs(t) <= before })
	if line := iisLine(t, iis, "Ping"); !strings.Contains(line, " 408 0 0 ") {
		t.Fatalf("IIS log line of the Ping whose client hung up: %s", line)
	}
}

// A request pipelined behind a parked Ping neither wakes it nor is lost:
// it is answered after the Ping, on the same connection, which then
// serves another Ping (keep-alive) that parks again.
func TestParkPipelinedAndKeepAlive(t *testing.T) {
	env, _ := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKPIPE")
	rc := dialRaw(t, env)
	ping := pingRequest(t, d, inbox, 480)
	fs, _ := wbxml.Marshal(&eas.FolderSyncRequest{SyncKey: "0"})
	other := d.HTTPRequest(d.Request(eas.CommandFolderSync), fs)
	rc.send(ping, other)
	waitParked(t, env, 1)
	env.Deliver("alice", "First")
	rc.readChanged(ping, "Ping")
	resp, body, _ := rc.read(other)
	var fsr eas.FolderSyncResponse
	if resp.StatusCode != http.StatusOK || wbxml.Unmarshal(body, &fsr) != nil || fsr.Status != 1 {
		t.Fatalf("the pipelined FolderSync: HTTP %d, %s", resp.StatusCode, simtest.XML(body))
	}
	// The same connection again: its next Ping parks and wakes.
	d.SyncAll(inbox)
	ping = pingRequest(t, d, inbox, 480)
	rc.send(ping)
	waitParked(t, env, 1)
	env.Deliver("alice", "Second")
	rc.readChanged(ping, "second Ping")
}

// An unchanged net/http client: its parked Ping is answered and its next
// request reuses the connection.
func TestParkNetHTTPClientReuses(t *testing.T) {
	env, _ := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKREUSE")
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var reused []bool
	do := func(r *http.Request) (*http.Response, []byte) {
		t.Helper()
		r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}))
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	type result struct {
		resp *http.Response
		body []byte
	}
	done := make(chan result, 1)
	go func() {
		resp, body := do(pingRequest(t, d, inbox, 480))
		done <- result{resp, body}
	}()
	waitParked(t, env, 1)
	env.Clock.Advance(480 * time.Second)
	r := <-done
	if st := pingStatus(t, r.resp, r.body); st != int(eas.PingStatusHeartbeatExpired) {
		t.Fatalf("Ping status %d, want 1", st)
	}
	fs, _ := wbxml.Marshal(&eas.FolderSyncRequest{SyncKey: "0"})
	if resp, _ := do(d.HTTPRequest(d.Request(eas.CommandFolderSync), fs)); resp.StatusCode != http.StatusOK {
		t.Fatalf("FolderSync after the Ping: HTTP %d", resp.StatusCode)
	}
	if len(reused) != 2 || reused[0] || !reused[1] {
		t.Fatalf("connections reused: %v, want [false true]", reused)
	}
}

// Descriptors are reused: many parked Pings whose clients hang up, each
// followed by a new parked Ping (often on the descriptor just closed);
// none of the new ones is ended by an older connection's hang-up, and a
// delivery answers them all.
func TestParkDescriptorReuse(t *testing.T) {
	const n = 12
	// One user each: a mailbox takes EasMaxConcurrency requests at once.
	env, _ := parkEnv(t, simulator.Options{Directory: simtest.DemoDirectory(t, n)})
	type dev struct {
		d     *simtest.Device
		inbox string
	}
	devs := make([]dev, n)
	for i := range devs {
		d, inbox := pingReady(t, env, fmt.Sprintf("user%05d", i+1), fmt.Sprintf("PARKFD%02d", i))
		devs[i] = dev{d, inbox}
	}
	var kept []*rawConn
	var reqs []*http.Request
	for i, dv := range devs {
		gone := dialRaw(t, env)
		gone.send(pingRequest(t, dv.d, dv.inbox, 480))
		waitParked(t, env, i+1)
		gone.conn.Close()
		waitParked(t, env, i)
		rc := dialRaw(t, env)
		req := pingRequest(t, dv.d, dv.inbox, 480)
		rc.send(req)
		waitParked(t, env, i+1)
		kept, reqs = append(kept, rc), append(reqs, req)
	}
	for i := range devs {
		env.Deliver(fmt.Sprintf("user%05d", i+1), "To every device")
	}
	for i, rc := range kept {
		rc.readChanged(reqs[i], fmt.Sprintf("device %d: Ping", i))
	}
	waitParked(t, env, 0)
}

// A second Ping of the same device steals the parked one, which answers
// Status 1 logged NMStolen; the second parks in its place.
func TestParkStolen(t *testing.T) {
	env, iis := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKSTEAL")
	first, second := dialRaw(t, env), dialRaw(t, env)
	req1 := pingRequest(t, d, inbox, 480)
	first.send(req1)
	waitParked(t, env, 1)
	req2 := pingRequest(t, d, inbox, 480)
	second.send(req2)
	resp, body, _ := first.read(req1)
	if st := pingStatus(t, resp, body); st != int(eas.PingStatusHeartbeatExpired) {
		t.Fatalf("stolen Ping status %d, want 1", st)
	}
	if line := iisLine(t, iis, "Ping"); !strings.Contains(line, "_Error:NMStolen_") {
		t.Fatalf("IIS log line of the stolen Ping: %s", line)
	}
	waitParked(t, env, 1)
	env.Deliver("alice", "For the second")
	second.readChanged(req2, "second Ping")
}

// A hanging Sync (Wait) parks: a delivery answers it with the mail; the
// next one answers empty at its Wait.
func TestParkHangingSync(t *testing.T) {
	env, _ := parkEnv(t, simulator.Options{})
	d := env.Device("alice", "PARKSYNC", eas.Version141)
	d.Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	key := d.SyncAll(inbox)
	wait := 2 // minutes
	syncReq := func() *http.Request {
		body, err := wbxml.Marshal(&eas.SyncRequest{Wait: &wait, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: key, CollectionId: inbox}}}})
		if err != nil {
			t.Fatal(err)
		}
		return d.HTTPRequest(d.Request(eas.CommandSync), body)
	}
	rc := dialRaw(t, env)
	req := syncReq()
	rc.send(req)
	waitParked(t, env, 1)
	if got := metric(t, env, "easlab_hanging_syncs"); got != 1 {
		t.Fatalf("hanging Syncs: %v", got)
	}
	env.Deliver("alice", "Synced while hanging")
	resp, body, _ := rc.read(req)
	var r eas.SyncResponse
	if resp.StatusCode != http.StatusOK || wbxml.Unmarshal(body, &r) != nil || r.Collections == nil || len(r.Collections.Collection) != 1 {
		t.Fatalf("hanging Sync: HTTP %d %s", resp.StatusCode, simtest.XML(body))
	}
	col := r.Collections.Collection[0]
	if len(col.Commands) != 1 {
		t.Fatalf("hanging Sync answered without the mail: %s", simtest.XML(body))
	}
	key = col.SyncKey
	req = syncReq()
	rc.send(req)
	waitParked(t, env, 1)
	env.Clock.Advance(2 * time.Minute)
	resp, body, _ = rc.read(req)
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Fatalf("hanging Sync at its Wait: HTTP %d, %d bytes", resp.StatusCode, len(body))
	}
	waitFor(t, "no Sync hanging", func() bool { return metric(t, env, "easlab_hanging_syncs") == 0 })
}

// Faults apply to a Ping before it parks: an injected latency (on the
// server's clock) delays it, then it parks and wakes; an injected 503
// answers at once.
func TestParkFault(t *testing.T) {
	env, iis := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKFAULT")
	post := func(fault string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(fault))
		req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
		resp, err := env.HTTP.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("posting a fault: HTTP %d", resp.StatusCode)
		}
	}
	post(`{"match":{"command":"Ping"},"action":{"latency":"30s"},"count":1}`)
	rc := dialRaw(t, env)
	req := pingRequest(t, d, inbox, 480)
	rc.send(req)
	if err := env.Clock.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if got := metric(t, env, "easlab_parked_connections"); got != 0 {
		t.Fatalf("parked during the injected latency: %v", got)
	}
	env.Clock.Advance(30 * time.Second)
	waitParked(t, env, 1)
	env.Deliver("alice", "After the latency")
	rc.readChanged(req, "Ping")

	post(`{"match":{"command":"Ping"},"action":{"httpStatus":503,"retryAfter":30},"count":1}`)
	req = pingRequest(t, d, inbox, 480)
	rc.send(req)
	resp, _, _ := rc.read(req)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("Ping under an injected 503: HTTP %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if line := iisLine(t, iis, "Ping"); !strings.Contains(line, " 503 0 0 ") {
		t.Fatalf("IIS log line of the faulted Ping: %s", line)
	}
}

// With NoPark (easlab serve --park=false), and under TLS, a held Ping
// blocks as before: held, not parked, and answered.
func TestParkBlockingPaths(t *testing.T) {
	t.Run("NoPark", func(t *testing.T) {
		env, _ := parkEnv(t, simulator.Options{NoPark: true})
		d, inbox := pingReady(t, env, "alice", "NOPARK")
		rc := dialRaw(t, env)
		req := pingRequest(t, d, inbox, 480)
		rc.send(req)
		waitFor(t, "the Ping held", func() bool { return metric(t, env, "easlab_held_pings") == 1 })
		if got := metric(t, env, "easlab_parked_connections"); got != 0 {
			t.Fatalf("parked with NoPark: %v", got)
		}
		env.Clock.Advance(480 * time.Second)
		resp, body, _ := rc.read(req)
		if st := pingStatus(t, resp, body); st != int(eas.PingStatusHeartbeatExpired) {
			t.Fatalf("Ping status %d, want 1", st)
		}
	})
	t.Run("TLS", func(t *testing.T) {
		env, _ := parkEnv(t, simulator.Options{})
		d, inbox := pingReady(t, env, "alice", "TLSPING")
		// The same server behind TLS, as easlab serve --tls: tls.NewListener
		// over simulator.Listener.
		hs := httptest.NewUnstartedServer(env.Server)
		hs.Config = simulator.NewHTTPServer(env.Server, simulator.HTTPLimits{})
		hs.Listener = simulator.Listener(hs.Listener)
		hs.StartTLS()
		defer hs.Close()
		done := make(chan int, 1)
		req := pingRequest(t, d, inbox, 480)
		req.URL.Scheme, req.URL.Host = "https", hs.Listener.Addr().String()
		go func() {
			resp, err := hs.Client().Do(req)
			if err != nil {
				done <- -1
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r eas.PingResponse
			wbxml.Unmarshal(body, &r)
			done <- r.Status
		}()
		waitFor(t, "the Ping held", func() bool { return metric(t, env, "easlab_held_pings") == 1 })
		if got := metric(t, env, "easlab_parked_connections"); got != 0 {
			t.Fatalf("parked under TLS: %v", got)
		}
		env.Clock.Advance(480 * time.Second)
		if st := <-done; st != int(eas.PingStatusHeartbeatExpired) {
			t.Fatalf("Ping status %d, want 1", st)
		}
	})
}

// Parked Pings keep no goroutine: parking 40 more leaves the count of
// goroutines where it was, where the blocking path (NoPark, measured the
// same way) adds at least one each.
func TestParkNoGoroutinePerRequest(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking is Linux's")
	}
	const n = 40
	// held starts a server, holds n+1 Pings of n+1 users over raw
	// connections and returns how many goroutines the last n added, once
	// the server holds them all (and the parked ones' goroutines ended).
	held := func(opts simulator.Options) int {
		opts.Directory = simtest.DemoDirectory(t, n)
		env, _ := parkEnv(t, opts)
		type ready struct {
			d     *simtest.Device
			inbox string
		}
		devs := make([]ready, n+1)
		for i := range devs {
			user := "alice"
			if i > 0 {
				user = fmt.Sprintf("user%05d", i)
			}
			d, inbox := pingReady(t, env, user, fmt.Sprintf("PARKG%03d", i))
			devs[i] = ready{d, inbox}
		}
		idle := env.HTTP.Client().Transport.(*http.Transport).CloseIdleConnections
		// The first is held (a parking server starts its watcher); then
		// count.
		dialRaw(t, env).send(pingRequest(t, devs[0].d, devs[0].inbox, 480))
		waitFor(t, "1 held", func() bool { return metric(t, env, "easlab_held_pings") == 1 })
		idle()
		base := runtime.NumGoroutine()
		for i := 1; i <= n; i++ {
			dialRaw(t, env).send(pingRequest(t, devs[i].d, devs[i].inbox, 480))
		}
		waitFor(t, "all held", func() bool { return metric(t, env, "easlab_held_pings") == n+1 })
		idle()
		if !opts.NoPark {
			waitParked(t, env, n+1)
			waitFor(t, "the goroutines of the parked requests gone", func() bool { return runtime.NumGoroutine() <= base+4 })
		}
		return runtime.NumGoroutine() - base
	}
	if added := held(simulator.Options{}); added > 4 {
		t.Fatalf("%d parked Pings added %d goroutines", n, added)
	}
	if added := held(simulator.Options{NoPark: true}); added < n {
		t.Fatalf("%d blocking Pings added %d goroutines: the count cannot see them", n, added)
	}
}

// Closing the server's listener (httptest.Server.Close, http.Server.Close)
// ends the parked Pings as clients gone (logged 408) and closes their
// connections.
func TestParkListenerClose(t *testing.T) {
	env, iis := parkEnv(t, simulator.Options{})
	d, inbox := pingReady(t, env, "alice", "PARKCLOSE")
	rc := dialRaw(t, env)
	rc.send(pingRequest(t, d, inbox, 480))
	waitParked(t, env, 1)
	env.HTTP.Close()
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := rc.conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the parked Ping's connection after Close: %d bytes, %v", n, err)
	}
	if line := iisLine(t, iis, "Ping"); !strings.Contains(line, " 408 0 0 ") {
		t.Fatalf("IIS log line of the Ping ended by Close: %s", line)
	}
}

// An HTTP/1.0 client without keep-alive: the parked Ping's answer is the
// blocking path's (an HTTP/1.0 status line), and the connection closes
// after it in both, as net/http decides from the request's protocol and
// Connection header, which the stand-in request repeats.
func TestParkHTTP10(t *testing.T) {
	answer := func(opts simulator.Options) string {
		env, _ := parkEnv(t, opts)
		d, inbox := pingReady(t, env, "alice", "PARK10")
		req := pingRequest(t, d, inbox, 480)
		var buf bytes.Buffer
		if err := req.Write(&buf); err != nil {
			t.Fatal(err)
		}
		raw := bytes.Replace(buf.Bytes(), []byte(" HTTP/1.1\r\n"), []byte(" HTTP/1.0\r\n"), 1)
		rc := dialRaw(t, env)
		if _, err := rc.conn.Write(raw); err != nil {
			t.Fatal(err)
		}
		if opts.NoPark {
			waitFor(t, "the Ping held", func() bool { return metric(t, env, "easlab_held_pings") == 1 })
		} else {
			waitParked(t, env, 1)
		}
		env.Deliver("alice", "To an old client")
		rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		all, err := io.ReadAll(rc.conn) // to the server's close
		if err != nil {
			t.Fatalf("reading to the close: %v", err)
		}
		if !bytes.HasPrefix(all, []byte("HTTP/1.0 200 OK\r\n")) {
			t.Fatalf("answer to an HTTP/1.0 Ping:\n%q", all)
		}
		return normalize(all)
	}
	if parked, blocked := answer(simulator.Options{}), answer(simulator.Options{NoPark: true}); parked != blocked {
		t.Fatalf("HTTP/1.0: the parked answer differs from the blocking one:\nparked:\n%q\nblocking:\n%q", parked, blocked)
	}
}

// A woken Ping's connection, once answered, waits for its client's next
// request parked too (parkIdle): n woken connections left idle keep no
// goroutine, each next request is served on its connection, and an idle
// connection whose client hangs up is closed.
func TestParkIdleAfterWake(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking is Linux's")
	}
	const n = 20
	env, _ := parkEnv(t, simulator.Options{Directory: simtest.DemoDirectory(t, n)})
	type held struct {
		d     *simtest.Device
		inbox string
		rc    *rawConn
		ping  *http.Request
	}
	hs := make([]held, n)
	for i := range hs {
		d, inbox := pingReady(t, env, fmt.Sprintf("user%05d", i+1), fmt.Sprintf("PARKIDLE%02d", i))
		hs[i] = held{d: d, inbox: inbox, rc: dialRaw(t, env)}
	}
	env.HTTP.Client().Transport.(*http.Transport).CloseIdleConnections()
	for i := range hs {
		hs[i].ping = pingRequest(t, hs[i].d, hs[i].inbox, 480)
		hs[i].rc.send(hs[i].ping)
	}
	waitParked(t, env, n)
	// Every connection parked: the count of goroutines with none serving
	// them (their net/http goroutines end as the handlers return).
	var base int
	waitFor(t, "the goroutines of the parked connections gone", func() bool {
		g := runtime.NumGoroutine()
		settled := g == base
		base = g
		if !settled {
			time.Sleep(20 * time.Millisecond)
		}
		return settled
	})
	for i := range hs {
		env.Deliver(fmt.Sprintf("user%05d", i+1), "Wake")
	}
	for _, h := range hs {
		h.rc.readChanged(h.ping, "Ping")
	}
	// Answered, and their clients silent: no goroutine serves them.
	waitFor(t, fmt.Sprintf("the goroutines of %d idle connections gone (base %d)", n, base),
		func() bool { return runtime.NumGoroutine() <= base+4 })
	fds := openFDs(t)
	for _, h := range hs[1:] {
		fs, _ := wbxml.Marshal(&eas.FolderSyncRequest{SyncKey: "0"})
		req := h.d.HTTPRequest(h.d.Request(eas.CommandFolderSync), fs)
		h.rc.send(req)
		resp, body, _ := h.rc.read(req)
		var fsr eas.FolderSyncResponse
		if resp.StatusCode != http.StatusOK || wbxml.Unmarshal(body, &fsr) != nil || fsr.Status != 1 {
			t.Fatalf("the next request on an idle connection: HTTP %d, %s", resp.StatusCode, simtest.XML(body))
		}
	}
	// The first client hangs up while idle: the server closes its side.
	hs[0].rc.conn.Close()
	waitFor(t, "the hung-up idle connection's descriptor closed", func() bool { return openFDs(t) <= fds-2 })
}

// An answered woken connection parked idle (parkIdle) is closed once it
// has been idle for http.Server's IdleTimeout (IIS's connectionTimeout),
// as net/http closes a connection in its keep-alive wait.
func TestParkIdleTimesOut(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking is Linux's")
	}
	const idle = 300 * time.Millisecond // real time: net/http's timer, not Exchange's clock
	env := simtest.NewWithLimits(t, simulator.Options{Logger: slog.New(slog.DiscardHandler)}, simulator.HTTPLimits{ConnectionTimeout: idle})
	d, inbox := pingReady(t, env, "alice", "PARKIDLETIMEOUT")
	rc := dialRaw(t, env)
	ping := pingRequest(t, d, inbox, 480)
	rc.send(ping)
	waitParked(t, env, 1)
	fds := openFDs(t)
	env.Deliver("alice", "Wake")
	rc.readChanged(ping, "Ping")
	// The client stays silent: the server closes its side, which the
	// client reads as the end of the stream.
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := rc.br.ReadByte(); err != io.EOF {
		t.Fatalf("an idle woken connection after its IdleTimeout (%s): read %v, %v; want the server's close (EOF)", idle, n, err)
	}
	waitFor(t, "the idle connection's descriptor closed", func() bool { return openFDs(t) <= fds-1 })
}

// More woken calls than the listener finishes at once (maxResuming): the
// rest wait their turn in its queue, and every one is answered.
func TestParkWakeStormBeyondResumeSlots(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking is Linux's")
	}
	const users, perUser = 31, 10 // 310 > maxResuming (256)
	env, _ := parkEnv(t, simulator.Options{Directory: simtest.DemoDirectory(t, users)})
	type held struct {
		rc   *rawConn
		ping *http.Request
	}
	var hs []held
	for u := 1; u <= users; u++ {
		for k := 0; k < perUser; k++ {
			d, inbox := pingReady(t, env, fmt.Sprintf("user%05d", u), fmt.Sprintf("STORM%02d%02d", u, k))
			h := held{rc: dialRaw(t, env), ping: pingRequest(t, d, inbox, 480)}
			h.rc.send(h.ping)
			hs = append(hs, h)
		}
	}
	waitParked(t, env, len(hs))
	for u := 1; u <= users; u++ {
		env.Deliver(fmt.Sprintf("user%05d", u), "Storm")
	}
	for _, h := range hs {
		h.rc.readChanged(h.ping, "Ping")
	}
}
