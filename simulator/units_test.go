package simulator

import (
	"strings"
	"testing"
	"time"
)

// Unit tests of unexported functions and tables. The tests that go
// through HTTP are in package simulator_test, on simtest.

// Every cmdlet table entry is reachable by every name.
func TestCmdletIndex(t *testing.T) {
	for _, d := range cmdletTable {
		for _, n := range append([]string{d.Name()}, d.Aliases()...) {
			if cmdlets.Get(n) != d || cmdlets.Get(strings.ToUpper(n)) != d {
				t.Errorf("%s does not lead to %s", n, d.Name())
			}
		}
	}
}

func TestWipeStatus(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		req, sent, ack time.Time
		supported      bool
		want           string
	}{
		{time.Time{}, time.Time{}, time.Time{}, true, "DeviceOk"},
		{at, time.Time{}, time.Time{}, true, "DeviceWipePending"},
		{at, at, time.Time{}, true, "DeviceWipePending"},
		{at, at, time.Time{}, false, "DeviceBlocked"},
		{at, at, at, true, "DeviceWipeSucceeded"},
		{time.Time{}, time.Time{}, at, false, "DeviceWipeSucceeded"},
	} {
		if got := wipeStatus(tc.req, tc.sent, tc.ack, tc.supported); got != tc.want {
			t.Errorf("%+v: %s", tc, got)
		}
	}
}

func TestParseTimeSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"00:15:00": 15 * time.Minute, "30.00:00:00": 30 * 24 * time.Hour, "30": 30 * 24 * time.Hour,
		"1:02": time.Hour + 2*time.Minute, "00:00:01.5": 1500 * time.Millisecond, "-1": -24 * time.Hour,
	} {
		if got, ok := parseTimeSpan(in); !ok || got != want {
			t.Errorf("parseTimeSpan(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "24:00", "00:60", "1:2:3:4", "00:00:00.", "1.5"} {
		if _, ok := parseTimeSpan(in); ok {
			t.Errorf("parseTimeSpan(%q) ok", in)
		}
	}
	for d, want := range map[time.Duration]string{15 * time.Minute: "00:15:00", 30 * 24 * time.Hour: "30.00:00:00", 1500 * time.Millisecond: "00:00:01.5000000"} {
		if got := formatTimeSpan(d); got != want {
			t.Errorf("formatTimeSpan(%v) = %q, want %q", d, got, want)
		}
	}
	if got := formatByteSize(1572864); got != "1.5 MB (1,572,864 bytes)" {
		t.Errorf("formatByteSize: %q", got)
	}
}
