package main

import (
	"strings"
	"testing"
)

// `easlab test` refuses what it cannot run before starting anything. (The
// runs themselves are the self-test in scenarios/selftest_test.go, which
// runs this binary against the reference and broken products.)
func TestTestCommandValidation(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"test"}, "give the product under test"},
		{[]string{"test", "--agent", "./a", "--gateway", "./g"}, "one of an agent"},
		{[]string{"test", "--agent", "./a 'open"}, "unterminated"},
		{[]string{"test", "--gateway-url", "http://127.0.0.1:1"}, "--simulator-url"},
		{[]string{"test", "--agent", "./a", "--org-default", "Sometimes"}, "org default"},
		{[]string{"test", "extra"}, "unknown command"},
		{[]string{"test", "--agent", "./a", "--label-filter", "seed ||"}, `--label-filter "seed ||": Syntax Error Parsing Label Filter`},
		{[]string{"test", "--agent", "./a", "--focus", "seed("}, "--focus: error parsing regexp"},
	} {
		_, err := run(t, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("easlab %s: %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// A dry run needs no product: it lists the specs (on Ginkgo's output) and
// passes.
func TestTestDryRun(t *testing.T) {
	out, err := run(t, nil, "test", "--dry-run", "--no-color", "--label-filter", "seed")
	if err != nil || !strings.Contains(string(out), "easlab test: passed") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
}
