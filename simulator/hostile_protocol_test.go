package simulator_test

// Hostile clients against the protocol (issue 12, rows 8-12): each test
// runs an attack at a scale that hurt before the fix, on loopback, with
// every loop bounded in count and time, and asserts the bound.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// syncLatencyP50 is the median time of n FolderSyncs of d (another
// user's ordinary requests).
func syncLatencyP50(t *testing.T, d *simtest.Device, n int) time.Duration {
	t.Helper()
	var ds []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		d.FolderSync()
		ds = append(ds, time.Since(start))
	}
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds[len(ds)/2]
}

// lockedBuffer is a log sink for the server's logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Row 12: a document library search with credentials is no password
// oracle, and the attempt is logged.
func TestHostileDocumentLibraryPasswordOracle(t *testing.T) {
	var logs lockedBuffer
	env := simtest.New(t, simulator.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	d := env.Device("alice", "ORACLE1", eas.Version141).Provision()
	status := func(user, pass string) int {
		st := &eas.SearchStore{Name: "DocumentLibrary", Query: &eas.SearchQuery{EqualTo: &eas.SearchComparison{LinkId: true, Value: `\\fileserver\share`}},
			Options: &eas.SearchOptions{UserName: user, Password: pass}}
		var resp eas.SearchResponse
		d.CallOK(eas.CommandSearch, &eas.SearchRequest{Store: st}, &resp)
		if resp.Response == nil || resp.Response.Store == nil {
			t.Fatalf("no Store in the answer")
		}
		return resp.Response.Store.Status
	}
	right := status(`CONTOSO\bob`, demo.Password)
	for i := 0; i < 20; i++ {
		if wrong := status(`CONTOSO\bob`, "guess"+strconv.Itoa(i)); wrong != right {
			t.Fatalf("Store Status %d for the right password, %d for a wrong one: a password oracle", right, wrong)
		}
	}
	if right != int(eas.SearchStatusAccessBlocked) {
		t.Fatalf("Store Status %d, want %d (access blocked)", right, eas.SearchStatusAccessBlocked)
	}
	if !strings.Contains(logs.String(), `username=CONTOSO\bob`) || strings.Contains(logs.String(), demo.Password) {
		t.Fatalf("the attempts are not logged by user name, or the password is logged:\n%s", logs.String())
	}
}

// Row 11: SendMail with another user's From is sent from the
// authenticated user, as Exchange clears the client's From.
func TestHostileSendMailSpoofedFrom(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "SPOOF1", eas.Version141).Provision()
	raw := mailTestMIME(`"Bob" <bob@contoso.com>`, "admin@contoso.com", "", "", "wire the money", "now please")
	raw = append([]byte("Sender: bob@contoso.com\r\n"), raw...)
	resp, body := d.Post(eas.CommandSendMail, mustMarshal(t, &eas.SendMailRequest{ClientId: "spoof-1", Mime: raw}))
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("SendMail: HTTP %d, body:\n%s", resp.StatusCode, simtest.XML(body))
	}
	inbox, _ := env.Mailbox("admin").FolderByType(eas.FolderTypeInbox)
	got := mailTestFind(env.Mailbox("admin"), inbox.ServerID, "wire the money")
	if len(got) != 1 {
		t.Fatalf("%d messages delivered to admin", len(got))
	}
	from := got[0].Prop(tEmailFrom)
	if strings.Contains(strings.ToLower(from), "bob") || !strings.Contains(from, "alice@contoso.com") {
		t.Fatalf("delivered as from %q, want alice (Exchange sends from the mailbox owner)", from)
	}
	if mime := string(got[0].Body.MIME); strings.Contains(mime, "Sender: bob") {
		t.Fatalf("the Sender header survived:\n%s", mime)
	}
}

// hugeRSACert is a self-signed CA certificate whose RSA key has bits bits
// (a random odd modulus) and whose sha256WithRSA signature is as long as
// the modulus, so that checking it costs a full RSA verification with
// that key, as a hostile client would send.
func hugeRSACert(t interface {
	Helper()
	Fatal(...any)
}, bits int) []byte {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1)
	n.SetBit(n, 0, 1)
	signer, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := lkCATemplate("Mallory CA")
	tmpl.KeyUsage |= x509.KeyUsageDigitalSignature
	tmpl.SerialNumber = big.NewInt(4242)
	tmpl.NotBefore, tmpl.NotAfter = simtest.Start.Add(-time.Hour), simtest.Start.Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsa.PublicKey{N: n, E: 65537}, signer)
	if err != nil {
		t.Fatal(err)
	}
	var cert struct {
		TBS, Alg asn1.RawValue
		Sig      asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, bits/8)
	rand.Read(sig)
	sig[0] = 1 // below the modulus
	cert.Sig = asn1.BitString{Bytes: sig, BitLength: len(sig) * 8}
	out, err := asn1.Marshal(cert)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Row 8: ValidateCert of a certificate with a 262,144-bit RSA key answers
// at once, with the status of an invalid certificate, at a bounded CPU
// cost; and work stops when the client hangs up.
func TestHostileValidateCertHugeKey(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "CERT1", eas.Version141).Provision()
	der := hugeRSACert(t, 262144)
	b64 := base64.StdEncoding.EncodeToString(der)
	body := mustMarshal(t, &eas.ValidateCertRequest{CertificateChain: lkCertList(b64), Certificates: lkCertList(b64)})
	t.Logf("request of %d bytes", len(body))
	cpu0, wall0 := cpuTime(), time.Now()
	resp, out := d.Post(eas.CommandValidateCert, body)
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	t.Logf("answered in %v, %v CPU", wall, cpu)
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	var r eas.ValidateCertResponse
	if err := wbxml.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 1 || len(r.Certificate) != 1 || r.Certificate[0].Status != int(eas.ValidateCertStatusInvalidSignature) {
		t.Fatalf("answer %+v, want Status 1 and the certificate's Status %d", r, eas.ValidateCertStatusInvalidSignature)
	}
	if cpu > 500*time.Millisecond {
		t.Fatalf("one request cost %v of CPU", cpu)
	}

	// 99 chain certificates of 16,384-bit keys (the largest accepted) that
	// all name the leaf's issuer, and 99 leaves: the signature checks are
	// bounded per request.
	mk := func(bits int) []string {
		var out []string
		c := base64.StdEncoding.EncodeToString(hugeRSACert(t, bits))
		for i := 0; i < 99; i++ {
			out = append(out, c)
		}
		return out
	}
	chain := mk(16384)
	body = mustMarshal(t, &eas.ValidateCertRequest{CertificateChain: lkCertList(chain...), Certificates: lkCertList(chain...)})
	cpu0 = cpuTime()
	resp, _ = d.Post(eas.CommandValidateCert, body)
	cpu = cpuTime() - cpu0
	t.Logf("99 x 99 certificates of 16,384 bits: HTTP %d, %v CPU", resp.StatusCode, cpu)
	if cpu > 3*time.Second {
		t.Fatalf("one request cost %v of CPU", cpu)
	}
}

// Row 8: the checks stop when the request is cancelled.
func TestHostileValidateCertCancelled(t *testing.T) {
	der := hugeRSACert(t, 16384)
	pool := make([]*x509.Certificate, 0, 20)
	for i := 0; i < 20; i++ {
		c, err := x509.ParseCertificate(hugeRSACert(t, 16384))
		if err != nil {
			t.Fatal(err)
		}
		pool = append(pool, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cpu0 := cpuTime()
	if _, err := simulator.ValidateCertificateContext(ctx, der, pool, nil, simtest.Start); err == nil {
		t.Fatal("a cancelled request's certificate was checked to the end")
	}
	if cpu := cpuTime() - cpu0; cpu > 50*time.Millisecond {
		t.Fatalf("a cancelled check cost %v of CPU", cpu)
	}
}

// Row 9: 3,000 concurrent Pings of one device: each new one ends the
// earlier, so at most one is held; a delivery then costs little, and
// another user's requests keep their latency.
func TestHostilePingFloodOneDevice(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "FLOOD1", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	other := env.Device("bob", "IDLE1", eas.Version141).Provision()
	syncLatencyP50(t, other, 20) // warm up
	idle := syncLatencyP50(t, other, 60)

	body := mustMarshal(t, &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}})
	const n = 3000
	statuses := make(chan int, n)
	client := env.HTTP.Client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // whatever is still held when the test ends
	for i := 0; i < n; i++ {
		hr := d.HTTPRequest(d.Request(eas.CommandPing), body).WithContext(ctx)
		go func() {
			resp, err := client.Do(hr)
			if err != nil {
				statuses <- -1
				return
			}
			defer resp.Body.Close()
			var r eas.PingResponse
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || wbxml.Unmarshal(b, &r) != nil {
				statuses <- -resp.StatusCode
				return
			}
			statuses <- r.Status
		}()
	}
	deadline := time.After(15 * time.Second)
	for answered := 0; answered < n-1; answered++ {
		select {
		case st := <-statuses:
			// 1: replaced by a newer Ping, as Exchange answers; 503: over
			// the user's EasMaxConcurrency while the flood arrives.
			if st != int(eas.PingStatusHeartbeatExpired) && st != -http.StatusServiceUnavailable {
				t.Fatalf("an earlier Ping answered %d, want 1 (Exchange's answer to a Ping a newer one replaced) or HTTP 503 (EasMaxConcurrency)", st)
			}
		case <-deadline:
			t.Fatalf("%d of %d Pings of one device still held after 15 s", n-answered, n)
		}
	}
	// One Ping is held: another user's requests are as fast as when idle,
	// and a delivery wakes one request, not thousands.
	if during := syncLatencyP50(t, other, 60); during > 2*idle+time.Millisecond {
		t.Errorf("another user's FolderSync p50 %v with the flood, %v idle", during, idle)
	} else {
		t.Logf("another user's FolderSync p50: %v idle, %v after the flood", idle, during)
	}
	cpu0 := cpuTime()
	env.Deliver("alice", "wake up")
	select {
	case st := <-statuses:
		if st != int(eas.PingStatusChangesOccurred) {
			t.Fatalf("the held Ping answered %d, want 2", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held Ping did not answer the delivery")
	}
	if cpu := cpuTime() - cpu0; cpu > 100*time.Millisecond {
		t.Fatalf("a delivery cost %v of CPU", cpu)
	} else {
		t.Logf("a delivery and the held Ping's answer cost %v of CPU", cpu)
	}
}

// Row 9: a hanging Sync replaced by a newer Ping of the same device
// answers Status 16 (retry).
func TestHostileHangingSyncReplaced(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "HANG1", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	key := "0"
	for i := 0; i < 50; i++ { // until the device has everything
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		if col == nil {
			break
		}
		key = col.SyncKey
	}
	syncBody := mustMarshal(t, &eas.SyncRequest{Wait: eas.NewInt(5), Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: key, CollectionId: inbox}}}})
	done := make(chan []byte, 1)
	hr := d.HTTPRequest(d.Request(eas.CommandSync), syncBody)
	go func() {
		resp, err := env.HTTP.Client().Do(hr)
		if err != nil {
			done <- nil
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- b
	}()
	time.Sleep(200 * time.Millisecond) // the Sync hangs
	pingBody := mustMarshal(t, &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the Ping hangs until the test ends
	ping := d.HTTPRequest(d.Request(eas.CommandPing), pingBody).WithContext(ctx)
	go func() {
		if resp, err := env.HTTP.Client().Do(ping); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case b := <-done:
		var r eas.SyncResponse
		if err := wbxml.Unmarshal(b, &r); err != nil || r.Status != int(eas.SyncStatusRetry) {
			t.Fatalf("the replaced Sync answered %s, want Status 16", simtest.XML(b))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging Sync was not ended by the device's newer Ping")
	}
}

// Row 10: SendMail over MaxSendSize (Exchange's 10 MB) is refused with
// 120 before it is parsed, and keeps no memory.
func TestHostileSendMailSize(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "BIGMAIL1", eas.Version141).Provision()
	const big = 21 << 20
	raw := append(mailTestMIME("", "bob@contoso.com", "", "", "huge", ""), bytes.Repeat([]byte("0123456789abcdef\r\n"), big/18)...)
	body := mustMarshal(t, &eas.SendMailRequest{ClientId: "big-0", SaveInSentItems: true, Mime: raw})
	raw = nil
	before := snapshotAll(env)
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := rssKB(t)
	for i := 0; i < 10; i++ {
		resp, out := d.Post(eas.CommandSendMail, body)
		var r eas.SendMailResponse
		if resp.StatusCode != 200 || wbxml.Unmarshal(out, &r) != nil || r.Status != int(eas.StatusMailSubmissionFailed) {
			t.Fatalf("a 21 MB SendMail: HTTP %d\n%s\nwant Status 120", resp.StatusCode, simtest.XML(out))
		}
	}
	body = nil
	runtime.GC()
	debug.FreeOSMemory()
	growth := rssKB(t) - rss0
	t.Logf("10 SendMails of 21 MB: RSS grew %d kB", growth)
	if growth > 64<<10 && !raceDetector {
		t.Fatalf("10 refused 21 MB SendMails left %d MB more resident", growth>>10)
	}
	if after := snapshotAll(env); !slicesEqual(before, after) {
		t.Fatalf("a refused SendMail changed the mailboxes")
	}
	// A message under the limit is still sent.
	d.CallOK(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "small-0", Mime: mailTestMIME("", "bob@contoso.com", "", "", "fine", "hello")}, nil)
	inbox, _ := env.Mailbox("bob").FolderByType(eas.FolderTypeInbox)
	if len(mailTestFind(env.Mailbox("bob"), inbox.ServerID, "fine")) != 1 {
		t.Fatal("a small message was not delivered")
	}
}

// snapshotAll lists every user's folders and items.
func snapshotAll(env *simtest.Env) []string {
	var out []string
	for _, u := range []string{"alice", "bob", "admin"} {
		mb := env.Mailbox(u)
		for _, f := range mb.Folders() {
			out = append(out, u+" "+f.ServerID)
			for _, it := range mb.Items(f.ServerID) {
				out = append(out, it.ServerID)
			}
		}
	}
	return out
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Row 10: a 20 MB DeviceInformation Model is answered Status 1 and kept
// to its first 1,024 characters.
func TestHostileDeviceInformationSize(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "BIGINFO1", eas.Version141).Provision()
	huge := strings.Repeat("M", 20<<20)
	var r eas.SettingsResponse
	d.CallOK(eas.CommandSettings, &eas.SettingsRequest{DeviceInformation: &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: huge, FriendlyName: huge[:5<<20]}}}, &r)
	if r.Status != 1 || r.DeviceInformation == nil || r.DeviceInformation.Status != 1 {
		t.Fatalf("Settings answered %+v", r)
	}
	out := env.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice"})
	for _, dev := range out {
		if m, _ := dev["DeviceModel"].(string); len(m) > 1024 {
			t.Fatalf("DeviceModel of %d characters kept", len(m))
		}
		if m, _ := dev["FriendlyName"].(string); len(m) > 1024 {
			t.Fatalf("FriendlyName of %d characters kept", len(m))
		}
	}
}

// Row 10: a 100,000-character allow-list entry is refused, and nothing
// is saved.
func TestHostileAllowListEntry(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	long := strings.Repeat("A", 100000)
	for _, list := range []string{"ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs"} {
		ae := env.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", list: []string{"GOOD1", long}}, 400, "InvalidData")
		if !strings.Contains(ae.Message, "maximum length is 1024") {
			t.Fatalf("%s: %q", list, ae.Message)
		}
		env.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", list: map[string]any{"Add": long}}, 400, "InvalidData")
	}
	cas := env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})
	if fmt.Sprint(cas[0]["ActiveSyncAllowedDeviceIDs"]) != "[]" || fmt.Sprint(cas[0]["ActiveSyncBlockedDeviceIDs"]) != "[]" {
		t.Fatalf("the lists changed: %v %v", cas[0]["ActiveSyncAllowedDeviceIDs"], cas[0]["ActiveSyncBlockedDeviceIDs"])
	}
}

// Row 10: Sync WindowSize -1 is a protocol error (4); 2^32 is read as 512.
func TestHostileSyncWindowSize(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "WINDOW1", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	first := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
	for _, ws := range []int{-1, -1 << 31} {
		var r eas.SyncResponse
		d.CallOK(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: first.SyncKey, CollectionId: inbox, WindowSize: ws}}}}, &r)
		if r.Status != int(eas.SyncStatusProtocolError) {
			t.Fatalf("WindowSize %d: Status %d, want 4", ws, r.Status)
		}
		d.CallOK(eas.CommandSync, &eas.SyncRequest{WindowSize: ws, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: first.SyncKey, CollectionId: inbox}}}}, &r)
		if r.Status != int(eas.SyncStatusProtocolError) {
			t.Fatalf("global WindowSize %d: Status %d, want 4", ws, r.Status)
		}
	}
	col := d.SyncOnce(eas.SyncCollection{SyncKey: first.SyncKey, CollectionId: inbox, WindowSize: 1 << 32})
	if col == nil || col.Status != 1 {
		t.Fatalf("WindowSize 2^32: %+v", col)
	}
}

// Row 9: the Ping a newer one replaced is logged as Exchange logs it,
// Error:NMStolen in the IIS log's Log= items.
func TestHostilePingReplacedLogged(t *testing.T) {
	var iis lockedBuffer
	env := simtest.New(t, simulator.Options{IISLog: simulator.NewIISLog(&iis)})
	d := env.Device("alice", "NMLOG1", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	body := mustMarshal(t, &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan struct{})
	go func() {
		defer close(first)
		if resp, err := env.HTTP.Client().Do(d.HTTPRequest(d.Request(eas.CommandPing), body).WithContext(ctx)); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	go func() {
		if resp, err := env.HTTP.Client().Do(d.HTTPRequest(d.Request(eas.CommandPing), body).WithContext(ctx)); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-first:
	case <-time.After(5 * time.Second):
		t.Fatal("the first Ping was not ended")
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(iis.String(), "_Error:NMStolen_") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(iis.String(), "_Error:NMStolen_") {
		t.Fatalf("no Error:NMStolen in the IIS log:\n%s", iis.String())
	}
}
