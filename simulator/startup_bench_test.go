package simulator

import (
	"fmt"
	"net/mail"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/store"
)

// BenchmarkStartup measures what `easlab serve --data DIR` does at start
// over a large organization: 1,000 mailboxes, 10,000 devices (each with a
// hierarchy and an Inbox sync state holding its 100 items) and 100,000
// e-mails of about 1 KB, read from SQLite. Startup reads the directory;
// the mailboxes are decoded in the background (warm) or at their first
// request. It reports the time to start (ns/op), the time until every
// mailbox is decoded (warm-s), and the live heap at both points.
//
// EASLAB_BENCH_DATA=DIR keeps the data directory there (it is built when
// missing), to measure the resident size of a real `easlab serve --data
// DIR` over it.
func BenchmarkStartup(b *testing.B) {
	const users, devicesPer, itemsPer = 1000, 10, 100
	dir := os.Getenv("EASLAB_BENCH_DATA")
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(dir + "/easlab.db"); err != nil {
		t0 := time.Now()
		buildStartupData(b, dir, users, devicesPer, itemsPer)
		b.Logf("built %s in %v", dir, time.Since(t0).Round(time.Millisecond))
	}
	var ms0, ms1, ms2 runtime.MemStats
	var dirs []*Directory
	var warm time.Duration
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		st, err := store.OpenSQLite(dir)
		if err != nil {
			b.Fatal(err)
		}
		d, err := OpenDirectory(st, func() (*Directory, error) { return nil, fmt.Errorf("the data directory is empty") })
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		t0 := time.Now()
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		<-d.warmed // every mailbox decoded, in the background
		warm += time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&ms2)
		if n := len(d.Users()); n != users {
			b.Fatalf("restored %d users, want %d", n, users)
		}
		dirs = append(dirs[:0], d)
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(ms1.HeapAlloc-ms0.HeapAlloc)/(1<<20), "start-heap-MiB")
	b.ReportMetric(float64(ms2.HeapAlloc-ms0.HeapAlloc)/(1<<20), "warm-heap-MiB")
	b.ReportMetric(warm.Seconds()/float64(b.N), "warm-s")
	runtime.KeepAlive(dirs)
}

// buildStartupData writes the organization BenchmarkStartup reads, through
// the simulator's own write path.
func buildStartupData(b *testing.B, dir string, users, devicesPer, itemsPer int) {
	d := NewDirectory(Organization{Name: "Contoso", Domain: "contoso.com", NetBIOS: "CONTOSO"})
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	body := strings.Repeat("Numbers for this week are in the attached sheet. ", 12)
	for u := 0; u < users; u++ {
		alias := fmt.Sprintf("user%05d", u)
		mb := NewMailbox()
		if err := d.AddUser(User{Alias: alias, DisplayName: "User " + alias, Password: "Passw0rd!"}, mb); err != nil {
			b.Fatal(err)
		}
		inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
		raw, err := BuildMail(&mail.Address{Name: "Katie Jordan", Address: "katie@fabrikam.com"}, []*mail.Address{{Address: alias + "@contoso.com"}}, "Status report", body, "", now)
		if err != nil {
			b.Fatal(err)
		}
		m, err := ParseMail(raw)
		if err != nil {
			b.Fatal(err)
		}
		held := map[string]bool{}
		for i := 0; i < itemsPer; i++ {
			it, err := mb.AddItem(inbox.ServerID, EmailItem(m, now, i%2 == 0))
			if err != nil {
				b.Fatal(err)
			}
			held[it.ServerID] = true
		}
		mb.mu.Lock()
		for i := 0; i < devicesPer; i++ {
			id := fmt.Sprintf("DEV%05d%02d", u, i)
			dev := mb.deviceLocked(id, "iPhone", "Apple-iPhone15C2/2201.1", now)
			dev.ProtocolVersion, dev.PolicyKey, dev.LastSuccessSync = "16.1", 1000+uint32(i), now
			dev.DeviceAccessState, dev.DeviceAccessStateReason = access.Allowed, access.ReasonGlobal
			h := initialState()
			h.held = map[string]bool{}
			for _, f := range mb.folders {
				h.held[f.ServerID] = true
			}
			dev.hierarchy = h
			st := initialState()
			for k := range held {
				st.setHeld(k)
			}
			st.seen = mb.modseq
			dev.collections.set(inbox.ServerID, st)
		}
		mb.mu.Unlock()
	}
	st, err := store.OpenSQLite(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := OpenDirectory(st, func() (*Directory, error) { return d, nil }); err != nil {
		b.Fatal(err)
	}
}
