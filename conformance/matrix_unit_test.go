package conformance

import (
	"strings"
	"testing"
)

// TestMatrixMachinery holds the matrix to what it must catch: a
// requirement that passed and now fails, or is no longer checked, is a
// regression; the rendered file parses back to the same statuses.
func TestMatrixMachinery(t *testing.T) {
	row := func(spec string, id int, v string, st status, reason string) struct {
		reqKey
		*outcome
	} {
		return struct {
			reqKey
			*outcome
		}{reqKey{spec, id, v}, &outcome{status: st, tests: map[string]bool{"MSASX_S01_TC01": true}, reason: reason}}
	}
	before := renderMatrix([]struct {
		reqKey
		*outcome
	}{row("MS-ASX", 1, "14.1", passed, ""), row("MS-ASX", 1, "16.1", passed, ""), row("MS-ASX", 2, "14.1", knownGap, "issue 15: a | b"), row("MS-ASX", 3, "14.1", passed, "")})
	after := renderMatrix([]struct {
		reqKey
		*outcome
	}{row("MS-ASX", 1, "14.1", passed, ""), row("MS-ASX", 1, "16.1", failed, ""), row("MS-ASX", 2, "14.1", knownGap, "issue 15: a | b")})
	got := parseMatrix(before)
	want := map[string]string{"MS-ASX_R1@14.1": "pass", "MS-ASX_R1@16.1": "pass", "MS-ASX_R2@14.1": "gap", "MS-ASX_R3@14.1": "pass"}
	if len(got) != len(want) {
		t.Fatalf("the matrix parses back to %v, want %v:\n%s", got, want, before)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the matrix parses %s as %q, want %q", k, got[k], v)
		}
	}
	lost := strings.Join(regressions(got, parseMatrix(after)), ", ")
	if lost != "MS-ASX_R1@16.1 (fail), MS-ASX_R3@14.1 (not checked)" {
		t.Errorf("regressions = %q, want R1 at 16.1 failing and R3 no longer checked", lost)
	}
	if !strings.Contains(string(before), "issue 15: a / b") {
		t.Errorf("a reason's | is not escaped in its table cell:\n%s", before)
	}
}
