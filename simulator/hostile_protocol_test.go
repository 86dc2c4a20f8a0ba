package simulator_test

// Hostile clients against the protocol (issue 12, rows 8-12): each test
// runs an attack at a scale that hurt before the fix, on loopback, with
// every loop bounded in count and time, and asserts the bound.

import (
	"bytes"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// cpuTime is the process's user and system CPU time so far (the server
// runs in the test process).
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssKB is the process's resident set (VmRSS), in kB.
func rssKB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}

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
