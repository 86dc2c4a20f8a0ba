package psrp

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/google/uuid"
)

// Runspace runs what a server's runspace pool is asked: pipelines and
// command metadata. It is the server's own (Exchange's restricted
// runspace in the simulator).
type Runspace interface {
	// Invoke runs a pipeline, writing its output through out as it goes.
	// It returns nil when the pipeline completed, an *ErrorRecord for one
	// that failed (a terminating error), or ctx's error when stopped.
	Invoke(ctx context.Context, p *PipelineRequest, out *Writer) error
	// CommandMetadata answers GET_COMMAND_METADATA: one object per
	// command the query matches, in PowerShell's CommandMetadata shape
	// (MS-PSRP 2.2.3.22).
	CommandMetadata(ctx context.Context, q MetadataQuery) ([]*clixml.Object, error)
}

// MetadataQuery is GET_COMMAND_METADATA's question (MS-PSRP 2.2.2.14).
type MetadataQuery struct {
	Names []string // wildcards allowed; none means every command
	// CommandType is the CommandTypes mask asked for; 0 when absent.
	CommandType int32
	Modules     []string // none means any module
}

// PoolConfig configures a server's runspace pool.
type PoolConfig struct {
	Runspace Runspace
	// ApplicationPrivateData is sent after the session capability
	// (APPLICATION_PRIVATE_DATA); nil sends an empty one.
	ApplicationPrivateData *clixml.Object
	// ProtocolVersion is the server's (SESSION_CAPABILITY); "2.3" when "".
	ProtocolVersion string
	// MaxFragment is the largest fragment payload the server sends, from
	// the client's MaxEnvelopeSize.
	MaxFragment int
	// MaxQueued bounds the bytes of output waiting for a Receive per
	// pipeline; the pipeline's writer waits beyond it. 0 means 1 MiB.
	MaxQueued int
	Limits    Limits
	Logger    *slog.Logger
}

// Errors a pool returns to its transport.
var (
	ErrNoPipeline = errors.New("psrp: no such pipeline")
	ErrClosed     = errors.New("psrp: runspace pool closed")
)

// Pool is the server side of one runspace pool: it reads the client's
// messages, runs pipelines on its Runspace and queues the answers for the
// transport's Receive. Its methods match package wsman's Shell.
type Pool struct {
	cfg    PoolConfig
	id     uuid.UUID
	log    *slog.Logger
	mu     sync.Mutex
	cond   *sync.Cond
	asm    Assembler
	next   uint64 // the next object id the server sends
	out    *queue // the pool's own messages
	pipes  map[string]*pipe
	key    []byte // the session key, once exchanged
	min    int32
	max    int32
	closed bool
	// ClientVersion is the protocol version the client announced.
	ClientVersion string
}

type queue struct {
	frags [][]byte // encoded fragments ready to send
	bytes int
}

type pipe struct {
	id       uuid.UUID
	cmdID    string
	queue    queue
	done     bool // the final state is queued
	cancel   context.CancelFunc
	input    []any
	inputEnd bool
	started  bool
}

// poolOpened is the runspace pool state Opened (MS-PSRP 2.2.3.4).
const poolOpened = 2

// Pipeline states (MS-PSRP 2.2.3.5).
const (
	pipelineStopped   = 3
	pipelineCompleted = 4
	pipelineFailed    = 5
)

// OpenPool reads the client's opening messages (SESSION_CAPABILITY and
// INIT_RUNSPACEPOOL, from Create's creationXml) and queues the server's
// answers: its capability, the application private data and the Opened
// state.
func OpenPool(creation []byte, cfg PoolConfig) (*Pool, error) {
	if cfg.MaxFragment <= 0 {
		cfg.MaxFragment = 32 << 10
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1 << 20
	}
	if cfg.ProtocolVersion == "" {
		cfg.ProtocolVersion = "2.3"
	}
	p := &Pool{cfg: cfg, out: &queue{}, pipes: map[string]*pipe{}, next: 1, min: 1, max: 1}
	p.cond = sync.NewCond(&p.mu)
	p.asm.Limits = cfg.Limits
	p.log = cfg.Logger
	if p.log == nil {
		p.log = slog.Default()
	}
	msgs, err := p.asm.Feed(creation)
	if err != nil {
		return nil, err
	}
	var gotCap, gotInit bool
	for _, m := range msgs {
		switch m.Type {
		case SessionCapability:
			o, err := unmarshalObject(m.Data)
			if err != nil {
				return nil, err
			}
			p.ClientVersion = versionOf(o, "protocolversion")
			if !supportedVersion(p.ClientVersion) {
				return nil, fmt.Errorf("psrp: the client's protocol version %q is not supported (2.0 to 2.3)", p.ClientVersion)
			}
			p.id = m.RunspacePool
			gotCap = true
		case InitRunspacePool:
			o, err := unmarshalObject(m.Data)
			if err != nil {
				return nil, err
			}
			if v, ok := o.Get("MinRunspaces"); ok {
				p.min, _ = v.(int32)
			}
			if v, ok := o.Get("MaxRunspaces"); ok {
				p.max, _ = v.(int32)
			}
			p.id = m.RunspacePool
			gotInit = true
		default:
			return nil, fmt.Errorf("psrp: %s in creationXml", m.Type)
		}
	}
	if !gotCap || !gotInit {
		return nil, fmt.Errorf("psrp: creationXml lacks SESSION_CAPABILITY or INIT_RUNSPACEPOOL")
	}
	p.queueLocked(p.out, SessionCapability, uuid.Nil, uuid.Nil, &clixml.Object{Members: []clixml.Property{
		{Name: "protocolversion", Value: clixml.Version(cfg.ProtocolVersion)},
		{Name: "PSVersion", Value: clixml.Version("2.0")},
		{Name: "SerializationVersion", Value: clixml.Version("1.1.0.1")},
	}})
	apd := cfg.ApplicationPrivateData
	if apd == nil {
		apd = &clixml.Object{TypeNames: []string{"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"}, Dict: []clixml.Entry{}}
	}
	p.queueLocked(p.out, ApplicationPrivateData, p.id, uuid.Nil, &clixml.Object{Members: []clixml.Property{{Name: "ApplicationPrivateData", Value: apd}}})
	p.queueLocked(p.out, RunspacePoolState, p.id, uuid.Nil, &clixml.Object{Members: []clixml.Property{{Name: "RunspaceState", Value: int32(poolOpened)}}})
	return p, nil
}

func supportedVersion(v string) bool {
	switch v {
	case "2.0", "2.1", "2.2", "2.3":
		return true
	}
	return false
}

func unmarshalObject(data []byte) (*clixml.Object, error) {
	v, err := clixml.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("psrp: %w", err)
	}
	o, ok := v.(*clixml.Object)
	if !ok {
		return nil, fmt.Errorf("psrp: the message is not an object")
	}
	return o, nil
}

// ID is the runspace pool's id.
func (p *Pool) ID() uuid.UUID { return p.id }

// queueLocked encodes a message and appends its fragments to q.
func (p *Pool) queueLocked(q *queue, t MessageType, rp, pl uuid.UUID, v any) {
	id := p.next
	p.next++
	frags, err := MarshalFragments(id, &Message{Destination: ToClient, Type: t, RunspacePool: rp, Pipeline: pl}, v, p.cfg.MaxFragment)
	if err != nil {
		// Our own objects always marshal; a failure is a bug worth a log.
		p.log.Error("psrp: cannot serialize a message", "type", t, "err", err)
		return
	}
	for _, b := range frags {
		q.frags = append(q.frags, b)
		q.bytes += len(b)
	}
	p.cond.Broadcast()
}

// Command starts a pipeline (CREATE_PIPELINE) or a metadata query
// (GET_COMMAND_METADATA) whose first fragments are args; the rest may
// follow through Send.
func (p *Pool) Command(commandID string, args []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if _, dup := p.pipes[commandID]; dup {
		return fmt.Errorf("psrp: command %s already exists", commandID)
	}
	pp := &pipe{cmdID: commandID}
	p.pipes[commandID] = pp
	if err := p.feedLocked(commandID, args); err != nil {
		// A command whose first message cannot be read is not kept.
		if pp.cancel != nil {
			pp.cancel()
		}
		delete(p.pipes, commandID)
		return err
	}
	return nil
}

// Send reads input fragments for the pool (commandID "") or a pipeline.
func (p *Pool) Send(commandID, stream string, data []byte, end bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if commandID != "" && p.pipes[commandID] == nil {
		return ErrNoPipeline
	}
	return p.feedLocked(commandID, data)
}

func (p *Pool) feedLocked(commandID string, data []byte) error {
	msgs, err := p.asm.Feed(data)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Destination != ToServer {
			return fmt.Errorf("psrp: a %s message addressed to the client", m.Type)
		}
		if err := p.handleLocked(commandID, m); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pool) handleLocked(commandID string, m *Message) error {
	switch m.Type {
	case PublicKey:
		o, err := unmarshalObject(m.Data)
		if err != nil {
			return err
		}
		blob, err := decodeB64(o.String("PublicKey"))
		if err != nil {
			return fmt.Errorf("psrp: PUBLIC_KEY: %w", err)
		}
		pub, err := ParsePublicKeyBlob(blob)
		if err != nil {
			return err
		}
		return p.sessionKeyLocked(pub)
	case SetMaxRunspaces, SetMinRunspaces:
		o, err := unmarshalObject(m.Data)
		if err != nil {
			return err
		}
		ci, _ := o.Get("CI")
		var ok bool
		if m.Type == SetMaxRunspaces {
			v, _ := o.Get("MaxRunspaces")
			n, _ := v.(int32)
			if ok = n >= 1 && n >= p.min; ok {
				p.max = n
			}
		} else {
			v, _ := o.Get("MinRunspaces")
			n, _ := v.(int32)
			if ok = n >= 1 && n <= p.max; ok {
				p.min = n
			}
		}
		p.queueLocked(p.out, RunspaceAvailability, p.id, uuid.Nil, &clixml.Object{Members: []clixml.Property{
			{Name: "SetMinMaxRunspacesResponse", Value: ok}, {Name: "ci", Value: ci}}})
	case GetAvailableRunspaces:
		o, err := unmarshalObject(m.Data)
		if err != nil {
			return err
		}
		ci, _ := o.Get("ci")
		busy := int32(0)
		for _, pp := range p.pipes {
			if pp.started && !pp.done {
				busy++
			}
		}
		p.queueLocked(p.out, RunspaceAvailability, p.id, uuid.Nil, &clixml.Object{Members: []clixml.Property{
			{Name: "SetMinMaxRunspacesResponse", Value: max(p.max-busy, 0)}, {Name: "ci", Value: ci}}})
	case CreatePipeline, GetCommandMetadata:
		pp := p.pipes[commandID]
		if pp == nil || pp.started {
			return fmt.Errorf("psrp: %s outside a new command", m.Type)
		}
		pp.id = m.Pipeline
		pp.started = true
		return p.startLocked(pp, m)
	case PipelineInput:
		pp := p.pipes[commandID]
		if pp == nil || pp.inputEnd {
			return ErrNoPipeline
		}
		v, err := clixml.Unmarshal(m.Data)
		if err != nil {
			return fmt.Errorf("psrp: PIPELINE_INPUT: %w", err)
		}
		pp.input = append(pp.input, v)
		p.cond.Broadcast()
	case EndOfPipelineInput:
		pp := p.pipes[commandID]
		if pp == nil {
			return ErrNoPipeline
		}
		pp.inputEnd = true
		p.cond.Broadcast()
	case ResetRunspaceState, RunspacePoolHostResponse, PipelineHostResponse, ConnectRunspacePool:
		p.log.Info("psrp: message not supported by this server ignored", "type", m.Type)
	default:
		return fmt.Errorf("psrp: unexpected %s from the client", m.Type)
	}
	return nil
}

func (p *Pool) sessionKeyLocked(pub *rsa.PublicKey) error {
	key, blob, err := NewSessionKey(pub)
	if err != nil {
		return err
	}
	p.key = key
	// Windows sends ENCRYPTED_SESSION_KEY with an empty runspace pool id
	// (recorded: test_psrp_multiple_commands.yml).
	p.queueLocked(p.out, EncryptedSessionKey, uuid.Nil, uuid.Nil, &clixml.Object{Members: []clixml.Property{
		{Name: "EncryptedSessionKey", Value: encodeB64(blob)}}})
	return nil
}

// DecryptSecureString reads a SecureString a client sent with the session
// key.
func (p *Pool) DecryptSecureString(s clixml.SecureString) (string, error) {
	p.mu.Lock()
	key := p.key
	p.mu.Unlock()
	if key == nil {
		return "", fmt.Errorf("%w: no session key was exchanged", ErrSecureString)
	}
	return DecryptSecureString(key, s)
}

func (p *Pool) startLocked(pp *pipe, m *Message) error {
	ctx, cancel := context.WithCancel(context.Background())
	pp.cancel = cancel
	w := &Writer{pool: p, pipe: pp}
	if m.Type == GetCommandMetadata {
		o, err := unmarshalObject(m.Data)
		if err != nil {
			return err
		}
		q := MetadataQuery{Names: stringList(o, "Name"), Modules: stringList(o, "Namespace")}
		if v, ok := o.Get("CommandType"); ok {
			if e, ok := v.(*clixml.Object); ok {
				v = e.Value
			}
			if n, ok := v.(int32); ok {
				q.CommandType = n
			}
		}
		spawn(func() { p.metadata(ctx, w, q) })
		return nil
	}
	req, err := ParsePipeline(m.Data)
	if err != nil {
		return err
	}
	if req.NoInput {
		pp.inputEnd = true
	}
	spawn(func() { p.run(ctx, w, req) })
	return nil
}

func (p *Pool) metadata(ctx context.Context, w *Writer, q MetadataQuery) {
	objs, err := p.cfg.Runspace.CommandMetadata(ctx, q)
	if err != nil {
		w.finish(err)
		return
	}
	count := &clixml.Object{TypeNames: []string{"Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo", "System.Management.Automation.PSCustomObject", "System.Object"},
		Members: []clixml.Property{{Name: "Count", Value: int32(len(objs))}}}
	_ = w.Output(count)
	for _, o := range objs {
		if err := w.Output(o); err != nil {
			break
		}
	}
	w.finish(nil)
}

func (p *Pool) run(ctx context.Context, w *Writer, req *PipelineRequest) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("psrp: the runspace panicked", "panic", r)
			w.finish(&ErrorRecord{Message: fmt.Sprint(r), FullyQualifiedErrorID: "InternalError", Category: NotSpecified})
		}
	}()
	w.finish(p.cfg.Runspace.Invoke(ctx, req, w))
}

// Receive waits for the pool's (commandID "") or a pipeline's output.
func (p *Pool) Receive(ctx context.Context, commandID string, maxBytes int) ([][]byte, bool, error) {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		q := p.out
		var pp *pipe
		if commandID != "" {
			pp = p.pipes[commandID]
			if pp == nil {
				return nil, false, ErrNoPipeline
			}
			q = &pp.queue
		}
		if len(q.frags) > 0 {
			var out [][]byte
			n := 0
			for len(q.frags) > 0 && (len(out) == 0 || n+len(q.frags[0]) <= maxBytes) {
				f := q.frags[0]
				q.frags[0] = nil
				q.frags = q.frags[1:]
				q.bytes -= len(f)
				n += len(f)
				out = append(out, f)
			}
			p.cond.Broadcast() // a writer may wait for room
			return out, pp != nil && pp.done && len(q.frags) == 0, nil
		}
		if pp != nil && pp.done {
			return nil, true, nil
		}
		if p.closed {
			return nil, false, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		p.cond.Wait()
	}
}

// Signal stops a pipeline (ctrl_c) or forgets a finished one (terminate).
func (p *Pool) Signal(commandID, code string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp := p.pipes[commandID]
	if commandID == "" {
		return nil
	}
	if pp == nil {
		return ErrNoPipeline
	}
	if pp.cancel != nil {
		pp.cancel()
	}
	if strings.HasSuffix(strings.ToLower(code), "/terminate") {
		delete(p.pipes, commandID)
		p.cond.Broadcast()
	}
	return nil
}

// Close stops every pipeline and ends the pool.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, pp := range p.pipes {
		if pp.cancel != nil {
			pp.cancel()
		}
	}
	p.pipes = map[string]*pipe{}
	p.cond.Broadcast()
}

// Writer is a running pipeline's output: objects, errors, warnings and
// informational records, each queued as its message for the client.
// Writes wait while the client has more than PoolConfig.MaxQueued bytes
// of this pipeline's output to receive, so a large result streams in
// bounded memory.
type Writer struct {
	pool *Pool
	pipe *pipe
}

func (w *Writer) write(t MessageType, v any) error {
	p := w.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	for w.pipe.queue.bytes > p.cfg.MaxQueued && !p.closed && p.pipes[w.pipe.cmdID] == w.pipe {
		p.cond.Wait()
	}
	if p.closed || p.pipes[w.pipe.cmdID] != w.pipe {
		return ErrClosed
	}
	p.queueLocked(&w.pipe.queue, t, p.id, w.pipe.id, v)
	return nil
}

// Output writes an object to the output stream.
func (w *Writer) Output(v any) error { return w.write(PipelineOutput, v) }

// Error writes a non-terminating error to the error stream.
func (w *Writer) Error(e *ErrorRecord) error { return w.write(ErrorRecordMsg, e.Object(true)) }

// Warning writes to the warning stream.
func (w *Writer) Warning(msg string) error {
	return w.write(WarningRecord, InformationalRecord("Warning", msg))
}

// Verbose writes to the verbose stream.
func (w *Writer) Verbose(msg string) error {
	return w.write(VerboseRecord, InformationalRecord("Verbose", msg))
}

// Debug writes to the debug stream (DEBUG_RECORD, as Windows sends for
// Write-Debug: test_psrp_with_input.yml).
func (w *Writer) Debug(msg string) error {
	return w.write(DebugRecord, InformationalRecord("Debug", msg))
}

// Input returns the pipeline's input (PIPELINE_INPUT) once the client has
// ended it, or ctx's error.
func (w *Writer) Input(ctx context.Context) ([]any, error) {
	p := w.pool
	stop := context.AfterFunc(ctx, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !w.pipe.inputEnd {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p.closed {
			return nil, ErrClosed
		}
		p.cond.Wait()
	}
	return w.pipe.input, nil
}

// DecryptSecureString reads a SecureString argument with the pool's
// session key.
func (w *Writer) DecryptSecureString(s clixml.SecureString) (string, error) {
	return w.pool.DecryptSecureString(s)
}

// finish queues the pipeline's final state.
func (w *Writer) finish(err error) {
	p := w.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.pipes[w.pipe.cmdID] != w.pipe || w.pipe.done {
		return
	}
	st := &clixml.Object{Members: []clixml.Property{{Name: "PipelineState", Value: int32(pipelineCompleted)}}}
	var rec *ErrorRecord
	switch {
	case err == nil:
	case errors.As(err, &rec):
		st.Members[0].Value = int32(pipelineFailed)
		st.Members = append(st.Members, clixml.Property{Name: "ExceptionAsErrorRecord", Value: rec.Object(false)})
	case errors.Is(err, context.Canceled):
		st.Members[0].Value = int32(pipelineStopped)
		st.Members = append(st.Members, clixml.Property{Name: "ExceptionAsErrorRecord", Value: (&ErrorRecord{
			Message: "The pipeline has been stopped.", ExceptionTypes: []string{"System.Management.Automation.PipelineStoppedException", "System.Management.Automation.RuntimeException", "System.SystemException"},
			FullyQualifiedErrorID: "PipelineStopped", Category: OperationStopped}).Object(false)})
	default:
		st.Members[0].Value = int32(pipelineFailed)
		st.Members = append(st.Members, clixml.Property{Name: "ExceptionAsErrorRecord", Value: (&ErrorRecord{
			Message: err.Error(), FullyQualifiedErrorID: "RemotePipelineExecutionFailed", Category: NotSpecified}).Object(false)})
	}
	p.queueLocked(&w.pipe.queue, PipelineState, p.id, w.pipe.id, st)
	w.pipe.done = true
	p.cond.Broadcast()
}

// versionOf reads a Version member (or a string).
func versionOf(o *clixml.Object, name string) string {
	v, _ := o.Get(name)
	switch x := v.(type) {
	case clixml.Version:
		return string(x)
	case string:
		return x
	}
	return ""
}

// stringList reads a member that is a list of strings (or one string).
func stringList(o *clixml.Object, name string) []string {
	v, _ := o.Get(name)
	switch x := v.(type) {
	case string:
		return []string{x}
	case *clixml.Object:
		var out []string
		for _, it := range x.List {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
