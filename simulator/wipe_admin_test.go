package simulator_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// Clear-MobileDevice through the admin API, seen in the statistics and in
// the event stream.
func TestClearMobileDeviceAndEvents(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	d := quarantined("IPH1", "iPhone")
	d.PolicyKey = 42
	e.Mailbox("alice").AddDeviceForTest(d)
	e.Cmdlet("Clear-MobileDevice", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`, "AccountOnly": true})
	st := e.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": e.DeviceIdentity("IPH1")})[0]
	if st["Status"] != "DeviceWipePending" || st["DeviceWipeRequestTime"] == nil || st["LastDeviceWipeRequestor"] != "Administrator" {
		t.Fatalf("after Clear-MobileDevice: %v %v %v", st["Status"], st["DeviceWipeRequestTime"], st["LastDeviceWipeRequestor"])
	}
	e.Cmdlet("Clear-MobileDevice", map[string]any{"Identity": e.DeviceIdentity("IPH1"), "Cancel": true})
	if st := e.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": e.DeviceIdentity("IPH1")})[0]; st["Status"] != "DeviceOk" {
		t.Fatalf("after -Cancel: %v", st["Status"])
	}
	e.CmdletFails("Clear-MobileDevice", map[string]any{"Identity": "NOPE"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.Cmdlet("Remove-MobileDevice", map[string]any{"Identity": e.DeviceIdentity("IPH1")})

	// The stream, from the start: requested, cancelled, removed.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/api/events", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("events without a token: %v %v", resp, err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Admin.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		b := make([]byte, 300)
		n, _ := resp.Body.Read(b)
		t.Fatalf("HTTP %d Content-Type %q: %s", resp.StatusCode, ct, b[:n])
	}
	var kinds []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && len(kinds) < 3 {
		if k, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			kinds = append(kinds, k)
		}
	}
	if strings.Join(kinds, " ") != "WipeRequested WipeCancelled PartnershipRemoved" {
		t.Errorf("events: %v", kinds)
	}
}
