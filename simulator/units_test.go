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

func TestFormatByteSize(t *testing.T) {
	if got := formatByteSize(1572864); got != "1.5 MB (1,572,864 bytes)" {
		t.Errorf("formatByteSize: %q", got)
	}
}
