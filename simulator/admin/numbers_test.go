package admin

import (
	"testing"
	"time"
)

func TestParseTimeSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"00:15:00": 15 * time.Minute, "30.00:00:00": 30 * 24 * time.Hour, "30": 30 * 24 * time.Hour,
		"1:02": time.Hour + 2*time.Minute, "00:00:01.5": 1500 * time.Millisecond, "-1": -24 * time.Hour,
	} {
		if got, ok := ParseTimeSpan(in); !ok || got != want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "24:00", "00:60", "1:2:3:4", "00:00:00.", "1.5"} {
		if _, ok := ParseTimeSpan(in); ok {
			t.Errorf("ParseTimeSpan(%q) ok", in)
		}
	}
	for d, want := range map[time.Duration]string{15 * time.Minute: "00:15:00", 30 * 24 * time.Hour: "30.00:00:00", 1500 * time.Millisecond: "00:00:01.5000000"} {
		if got := FormatTimeSpan(d); got != want {
			t.Errorf("FormatTimeSpan(%v) = %q, want %q", d, got, want)
		}
	}
}
