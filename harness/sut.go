package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/internal/lockedbuf"
)

// Process is a system under test run as a child process: an agent or a
// gateway. Its stdout and stderr are kept for the report.
type Process struct {
	argv []string
	env  []string
	dir  string
	echo io.Writer // also gets the output, if set

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *lockedbuf.Buffer
	done chan struct{}
	err  error
	runs int
}

// StartProcess starts argv with the extra environment env (KEY=VALUE) in
// dir, which survives a Restart (EASLAB_SUT_DIR).
func StartProcess(argv, env []string, dir string) (*Process, error) {
	return startProcess(argv, env, dir, nil)
}

// startProcess is StartProcess with the output also written to echo.
func startProcess(argv, env []string, dir string, echo io.Writer) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("harness: empty command")
	}
	p := &Process{argv: argv, env: env, dir: dir, echo: echo, out: &lockedbuf.Buffer{}}
	return p, p.start()
}

func (p *Process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = p.dir
	p.runs++
	fmt.Fprintf(p.out, "---- easlab: start #%d: %s\n", p.runs, strings.Join(p.argv, " "))
	var w io.Writer = p.out
	if p.echo != nil {
		w = io.MultiWriter(p.out, p.echo)
	}
	cmd.Stdout, cmd.Stderr = w, w
	newProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("harness: start %s: %w", p.argv[0], err)
	}
	p.cmd, p.done, p.err = cmd, make(chan struct{}), nil
	go func(cmd *exec.Cmd, done chan struct{}) {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		fmt.Fprintf(p.out, "---- easlab: exited: %v\n", ExitText(err))
		close(done)
	}(cmd, p.done)
	return nil
}

// ExitText says how a process ended ("status 0" for a clean exit), for
// one-line reports of products and workers.
func ExitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *Process) Stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	terminateGroup(cmd)
	select {
	case <-done:
	case <-time.After(grace):
		fmt.Fprintf(p.out, "---- easlab: no exit %v after SIGTERM; SIGKILL\n", grace)
		killGroup(cmd)
		<-done
	}
}

// Restart stops the process as Stop does and starts it again with the
// same command, environment and directory.
func (p *Process) Restart(grace time.Duration) error {
	p.Stop(grace)
	return p.start()
}

// Output is everything the process wrote to stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// SplitCommand splits a command line as a POSIX shell would split words:
// spaces separate, single quotes keep everything, double quotes keep all
// but \" and \\, a backslash escapes the next character.
func SplitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("harness: unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("harness: unterminated \" in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening waits until something accepts connections at addr.
func waitListening(addr string, timeout time.Duration, p *Process) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if p != nil {
			if exited, err := p.Exited(); exited {
				return fmt.Errorf("harness: the gateway exited before listening on %s: %v", addr, ExitText(err))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("harness: nothing listens on %s after %v", addr, timeout)
}
