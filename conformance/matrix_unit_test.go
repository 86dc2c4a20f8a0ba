package conformance

import (
	"fmt"
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
	}{row("MS-ASX", 1, "14.1", passed, ""), row("MS-ASX", 1, "16.1", passed, ""), row("MS-ASX", 2, "14.1", knownGap, "issue 15: a | b"), row("MS-ASX", 3, "14.1", passed, "")}, nil)
	after := renderMatrix([]struct {
		reqKey
		*outcome
	}{row("MS-ASX", 1, "14.1", passed, ""), row("MS-ASX", 1, "16.1", failed, ""), row("MS-ASX", 2, "14.1", knownGap, "issue 15: a | b")}, nil)
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

// TestMatrixMethods holds the matrix's count of test methods to what it
// must show: a method is not applicable only when every requirement it
// checked is, passing when none is a gap or fails; the share passing is
// of the applicable ones; a method that passed and now has a gap is a
// regression; the suites' methods without a port are listed.
func TestMatrixMethods(t *testing.T) {
	run := func(statuses map[string][]status, gaps ...string) *methodRun {
		m := &methodRun{statuses: map[string]*[4]bool{}, specs: map[string]bool{"MS-ASNOTE": true}, gaps: map[string]bool{}}
		for v, sts := range statuses {
			m.statuses[v] = &[4]bool{}
			for _, st := range sts {
				m.statuses[v][st] = true
			}
		}
		for _, g := range gaps {
			m.gaps[g] = true
		}
		return m
	}
	notes := interopMethods["MS-ASNOTE"]
	before := map[string]*methodRun{
		notes[0]:                     run(map[string][]status{"14.1": {passed, notApplicable}, "16.1": {passed}}),
		notes[1]:                     run(map[string][]status{"14.1": {notApplicable}, "16.1": {notApplicable}}),
		notes[2]:                     run(map[string][]status{"14.1": {passed}, "16.1": {passed, knownGap}}, "MS-ASNOTE_R12"),
		notes[3]:                     run(map[string][]status{"14.1": {passed}}),
		"MSASNOTE_S09_TC01_Invented": run(map[string][]status{"14.1": {passed}}),
	}
	md := string(renderMatrix(nil, before))
	wantRow := fmt.Sprintf("| MS-ASNOTE | %d | 4 | 1 | 2 | 1 | 0 | 66.7%% |", len(notes))
	if !strings.Contains(md, wantRow) {
		t.Errorf("the method summary has no row %q:\n%s", wantRow, md)
	}
	if !strings.Contains(md, "| MSASNOTE_S01_TC03_Sync_LastModifiedDateIgnored | pass | gap | MS-ASNOTE | MS-ASNOTE_R12 |") {
		t.Errorf("the method table does not show a method's gap at one version:\n%s", md)
	}
	if !strings.Contains(md, "| MS-ASNOTE | "+notes[4]+" | not ported yet |") || strings.Contains(md, "| MS-ASNOTE | "+notes[0]+" |") {
		t.Errorf("the methods not ported are not those without a port:\n%s", md)
	}
	if !strings.Contains(md, "- MSASNOTE_S09_TC01_Invented") {
		t.Errorf("a test named after no method of the suites is not listed:\n%s", md)
	}
	if !strings.Contains(string(summaryOf([]byte(md))), wantRow) {
		t.Errorf("the summary the README shows has no method counts:\n%s", summaryOf([]byte(md)))
	}
	after := map[string]*methodRun{
		notes[0]: run(map[string][]status{"14.1": {passed}, "16.1": {knownGap}}),
		notes[1]: before[notes[1]],
		notes[2]: before[notes[2]],
	}
	lost := strings.Join(regressions(parseMatrix([]byte(md)), parseMatrix(renderMatrix(nil, after))), ", ")
	if want := notes[0] + "@16.1 (gap), " + notes[3] + "@14.1 (not checked)"; lost != want {
		t.Errorf("regressions = %q, want %q", lost, want)
	}
}
