package conformance

import (
	"fmt"
	"maps"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/easlab/easlab/eas"
)

// A site is what a ported test reports to, as the originals report to
// PTF's Site: the spec the test belongs to, the protocol version it runs
// at, and the requirements it checks.
type site struct {
	t       *testing.T
	spec    string // "MS-ASPROV"
	version eas.ProtocolVersion
	gaps    map[int]string
}

// status is a requirement's outcome at one version, in the order a worse
// outcome overrides a better one.
type status int

const (
	notApplicable status = iota
	passed
	knownGap
	failed
)

func (s status) String() string {
	return [...]string{"n/a", "pass", "gap", "fail"}[s]
}

// reqKey names a requirement at one protocol version.
type reqKey struct {
	spec    string
	id      int
	version string
}

// outcome is what the run found of one requirement at one version.
type outcome struct {
	status status
	tests  map[string]bool
	reason string // why it is a gap or not applicable
}

// methodRun is what one test method found at the versions it ran at:
// the statuses of the requirements it checked, the specs it reported to,
// and the requirements it found to be known gaps.
type methodRun struct {
	statuses map[string]*[4]bool // by version, indexed by status
	specs    map[string]bool
	gaps     map[string]bool // "MS-ASCMD_R123"
}

// status is the method's outcome at version v, or overall when v is "":
// not applicable when every requirement it checked was, otherwise the
// worst outcome of the others.
func (m *methodRun) status(v string) status {
	var seen [4]bool
	for w, st := range m.statuses {
		if v == "" || v == w {
			for i, ok := range st {
				seen[i] = seen[i] || ok
			}
		}
	}
	for _, st := range []status{failed, knownGap, passed} {
		if seen[st] {
			return st
		}
	}
	return notApplicable
}

// results gathers every site's outcomes, by requirement and by test
// method; TestMain writes them out.
var results = struct {
	sync.Mutex
	m       map[reqKey]*outcome
	methods map[string]*methodRun
}{m: map[reqKey]*outcome{}, methods: map[string]*methodRun{}}

// record notes that test found requirement id at st; a worse outcome
// wins over a better one.
func (s *site) record(id int, st status, reason string) {
	results.Lock()
	defer results.Unlock()
	k := reqKey{s.spec, id, s.version.String()}
	o := results.m[k]
	if o == nil {
		o = &outcome{status: st, tests: map[string]bool{}}
		results.m[k] = o
	}
	if st > o.status {
		o.status = st
	}
	if reason != "" && (o.reason == "" || st >= o.status) {
		o.reason = reason
	}
	o.tests[testName(s.t)] = true
	m, v := s.method(), s.version.String()
	if m.statuses[v] == nil {
		m.statuses[v] = &[4]bool{}
	}
	m.statuses[v][st] = true
	if st == knownGap {
		m.gaps[s.id(id)] = true
	}
}

// testName is the Interop method a test ports: its top-level name
// without "Test" and without the version subtest.
func testName(t *testing.T) string {
	n, _, _ := strings.Cut(t.Name(), "/")
	return strings.TrimPrefix(n, "Test")
}

// id names a requirement as the specs' requirement tables do.
func (s *site) id(id int) string { return fmt.Sprintf("%s_R%d", s.spec, id) }

// capture records requirement id as met when ok. A requirement that is
// not met fails the test, saying in one sentence what the server did,
// unless it is a declared gap; a declared gap that is met fails the test
// too, so that its declaration goes once the difference is fixed.
func (s *site) capture(id int, ok bool, format string, args ...any) {
	s.t.Helper()
	what := fmt.Sprintf(format, args...)
	reason, isGap := s.gaps[id]
	switch {
	case ok && isGap:
		s.record(id, passed, "")
		s.t.Errorf("%s at %s is declared a known gap (%s), but the server meets it now: %s; remove the gap", s.id(id), s.version, reason, what)
	case ok:
		s.record(id, passed, "")
	case isGap:
		s.record(id, knownGap, reason)
		s.t.Logf("%s at %s: known gap (%s): %s", s.id(id), s.version, reason, what)
	default:
		s.record(id, failed, "")
		s.t.Errorf("%s at %s is not met: %s", s.id(id), s.version, what)
	}
}

// equal captures requirement id when got equals want (of the same type:
// convert first), saying what was compared.
func (s *site) equal(id int, what string, want, got any) {
	s.t.Helper()
	s.capture(id, reflect.DeepEqual(want, got), "%s is %v, want %v", what, got, want)
}

// gap declares requirements that easlab is known not to meet where this
// test checks them, and why (the issue that will fix them).
func (s *site) gap(reason string, ids ...int) {
	if s.gaps == nil {
		s.gaps = map[int]string{}
	}
	for _, id := range ids {
		s.gaps[id] = reason
	}
}

// notApplicable ends the test: the requirements it would check do not
// apply to a simulator, for reason (a setting easlab does not model, a
// requirement on the client). They are listed in the matrix as such.
func (s *site) notApplicable(reason string, ids ...int) {
	s.t.Helper()
	if len(ids) == 0 {
		s.t.Fatalf("notApplicable(%q) names no requirement: the matrix would not show why the test was skipped", reason)
	}
	for _, id := range ids {
		s.record(id, notApplicable, reason)
	}
	s.t.Skipf("not applicable: %s", reason)
}

// must stops the test when a step that is not itself a check fails: the
// requirements after it are then not captured, and the matrix shows it.
func (s *site) must(err error, step string) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("%s at %s: %s failed: %v", testName(s.t), s.version, step, err)
	}
}

// versions are the protocol versions the suites run at (their
// ActiveSyncProtocolVersion setting) that easlab serves.
var versions = []eas.ProtocolVersion{eas.Version121, eas.Version140, eas.Version141, eas.Version160, eas.Version161}

// atVersions runs test once per version in vs, as a subtest named by the
// version, each with its own site.
func atVersions(t *testing.T, spec string, vs []eas.ProtocolVersion, test func(t *testing.T, s *site)) {
	t.Helper()
	t.Parallel()
	for _, v := range vs {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			s := &site{t: t, spec: spec, version: v}
			t.Cleanup(s.ran)
			test(t, s)
		})
	}
}

// ran notes, once the test has run at the site's version, that its
// method is ported and how it ended there, besides the requirements it
// checked: a method that checks no requirement id (as some originals
// check none) passes when none of its steps failed, and is not
// applicable when it was skipped; one that failed fails.
func (s *site) ran() {
	results.Lock()
	defer results.Unlock()
	m := s.method()
	st := m.statuses[s.version.String()]
	if st == nil {
		st = &[4]bool{}
		m.statuses[s.version.String()] = st
	}
	switch {
	case s.t.Failed():
		st[failed] = true
	case *st != [4]bool{}:
	case s.t.Skipped():
		st[notApplicable] = true
	default:
		st[passed] = true
	}
}

// method returns the outcomes of the site's test method, made on first
// use; results must be locked.
func (s *site) method() *methodRun {
	name := testName(s.t)
	m := results.methods[name]
	if m == nil {
		m = &methodRun{statuses: map[string]*[4]bool{}, specs: map[string]bool{}, gaps: map[string]bool{}}
		results.methods[name] = m
	}
	m.specs[s.spec] = true
	return m
}

// from returns the versions from v on.
func from(v eas.ProtocolVersion) []eas.ProtocolVersion {
	var out []eas.ProtocolVersion
	for _, w := range versions {
		if w.AtLeast(v) {
			out = append(out, w)
		}
	}
	return out
}

// methodSnapshot returns a copy of the test methods' outcomes gathered so
// far, by method name.
func methodSnapshot() map[string]*methodRun {
	results.Lock()
	defer results.Unlock()
	out := make(map[string]*methodRun, len(results.methods))
	for name, m := range results.methods {
		c := &methodRun{statuses: map[string]*[4]bool{}, specs: maps.Clone(m.specs), gaps: maps.Clone(m.gaps)}
		for v, st := range m.statuses {
			cp := *st
			c.statuses[v] = &cp
		}
		out[name] = c
	}
	return out
}

// snapshot returns the outcomes gathered so far, sorted.
func snapshot() []struct {
	reqKey
	*outcome
} {
	results.Lock()
	defer results.Unlock()
	out := make([]struct {
		reqKey
		*outcome
	}, 0, len(results.m))
	for k, o := range results.m {
		out = append(out, struct {
			reqKey
			*outcome
		}{k, o})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].reqKey, out[j].reqKey
		if a.spec != b.spec {
			return a.spec < b.spec
		}
		if a.id != b.id {
			return a.id < b.id
		}
		return a.version < b.version
	})
	return out
}
