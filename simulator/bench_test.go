package simulator_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// benchClient is a bare EAS client for benchmarks (the Ginkgo helpers need
// a running suite).
type benchClient struct {
	b      testing.TB
	url    string
	client *http.Client
	id     string
	key    uint32
	req    *eas.SyncRequest // the Sync a benchmark repeats
	// gzip: the client accepts gzip (as iOS does), so a frequently hit
	// server compresses its answers; else it asks for identity, and the
	// figures compare the simulator's work without compression.
	gzip bool
}

func (c *benchClient) do(cmd eas.Command, in, out any) []byte {
	var body []byte
	if in != nil {
		var err error
		if body, err = wbxml.Marshal(in); err != nil {
			c.b.Fatal(err)
		}
	}
	req := &eas.Request{Command: cmd, User: "alice", DeviceID: c.id, DeviceType: "iPhone", ProtocolVersion: eas.Version161, PolicyKey: c.key, HasPolicyKey: c.key != 0}
	hr, err := eas.NewHTTPRequest(context.Background(), c.url, req, bytes.NewReader(body))
	if err != nil {
		c.b.Fatal(err)
	}
	hr.SetBasicAuth("alice", demo.Password)
	if !c.gzip {
		hr.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := c.client.Do(hr)
	if err != nil {
		c.b.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.b.Fatalf("%s: HTTP %d", cmd, resp.StatusCode)
	}
	if out != nil && len(b) > 0 {
		if err := wbxml.Unmarshal(b, out); err != nil {
			c.b.Fatal(err)
		}
	}
	return b
}

func (c *benchClient) provision() {
	var r eas.ProvisionResponse
	c.do(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "iPhone15C2"}},
		Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
	c.do(eas.CommandProvision, &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: r.Policies.Policy.PolicyKey, Status: 1}}}, &r)
	k, _ := strconv.ParseUint(r.Policies.Policy.PolicyKey, 10, 32)
	c.key = uint32(k)
}

// benchServer is a simulator whose alice has n e-mails in her Inbox.
func benchServer(b testing.TB, n int) (*httptest.Server, *simulator.Server, *clock.Manual) {
	return benchServerOn(b, n, "")
}

// benchServerOn is benchServer with its state kept in a store of kind
// ("memory", "sqlite"), or in its mailboxes only ("").
func benchServerOn(b testing.TB, n int, kind string) (*httptest.Server, *simulator.Server, *clock.Manual) {
	return benchServerWith(b, n, kind, simulator.Options{Profile: benchProfile()})
}

// benchServerWith is benchServerOn with opts.
func benchServerWith(b testing.TB, n int, kind string, opts simulator.Options) (*httptest.Server, *simulator.Server, *clock.Manual) {
	var env *simtest.Env
	if kind == "" {
		env = simtest.New(b, opts)
	} else {
		env = simtest.NewWithStore(b, opts, simtest.NewDurable(b, kind))
	}
	clk := env.Clock
	mb := env.Mailbox("alice")
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	for _, it := range mb.Items(inbox.ServerID) {
		mb.DeleteItem(it.ServerID, false)
	}
	for i := 0; i < n; i++ {
		raw, _ := simulator.BuildMail(&simulator.MailAddress{Name: "Bob Kelly", Address: "bob@contoso.com"}, []*simulator.MailAddress{{Address: "alice@contoso.com"}},
			fmt.Sprintf("Status report %d", i), "Numbers for this week are in the attached sheet. "+string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet. "), 40)), "", clk.Now())
		m, _ := simulator.ParseMail(raw)
		mb.AddItem(inbox.ServerID, simulator.EmailItem(m, clk.Now(), false))
	}
	return env.HTTP, env.Server, clk
}

// BenchmarkSyncRoundTrip measures a full Sync of 50 e-mails (request
// parse, sync state, response encode) over real HTTP, against a bare
// net/http handler that writes the same response bytes, in the same run:
// with the state in memory only (as `easlab serve` keeps it), written
// through to store.Memory, and written through to SQLite (`easlab serve
// --data`). Each Sync commits a new sync state, so each one writes. It
// reports the request rates and their ratios.
// bareGzip keeps the bare handler's compressors, as the simulator keeps
// its own.
var bareGzip = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func BenchmarkSyncRoundTrip(b *testing.B) {
	type target struct {
		name string
		c    *benchClient
	}
	var targets []target
	var req *eas.SyncRequest
	var fixed []byte
	for _, kind := range []string{"", "memory", "sqlite"} {
		hs, _, _ := benchServerOn(b, 50, kind)
		c := &benchClient{b: b, url: hs.URL + "/Microsoft-Server-ActiveSync", client: hs.Client(), id: "BENCH1"}
		c.provision()
		var fs eas.FolderSyncResponse
		c.do(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		var r eas.SyncResponse
		c.do(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: "1"}}}}, &r)
		primed := r.Collections.Collection[0].SyncKey
		// Resending the primed key always brings the same 50 e-mails.
		req = &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: primed, CollectionId: "1", WindowSize: 100,
			Options: []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 2, TruncationSize: 32768}}}}}}}}
		fixed = c.do(eas.CommandSync, req, nil)
		var check eas.SyncResponse
		if err := wbxml.Unmarshal(fixed, &check); err != nil || len(check.Collections.Collection[0].Commands) != 50 {
			b.Fatalf("warm-up Sync brought %v", err)
		}
		name := kind
		if name == "" {
			name = "inmemory"
		} else {
			name += "-store"
		}
		// Each client keeps its own request: their primed keys differ.
		c.req = req
		targets = append(targets, target{name, c})
	}

	// The bare handler compresses as the simulator does when the client
	// accepts gzip, so that a ratio compares the same work.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", eas.ContentTypeWBXML)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := bareGzip.Get().(*gzip.Writer)
			zw.Reset(w)
			zw.Write(fixed)
			zw.Close()
			bareGzip.Put(zw)
			return
		}
		w.Write(fixed)
	}))
	defer bare.Close()
	bc := &benchClient{b: b, url: bare.URL + "/Microsoft-Server-ActiveSync", client: bare.Client(), id: "BENCH1", key: targets[0].c.key, req: req}

	b.Run("bare", func(b *testing.B) {
		bc.b = b
		for b.Loop() {
			bc.do(eas.CommandSync, bc.req, nil)
		}
	})
	for _, t := range targets {
		b.Run(t.name, func(b *testing.B) {
			t.c.b = b
			for b.Loop() {
				t.c.do(eas.CommandSync, t.c.req, nil)
			}
		})
	}
	// Each against the bare handler, interleaved, so that the ratio comes
	// from the same moments of a noisy machine; the in-memory one also
	// with compression on both sides (the client accepts gzip).
	gz := *targets[0].c
	gz.gzip = true
	targets = append(targets, target{"inmemory-gzip", &gz})
	for _, t := range targets {
		b.Run("ratio-"+t.name, func(b *testing.B) {
			t.c.b, bc.b = b, b
			var simT, bareT time.Duration
			bc.gzip = t.c.gzip
			for b.Loop() {
				t0 := time.Now()
				bc.do(eas.CommandSync, bc.req, nil)
				t1 := time.Now()
				t.c.do(eas.CommandSync, t.c.req, nil)
				simT += time.Since(t1)
				bareT += t1.Sub(t0)
			}
			b.ReportMetric(float64(bareT)/float64(simT), "sim/bare-rate")
			b.ReportMetric(float64(len(fixed)), "resp-bytes")
		})
	}
}

// BenchmarkPingWakeup measures the time from a delivery to the Ping
// response that reports it, with the Ping parked (the default) and
// blocking (Options.NoPark). The device syncs its Inbox first, and each
// delivered mail is deleted once reported (a mail the device never held
// is no change to it), so that every Ping waits for its delivery.
func BenchmarkPingWakeup(b *testing.B) {
	for _, mode := range []struct {
		name   string
		noPark bool
	}{{"parked", false}, {"blocking", true}} {
		b.Run(mode.name, func(b *testing.B) {
			hs, srv, clk := benchServerWith(b, 0, "", simulator.Options{Profile: benchProfile(), NoPark: mode.noPark})
			c := &benchClient{b: b, url: hs.URL + "/Microsoft-Server-ActiveSync", client: hs.Client(), id: "BENCHPING"}
			c.provision()
			var fs eas.FolderSyncResponse
			c.do(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
			_, mb, _ := srv.Directory().Resolve("alice")
			inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
			var sr eas.SyncResponse
			c.do(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: inbox.ServerID}}}}, &sr)
			ping := &eas.PingRequest{HeartbeatInterval: 900, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox.ServerID, Class: "Email"}}}}
			var total time.Duration
			for b.Loop() {
				done := make(chan int, 1)
				go func() {
					var r eas.PingResponse
					c.do(eas.CommandPing, ping, &r)
					done <- r.Status
				}()
				if err := clk.BlockUntil(context.Background(), 1); err != nil {
					b.Fatal(err)
				}
				if !mode.noPark {
					// Parked, not on its way there: the hand-back is timed.
					for srv.ParkedNow() != 1 {
						runtime.Gosched()
					}
				}
				t0 := time.Now()
				it, err := mb.AddItem(inbox.ServerID, &simulator.Item{Class: "Email"})
				if err != nil {
					b.Fatal(err)
				}
				if st := <-done; st != int(eas.PingStatusChangesOccurred) {
					b.Fatalf("Ping status %d, want 2", st)
				}
				total += time.Since(t0)
				mb.DeleteItem(it.ServerID, false)
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "wake-ns/op")
		})
	}
}

// benchProfile is the default profile; kept as a function so benchmarks
// and specs agree on what they run against.
func benchProfile() eas.ServerProfile { return eas.DefaultProfile() }
