//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is an easlab process the tool started: its output is kept (the
// last tailBytes of it) for the reason of a failure.
type child struct {
	name   string // "easlab serve", "easlab fleet"
	args   []string
	cmd    *exec.Cmd
	stdout *tail
	stderr *tail
	done   chan struct{} // closed when the process has exited
	err    error         // its Wait error, set before done closes
}

// tailBytes bounds what is kept of a child's output.
const tailBytes = 1 << 20

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// startChild starts bin with args; the child dies with the tool (Linux's
// parent-death signal) so an interrupted run leaves no server behind.
func startChild(name, bin string, args, env []string) (*child, error) {
	c := &child{name: name, args: args, stdout: &tail{max: tailBytes}, stderr: &tail{max: tailBytes}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, args...)
	if len(env) > 0 {
		c.cmd.Env = append(os.Environ(), env...)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the child has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop interrupts the child (SIGINT: easlab serve shuts down cleanly) and
// kills it if it has not ended within grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

var unknownFlag = regexp.MustCompile(`unknown (?:shorthand )?flag: '?(-[^\s']+)`)

// exitReason explains why the child ended: a flag the binary refuses is
// named as such (the --park flags are newer than some binaries), else the
// exit status and the last line of its error output.
func (c *child) exitReason() string {
	errText := c.stderr.String()
	if m := unknownFlag.FindStringSubmatch(errText); m != nil {
		return fmt.Sprintf("%s refuses the flag %s (unknown flag: this easlab binary does not have it; build one that does and pass it with --easlab)", c.name, m[1])
	}
	last := lastLine(errText)
	if last == "" {
		last = lastLine(c.stdout.String())
	}
	return fmt.Sprintf("%s exited (%v): %s", c.name, c.err, last)
}

// lastLine returns the last non-empty line of s (a fleet's progress line
// ends in \r, not \n: both count).
func lastLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// memStatus is a process's memory as the kernel counts it
// (/proc/PID/status, proc(5)): VmHWM is the peak resident set, kept by the
// kernel itself, so no sampling gap can miss a peak.
type memStatus struct {
	RSSKB  int64 // VmRSS
	PeakKB int64 // VmHWM
}

func readMemStatus(pid int) (memStatus, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return memStatus{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	var m memStatus
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSSKB
		case "VmHWM":
			dst = &m.PeakKB
		default:
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return memStatus{}, fmt.Errorf("process %d %s %q: %w", pid, key, val, err)
		}
		*dst = n
	}
	if err := sc.Err(); err != nil {
		return memStatus{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	if m.PeakKB == 0 {
		return memStatus{}, fmt.Errorf("process %d: no VmHWM in /proc/%d/status (not Linux, or a kernel thread)", pid, pid)
	}
	return m, nil
}

// loadAverage returns /proc/loadavg's three load averages ("" if
// unreadable): the machine may be shared, and a figure is read with it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit; children
// inherit it (a fleet of N devices holds N connections, and so does the
// server). It returns the limit now in force.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit NOFILE: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise RLIMIT_NOFILE to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}

// freePort returns a loopback address nobody listens on now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// buildEasLab builds ./cmd/easlab of the module around dir with goTool
// into a new temporary directory, and returns the binary and a function
// that removes it.
func buildEasLab(ctx context.Context, goTool, dir string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "pingload-")
	if err != nil {
		return "", nil, fmt.Errorf("build easlab: %w", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	bin := filepath.Join(tmp, "easlab")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/easlab/easlab/cmd/easlab")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build easlab (%s build in %s): %w: %s", goTool, dir, err, strings.TrimSpace(out.String()))
	}
	return bin, cleanup, nil
}

// goToolPath is the go command: on PATH, else the one of the toolchain
// that built this tool.
func goToolPath() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(goRoot(), "bin", "go")
}
