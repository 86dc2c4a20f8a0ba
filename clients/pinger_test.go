//go:build linux

package clients_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// clientGoroutines counts the goroutines of the device side: those with a
// frame in package clients or in net/http's client connections.
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "easlab/easlab/clients.") || strings.Contains(g, "net/http.(*persistConn)") {
			count++
		}
	}
	return count
}

// openFiles returns the process's open files (what /proc/self/fd links
// to: a socket's inode, a file's path).
func openFiles(t *testing.T) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			files[target] = true
		}
	}
	return files
}

// newFiles returns how many of the process's open files were not open in
// before.
func newFiles(t *testing.T, before map[string]bool) int {
	n := 0
	for f := range openFiles(t) {
		if !before[f] {
			n++
		}
	}
	return n
}

// eventually waits for cond, failing the test with what after 20 s.
func eventually(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for: %s", what())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runFleet starts f and returns a function that ends the run and returns
// its report (any number of times).
func runFleet(f *clients.Fleet) (stop func() clients.FleetReport) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan clients.FleetReport, 1)
	go func() { r, _ := f.Run(ctx); done <- r }()
	return sync.OnceValue(func() clients.FleetReport {
		cancel()
		return <-done
	})
}

// A fleet in park mode against the simulator: every device sets up and
// holds; a delivery wakes them; they Sync and hold again; no goroutine
// waits per held device (with --park=false, the control, several do);
// the run's end leaves no goroutine or descriptor behind.
func TestParkFleetHoldsWakesAndHoldsAgain(t *testing.T) {
	const users, perUser = 10, 3
	const n = users * perUser
	for _, park := range []bool{true, false} {
		t.Run(fmt.Sprintf("park=%v", park), func(t *testing.T) {
			env := simtest.New(t, simulator.Options{Directory: simtest.DemoDirectory(t, users), ErrorResponseDelay: -1})
			baseFiles, baseGoroutines := openFiles(t), clientGoroutines()
			iphone, _ := clients.ProfileByName(clients.IPhone)
			gmail, _ := clients.ProfileByName(clients.Gmail)
			f := clients.NewFleet(clients.FleetOptions{
				BaseURL: env.EASURL, Devices: n, Seed: 4, Clock: env.Clock, NoPark: !park,
				Mix:     []clients.Share{{Profile: iphone, Weight: 2}, {Profile: gmail, Weight: 1}},
				Account: func(i int) (string, string) { return fmt.Sprintf("user%05d@contoso.com", i%users+1), demo.Password },
			})
			stop := runFleet(f)
			report := func() string { return f.Report().String() }
			eventually(t, report, func() bool { r := f.Report(); return r.SetUp == n && r.Holding == n })
			// The goroutines that set the devices up end once their Ping is
			// held; net/http's stay while it is.
			flat := func() bool { g := clientGoroutines() - baseGoroutines; return (park && g <= 3) || (!park && g >= n) }
			goroutines := func() string {
				return fmt.Sprintf("%d device-side goroutines for %d held Pings", clientGoroutines()-baseGoroutines, n)
			}
			eventually(t, goroutines, flat)
			held := clientGoroutines() - baseGoroutines
			syncs := f.Report().ByCommand["Sync"]
			for u := 1; u <= users; u++ {
				env.Deliver(fmt.Sprintf("user%05d", u), "wake up")
			}
			eventually(t, report, func() bool {
				r := f.Report()
				return r.ByCommand["Sync"] == syncs+n && r.ByCommand["Ping"] == n && r.Holding == n
			})
			eventually(t, goroutines, flat)
			r := stop()
			if r.SetUp != n || r.Failed != 0 || len(r.Errors) != 0 {
				t.Errorf("set up %d, failed %d, errors %v", r.SetUp, r.Failed, r.Errors)
			}
			t.Logf("park=%v: %d device-side goroutines for %d held Pings", park, held, n)
			if park {
				eventually(t, func() string { return fmt.Sprintf("%d goroutines left", clientGoroutines()-baseGoroutines) },
					func() bool { return clientGoroutines() <= baseGoroutines })
				env.HTTP.CloseClientConnections()
				eventually(t, func() string { return fmt.Sprintf("%d files open that were not before", newFiles(t, baseFiles)) },
					func() bool { return newFiles(t, baseFiles) == 0 })
			}
		})
	}
}

// pingAnswer is a Ping's answer with Status st.
func pingAnswer(w http.ResponseWriter, st int) {
	b, err := wbxml.Marshal(&eas.PingResponse{Status: st})
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", eas.ContentTypeWBXML)
	w.Write(b)
}

// frontServer serves the simulator on clk, with ping answering every
// Ping instead (k counts the device's Pings from 1); connState, when not
// nil, is the server's ConnState hook.
func frontServer(t *testing.T, clk *clock.Manual, ping func(w http.ResponseWriter, r *http.Request, k int), connState func(net.Conn, http.ConnState)) (*httptest.Server, *simulator.Server) {
	t.Helper()
	return startFront(t, clk, ping, connState, false)
}

// startFront is frontServer, over TLS when useTLS.
func startFront(t *testing.T, clk *clock.Manual, ping func(w http.ResponseWriter, r *http.Request, k int), connState func(net.Conn, http.ConnState), useTLS bool) (*httptest.Server, *simulator.Server) {
	t.Helper()
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, clk.Now()), ErrorResponseDelay: -1, Clock: clk,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	pings := map[string]int{}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Cmd") != "Ping" {
			srv.ServeHTTP(w, r)
			return
		}
		// Read whole, so that the server notices the client's close (and
		// ends r's context) while the handler holds the Ping.
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		dev := r.URL.Query().Get("DeviceId")
		pings[dev]++
		k := pings[dev]
		mu.Unlock()
		ping(w, r, k)
	}))
	hs.Config.ConnState = connState
	if useTLS {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(hs.Close)
	return hs, srv
}

// Against a hostile front (a dropped connection mid-Ping, 503 with
// Retry-After, a slow answer) a parked fleet backs off and retries as the
// blocking client does: the same errors by kind, the same requests, the
// same waits on the fleet's clock.
func TestParkFleetAgainstAHostileServer(t *testing.T) {
	const n = 8
	reports := map[bool]clients.FleetReport{}
	for _, park := range []bool{true, false} {
		t.Run(fmt.Sprintf("park=%v", park), func(t *testing.T) {
			clk := clock.NewManual(start)
			release := make(chan struct{})
			var slow, held atomic.Int32
			hs, _ := frontServer(t, clk, func(w http.ResponseWriter, r *http.Request, k int) {
				switch k {
				case 1: // the connection drops mid-Ping
					c, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						c.Close()
					}
				case 2:
					w.Header().Set("Retry-After", "60")
					w.WriteHeader(http.StatusServiceUnavailable)
				case 3: // an answer that takes its time: the heartbeat expired
					slow.Add(1)
					select {
					case <-release:
						pingAnswer(w, 1)
					case <-r.Context().Done():
					}
				default:
					held.Add(1)
					<-r.Context().Done()
				}
			}, nil)
			iphone, _ := clients.ProfileByName(clients.IPhone)
			f := clients.NewFleet(clients.FleetOptions{
				BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: n, Seed: 5, Clock: clk, NoPark: !park,
				Mix:     []clients.Share{{Profile: iphone, Weight: 1}},
				Account: func(int) (string, string) { return "alice@contoso.com", demo.Password },
			})
			stop := runFleet(f)
			defer stop()
			report := func() string { return fmt.Sprintf("%v; %d timers", f.Report(), clk.Pending()) }
			backingOff := func(errKey string, wait time.Duration) {
				t.Helper()
				eventually(t, report, func() bool { return f.Report().Errors[errKey] == n && clk.Pending() == n })
				if next, _ := clk.NextDeadline(); next.Sub(clk.Now()) != wait {
					t.Errorf("after %s the devices wait %v, want %v", errKey, next.Sub(clk.Now()), wait)
				}
				clk.Advance(wait)
			}
			backingOff("transport", 30*time.Second)
			backingOff("HTTP 503", 60*time.Second)
			eventually(t, report, func() bool { return slow.Load() == n })
			close(release)
			eventually(t, report, func() bool { return held.Load() == n && f.Report().Holding == n })
			reports[park] = stop()
		})
	}
	on, off := reports[true], reports[false]
	if fmt.Sprint(on.Errors) != fmt.Sprint(off.Errors) || fmt.Sprint(on.ByCommand) != fmt.Sprint(off.ByCommand) ||
		on.SetUp != off.SetUp || on.Failed != off.Failed || on.Requests != off.Requests {
		t.Errorf("park on:\n%v\npark off:\n%v", on, off)
	}
	if on.Errors["transport"] != n || on.Errors["HTTP 503"] != n || len(on.Errors) != 2 || on.ByCommand["Ping"] != 3*n {
		t.Errorf("errors %v, requests %v", on.Errors, on.ByCommand)
	}
}

// Pings answered with Connection: close make the devices dial again and
// again, their descriptors reused, with no error; the run's end leaves no
// descriptor open.
func TestParkFleetRedialsAndReusesDescriptors(t *testing.T) {
	const n, rounds = 6, 40
	clk := clock.NewManual(start)
	var conns atomic.Int32
	var answered atomic.Int32
	hs, _ := frontServer(t, clk, func(w http.ResponseWriter, r *http.Request, k int) {
		if k > rounds {
			<-r.Context().Done()
			return
		}
		if k%2 == 1 {
			w.Header().Set("Connection", "close")
		}
		answered.Add(1)
		pingAnswer(w, 1)
	}, func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	})
	baseFiles := openFiles(t)
	iphone, _ := clients.ProfileByName(clients.IPhone)
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: n, Seed: 6, Clock: clk,
		Mix:     []clients.Share{{Profile: iphone, Weight: 1}},
		Account: func(int) (string, string) { return "alice@contoso.com", demo.Password },
	})
	stop := runFleet(f)
	eventually(t, func() string { return f.Report().String() }, func() bool { return f.Report().ByCommand["Ping"] == n*rounds && f.Report().Holding == n })
	r := stop()
	if len(r.Errors) != 0 || r.Failed != 0 {
		t.Errorf("errors %v, failed %d", r.Errors, r.Failed)
	}
	// A connection for each device's setup, then one after each
	// Connection: close.
	if got, want := int(conns.Load()), n+n*rounds/2; got != want {
		t.Errorf("%d connections, want %d", got, want)
	}
	hs.CloseClientConnections()
	eventually(t, func() string { return fmt.Sprintf("%d files open that were not before", newFiles(t, baseFiles)) },
		func() bool { return newFiles(t, baseFiles) == 0 })
}

// A held Ping with no answer by its heartbeat and 2 minutes is closed and
// counted as a transport error; the device backs off and holds again.
// (net/http's client, --park=false, has no such bound.)
func TestParkHeldPingHasABound(t *testing.T) {
	clk := clock.NewManual(start)
	var pings atomic.Int32
	hs, _ := frontServer(t, clk, func(w http.ResponseWriter, r *http.Request, k int) {
		pings.Add(1)
		<-r.Context().Done()
	}, nil)
	gmail, _ := clients.ProfileByName(clients.Gmail)
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: 1, Seed: 7, Clock: clk,
		Mix:     []clients.Share{{Profile: gmail, Weight: 1}},
		Account: func(int) (string, string) { return "alice@contoso.com", demo.Password },
	})
	stop := runFleet(f)
	defer stop()
	report := func() string { return fmt.Sprintf("%v; %d timers, %d Pings", f.Report(), clk.Pending(), pings.Load()) }
	eventually(t, report, func() bool { return pings.Load() == 1 && clk.Pending() == 1 })
	bound := time.Duration(gmail.Heartbeat)*time.Second + 2*time.Minute
	if next, _ := clk.NextDeadline(); next.Sub(clk.Now()) != bound {
		t.Errorf("the held Ping's bound is %v, want %v", next.Sub(clk.Now()), bound)
	}
	clk.Advance(bound - time.Second)
	if r := f.Report(); len(r.Errors) != 0 || r.Holding != 1 {
		t.Fatalf("before the bound: %v", r)
	}
	clk.Advance(time.Second)
	eventually(t, report, func() bool { return f.Report().Errors["transport"] == 1 && clk.Pending() == 1 })
	clk.Advance(30 * time.Second)
	eventually(t, report, func() bool { return pings.Load() == 2 && f.Report().Holding == 1 })
}

// splitProxy relays TCP to target; while split, it holds back the last
// byte of every chunk the server sends until flush closes, so that the
// client sees a partial TLS record.
type splitProxy struct {
	ln       net.Listener
	target   string
	split    atomic.Bool
	withheld atomic.Int32
	flush    chan struct{}
}

func newSplitProxy(t *testing.T, target string) *splitProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &splitProxy{ln: ln, target: target, flush: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() {
				io.Copy(s, c)
				s.Close()
				c.Close()
			}()
			go p.down(c, s)
		}
	}()
	return p
}

func (p *splitProxy) down(c, s net.Conn) {
	defer c.Close()
	defer s.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 1 && p.split.Load() {
			c.Write(buf[:n-1])
			p.withheld.Add(1)
			<-p.flush
			c.Write(buf[n-1 : n])
		} else if n > 0 {
			c.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// Over TLS: devices set up and hold; a Ping on a connection just dialled
// (after a Connection: close) is held too; an answer whose TLS record
// comes in parts wakes the device, which finds no answer yet, goes back
// to the pinger without a goroutine waiting, and reads the answer once
// the rest comes.
func TestParkFleetOverTLS(t *testing.T) {
	const n = 4
	clk := clock.NewManual(start)
	release := make(chan struct{})
	var slow atomic.Int32
	hs, _ := startFront(t, clk, func(w http.ResponseWriter, r *http.Request, k int) {
		switch k {
		case 1: // the next Ping goes on a new connection
			w.Header().Set("Connection", "close")
			pingAnswer(w, 1)
		case 2:
			slow.Add(1)
			select {
			case <-release:
				pingAnswer(w, 1)
			case <-r.Context().Done():
			}
		default:
			<-r.Context().Done()
		}
	}, nil, true)
	proxy := newSplitProxy(t, hs.Listener.Addr().String())
	base := clientGoroutines()
	tr := hs.Client().Transport.(*http.Transport).Clone()
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // HTTP/1.1, as easlab fleet without --http2
	iphone, _ := clients.ProfileByName(clients.IPhone)
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: "https://" + proxy.ln.Addr().String() + "/Microsoft-Server-ActiveSync", Devices: n, Seed: 9, Clock: clk,
		HTTPClient: &http.Client{Transport: tr},
		Mix:        []clients.Share{{Profile: iphone, Weight: 1}},
		Account:    func(int) (string, string) { return "alice@contoso.com", demo.Password },
	})
	stop := runFleet(f)
	defer stop()
	report := func() string {
		return fmt.Sprintf("%v; %d device-side goroutines, %d chunks withheld", f.Report(), clientGoroutines()-base, proxy.withheld.Load())
	}
	eventually(t, report, func() bool { return slow.Load() == n && clientGoroutines()-base <= 3 })
	proxy.split.Store(true)
	close(release)
	eventually(t, report, func() bool { return proxy.withheld.Load() == n && clientGoroutines()-base <= 3 })
	if r := f.Report(); r.ByCommand["Ping"] != n || r.Holding != n {
		t.Errorf("a partial record read as an answer: %v", r)
	}
	close(proxy.flush)
	eventually(t, report, func() bool { r := f.Report(); return r.ByCommand["Ping"] == 2*n && r.Holding == n })
	if r := stop(); len(r.Errors) != 0 || r.SetUp != n {
		t.Errorf("set up %d, errors %v", r.SetUp, r.Errors)
	}
}
