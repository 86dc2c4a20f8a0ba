package conformance

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write MATRIX.md from this run's results")

// matrixFile is the published matrix, beside the tests.
const matrixFile = "MATRIX.md"

// readmeFile shows the matrix's summary between summaryStart and
// summaryEnd; -update rewrites it and a whole run holds it to the matrix.
const (
	readmeFile   = "../README.md"
	summaryStart = "<!-- conformance summary: go test ./conformance -update -->"
	summaryEnd   = "<!-- end of conformance summary -->"
)

// summaryOf is the matrix's summary: its tables of requirements and of
// test methods.
func summaryOf(matrix []byte) []byte {
	_, rest, _ := bytes.Cut(matrix, []byte("## Summary\n\n"))
	tables, _, _ := bytes.Cut(rest, []byte("\n\n## "))
	return append(tables, '\n')
}

// withSummary returns readme with the summary between its markers, and
// whether it has them.
func withSummary(readme, summary []byte) ([]byte, bool) {
	before, rest, ok := bytes.Cut(readme, []byte(summaryStart))
	if !ok {
		return nil, false
	}
	_, after, ok := bytes.Cut(rest, []byte(summaryEnd))
	if !ok {
		return nil, false
	}
	var b bytes.Buffer
	b.Write(before)
	b.WriteString(summaryStart + "\n")
	b.Write(summary)
	b.WriteString(summaryEnd)
	b.Write(after)
	return b.Bytes(), true
}

// TestMain runs the ported tests, then holds MATRIX.md to what they
// found: a whole run (no -run or -skip) that tested nothing fails, and so
// does one whose matrix differs from the file (with -update it writes the
// file instead) or in which a requirement the file records as passing
// did not pass.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if partialRun() {
		os.Exit(code)
	}
	if msg := checkMatrix(); msg != "" {
		fmt.Fprintln(os.Stderr, msg)
		code = 1
	}
	os.Exit(code)
}

// partialRun reports whether only some tests ran, so that the matrix
// cannot be judged.
func partialRun() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return true
		}
	}
	return testing.Short()
}

// checkMatrix compares this run's matrix with MATRIX.md (or writes it
// with -update) and says in one sentence, with the evidence, what is
// wrong, or returns "".
func checkMatrix() string {
	rows := snapshot()
	if len(rows) == 0 {
		return "conformance: the run checked no requirement at all, so it proves nothing"
	}
	got := renderMatrix(rows, methodSnapshot())
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		return fmt.Sprintf("conformance: %s cannot be read: %v", readmeFile, err)
	}
	newReadme, ok := withSummary(readme, summaryOf(got))
	if !ok {
		return fmt.Sprintf("conformance: %s has no %s ... %s block for the matrix's counts", readmeFile, summaryStart, summaryEnd)
	}
	if *update {
		if err := os.WriteFile(matrixFile, got, 0o644); err != nil {
			return fmt.Sprintf("conformance: writing %s: %v", matrixFile, err)
		}
		if err := os.WriteFile(readmeFile, newReadme, 0o644); err != nil {
			return fmt.Sprintf("conformance: writing %s: %v", readmeFile, err)
		}
		return ""
	}
	if !bytes.Equal(readme, newReadme) {
		return fmt.Sprintf("conformance: the counts in %s are not the matrix's (run go test ./conformance -update and commit both)", readmeFile)
	}
	want, err := os.ReadFile(matrixFile)
	if err != nil {
		return fmt.Sprintf("conformance: %s cannot be read (%v): run go test ./conformance -update", matrixFile, err)
	}
	var msg []string
	if lost := regressions(parseMatrix(want), parseMatrix(got)); len(lost) > 0 {
		msg = append(msg, fmt.Sprintf("conformance: %d requirements or test methods %s records as passing did not pass: %s", len(lost), matrixFile, strings.Join(limit(lost, 20), ", ")))
	}
	if !bytes.Equal(want, got) {
		msg = append(msg, fmt.Sprintf("conformance: %s is out of date (run go test ./conformance -update and commit it); lines that differ:\n%s", matrixFile, lineDiff(want, got, 30)))
	}
	return strings.Join(msg, "\n")
}

// renderMatrix writes the matrix: a summary of the requirements per spec
// and version and of the test methods per spec, then a table per spec
// with a column per version, the test methods of each spec with their
// outcome per version, and the suites' methods that are not ported.
func renderMatrix(rows []struct {
	reqKey
	*outcome
}, methods map[string]*methodRun) []byte {
	type count [4]int
	summary := map[[2]string]*count{}
	specVersions := map[string][]string{}
	var specs []string
	for _, r := range rows {
		k := [2]string{r.spec, r.version}
		if summary[k] == nil {
			summary[k] = &count{}
		}
		summary[k][r.status]++
		if !slices.Contains(specs, r.spec) {
			specs = append(specs, r.spec)
		}
		if !slices.Contains(specVersions[r.spec], r.version) {
			specVersions[r.spec] = append(specVersions[r.spec], r.version)
		}
	}
	sort.Strings(specs)
	var b bytes.Buffer
	b.WriteString("# Conformance matrix\n\n")
	b.WriteString("Written by `go test ./conformance -update` from the Interop test suites ported in this folder; do not edit it by hand.\n")
	b.WriteString("A requirement at a protocol version is **pass** when every check of it passed, **gap** when it fails as a known difference from Exchange (the reason names the issue), **n/a** when it does not apply to a simulator (the reason says why), and **fail** otherwise. An empty cell: no ported test checks it at that version.\n\n")
	b.WriteString("## Summary\n\n| spec | version | pass | gap | n/a | fail |\n|---|---|---|---|---|---|\n")
	for _, spec := range specs {
		vs := specVersions[spec]
		sort.Strings(vs)
		for _, v := range vs {
			c := summary[[2]string{spec, v}]
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d |\n", spec, v, c[passed], c[knownGap], c[notApplicable], c[failed])
		}
	}
	writeMethodSummary(&b, methods)
	for _, spec := range specs {
		vs := specVersions[spec]
		fmt.Fprintf(&b, "\n## %s\n\n| requirement | %s | tests | reason |\n|---|%s---|---|\n", spec, strings.Join(vs, " | "), strings.Repeat("---|", len(vs)))
		byID := map[int]map[string]*outcome{}
		var ids []int
		for _, r := range rows {
			if r.spec != spec {
				continue
			}
			if byID[r.id] == nil {
				byID[r.id] = map[string]*outcome{}
				ids = append(ids, r.id)
			}
			byID[r.id][r.version] = r.outcome
		}
		sort.Ints(ids)
		for _, id := range ids {
			cells := make([]string, len(vs))
			tests := map[string]bool{}
			var reasons []string
			for i, v := range vs {
				o := byID[id][v]
				if o == nil {
					continue
				}
				cells[i] = o.status.String()
				for t := range o.tests {
					tests[t] = true
				}
				if o.reason != "" && !slices.Contains(reasons, o.reason) {
					reasons = append(reasons, o.reason)
				}
			}
			names := make([]string, 0, len(tests))
			for t := range tests {
				names = append(names, t)
			}
			sort.Strings(names)
			fmt.Fprintf(&b, "| R%d | %s | %s | %s |\n", id, strings.Join(cells, " | "), strings.Join(names, ", "), strings.ReplaceAll(strings.Join(reasons, "; "), "|", "/"))
		}
	}
	writeMethods(&b, methods)
	return b.Bytes()
}

// specOfMethod is the spec whose suite has the test method name, or "".
func specOfMethod(name string) string {
	for spec, ms := range interopMethods {
		if slices.Contains(ms, name) {
			return spec
		}
	}
	return ""
}

// suiteSpecs are the specs of the suites, sorted.
func suiteSpecs() []string {
	return slices.Sorted(maps.Keys(interopMethods))
}

// writeMethodSummary writes the summary of the test methods: per spec,
// the suite's methods, those ported, those of them not applicable (every
// requirement they check is), passing (none is a gap or fails), with
// known gaps and failing, and the share of the applicable ones passing.
// The targets are set on that share.
func writeMethodSummary(b *bytes.Buffer, methods map[string]*methodRun) {
	b.WriteString("\n| spec | test methods | ported | not applicable | passing | with gaps | failing | passing of applicable |\n|---|---|---|---|---|---|---|---|\n")
	for _, spec := range suiteSpecs() {
		var ported int
		var c [4]int
		for _, name := range interopMethods[spec] {
			if m := methods[name]; m != nil {
				ported++
				c[m.status("")]++
			}
		}
		share := "-"
		if applicable := ported - c[notApplicable]; applicable > 0 {
			share = fmt.Sprintf("%.1f%%", 100*float64(c[passed])/float64(applicable))
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %d | %s |\n", spec, len(interopMethods[spec]), ported, c[notApplicable], c[passed], c[knownGap], c[failed], share)
	}
}

// writeMethods writes, per spec, its ported test methods with their
// outcome at each version, the specs whose requirements they check and
// the requirements they found to be known gaps; then the suites' methods
// not ported, with the reason unportedMethods gives; then the tests that
// reported to a site under a name that is no method of the suites.
func writeMethods(b *bytes.Buffer, methods map[string]*methodRun) {
	for _, spec := range suiteSpecs() {
		var vs []string
		for _, name := range interopMethods[spec] {
			if m := methods[name]; m != nil {
				for v := range m.statuses {
					if !slices.Contains(vs, v) {
						vs = append(vs, v)
					}
				}
			}
		}
		if len(vs) == 0 {
			continue
		}
		sort.Strings(vs)
		fmt.Fprintf(b, "\n## %s test methods\n\n| method | %s | reports to | known gaps |\n|---|%s---|---|\n", spec, strings.Join(vs, " | "), strings.Repeat("---|", len(vs)))
		for _, name := range interopMethods[spec] {
			m := methods[name]
			if m == nil {
				continue
			}
			cells := make([]string, len(vs))
			for i, v := range vs {
				if m.statuses[v] != nil {
					cells[i] = m.status(v).String()
				}
			}
			gaps := slices.SortedFunc(maps.Keys(m.gaps), func(a, b string) int {
				if len(a) != len(b) {
					return len(a) - len(b)
				}
				return strings.Compare(a, b)
			})
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, strings.Join(cells, " | "), strings.Join(slices.Sorted(maps.Keys(m.specs)), ", "), strings.Join(gaps, ", "))
		}
	}
	b.WriteString("\n## Test methods not ported\n\n")
	var rows []string
	for _, spec := range suiteSpecs() {
		for _, name := range interopMethods[spec] {
			if methods[name] != nil {
				continue
			}
			reason := unportedMethods[name]
			if reason == "" {
				reason = "not ported yet"
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s |\n", spec, name, strings.ReplaceAll(reason, "|", "/")))
		}
	}
	if len(rows) == 0 {
		b.WriteString("Every test method of the suites is ported.\n")
	} else {
		b.WriteString("| spec | method | reason |\n|---|---|---|\n")
		b.WriteString(strings.Join(rows, ""))
	}
	var strays []string
	for name := range methods {
		if specOfMethod(name) == "" {
			strays = append(strays, name)
		}
	}
	if len(strays) > 0 {
		sort.Strings(strays)
		b.WriteString("\n## Tests that are no method of the suites\n\nThese tests report requirements under a name no suite has: rename them after the method they port.\n\n")
		for _, name := range strays {
			fmt.Fprintf(b, "- %s\n", name)
		}
	}
}

// parseMatrix reads the status of every requirement and of every test
// method at every version from a matrix renderMatrix wrote, keyed
// "MS-ASPROV_R394@14.1" and "MSASPROV_S01_TC01_AcknowledgeSecurityPolicySettings@14.1".
func parseMatrix(md []byte) map[string]string {
	out := map[string]string{}
	var spec, table string
	var vs []string
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, "## "); ok {
			spec, table, vs = s, "", nil
			continue
		}
		if spec == "" || spec == "Summary" || !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) >= 3 && (cells[0] == "requirement" || cells[0] == "method") {
			table, vs = cells[0], cells[1:len(cells)-2]
			continue
		}
		if table == "" || strings.HasPrefix(cells[0], "-") || len(cells) < len(vs)+1 {
			continue
		}
		key := spec + "_" + cells[0]
		if table == "method" {
			key = cells[0]
		}
		for i, v := range vs {
			if st := strings.TrimSpace(cells[1+i]); st != "" {
				out[key+"@"+v] = st
			}
		}
	}
	return out
}

// regressions lists the requirements want records as passing that got
// does not.
func regressions(want, got map[string]string) []string {
	var out []string
	for k, st := range want {
		if st == "pass" && got[k] != "pass" {
			g := got[k]
			if g == "" {
				g = "not checked"
			}
			out = append(out, k+" ("+g+")")
		}
	}
	sort.Strings(out)
	return out
}

// lineDiff lists at most n lines found in only one of a and b, marked
// - and +.
func lineDiff(a, b []byte, n int) string {
	as, bs := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range as {
		inA[l] = true
	}
	for _, l := range bs {
		inB[l] = true
	}
	var out []string
	for _, l := range as {
		if !inB[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bs {
		if !inA[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(limit(out, n), "\n")
}

func limit(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
	}
	return s
}
