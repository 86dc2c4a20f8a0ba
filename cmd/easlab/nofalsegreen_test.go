package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// This test binary is also easlab (EASLAB_TEST_AS=easlab: its workers too,
// as os.Executable is this binary) and a fake product (`fake-product
// MODE [MARKER]` as the --agent or --gateway command), so that `easlab
// test` runs as a vendor runs it: its own process, worker processes and
// the product's processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "fake-product" {
		fakeProduct(os.Args[2:])
		os.Exit(0)
	}
	if os.Getenv("EASLAB_TEST_AS") == "easlab" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeProduct is a product under test that fails in one way:
//
//	good             calls the admin API, then runs until SIGTERM
//	exit             says why and exits 3 at once
//	silent           runs until SIGTERM without a word or a call
//	fixed URL        calls the admin API at URL (not $EASLAB_ADMIN_URL),
//	                 then runs until SIGTERM
//	good-once MARK   good on its first start (MARK absent), then exits
//	                 at once (a product that broke after the preflight)
//	kill-worker MARK good on its first start, then kills its parent (the
//	                 easlab worker that started it) and exits
func fakeProduct(args []string) {
	mode, first := args[0], true
	if mode == "fixed" {
		// configured beforehand: the admin API at the URL it was given
		if resp, err := http.Get(args[1] + "/api/cmdlet"); err == nil {
			resp.Body.Close()
		}
		mode = "silent"
	} else if len(args) > 1 {
		if _, err := os.Stat(args[1]); err == nil {
			first = false
		}
		os.WriteFile(args[1], nil, 0o644)
	}
	switch {
	case mode == "exit":
		fmt.Fprintln(os.Stderr, "fake agent: cannot read /etc/agent.yaml")
		os.Exit(3)
	case mode == "good-once" && !first:
		fmt.Fprintln(os.Stderr, "fake agent: license expired")
		os.Exit(2)
	case mode == "kill-worker" && !first:
		syscall.Kill(os.Getppid(), syscall.SIGKILL)
		os.Exit(0)
	case mode != "silent":
		if resp, err := http.Get(os.Getenv("EASLAB_ADMIN_URL") + "/api/cmdlet"); err == nil {
			resp.Body.Close()
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

// easlab runs `easlab ARGS` as its own process and returns its output.
func easlab(t *testing.T, args ...string) (string, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, append(args, "--no-color", "--seed", "7")...)
	cmd.Env = append(os.Environ(), "EASLAB_TEST_AS=easlab")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fake is the command line of a fake product.
func fake(t *testing.T, mode string, marker ...string) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(append([]string{self, "fake-product", mode}, marker...), " ")
}

// wantFailedEarly checks a run that must fail with cause on one line,
// having run next to nothing: a run of every spec writes tens of
// kilobytes, and a line per spec.
func wantFailedEarly(t *testing.T, out string, err error, cause string, maxBytes int) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("exit %v, want a non-zero exit\n%s", err, out)
	}
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, cause) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d lines say %q, want 1:\n%s", n, cause, out)
	}
	if len(out) > maxBytes {
		t.Errorf("%d bytes of output, want at most %d: the run did not end early\n%s", len(out), maxBytes, out)
	}
}

// A filter that selects nothing (a typo) is not a green run, with one
// process or with workers, and neither is a dry run that lists nothing.
func TestTestNoSpecSelected(t *testing.T) {
	agent := fake(t, "good")
	for _, c := range []struct {
		args  []string
		cause string
	}{
		{[]string{"--agent", agent, "--label-filter", "sede"}, `no spec selected: --label-filter "sede" matches none of the`},
		{[]string{"--agent", agent, "--label-filter", "sede", "--procs", "1"}, `no spec selected: --label-filter "sede" matches none of the`},
		{[]string{"--agent", agent, "--focus", "no such spec"}, `no spec selected: --focus "no such spec" matches none of the`},
		{[]string{"--agent", agent, "--focus", "no such spec", "--procs", "1"}, `no spec selected: --focus "no such spec" matches none of the`},
		{[]string{"--dry-run", "--label-filter", "sede"}, `no spec selected: --label-filter "sede"`},
	} {
		t.Run(strings.Join(c.args[2:], " "), func(t *testing.T) {
			out, err := easlab(t, append([]string{"test"}, c.args...)...)
			wantFailedEarly(t, out, err, c.cause, 4000)
			if strings.Contains(out, "easlab test: passed") {
				t.Errorf("a run of no spec says it passed:\n%s", out)
			}
		})
	}
}

// A product that cannot start is said once, before any spec runs.
func TestTestProductNotStarted(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		cause string
	}{
		{"no such command", []string{"--agent", "/nonexistent/agent"}, "the agent did not start: start /nonexistent/agent: fork/exec /nonexistent/agent: no such file or directory"},
		{"no such command, one process", []string{"--agent", "/nonexistent/agent", "--procs", "1"}, "the agent did not start: start /nonexistent/agent"},
		{"agent exits at once", []string{"--agent", fake(t, "exit")}, `the agent exited at start (exit status 3); its last output: "fake agent: cannot read /etc/agent.yaml"`},
		{"agent never calls", []string{"--agent", fake(t, "silent"), "--push-deadline", "1s", "--procs", "1"}, "the agent made no admin API call ($EASLAB_ADMIN_URL/api/... or $EASLAB_POWERSHELL_URL) within the 1s push deadline"},
		{"gateway never listens", []string{"--gateway", fake(t, "silent")}, "the gateway did not start: nothing listens on 127.0.0.1:"},
		{"gateway exits at once", []string{"--gateway", fake(t, "exit")}, "the gateway did not start: the gateway exited before listening on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := easlab(t, append([]string{"test"}, c.args...)...)
			wantFailedEarly(t, out, err, c.cause, 1000)
		})
	}
}

// A worker that dies writes no report: the run fails, saying which.
func TestTestWorkerWithoutReport(t *testing.T) {
	agent := fake(t, "kill-worker", filepath.Join(t.TempDir(), "started"))
	out, err := easlab(t, "test", "--agent", agent, "--procs", "2", "--label-filter", "seed")
	wantFailedEarly(t, out, err, "wrote no report (it ended with signal: killed), so its share of the specs is unaccounted for", 4000)
}

// A product that breaks after the preflight stops the run after the same
// setup failure in a few specs, said once at the top of the summary,
// rather than a failure per spec; each failure has its sentence.
func TestTestStopsAfterRepeatedSetupFailure(t *testing.T) {
	for _, procs := range []string{"1", "4"} {
		t.Run("procs "+procs, func(t *testing.T) {
			agent := fake(t, "good-once", filepath.Join(t.TempDir(), "started"))
			out, err := easlab(t, "test", "--agent", agent, "--procs", procs)
			wantFailedEarly(t, out, err, "easlab test: stopped early: the test environment did not start in 3 specs in a row: the agent exited at start (exit status 2)", 60000)
			var ran, passed, failed, skipped int
			_, summary, _ := strings.Cut(out, "\n==== ran ")
			fmt.Sscanf(summary, "%d specs in %s %d passed, %d failed, %d skipped", &ran, new(string), &passed, &failed, &skipped)
			if failed < 3 || failed > 12 {
				t.Errorf("%d failed specs, want 3 to 12 (3 per worker at most)\n%s", failed, out)
			}
			// The summary lists them under two reasons: the setup failure
			// and the one that stopped the run.
			if n := strings.Count(summary, "  [FAIL] "); n > 2 {
				t.Errorf("the summary lists %d reasons, want at most 2\n%s", n, summary)
			}
			if !strings.Contains(out, `fake agent: license expired`) {
				t.Errorf("the product's last words are not in the output\n%s", out)
			}
		})
	}
}

// --simulator-listen puts the simulator where an agent configured
// beforehand looks for it: the preflight sees its call there, and without
// the flag it does not.
func TestTestSimulatorListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	agent := fake(t, "fixed", "http://"+addr)
	out, err := easlab(t, "test", "--agent", agent, "--push-deadline", "1s", "--procs", "1")
	wantFailedEarly(t, out, err, "the agent made no admin API call", 4000)
	out, _ = easlab(t, "test", "--agent", agent, "--push-deadline", "1s", "--simulator-listen", addr, "--focus", "is held until its owner approves the push, then syncs", "--fail-fast")
	if strings.Contains(out, "made no admin API call") || !strings.Contains(out, "ran 1 specs") {
		t.Fatalf("the agent configured with http://%s did not reach the simulator on --simulator-listen %s:\n%s", addr, addr, out)
	}
}

// TestNoColourWhenNotATerminal: output to a pipe (a CI log) carries no
// ANSI escape codes, without --no-color.
func TestNoColourWhenNotATerminal(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "test", "--dry-run", "--label-filter", "seed")
	cmd.Env = append(os.Environ(), "EASLAB_TEST_AS=easlab")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "specs") {
		t.Fatalf("easlab test --dry-run: %v\n%s", err, out)
	}
	if i := strings.Index(string(out), "\x1b["); i >= 0 {
		t.Errorf("an ANSI escape code in output to a pipe, at byte %d:\n%q", i, out[i:min(len(out), i+40)])
	}
}
