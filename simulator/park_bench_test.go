package simulator_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"testing"

	"github.com/easlab/easlab/internal/heapprof"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// BenchmarkParkedPing measures what a held Ping costs the server, parked
// and blocking, in one run: n devices hold a Ping each over raw loopback
// TCP connections (no client goroutine), and the heap's live bytes and
// the goroutine stacks are read before and after, each after a GC. The
// figures include the client's half of each loopback connection (its
// net.Conn, a few hundred bytes), the same in both modes.
//
//	go test ./simulator -run '^$' -bench BenchmarkParkedPing -benchtime 1x
//
// With PARK_HEAPPROF=file it also writes heap profiles of the parking
// server before the devices are set up (file.empty), before the Pings
// (file.before) and after the Pings are held (file), for
// go tool pprof -sample_index=inuse_space -diff_base file.before file
// (what a parked Ping holds) and -diff_base file.empty file.before
// (what a set-up partnership holds), with -memprofilerate=1.
func BenchmarkParkedPing(b *testing.B) {
	const n = 1000
	measure := func(b *testing.B, noPark bool) (heap, stack, state float64) {
		// Eight devices a mailbox: under EasMaxConcurrency (10).
		// No IIS log: its buffer would grow with every request.
		env := simtest.New(b, simulator.Options{Directory: simtest.DemoDirectory(b, n/8), NoPark: noPark, Logger: slog.New(slog.DiscardHandler)})
		type ready struct {
			d     *simtest.Device
			inbox string
		}
		devs := make([]ready, n)
		empty := memNow()
		writeHeapProfile(b, noPark, ".empty")
		for i := range devs {
			d, inbox := pingReady(b, env, fmt.Sprintf("user%05d", i/8+1), fmt.Sprintf("BENCH%05d", i))
			devs[i] = ready{d, inbox}
		}
		idle := env.HTTP.Client().Transport.(*http.Transport).CloseIdleConnections
		idle()
		setUp := memNow()
		// One held first: the parking server's watcher starts.
		first := dialRaw(b, env)
		first.send(pingRequest(b, devs[0].d, devs[0].inbox, 480))
		waitFor(b, "1 held", func() bool { return metric(b, env, "easlab_held_pings") == 1 })
		idle()
		before := memNow()
		writeHeapProfile(b, noPark, ".before")
		conns := make([]*rawConn, 0, n-1)
		for _, dv := range devs[1:] {
			rc := dialRawOnly(b, env)
			rc.send(pingRequest(b, dv.d, dv.inbox, 480))
			conns = append(conns, rc)
		}
		waitFor(b, "all held", func() bool { return metric(b, env, "easlab_held_pings") == n })
		if !noPark {
			waitParked(b, env, n)
		}
		idle()
		after := memNow()
		writeHeapProfile(b, noPark, "")
		for _, rc := range conns {
			rc.conn.Close()
		}
		first.conn.Close()
		waitFor(b, "none held", func() bool { return metric(b, env, "easlab_held_pings") == 0 })
		return float64(int64(after.heap)-int64(before.heap)) / float64(n-1), float64(int64(after.stack)-int64(before.stack)) / float64(n-1),
			float64(int64(setUp.heap)-int64(empty.heap)) / float64(n)
	}
	for i := 0; i < b.N; i++ {
		ph, ps, state := measure(b, false)
		bh, bs, _ := measure(b, true)
		// What a set-up partnership keeps (its sync states, its share of
		// the event log and of the latest requests' ring, the test's
		// Device), held Ping or not: for scale, not for the ratio.
		b.ReportMetric(state, "state-heap-B/device")
		b.ReportMetric(ph, "parked-heap-B/ping")
		b.ReportMetric(ps, "parked-stack-B/ping")
		b.ReportMetric(bh, "blocking-heap-B/ping")
		b.ReportMetric(bs, "blocking-stack-B/ping")
		b.ReportMetric((bh+bs)/(ph+ps), "blocking/parked")
	}
}

// writeHeapProfile writes the heap profile of a parking run to
// $PARK_HEAPPROF with suffix, if it is set.
func writeHeapProfile(b *testing.B, noPark bool, suffix string) {
	if !noPark {
		heapprof.WriteFromEnv(b, "PARK_HEAPPROF", suffix)
	}
}

type memSample struct{ heap, stack uint64 }

// memNow is the heap's live bytes and the stacks in use, after a GC.
func memNow() memSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapAlloc, stack: ms.StackInuse}
}

// BenchmarkPartnershipState measures what a partnership keeps on the
// server, held Ping or not: 2,000 devices over 500 mailboxes are set up
// (Provision, FolderSync, the Inbox synced), then every mailbox gets a
// mail and every device syncs its Inbox again, as after the wake of a
// held Ping. The heap's live bytes per partnership are read after each,
// less before the devices came. The figures include the test's own
// simtest.Device (some 100 bytes), and the server's bounded logs while
// they fill (the event log, the ring of recent requests: at 2,000
// devices they hold all of their requests, at 19,000 a smaller share).
//
//	go test ./simulator -run '^$' -bench PartnershipState -benchtime 1x
//
// With STATE_HEAPPROF=file it writes heap profiles before the devices
// (file.empty), after their set-up (file.setup) and after their second
// Sync (file), for go tool pprof -sample_index=inuse_space -diff_base
// (with -memprofilerate=1).
func BenchmarkPartnershipState(b *testing.B) {
	const users, perUser = 500, 4
	const n = users * perUser
	prof := func(suffix string) { heapprof.WriteFromEnv(b, "STATE_HEAPPROF", suffix) }
	for range b.N {
		env := simtest.New(b, simulator.Options{Directory: simtest.DemoDirectory(b, users), Logger: slog.New(slog.DiscardHandler)})
		type ready struct {
			d     *simtest.Device
			inbox string
		}
		devs := make([]ready, n)
		empty := memNow()
		prof(".empty")
		for i := range devs {
			d, inbox := pingReady(b, env, fmt.Sprintf("user%05d", i/perUser+1), fmt.Sprintf("STATE%05d", i))
			devs[i] = ready{d, inbox}
		}
		env.HTTP.Client().Transport.(*http.Transport).CloseIdleConnections()
		setUp := memNow()
		prof(".setup")
		for u := range users {
			env.Deliver(fmt.Sprintf("user%05d", u+1), "Wake up")
		}
		for _, dv := range devs {
			dv.d.SyncAll(dv.inbox)
		}
		env.HTTP.Client().Transport.(*http.Transport).CloseIdleConnections()
		synced := memNow()
		prof("")
		b.ReportMetric(float64(int64(setUp.heap)-int64(empty.heap))/n, "setup-heap-B/device")
		b.ReportMetric(float64(int64(synced.heap)-int64(empty.heap))/n, "synced-heap-B/device")
		runtime.KeepAlive(devs)
	}
}
