//go:build linux

package clients_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/internal/heapprof"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// heldPingServerEnv names the mailboxes TestHeldPingServer serves; unset,
// the test is skipped.
const heldPingServerEnv = "EASLAB_HELD_PING_SERVER"

// TestHeldPingServer is BenchmarkFleetHeldPing's server, in a process of
// its own so that the benchmark measures the fleet's side alone: the
// simulator on the real clock with the demo organization and N extra
// mailboxes, on loopback. It prints its URL and serves until its stdin
// closes.
func TestHeldPingServer(t *testing.T) {
	users, err := strconv.Atoi(os.Getenv(heldPingServerEnv))
	if err != nil {
		t.Skip("BenchmarkFleetHeldPing's server process")
	}
	dir, err := demo.NewDirectory(demo.Password, users, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Unlimited requests in progress per user, as easlab serve
	// --eas-max-concurrency -1: 38 devices share each mailbox.
	dir.SetOrganizationSettings(func(o *simulator.OrganizationSettings) { o.EasMaxConcurrency = -1 })
	srv, err := simulator.New(simulator.Options{Directory: dir, ErrorResponseDelay: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	fmt.Printf("URL http://%s/Microsoft-Server-ActiveSync\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	hs.Close()
}

// BenchmarkFleetHeldPing measures the fleet's memory per held Ping: the
// heap's spans and the stacks in use (and, "live", the heap's live bytes
// and the stacks) with EASLAB_BENCH_DEVICES devices (default 1000,
// 38 a mailbox as 19,000 over 500) holding a Ping, less before they
// started, per device, in park mode (the pinger) and with net/http's
// client (NoPark) in the same run, and their ratio. The server runs in a
// child process (TestHeldPingServer). It includes each device's own
// state (folders, the synced Inbox), the same in both modes.
//
//	go test ./clients -run '^$' -bench FleetHeldPing -benchtime 1x
//
// With EASLAB_BENCH_HEAPPROF=file it writes heap profiles of the park
// run before the fleet starts (file.before) and while every device holds
// (file), for go tool pprof -sample_index=inuse_space -diff_base
// file.before file (with -memprofilerate=1); EASLAB_BENCH_NOPARK=skip
// leaves out the net/http run.
func BenchmarkFleetHeldPing(b *testing.B) {
	n := 1000
	if s := os.Getenv("EASLAB_BENCH_DEVICES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("EASLAB_BENCH_DEVICES=%q", s)
		}
	}
	users := (n + 37) / 38
	cmd := exec.Command(os.Args[0], "-test.run=^TestHeldPingServer$")
	cmd.Env = append(os.Environ(), heldPingServerEnv+"="+strconv.Itoa(users))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	var url string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			url = u
			break
		}
	}
	if url == "" {
		b.Fatalf("the server process printed no URL: %v", sc.Err())
	}
	go io.Copy(io.Discard, stdout)

	mix, profiles := []clients.Share{}, []struct {
		name   string
		weight int
	}{{clients.IPhone, 60}, {clients.Gmail, 30}, {clients.SamsungEmail, 10}}
	for _, p := range profiles {
		pr, _ := clients.ProfileByName(p.name)
		mix = append(mix, clients.Share{Profile: pr, Weight: p.weight})
	}
	// inUse is the heap's spans in use and the stacks, and the live heap.
	inUse := func() (inuse, live int64) {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse + ms.StackInuse), int64(ms.HeapAlloc + ms.StackInuse)
	}
	measure := func(park bool) (inuse, live float64) {
		base, baseLive := inUse()
		if park {
			heapprof.WriteFromEnv(b, "EASLAB_BENCH_HEAPPROF", ".before")
		}
		f := clients.NewFleet(clients.FleetOptions{
			BaseURL: url, Devices: n, Seed: 8, Mix: mix, NoPark: !park,
			Account: func(i int) (string, string) { return fmt.Sprintf("user%05d@contoso.com", i%users+1), demo.Password },
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan clients.FleetReport, 1)
		go func() { r, _ := f.Run(ctx); done <- r }()
		deadline := time.Now().Add(5 * time.Minute)
		for {
			_, setUp, failed, holding := f.Devices()
			if holding == n && setUp == n {
				break
			}
			if failed > 0 || time.Now().After(deadline) || len(f.Report().Errors) > 0 {
				cancel()
				b.Fatalf("park=%v: %v", park, <-done)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// In park mode the goroutines that set the devices up end once
		// they hold.
		for park && clientGoroutines() > 3 {
			if time.Now().After(deadline) {
				b.Fatalf("%d device-side goroutines left", clientGoroutines())
			}
			time.Sleep(10 * time.Millisecond)
		}
		held, heldLive := inUse()
		if park {
			heapprof.WriteFromEnv(b, "EASLAB_BENCH_HEAPPROF", "")
		}
		cancel()
		if r := <-done; len(r.Errors) != 0 {
			b.Errorf("park=%v: errors %v", park, r.Errors)
		}
		return float64(held-base) / float64(n), float64(heldLive-baseLive) / float64(n)
	}
	var on, off, onLive, offLive float64
	skip := os.Getenv("EASLAB_BENCH_NOPARK") == "skip"
	for range b.N {
		on, onLive = measure(true)
		if !skip {
			off, offLive = measure(false)
		}
	}
	b.ReportMetric(on, "B/held-park")
	b.ReportMetric(onLive, "B-live/held-park")
	if !skip { // skipped, the net/http run has no figures to show
		b.ReportMetric(off, "B/held-nopark")
		b.ReportMetric(off/on, "nopark/park")
		b.ReportMetric(offLive, "B-live/held-nopark")
	}
	b.ReportMetric(0, "ns/op")
}
