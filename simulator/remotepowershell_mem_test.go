package simulator

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/psrp"
)

// BenchmarkGetMobileDeviceUnlimited streams Get-MobileDevice -ResultSize
// Unlimited over /PowerShell from organizations of 10,000 and 100,000
// partnerships (100 per user) and reports the objects received and what
// the stream holds beyond the organization (the live heap, read ten times
// mid-stream while the client pauses), against the organization's own
// heap. Client and server share the process, so the figure covers both.
func BenchmarkGetMobileDeviceUnlimited(b *testing.B) {
	for _, users := range []int{100, 1000} {
		b.Run(fmt.Sprintf("devices=%d", users*100), func(b *testing.B) { benchGetMobileDevice(b, users, 100) })
	}
}

func benchGetMobileDevice(b *testing.B, users, perUser int) {
	dir := NewDirectory(Organization{Name: "Contoso", Domain: "contoso.com", NetBIOS: "CONTOSO"})
	if err := dir.AddUser(User{Alias: "admin", DisplayName: "Administrator", Password: "p", RoleGroups: []string{"Organization Management"}}, NewMailbox()); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for u := range users {
		mb := NewMailbox()
		alias := fmt.Sprintf("user%05d", u)
		if err := dir.AddUser(User{Alias: alias, DisplayName: alias, Password: "p"}, mb); err != nil {
			b.Fatal(err)
		}
		for d := range perUser {
			mb.AddDeviceForTest(Device{DeviceID: fmt.Sprintf("Appl%05d%03d", u, d), DeviceType: "iPhone", DeviceUserAgent: "Apple-iPhone15C2/2201.1", ProtocolVersion: "16.1",
				FirstSyncTime: start, LastSyncAttemptTime: start})
		}
	}
	s, err := New(Options{Directory: dir, Clock: clock.NewManual(start), ErrorResponseDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s)
	hs.Config = NewHTTPServer(s, HTTPLimits{})
	hs.Start()
	defer hs.Close()
	ctx := context.Background()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	for b.Loop() {
		ps, err := client.Open(ctx, client.Config{URL: hs.URL + "/PowerShell/", User: "admin", Password: "p"})
		if err != nil {
			b.Fatal(err)
		}
		// Held mid-stream: at each tenth of the result the client stops
		// reading (the server's writer then waits on its full queue) and
		// the heap is collected twice and read. Collected while the
		// stream runs, the figure would count what is allocated during
		// the collection (more, the larger the organization's heap).
		peak := uint64(0)
		n := 0
		total := users * perUser
		res, err := ps.InvokeStream(ctx, func(any) {
			n++
			if n%(total/10) == 0 {
				var m runtime.MemStats
				runtime.GC()
				runtime.GC()
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}, psrp.Command{Name: "Get-MobileDevice", Args: []psrp.Argument{{Name: "ResultSize", Value: "Unlimited"}}})
		if err != nil || res.Failed != nil {
			b.Fatalf("Get-MobileDevice: %v %+v", err, res)
		}
		if n != users*perUser {
			b.Fatalf("%d devices received, want %d", n, users*perUser)
		}
		ps.Close(ctx)
		b.ReportMetric(float64(n), "devices")
		b.ReportMetric(float64(peak-min(peak, base.HeapAlloc))/(1<<20), "held-mid-stream-MiB")
		b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "org-heap-MiB")
	}
}
