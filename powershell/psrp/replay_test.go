package psrp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easlab/easlab/internal/oracle"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/psrpshell"
	"github.com/easlab/easlab/powershell/wsman"
	"gopkg.in/yaml.v3"
)

// Replay of the WinRM sessions recorded between the pypsrp client and real
// Windows servers (../shared/vectors/psrp, see its MANIFEST.md) against
// our wsman.Server and psrp pool.
//
// Each recorded request envelope is sent as it is, with three changes:
//
//   - A Receive's OperationTimeout becomes PT0.5S (replayTimeout), so that
//     the recorded TimedOut faults (test_psrp_long_running_cmdlet.yml)
//     come in half a second; our server honours the request's timeout.
//   - A CommandId the recorded server chose is replaced by ours in later
//     requests. In test_psrp_run_protocol_version_2.1.yml the client sent
//     CommandId BDAD31FD… and that (older) server answered 24864ED3…; our
//     server keeps the client's id, as the other recorded servers do.
//   - Nothing else: ShellIds and CommandIds are the client's.
//
// Our response is compared with the recorded one structurally: the same
// SOAP Action, for a fault the same subcode and WSManFault Code, the same
// element structure of the body (element and attribute names; the texts
// of leaves too, except ids, times and the host's details: see volatile).
//
// The PSRP messages of a ReceiveResponse are compared per stream (the
// pool's, or one command's) as the concatenated sequence of message types
// (with the state in RUNSPACEPOOL_STATE, PIPELINE_STATE and the answer in
// RUNSPACE_AVAILABILITY), not per response: how a server groups messages
// into Receives depends on timing (the recorded JEA session gets
// SESSION_CAPABILITY and APPLICATION_PRIVATE_DATA in two Receives, the
// others in one; ours has all three opening messages ready at once).
// So a recorded Receive whose messages we already sent is not replayed
// (counted as coalesced), and when our answer holds fewer messages than
// the recording, or no Done where it has one, the test Receives again
// until it catches up. PROGRESS_RECORD and INFORMATION_RECORD are left out
// of the recorded sequences: PowerShell's host writes them (module
// loading progress, Write-Information), and a Runspace's Writer has no
// way to write them.
//
// Every response of ours must also fit the request's MaxEnvelopeSize
// (test_psrp_small_msg_size.yml asks for 32768 bytes, and its output
// spreads over several Receives).
//
// The Runspace is scripted from the recording: each pipeline emits the
// recorded PIPELINE_OUTPUT objects, ERROR_RECORDs, WARNING, VERBOSE and
// DEBUG records and ends in the recorded state; it reads its input when
// the recording sends PIPELINE_INPUT, and it waits until the test's first
// Receive of the command that the recording answered with data (so the
// long-running command times out twice first). GET_COMMAND_METADATA is
// answered with the recorded objects. What the runspace says is not under
// test; the WS-Management verbs, PSRP framing, fragmentation, state
// machines, key exchange, runspace counts and faults are.
//
// Vectors and exchanges not replayed as recorded:
//
//	| vector / exchange                                   | what the test does                                                                                  |
//	|-----------------------------------------------------|-----------------------------------------------------------------------------------------------------|
//	| test_wsman_update_envelope_size_150/4096.yml #0,    | a Get of http://schemas.microsoft.com/wbem/wsman/1/config: WinRM's configuration, which Exchange's |
//	| test_psrp_small_msg_size.yml #0                     | /PowerShell does not serve; asserts our a:ActionNotSupported fault instead of the GetResponse       |
//	| test_psrp_key_exchange_timeout.yml #4               | the recording answers the PUBLIC_KEY with an empty ReceiveResponse (the client's timeout test);     |
//	|                                                     | we answer ENCRYPTED_SESSION_KEY as test_psrp_multiple_commands.yml records: asserted as the only   |
//	|                                                     | extra message                                                                                       |
//	| test_psrp_is_alive_invalid_selectors.yml #4         | the recorded server lost the shell between two Gets without a request; the test closes our shells   |
//	|                                                     | (Server.Close) before replaying it, then expects the recorded w:InvalidSelectors fault              |
//	| test_psrp_run_protocol_version_2.1.yml #0           | WinRM 2.0 chose its own ShellId and CommandId and wrote no rsp:Shell in CreateResponse; the ids    |
//	|                                                     | are mapped to ours and our rsp:Shell is left out of that comparison                                 |
//
// No vector is skipped whole. Exchanges replayed: 122 of the 141 recorded
// (the other 19 are Receives coalesced into earlier ones, as above).

// vectorDir is ../shared/vectors/psrp from the repository root.
var vectorDir = filepath.Join("..", "..", "..", "shared", "vectors", "psrp")

// replayTimeout replaces a Receive's OperationTimeout.
const replayTimeout = "PT0.5S"

const (
	uriPowerShell = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
	uriJEA        = "http://schemas.microsoft.com/powershell/JEARole"
	uriConfig     = "http://schemas.microsoft.com/wbem/wsman/1/config"
)

type exchange struct {
	Request  string `yaml:"request"`
	Response string `yaml:"response"`
}

// expectation overrides what one exchange's answer must be.
type expectation struct {
	action, subcode string // our answer's Action, or a fault's subcode
	why             string
	before          func(srv *wsman.Server) // done before the request is sent
	dropOurs        []string                // elements of our body not compared ("ns local")
}

// expected lists the exchanges whose recorded answer we do not give, with
// why (the table in the file's comment).
var expected = map[string]map[int]expectation{
	"test_wsman_update_envelope_size_150.yml":  {0: notConfig},
	"test_wsman_update_envelope_size_4096.yml": {0: notConfig},
	"test_psrp_small_msg_size.yml":             {0: notConfig},
	// WinRM 2.0 (the server at 192.168.56.3:5985) chose its own ShellId
	// and answered Create without rsp:Shell; ours keeps the client's id
	// and describes the shell, as the WinRM 3.0 servers recorded do.
	"test_psrp_run_protocol_version_2.1.yml":   {0: {dropOurs: []string{wsman.NsShell + " Shell"}}},
	"test_psrp_is_alive_invalid_selectors.yml": {4: {why: "the recorded server lost the shell between two Gets", before: func(s *wsman.Server) { s.Close() }}},
}

var notConfig = expectation{action: wsman.ActionFault, subcode: "a:ActionNotSupported",
	why: "WinRM's config resource is not served at Exchange's /PowerShell"}

// extraMessages are messages we send on a stream beyond the recording's.
var extraMessages = map[string][]string{
	// The recording answers PUBLIC_KEY with an empty ReceiveResponse.
	"test_psrp_key_exchange_timeout.yml": {"ENCRYPTED_SESSION_KEY"},
}

func TestReplayRecordedSessions(t *testing.T) {
	if _, err := os.Stat(vectorDir); err != nil {
		oracle.RequireExternal(t, "the recorded sessions are missing", "put pypsrp's recorded sessions in ../shared/vectors/psrp (see its MANIFEST.md)")
	}
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".yml"), func(t *testing.T) {
			n := replay(t, name, readSession(t, f))
			t.Logf("%s: %d exchanges replayed", name, n)
			total += n
		})
	}
	t.Logf("%d exchanges replayed from %d sessions", total, len(files))
	if total == 0 {
		t.Fatal("no exchange replayed")
	}
}

// ---- the scripted runspace ----

// script is what one recorded pipeline or metadata query did.
type script struct {
	recCmd  string // the recorded CommandId (as the recorded server named it)
	sig     string // the pipeline's signature; "" for GET_COMMAND_METADATA
	meta    bool
	inputs  int             // PIPELINE_INPUT messages the client sent
	msgs    []*psrp.Message // what the recorded server answered, in order
	release chan struct{}   // closed by the test when the runspace may answer
	once    sync.Once
}

func (s *script) open() { s.once.Do(func() { close(s.release) }) }

type scriptedRunspace struct {
	mu    sync.Mutex
	pipes map[string][]*script // by signature, in order
	meta  []*script
	errs  []string
}

func (r *scriptedRunspace) fail(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// signature identifies a pipeline by its commands, so that concurrent
// Invokes (test_psrp_nested_command.yml) find their own script.
func signature(p *psrp.PipelineRequest) string {
	var b strings.Builder
	for _, st := range p.Statements {
		for _, c := range st {
			fmt.Fprintf(&b, "%s|%v|%v(", c.Name, c.IsScript, c.MergeErrorToOutput)
			for _, a := range c.Args {
				fmt.Fprintf(&b, "%s=", a.Name)
				if s, ok := a.Value.(string); ok {
					b.WriteString(s)
				}
				b.WriteString(";")
			}
			b.WriteString(")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (r *scriptedRunspace) Invoke(ctx context.Context, p *psrp.PipelineRequest, w *psrp.Writer) error {
	sig := signature(p)
	r.mu.Lock()
	var s *script
	if q := r.pipes[sig]; len(q) > 0 {
		s, r.pipes[sig] = q[0], q[1:]
	}
	r.mu.Unlock()
	if s == nil {
		r.fail("no recorded pipeline %q left", sig)
		return &psrp.ErrorRecord{Message: "unscripted pipeline"}
	}
	if s.inputs > 0 {
		in, err := w.Input(ctx)
		if err != nil {
			return err
		}
		if len(in) != s.inputs {
			r.fail("pipeline %s: %d input objects, %d recorded", s.recCmd, len(in), s.inputs)
		}
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, m := range s.msgs {
		v, err := clixml.Unmarshal(m.Data)
		if err != nil {
			r.fail("pipeline %s: recorded %s: %v", s.recCmd, m.Type, err)
			continue
		}
		o, _ := v.(*clixml.Object)
		msg := func() string {
			if o == nil {
				return ""
			}
			if s := o.String("InformationalRecord_Message"); s != "" {
				return s
			}
			return o.ToString
		}
		switch m.Type {
		case psrp.PipelineOutput:
			err = w.Output(v)
		case psrp.ErrorRecordMsg:
			err = w.Error(psrp.ErrorRecordFrom(o))
		case psrp.WarningRecord:
			err = w.Warning(msg())
		case psrp.VerboseRecord:
			err = w.Verbose(msg())
		case psrp.DebugRecord:
			err = w.Debug(msg())
		case psrp.PipelineState:
			st, _ := o.Get("PipelineState")
			switch st {
			case int32(4):
				return nil
			case int32(5):
				e, _ := o.Get("ExceptionAsErrorRecord")
				eo, _ := e.(*clixml.Object)
				if eo == nil {
					return errors.New("failed")
				}
				return psrp.ErrorRecordFrom(eo)
			}
			<-ctx.Done() // stopped: wait for the client's signal
			return ctx.Err()
		}
		if err != nil {
			return err
		}
	}
	// No final state recorded: the client stopped it (nested command).
	<-ctx.Done()
	return ctx.Err()
}

func (r *scriptedRunspace) CommandMetadata(ctx context.Context, q psrp.MetadataQuery) ([]*clixml.Object, error) {
	r.mu.Lock()
	var s *script
	if len(r.meta) > 0 {
		s, r.meta = r.meta[0], r.meta[1:]
	}
	r.mu.Unlock()
	if s == nil {
		r.fail("no recorded GET_COMMAND_METADATA left for %v", q.Names)
		return nil, errors.New("unscripted metadata")
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var out []*clixml.Object
	first := true
	for _, m := range s.msgs {
		if m.Type != psrp.PipelineOutput {
			continue
		}
		if first { // the count, which the pool writes itself
			first = false
			continue
		}
		v, err := clixml.Unmarshal(m.Data)
		if err != nil {
			return nil, err
		}
		o, ok := v.(*clixml.Object)
		if !ok {
			return nil, fmt.Errorf("metadata is a %T", v)
		}
		out = append(out, o)
	}
	return out, nil
}

// ---- the plugin: a pool over the scripted runspace, as psrpshell runs one ----

type testPlugin struct{ rs *scriptedRunspace }

func (p testPlugin) Open(ctx context.Context, req wsman.OpenRequest) (wsman.Shell, error) {
	return psrpshell.Open(req, psrp.PoolConfig{Runspace: p.rs}, nil)
}

// ---- envelopes as trees ----

type node struct {
	name  xml.Name
	attrs []xml.Attr
	text  string
	kids  []*node
}

func parseTree(b []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	root := &node{}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.attrs = append(n.attrs, a)
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text += string(t)
		}
	}
	if len(root.kids) != 1 {
		return nil, fmt.Errorf("%d root elements", len(root.kids))
	}
	return root.kids[0], nil
}

func (n *node) find(local string) *node {
	if n == nil {
		return nil
	}
	if n.name.Local == local {
		return n
	}
	for _, k := range n.kids {
		if f := k.find(local); f != nil {
			return f
		}
	}
	return nil
}

func (n *node) findAll(local string, out []*node) []*node {
	if n.name.Local == local {
		out = append(out, n)
	}
	for _, k := range n.kids {
		out = k.findAll(local, out)
	}
	return out
}

func (n *node) attr(local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// subcode is a fault's s:Subcode/s:Value.
func (n *node) subcode() string {
	if f := n.find("Subcode"); f != nil {
		return f.textOf("Value")
	}
	return ""
}

func (n *node) textOf(local string) string {
	if f := n.find(local); f != nil {
		return strings.TrimSpace(f.text)
	}
	return ""
}

// volatile are the elements whose text is the server's own (ids, times,
// the host, its process) or the stream, compared elsewhere.
var volatile = map[string]bool{
	"MessageID": true, "ActivityId": true, "RelatesTo": true, "Address": true, "Owner": true,
	"ClientIP": true, "ProcessId": true, "IdleTimeOut": true, "ShellRunTime": true,
	"ShellInactivity": true, "MemoryUsed": true, "Stream": true, "CommandId": true,
}

// shape writes n's structure: element and attribute names, and the text
// of leaves not volatile. Streams and CommandState of a ReceiveResponse
// are left out (compared as message sequences).
func shape(n *node, b *strings.Builder, depth int, ids map[string]string) {
	if skipped(n) {
		return
	}
	fmt.Fprintf(b, "%s{%s}%s", strings.Repeat(" ", depth), n.name.Space, n.name.Local)
	for _, a := range n.attrs {
		fmt.Fprintf(b, " @%s", a.Name.Local)
	}
	leaf := true
	for _, k := range n.kids {
		leaf = leaf && skipped(k)
	}
	if leaf && !volatile[n.name.Local] {
		text := strings.TrimSpace(n.text)
		if ours, ok := ids[text]; ok {
			text = ours
		}
		fmt.Fprintf(b, " = %q", text)
	}
	b.WriteString("\n")
	for _, k := range n.kids {
		shape(k, b, depth+1, ids)
	}
}

// skipped are the elements left out of a body's shape: a ReceiveResponse's
// streams and state (compared as message sequences), and the elements
// named in skipElems.
var skipElems = map[string]bool{}

func skipped(n *node) bool {
	return n.name.Local == "Stream" || n.name.Local == "CommandState" || skipElems[n.name.Space+" "+n.name.Local]
}

// bodyShape is the shape of env's body; ids maps the recorded server's
// ids to ours, drop names elements left out.
func bodyShape(env *node, ids map[string]string, drop ...string) string {
	var b strings.Builder
	body := env.find("Body")
	if body == nil {
		return ""
	}
	for _, k := range body.kids {
		if !slices.Contains(drop, k.name.Space+" "+k.name.Local) {
			shape(k, &b, 0, ids)
		}
	}
	return b.String()
}

// streamShapes are a ReceiveResponse's Stream and CommandState elements
// with their attributes (CommandIds as ours) and children.
func streamShapes(env *node, ids map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, local := range []string{"Stream", "CommandState"} {
		for _, n := range env.findAll(local, nil) {
			var b strings.Builder
			b.WriteString(local)
			for _, a := range n.attrs {
				v := a.Value
				if ours, ok := ids[v]; ok {
					v = ours
				}
				fmt.Fprintf(&b, " %s=%q", a.Name.Local, strings.ToUpper(v))
			}
			for _, k := range n.kids {
				fmt.Fprintf(&b, " <%s>%s", k.name.Local, strings.TrimSpace(k.text))
			}
			out[b.String()] = true
		}
	}
	return out
}

// headerNames are the names of a header's elements, in order, without
// p:ActivityId: the recorded servers write it in 107 of 141 answers, with
// no pattern by action (a SignalResponse has it once in three, a
// ReceiveResponse 49 times in 63); ours writes it on every answer but
// Signal's and faults.
func headerNames(env *node) string {
	h := env.find("Header")
	if h == nil {
		return ""
	}
	var names []string
	for _, k := range h.kids {
		if k.name.Local != "ActivityId" {
			names = append(names, k.name.Local)
		}
	}
	return strings.Join(names, ",")
}

// ---- PSRP streams ----

// stream is one stream's messages, recorded and ours.
type stream struct {
	rec, ours        []string
	recDone, ourDone bool
}

func describe(t *testing.T, m *psrp.Message) string {
	name := m.Type.String()
	key := map[psrp.MessageType]string{psrp.RunspacePoolState: "RunspaceState", psrp.PipelineState: "PipelineState",
		psrp.RunspaceAvailability: "SetMinMaxRunspacesResponse"}[m.Type]
	if key == "" {
		return name
	}
	v, err := clixml.Unmarshal(m.Data)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return name
	}
	o, _ := v.(*clixml.Object)
	if o == nil {
		return name
	}
	x, _ := o.Get(key)
	return fmt.Sprintf("%s(%v)", name, x)
}

// streamMessages decodes a ReceiveResponse's streams with asm.
func streamMessages(t *testing.T, env *node, asm *psrp.Assembler) []*psrp.Message {
	var out []*psrp.Message
	for _, s := range env.findAll("Stream", nil) {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s.text), ""))
		if err != nil {
			t.Errorf("stream base64: %v", err)
			continue
		}
		msgs, err := asm.Feed(b)
		if err != nil {
			t.Errorf("stream fragments: %v", err)
		}
		out = append(out, msgs...)
	}
	return out
}

func hostWritten(t psrp.MessageType) bool {
	return t == psrp.ProgressRecord || t == psrp.InformationRecord
}

var timeoutRE = regexp.MustCompile(`(<wsman:OperationTimeout>)[^<]*(</wsman:OperationTimeout>)`)

// ---- the replay ----

// readSession reads the messages of a recorded session (a vector's .yml).
func readSession(t testing.TB, file string) []exchange {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Messages []exchange `yaml:"messages"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc.Messages
}

func replay(t *testing.T, name string, msgs []exchange) int {
	rs := &scriptedRunspace{pipes: map[string][]*script{}}
	scripts := buildScripts(t, msgs, rs)

	srv := &wsman.Server{Plugin: testPlugin{rs}, ResourceURIs: []string{uriPowerShell, uriJEA}, MaxEnvelopeSize: 4 << 20, Machine: "127.0.0.1"}
	defer srv.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Serve(w, r, "vagrant") }))
	defer hs.Close()

	post := func(req []byte) ([]byte, *node) {
		resp, err := http.Post(hs.URL+"/wsman", "application/soap+xml;charset=UTF-8", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		env, err := parseTree(b)
		if err != nil {
			t.Fatalf("our response is not XML: %v\n%s", err, b)
		}
		return b, env
	}

	ids := map[string]string{} // recorded CommandId -> ours, where they differ
	streams := map[string]*stream{}
	recAsm := psrp.Assembler{Limits: psrp.Limits{MaxMessageBytes: 64 << 20, MaxPending: 64}}
	ourAsm := psrp.Assembler{Limits: recAsm.Limits}
	replayed, coalesced, catchUp := 0, 0, 0
	for i, ex := range msgs {
		recReq, err := wsman.ParseRequest([]byte(ex.Request))
		if err != nil {
			t.Fatalf("#%d: recorded request: %v", i, err)
		}
		recEnv, err := parseTree([]byte(ex.Response))
		if err != nil {
			t.Fatalf("#%d: recorded response: %v", i, err)
		}
		req := []byte(ex.Request)
		for rec, ours := range ids {
			req = bytes.ReplaceAll(req, []byte(rec), []byte(ours))
		}
		recAction := recEnv.textOf("Action")
		exp, hasExp := expected[name][i]
		if hasExp && exp.before != nil {
			exp.before(srv)
		}

		var st *stream
		var recMsgs []*psrp.Message
		isReceive := recReq.Action == wsman.ActionReceive
		if isReceive {
			req = timeoutRE.ReplaceAll(req, []byte("${1}"+replayTimeout+"${2}"))
			cmd := strings.ToUpper(recReq.Receive.DesiredStream.CommandID)
			if streams[cmd] == nil {
				streams[cmd] = &stream{}
			}
			st = streams[cmd]
			if recAction == wsman.ActionReceive+"Response" {
				if s := scripts[cmd]; s != nil {
					s.open()
				}
				recMsgs = streamMessages(t, recEnv, &recAsm)
				for _, m := range recMsgs {
					if !hostWritten(m.Type) {
						st.rec = append(st.rec, describe(t, m))
					}
				}
				if cs := recEnv.find("CommandState"); cs != nil && strings.HasSuffix(cs.attr("State"), "/Done") {
					st.recDone = true
				}
				if len(recMsgs) > 0 && len(st.ours) >= len(st.rec) && (!st.recDone || st.ourDone) {
					coalesced++ // we sent these already
					continue
				}
			}
		}

		ourRaw, ourEnv := post(req)
		replayed++
		if max := recReq.MaxEnvelopeSize; max > 0 && len(ourRaw) > max {
			t.Errorf("#%d: our %d-byte response is over the request's MaxEnvelopeSize %d", i, len(ourRaw), max)
		}
		ourAction := ourEnv.textOf("Action")
		if hasExp && exp.action != "" {
			if ourAction != exp.action || ourEnv.subcode() != exp.subcode {
				t.Errorf("#%d (%s): we answer %s %s, want %s %s", i, exp.why, ourAction, ourEnv.subcode(), exp.action, exp.subcode)
			}
			continue
		}
		if ourAction != recAction {
			t.Errorf("#%d %s: we answer %s %s, recorded %s %s", i, recReq.Action, ourAction, ourEnv.subcode(), recAction, recEnv.subcode())
			continue
		}
		for _, id := range []string{"CommandId", "Selector"} { // server-chosen ids
			if recAction != wsman.ActionCommand+"Response" && recAction != wsman.ActionCreate+"Response" {
				break
			}
			rec, ours := recEnv.textOf(id), ourEnv.textOf(id)
			if rec != "" && !strings.EqualFold(rec, ours) {
				ids[rec] = ours
			}
		}
		if rh, oh := headerNames(recEnv), headerNames(ourEnv); rh != oh {
			t.Errorf("#%d %s: header %s, recorded %s", i, recAction, oh, rh)
		}
		if recAction == wsman.ActionFault {
			rc, oc := recEnv.find("WSManFault"), ourEnv.find("WSManFault")
			if recEnv.subcode() != ourEnv.subcode() || rc == nil || oc == nil || rc.attr("Code") != oc.attr("Code") {
				t.Errorf("#%d: fault %s %v, recorded %s %v", i, ourEnv.subcode(), oc, recEnv.subcode(), rc)
			}
		}
		if rs, os := bodyShape(recEnv, ids), bodyShape(ourEnv, nil, exp.dropOurs...); rs != os {
			t.Errorf("#%d %s: body differs\nrecorded:\n%s\nours:\n%s", i, recAction, rs, os)
		}
		if isReceive && ourAction == wsman.ActionReceive+"Response" {
			cmd := strings.ToUpper(recReq.Receive.DesiredStream.CommandID)
			// Streams and the command's state: the same attributes as
			// recorded, whatever their grouping.
			rsig, osig := streamShapes(recEnv, ids), streamShapes(ourEnv, nil)
			for k := range osig {
				if len(rsig) > 0 && !rsig[k] {
					t.Errorf("#%d: our %s, recorded %v", i, k, rsig)
				}
			}
			take := func(env *node) {
				for _, m := range streamMessages(t, env, &ourAsm) {
					st.ours = append(st.ours, describe(t, m))
				}
				if cs := env.find("CommandState"); cs != nil && strings.HasSuffix(cs.attr("State"), "/Done") {
					st.ourDone = true
				}
			}
			take(ourEnv)
			for extra := 0; (len(st.ours) < len(st.rec) || st.recDone && !st.ourDone) && extra < 20; extra++ {
				raw, env := post(req)
				if env.textOf("Action") != wsman.ActionReceive+"Response" {
					t.Errorf("#%d: catching up on stream %q: %s", i, cmd, raw)
					break
				}
				take(env)
				catchUp++
			}
			if n := min(len(st.rec), len(st.ours)); strings.Join(st.rec[:n], " ") != strings.Join(st.ours[:n], " ") || len(st.ours) < len(st.rec) {
				t.Errorf("#%d: stream %q differs\nrecorded: %v\nours:     %v", i, cmd, st.rec, st.ours)
			}
			if st.recDone != st.ourDone {
				t.Errorf("#%d: stream %q: Done %v, recorded %v", i, cmd, st.ourDone, st.recDone)
			}
		}
	}
	for cmd, st := range streams {
		want := st.rec
		if cmd == "" {
			want = append(append([]string(nil), st.rec...), extraMessages[name]...)
		}
		if strings.Join(want, " ") != strings.Join(st.ours, " ") {
			t.Errorf("stream %q at the end\nrecorded: %v\nours:     %v", cmd, want, st.ours)
		}
	}
	rs.mu.Lock()
	for _, e := range rs.errs {
		t.Errorf("runspace: %s", e)
	}
	rs.mu.Unlock()
	t.Logf("%d exchanges replayed, %d recorded Receives coalesced into earlier ones, %d Receives added to catch up", replayed, coalesced, catchUp)
	_ = time.Second
	return replayed
}

// buildScripts reads the recorded pipelines: what each command's request
// created (CREATE_PIPELINE or GET_COMMAND_METADATA, with its input) and
// what the recorded server answered on its stream.
func buildScripts(t *testing.T, msgs []exchange, rs *scriptedRunspace) map[string]*script {
	byCmd := map[string]*script{} // the current script of each recorded CommandId
	reqAsm := psrp.Assembler{Limits: psrp.Limits{MaxMessageBytes: 64 << 20, MaxPending: 64}}
	respAsm := psrp.Assembler{Limits: reqAsm.Limits}
	for i, ex := range msgs {
		req, err := wsman.ParseRequest([]byte(ex.Request))
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		resp, err := parseTree([]byte(ex.Response))
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		var data [][]byte
		cmd := ""
		switch {
		case req.Command != nil:
			cmd = strings.ToUpper(resp.textOf("CommandId"))
			for _, a := range req.Command.Arguments {
				data = append(data, decode(t, a))
			}
		case req.Send != nil:
			for _, s := range req.Send.Streams {
				cmd = strings.ToUpper(s.CommandID)
				data = append(data, decode(t, s.Data))
			}
		}
		for _, d := range data {
			ms, err := reqAsm.Feed(d)
			if err != nil {
				t.Fatalf("#%d: request fragments: %v", i, err)
			}
			for _, m := range ms {
				switch m.Type {
				case psrp.CreatePipeline, psrp.GetCommandMetadata:
					s := &script{recCmd: cmd, meta: m.Type == psrp.GetCommandMetadata, release: make(chan struct{})}
					if s.meta {
						rs.meta = append(rs.meta, s)
					} else {
						p, err := psrp.ParsePipeline(m.Data)
						if err != nil {
							t.Fatalf("#%d: %v", i, err)
						}
						s.sig = signature(p)
						rs.pipes[s.sig] = append(rs.pipes[s.sig], s)
					}
					byCmd[cmd] = s
				case psrp.PipelineInput:
					if s := byCmd[cmd]; s != nil {
						s.inputs++
					}
				}
			}
		}
		if req.Receive != nil && resp.find("ReceiveResponse") != nil {
			cmd := strings.ToUpper(req.Receive.DesiredStream.CommandID)
			for _, m := range streamMessages(t, resp, &respAsm) {
				if s := byCmd[cmd]; s != nil && cmd != "" {
					s.msgs = append(s.msgs, m)
				}
			}
		}
	}
	// The scripts by recorded CommandId, for the test to release; a
	// CommandId used twice (test_psrp_multiple_invocations.yml) keeps its
	// last, and the earlier ones are released at once.
	out := map[string]*script{}
	for _, q := range rs.pipes {
		for _, s := range q {
			if prev := out[s.recCmd]; prev != nil {
				prev.open()
			}
			out[s.recCmd] = s
		}
	}
	for _, s := range rs.meta {
		if prev := out[s.recCmd]; prev != nil {
			prev.open()
		}
		out[s.recCmd] = s
	}
	return out
}

func decode(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return b
}
