package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/internal/lockedbuf"
	. "github.com/onsi/ginkgo/v2"
)

// The MFA adapter contract (stable). An unmodified MFA product sends its
// pushes to its vendor's cloud, not to EASLAB_MFA_URL; with
// Config.MFAAdapter (`easlab test --mfa-adapter CMD`) the harness reads
// them back, and answers them, through a vendor-supplied adapter process.
//
// The adapter is started once per spec, before the product, with
// EASLAB_MFA_URL (the spec's mock provider), EASLAB_ADMIN_URL and
// EASLAB_ADMIN_TOKEN in its environment, in its own process group. The
// harness writes one request per line (JSON) to its stdin and reads one
// answer line (JSON) from its stdout, one request at a time; the answer
// carries the request's "id". Stdout carries answers only: logs go to
// stderr, which is kept for the report. At the end of the spec stdin is
// closed; the process group is killed a second later.
//
//	{"id": 1, "op": "hello", "contract": 1}
//	  {"id": 1, "ok": true, "name": "acme cloud adapter 2.1"}
//	{"id": 2, "op": "pushes"}
//	  {"id": 2, "ok": true, "pushes": [{"pushId": "p1", "user": "alice@contoso.com",
//	    "person": "alice@contoso.com", "displayName": "Alice Wilber",
//	    "device": {"id": "ApplF17...", "type": "iPhone", "model": "iPhone16,1", "os": "iOS 17.4",
//	    "userAgent": "Apple-iPhone16C1/2104.106", "friendlyName": ""},
//	    "created": "2026-12-04T10:00:00.123Z", "status": "pending"}]}
//	{"id": 3, "op": "decide", "pushId": "p1", "status": "approved"}
//	  {"id": 3, "ok": true}
//	  {"id": 3, "ok": false, "error": "push p1 is already denied"}
//	{"id": 4, "op": "setDown", "down": true}
//	  {"id": 4, "ok": true}
//	  {"id": 4, "ok": false, "unsupported": true, "error": "the cloud cannot be taken down"}
//
// "hello" is the first request: the adapter is ready once it answers.
// "pushes" lists every push the vendor's cloud received since the adapter
// started, oldest first: pushId, device.id and status ("pending",
// "approved", "denied", "expired") are required; person is the UPN of the
// person the push reached (empty: the harness resolves user as the mock
// does); created and decided are RFC 3339 times, or null or left out
// (created: then when the harness first saw the push; decided: when the
// harness decided it, or first saw it decided). "decide" answers a pending push as its user would: "approved",
// "denied" or "expired" (a push left alone is never decided). "setDown"
// (optional) makes the vendor's cloud unreachable for the product, or
// reachable again; an adapter that cannot answers "unsupported" and the
// specs that need it are skipped. An answer with "ok": false is a refusal
// and is reported as such; anything else (no answer within 10 s, a line
// that is not such an answer, the process ending) fails the spec with one
// line naming the cause, and the adapter is killed.

// adapterTimeout is how long the harness waits for each answer.
const adapterTimeout = 10 * time.Second

// errAdapterUnsupported is an adapter's refusal of an optional request.
var errAdapterUnsupported = errors.New("unsupported by the MFA adapter")

// mfaAdapter is one running adapter process and the client of its
// contract.
type mfaAdapter struct {
	name    string // for messages: the command's base name
	timeout time.Duration
	cmd     *exec.Cmd
	stdin   *os.File
	lines   chan []byte // stdout lines; closed at EOF
	readErr error       // why lines closed (nil: EOF)
	stderr  *lockedbuf.Buffer
	done    chan struct{} // closed when the process has exited
	waitErr error

	mu     sync.Mutex // one request at a time
	nextID int
	err    error // once set, the adapter is unusable
	killed bool
	hello  string
}

type adapterRequest struct {
	ID       int    `json:"id"`
	Op       string `json:"op"`
	Contract int    `json:"contract,omitempty"`
	PushID   string `json:"pushId,omitempty"`
	Status   string `json:"status,omitempty"`
	Down     *bool  `json:"down,omitempty"`
}

type adapterAnswer struct {
	ID          *int    `json:"id"`
	OK          *bool   `json:"ok"`
	Error       string  `json:"error"`
	Unsupported bool    `json:"unsupported"`
	Name        string  `json:"name"`
	Pushes      *[]Push `json:"pushes"`
}

// startAdapter starts argv with the extra environment env and waits for
// its answer to "hello" (each answer within timeout).
func startAdapter(argv, env []string, timeout time.Duration) (*mfaAdapter, error) {
	if len(argv) == 0 {
		return nil, errors.New("the MFA adapter: empty command")
	}
	a := &mfaAdapter{name: filepath.Base(argv[0]), timeout: timeout, lines: make(chan []byte, 1), stderr: &lockedbuf.Buffer{}, done: make(chan struct{})}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("the MFA adapter %s: %w", a.name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("the MFA adapter %s: %w", a.name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, a.stderr
	newProcessGroup(cmd)
	cmd.WaitDelay = time.Second // a grandchild holding stderr does not hold Wait
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("the MFA adapter %s did not start: %w", a.name, err)
	}
	a.cmd, a.stdin = cmd, inW
	go func() {
		a.waitErr = cmd.Wait()
		close(a.done)
	}()
	go func() {
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			a.lines <- append([]byte(nil), sc.Bytes()...)
		}
		a.readErr = sc.Err()
		close(a.lines)
	}()
	ans, err := a.call(adapterRequest{Op: "hello", Contract: 1})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("the MFA adapter %s did not start: %w", a.name, errors.Unwrap(err))
	}
	if ans.OK == nil || !*ans.OK {
		a.Close()
		return nil, fmt.Errorf("the MFA adapter %s did not start: it refused hello: %s", a.name, ans.Error)
	}
	a.hello = ans.Name
	return a, nil
}

// adapterError is the adapter failing (not refusing): it wraps the cause.
type adapterError struct {
	name, op string
	cause    error
}

func (e *adapterError) Error() string {
	return fmt.Sprintf("the MFA adapter %s failed on %q: %v", e.name, e.op, e.cause)
}

func (e *adapterError) Unwrap() error { return e.cause }

// call sends one request and returns its answer. A failure (not a
// refusal) is sticky: the process group is killed and every later call
// returns the same error.
func (a *mfaAdapter) call(req adapterRequest) (adapterAnswer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return adapterAnswer{}, a.err
	}
	a.nextID++
	req.ID = a.nextID
	ans, err := a.roundTrip(req)
	if err != nil {
		a.err = &adapterError{name: a.name, op: req.Op, cause: err}
		a.kill()
		return adapterAnswer{}, a.err
	}
	return ans, nil
}

func (a *mfaAdapter) roundTrip(req adapterRequest) (adapterAnswer, error) {
	line, _ := json.Marshal(req)
	timer := time.NewTimer(a.timeout)
	defer timer.Stop()
	written := make(chan error, 1)
	go func() {
		_, err := a.stdin.Write(append(line, '\n'))
		written <- err
	}()
	for {
		select {
		case err := <-written:
			if err != nil {
				return adapterAnswer{}, a.ended(fmt.Sprintf("its stdin is closed (%v)", err))
			}
			written = nil
		case l, ok := <-a.lines:
			if !ok {
				if a.readErr != nil {
					return adapterAnswer{}, fmt.Errorf("unreadable answer: %v", a.readErr)
				}
				return adapterAnswer{}, a.ended("it closed its stdout")
			}
			return parseAnswer(l, req)
		case <-timer.C:
			return adapterAnswer{}, fmt.Errorf("no answer within %v (killed)", a.timeout)
		}
	}
}

// parseAnswer checks one answer line against its request.
func parseAnswer(l []byte, req adapterRequest) (adapterAnswer, error) {
	var ans adapterAnswer
	if err := json.Unmarshal(l, &ans); err != nil {
		return ans, fmt.Errorf("malformed answer %s: %v", quoteLine(l), err)
	}
	switch {
	case ans.ID == nil:
		return ans, fmt.Errorf("malformed answer %s: no id", quoteLine(l))
	case *ans.ID != req.ID:
		return ans, fmt.Errorf("malformed answer %s: id %d, want %d", quoteLine(l), *ans.ID, req.ID)
	case ans.OK == nil:
		return ans, fmt.Errorf("malformed answer %s: no ok", quoteLine(l))
	case !*ans.OK:
		return ans, nil
	case req.Op == "pushes" && ans.Pushes == nil:
		return ans, fmt.Errorf("malformed answer %s: no pushes", quoteLine(l))
	}
	if ans.Pushes != nil {
		for i, p := range *ans.Pushes {
			switch {
			case p.ID == "":
				return ans, fmt.Errorf("malformed answer: push %d has no pushId", i)
			case p.Device.ID == "":
				return ans, fmt.Errorf("malformed answer: push %s has no device.id", p.ID)
			case p.Status != PushPending && p.Status != PushApproved && p.Status != PushDenied && p.Status != PushExpired:
				return ans, fmt.Errorf("malformed answer: push %s has status %q", p.ID, p.Status)
			}
		}
	}
	return ans, nil
}

// quoteLine quotes an answer line for a message, cut to 200 bytes.
func quoteLine(l []byte) string {
	if len(l) > 200 {
		return fmt.Sprintf("%q...", l[:200])
	}
	return fmt.Sprintf("%q", l)
}

// ended describes the process ending (or having closed its pipes).
func (a *mfaAdapter) ended(what string) error {
	select {
	case <-a.done:
		what = "it exited (" + ExitText(a.waitErr) + ")"
	case <-time.After(time.Second):
	}
	if l := lastLine(a.stderr.String()); l != "" {
		what += "; its last words: " + l
	}
	return errors.New(what)
}

// lastLine returns the last non-blank line of a process's output that is
// not the harness's own marker, cut to 200 bytes, or "".
func lastLine(output string) string {
	lines := strings.Split(strings.TrimSpace(output), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "---- easlab:") {
			if len(l) > 200 {
				l = l[:200] + "..."
			}
			return l
		}
	}
	return ""
}

// kill kills the adapter's process group and waits for the adapter.
func (a *mfaAdapter) kill() {
	if a.killed {
		return
	}
	a.killed = true
	killGroup(a.cmd)
	a.stdin.Close()
	<-a.done
}

// pushes lists the pushes the vendor's cloud has received.
func (a *mfaAdapter) pushes() ([]Push, error) {
	ans, err := a.call(adapterRequest{Op: "pushes"})
	if err != nil {
		return nil, err
	}
	if !*ans.OK {
		return nil, &adapterError{name: a.name, op: "pushes", cause: fmt.Errorf("refused: %s", ans.Error)}
	}
	return *ans.Pushes, nil
}

// decide answers a push (PushApproved, PushDenied, PushExpired).
func (a *mfaAdapter) decide(id, status string) error {
	ans, err := a.call(adapterRequest{Op: "decide", PushID: id, Status: status})
	if err != nil {
		return err
	}
	if !*ans.OK {
		return fmt.Errorf("the MFA adapter %s refused to set push %s %s: %s", a.name, id, status, ans.Error)
	}
	return nil
}

// setDown makes the vendor's cloud unreachable (or reachable again);
// errAdapterUnsupported if the adapter cannot.
func (a *mfaAdapter) setDown(down bool) error {
	ans, err := a.call(adapterRequest{Op: "setDown", Down: &down})
	if err != nil {
		return err
	}
	if !*ans.OK {
		if ans.Unsupported {
			return fmt.Errorf("the MFA adapter %s cannot take the MFA service down (%s): %w", a.name, ans.Error, errAdapterUnsupported)
		}
		return fmt.Errorf("the MFA adapter %s refused setDown %v: %s", a.name, down, ans.Error)
	}
	return nil
}

// broken returns the adapter's sticky failure, if any.
func (a *mfaAdapter) broken() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Output is what the adapter wrote to stderr.
func (a *mfaAdapter) Output() string { return a.stderr.String() }

// Close closes the adapter's stdin and kills its process group a second
// later (at once if it has exited).
func (a *mfaAdapter) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = &adapterError{name: a.name, op: "close", cause: errors.New("closed")}
	}
	if a.killed {
		return
	}
	a.stdin.Close()
	select {
	case <-a.done:
	case <-time.After(time.Second):
	}
	// Also the adapter's children, if it left any behind.
	a.kill()
}

// report is the adapter's part of a failed spec's evidence: its name,
// its failure if any, and its stderr.
func (a *mfaAdapter) report() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "---- easlab: MFA adapter %s (%s)\n", a.name, a.hello)
	if err := a.broken(); err != nil {
		fmt.Fprintf(&b, "---- easlab: %v\n", err)
	}
	b.WriteString(a.Output())
	return b.String()
}

// adapterBackend is the MFA provider the specs see through an adapter
// (MFAProvider with Config.MFAAdapter).
type adapterBackend struct {
	a    *mfaAdapter
	mock *MFAProvider // resolves a push's person when the adapter gives none

	mu      sync.Mutex
	seen    map[string]time.Time // when the harness first saw each push
	decided map[string]time.Time // when the harness decided each push
	last    []Push               // the last list the adapter gave
	rule    func(Push) Decision  // OnPush, emulated by watch
	handled map[string]bool      // pushes the rule has seen (nil: no rule)
	stop    chan struct{}
	closing sync.Once
}

// useAdapter starts the adapter argv with env and makes the specs see the
// vendor's cloud through it.
func (m *MFAProvider) useAdapter(argv, env []string) error {
	a, err := startAdapter(argv, env, adapterTimeout)
	if err != nil {
		return err
	}
	m.adapter = &adapterBackend{a: a, mock: m, seen: map[string]time.Time{}, decided: map[string]time.Time{}, stop: make(chan struct{})}
	return nil
}

// adapterReport is the adapter's part of the evidence ("" without one).
func (m *MFAProvider) adapterReport() string {
	if m.adapter == nil {
		return ""
	}
	return m.adapter.a.report()
}

// failSpec fails the running spec with an adapter's failure, unless the
// spec has failed already (the report reads the pushes once more).
func failSpec(err error) {
	GinkgoHelper()
	if CurrentSpecReport().Failed() {
		return
	}
	Fail(err.Error())
}

// read asks the adapter for the pushes and completes what it left out; on
// failure it returns the last list with the error.
func (b *adapterBackend) read() ([]Push, error) {
	ps, err := b.a.pushes()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		return append([]Push(nil), b.last...), err
	}
	now := time.Now()
	for i := range ps {
		p := &ps[i]
		if _, ok := b.seen[p.ID]; !ok {
			b.seen[p.ID] = now
		}
		if p.Created.IsZero() {
			p.Created = b.seen[p.ID]
		}
		if p.Status != PushPending && p.Decided.IsZero() {
			if _, ok := b.decided[p.ID]; !ok {
				b.decided[p.ID] = now
			}
			p.Decided = b.decided[p.ID]
		}
		if p.Person == "" {
			if person, n := b.mock.resolve(p.User); n == 1 {
				p.Person = person.UPN
			}
		}
	}
	b.last = ps
	return append([]Push(nil), ps...), nil
}

func (b *adapterBackend) list() []Push {
	GinkgoHelper()
	ps, err := b.read()
	if err != nil {
		failSpec(err)
	}
	return ps
}

// decide answers a push: a refusal is returned, a failing adapter fails
// the spec.
func (b *adapterBackend) decide(id, status string) error {
	GinkgoHelper()
	err := b.a.decide(id, status)
	var failed *adapterError
	if errors.As(err, &failed) {
		failSpec(err)
	}
	if err == nil {
		b.noteDecided(id)
	}
	return err
}

func (b *adapterBackend) noteDecided(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.decided[id] = time.Now()
}

func (b *adapterBackend) setDown(down bool) {
	GinkgoHelper()
	err := b.a.setDown(down)
	switch {
	case errors.Is(err, errAdapterUnsupported):
		Skip(err.Error() + "; this spec needs the mock MFA provider or an adapter that can")
	case err != nil:
		failSpec(err)
	}
}

// onPush emulates MFAProvider.OnPush: pushes already there are not the
// rule's; watch decides the new ones.
func (b *adapterBackend) onPush(f func(Push) Decision) {
	GinkgoHelper()
	before := b.list()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rule = f
	if b.handled != nil {
		return
	}
	b.handled = map[string]bool{}
	for _, p := range before {
		b.handled[p.ID] = true
	}
	go b.watch()
}

// watch polls the adapter every 100 ms and applies the OnPush rule to
// each new push. It stops when the adapter fails: the spec's next call
// reports the failure.
func (b *adapterBackend) watch() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		ps, err := b.read()
		if err != nil {
			return
		}
		for _, p := range ps {
			b.mu.Lock()
			rule, handled := b.rule, b.handled[p.ID]
			b.handled[p.ID] = true
			b.mu.Unlock()
			if handled || p.Status != PushPending {
				continue
			}
			if d := rule(p); d.Action != "" {
				id := p.ID
				time.AfterFunc(d.Delay, func() {
					select {
					case <-b.stop:
					default:
						if b.a.decide(id, d.Action) == nil {
							b.noteDecided(id)
						}
					}
				})
			}
		}
	}
}

func (b *adapterBackend) close() {
	b.closing.Do(func() {
		close(b.stop)
		b.a.Close()
	})
}
