package wsman

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Plugin opens the shells of one kind (a PowerShell session
// configuration, for instance).
type Plugin interface {
	// Open creates a shell from a Create request. An error that is a
	// *Fault is sent as it is; any other becomes a provider fault.
	Open(ctx context.Context, req OpenRequest) (Shell, error)
}

// OpenRequest is what a plugin learns of a Create request.
type OpenRequest struct {
	User        string // the authenticated user, as the server's caller named it
	ShellID     string
	ResourceURI string
	CreationXML []byte // creationXml, decoded from base64
	ClientIP    string
	// MaxEnvelopeSize is the client's, the bound of every response.
	MaxEnvelopeSize int
}

// Shell is an open shell. Its methods may be called concurrently: a
// Receive waits while Sends and Commands arrive.
type Shell interface {
	// Command starts a command with its arguments (decoded).
	Command(commandID string, args []byte) error
	// Send gives input to the shell (commandID "") or to a command.
	Send(commandID, stream string, data []byte, end bool) error
	// Receive waits until output of the shell (commandID "") or of a
	// command is ready, or ctx ends (then it returns no chunks and
	// ctx's error). It returns output as chunks of at most maxBytes in
	// all, and whether the command is done.
	Receive(ctx context.Context, commandID string, maxBytes int) (chunks [][]byte, done bool, err error)
	// Signal delivers a signal (SignalTerminate, SignalCtrlC,
	// SignalPSCrtlC) to the shell or a command.
	Signal(commandID, code string) error
	// Close ends the shell and every command in it.
	Close()
}

// Server is WinRM's shell service behind one endpoint: it parses
// envelopes, keeps each user's shells and their idle timeout, and
// answers with WinRM's envelopes and faults. Authentication is the
// caller's; it passes the user to Serve.
type Server struct {
	Plugin Plugin
	// ResourceURIs are the shell resource URIs served (the session
	// configurations); others get ErrResourceNotFound.
	ResourceURIs []string
	// MaxEnvelopeSize is the largest request accepted, in bytes. WinRM's
	// MaxEnvelopeSizekb defaults to 500 (about_WSMan_Config; the
	// recorded sessions' config shows it raised to 4096), so 0 means
	// 500 KiB.
	MaxEnvelopeSize int
	// MaxShellsPerUser is how many shells a user may have open; 0 means
	// WinRM's MaxShellsPerUser default of 30 (Windows Server 2012 and
	// later). Exchange's own limit, PowerShellMaxConcurrency, is its
	// caller's to set.
	MaxShellsPerUser int
	// MaxOperationsPerUser is how many requests of one user may be in
	// progress at once (a waiting Receive is one); 0 means WinRM's
	// MaxConcurrentOperationsPerUser default, 1500 ("This user is allowed a
	// maximum number of 1500 concurrent operations", WinRb/winrm-fs README).
	MaxOperationsPerUser int
	// IdleTimeout closes a shell nothing has touched for this long; 0
	// means WinRM's winrs IdleTimeout default, 7,200,000 ms (the
	// recorded CreateResponse's IdleTimeOut PT7200.000S).
	IdleTimeout time.Duration
	// MaxTimeout bounds a Receive's wait; 0 means WinRM's MaxTimeoutms
	// default, 60,000 ms.
	MaxTimeout time.Duration
	// Machine is the name in faults' Machine attribute and Owner's domain.
	Machine string
	// Now is the clock of the idle timeout; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger

	mu     sync.Mutex
	shells map[string]*shellEntry // by upper-case ShellId
	ops    map[string]int         // requests in progress, by lower-case user
}

type shellEntry struct {
	id, user, resourceURI, clientIP string
	shell                           Shell
	info                            ShellInfo // as Create described it
	created, lastUsed               time.Time
	busy                            int // requests in progress (a waiting Receive keeps a shell alive)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) maxEnvelope() int { return cmpOr(s.MaxEnvelopeSize, 500*1024) }
func (s *Server) maxShells() int   { return cmpOr(s.MaxShellsPerUser, 30) }
func (s *Server) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 7200 * time.Second
}
func (s *Server) maxTimeout() time.Duration {
	if s.MaxTimeout > 0 {
		return s.MaxTimeout
	}
	return 60 * time.Second
}

func (s *Server) maxOps() int { return cmpOr(s.MaxOperationsPerUser, 1500) }

// enterOp counts a request of user in progress, unless the user has
// MaxOperationsPerUser of them already.
func (s *Server) enterOp(user string) bool {
	k := strings.ToLower(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops[k] >= s.maxOps() {
		return false
	}
	if s.ops == nil {
		s.ops = map[string]int{}
	}
	s.ops[k]++
	return true
}

func (s *Server) leaveOp(user string) {
	k := strings.ToLower(user)
	s.mu.Lock()
	if s.ops[k]--; s.ops[k] <= 0 {
		delete(s.ops, k)
	}
	s.mu.Unlock()
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Shells says how many shells are open, in all or for one user ("" for all).
func (s *Server) Shells(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	n := 0
	for _, e := range s.shells {
		if user == "" || strings.EqualFold(e.user, user) {
			n++
		}
	}
	return n
}

// Close closes every shell.
func (s *Server) Close() {
	s.mu.Lock()
	shells := s.shells
	s.shells = nil
	s.mu.Unlock()
	for _, e := range shells {
		e.shell.Close()
	}
}

// expireLocked closes the shells idle past the timeout.
func (s *Server) expireLocked() {
	cut := s.now().Add(-s.idle())
	for id, e := range s.shells {
		if e.busy == 0 && e.lastUsed.Before(cut) {
			delete(s.shells, id)
			go e.shell.Close()
			s.log().Info("wsman: shell closed after its idle timeout", "shell", e.id, "user", e.user)
		}
	}
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Serve answers one request of an authenticated user.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, user string) {
	bp := bodies.Get().(*[]byte)
	body, err := appendBody(*bp, r.Body, r.ContentLength, s.maxEnvelope()+1)
	if err != nil {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	if len(body) > s.maxEnvelope() {
		s.fault(w, "", ErrEnvelopeTooLarge())
		return
	}
	req, err := ParseRequest(body)
	if cap(body) <= maxPooledBody {
		*bp = body[:0]
		bodies.Put(bp)
	}
	if err != nil {
		s.log().Info("wsman: unreadable envelope", "user", user, "err", err)
		s.fault(w, "", FaultInvalidXML())
		return
	}
	if !req.Identify {
		if !s.enterOp(user) {
			s.fault(w, req.MessageID, ErrTooManyOperations(s.maxOps()))
			return
		}
		defer s.leaveOp(user)
	}
	activity := newID()
	var out string
	var outFunc func([]byte) []byte // a body written in place, instead of out
	var action string
	var ferr error
	switch {
	case req.Identify:
		s.reply(w, "", "", "", IdentifyResponseBody("OS: 0.0.0 SP: 0.0 Stack: 3.0"))
		return
	case req.Action == ActionCreate && req.Shell != nil:
		action = ActionCreate + "Response"
		out, ferr = s.create(r, req, user)
	case req.Action == ActionCommand:
		action = ActionCommand + "Response"
		out, ferr = s.command(req, user)
	case req.Action == ActionSend:
		action = ActionSend + "Response"
		out, ferr = s.send(req, user)
	case req.Action == ActionReceive:
		action = ActionReceive + "Response"
		outFunc, ferr = s.receive(r.Context(), req, user)
	case req.Action == ActionSignal:
		action = ActionSignal + "Response"
		activity = "" // WinRM's SignalResponse carries no ActivityId (recorded)
		out, ferr = s.signal(req, user)
	case req.Action == ActionGet && req.ShellID() != "":
		action = ActionGet + "Response"
		out, ferr = s.get(req, user)
	case req.Action == ActionDelete:
		action = ActionDelete + "Response"
		out, ferr = s.delete(req, user)
	default:
		ferr = ErrActionNotSupported(req.Action)
	}
	if ferr != nil {
		var f *Fault
		if !errors.As(ferr, &f) {
			s.log().Warn("wsman: plugin error", "action", req.Action, "user", user, "err", ferr)
			f = ErrPlugin(ferr.Error())
		}
		s.fault(w, req.MessageID, f)
		return
	}
	if outFunc == nil {
		outFunc = func(b []byte) []byte { return append(b, out...) }
	}
	writeEnvelope(w, http.StatusOK, action, req.MessageID, activity, outFunc)
}

func (s *Server) reply(w http.ResponseWriter, action, relatesTo, activity, body string) {
	if action == "" {
		// Identify's answer has no addressing header.
		b := []byte(`<s:Envelope xmlns:s="` + NsSOAP + `" xmlns:wsmid="` + NsIdentity + `"><s:Header/><s:Body>` + body + `</s:Body></s:Envelope>`)
		writeXML(w, http.StatusOK, b)
		return
	}
	writeEnvelope(w, http.StatusOK, action, relatesTo, activity, func(b []byte) []byte { return append(b, body...) })
}

func (s *Server) fault(w http.ResponseWriter, relatesTo string, f *Fault) {
	body := f.Body(s.Machine)
	writeEnvelope(w, f.HTTPStatus(), ActionFault, relatesTo, "", func(b []byte) []byte { return append(b, body...) })
}

// answers recycles the buffers answers are written in: a ResponseWriter
// keeps none of what it is given (io.Writer's contract).
var answers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeEnvelope writes a response envelope (AppendEnvelope) whose body
// is written by body.
func writeEnvelope(w http.ResponseWriter, status int, action, relatesTo, activity string, body func([]byte) []byte) {
	bp := answers.Get().(*[]byte)
	b := AppendEnvelope((*bp)[:0], action, relatesTo, activity, body)
	writeXML(w, status, b)
	if cap(b) <= maxPooledBody {
		*bp = b[:0]
		answers.Put(bp)
	}
}

// soapType is every answer's Content-Type, shared: net/http never
// changes a header's values.
var soapType = []string{"application/soap+xml;charset=UTF-8"}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = soapType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) served(uri string) bool {
	for _, u := range s.ResourceURIs {
		if strings.EqualFold(u, uri) {
			return true
		}
	}
	return false
}

func (s *Server) create(r *http.Request, req *Request, user string) (string, error) {
	if !s.served(req.ResourceURI) {
		return "", ErrResourceNotFound(req.ResourceURI)
	}
	creation, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Shell.CreationXML))
	if err != nil {
		return "", FaultInvalidXML()
	}
	id := strings.ToUpper(strings.TrimSpace(req.Shell.ShellID))
	if id == "" {
		id = newID()
	} else if _, err := uuid.Parse(id); err != nil {
		return "", FaultInvalidXML()
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)

	s.mu.Lock()
	s.expireLocked()
	if s.shells == nil {
		s.shells = map[string]*shellEntry{}
	}
	n := 0
	for _, e := range s.shells {
		if strings.EqualFold(e.user, user) {
			n++
		}
	}
	if n >= s.maxShells() {
		s.mu.Unlock()
		return "", ErrTooManyShells(s.maxShells())
	}
	if _, dup := s.shells[id]; dup {
		s.mu.Unlock()
		return "", &Fault{Code: "s:Sender", Subcode: "w:AlreadyExists", Reason: "The WS-Management service cannot create the resource because it already exists. ", WSMan: 2150858803}
	}
	// Reserve the id and the quota while the plugin opens the shell.
	now := s.now()
	e := &shellEntry{id: id, user: user, resourceURI: req.ResourceURI, clientIP: ip, created: now, lastUsed: now, busy: 1}
	s.shells[id] = e
	s.mu.Unlock()

	sh, err := s.Plugin.Open(r.Context(), OpenRequest{User: user, ShellID: id, ResourceURI: req.ResourceURI,
		CreationXML: creation, ClientIP: ip, MaxEnvelopeSize: cmpOr(req.MaxEnvelopeSize, 153600)})
	s.mu.Lock()
	if err != nil {
		delete(s.shells, id)
		s.mu.Unlock()
		return "", err
	}
	e.shell = sh
	e.busy--
	e.lastUsed = s.now()
	s.mu.Unlock()

	info := ShellInfo{
		ShellID: id, ResourceURI: req.ResourceURI, Owner: user, ClientIP: ip, ProcessID: 4242,
		IdleTimeout: FormatDuration(s.idle()), MaxIdleTimeout: "PT2147483.647S",
		InputStreams: req.Shell.InputStreams, OutputStreams: req.Shell.OutputStreams,
		Locale: cmpStr(req.Locale, "en-US"), DataLocale: cmpStr(req.DataLocale, "en-US"),
		RunTime: "P0DT0H0M0S", Inactivity: "P0DT0H0M0S",
	}
	s.mu.Lock()
	e.info = info
	s.mu.Unlock()
	return CreateResponseBody(requestAddress(r), info), nil
}

// get answers a Get of a shell: the rsp:Shell that Create described, which
// pypsrp uses to ask whether a shell is alive. The request names the
// shell with the generic shell resource URI (recorded:
// test_psrp_is_alive_invalid_selectors.yml, whose second Get, of a shell
// gone, is answered w:InvalidSelectors).
func (s *Server) get(req *Request, user string) (string, error) {
	if req.ResourceURI != "" && !strings.EqualFold(req.ResourceURI, NsShell) && !s.served(req.ResourceURI) {
		return "", ErrActionNotSupported(req.Action)
	}
	r := *req
	r.ResourceURI = ""
	e, err := s.acquire(&r, user)
	if err != nil {
		return "", err
	}
	defer s.release(e)
	s.mu.Lock()
	info := e.info
	s.mu.Unlock()
	// A Get adds the shell process's memory and children to what Create
	// said (recorded: "58MB", 0).
	body := ShellInfoBody(info)
	return strings.TrimSuffix(body, "</rsp:Shell>") + "<rsp:MemoryUsed>58MB</rsp:MemoryUsed><rsp:ChildProcesses>0</rsp:ChildProcesses></rsp:Shell>", nil
}

func cmpStr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// requestAddress is the endpoint's address as the client reached it.
func requestAddress(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// acquire finds the user's shell named by the request and marks it busy.
func (s *Server) acquire(req *Request, user string) (*shellEntry, error) {
	id := strings.ToUpper(req.ShellID())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	e := s.shells[id]
	if e == nil || e.shell == nil || !strings.EqualFold(e.user, user) {
		return nil, ErrShellNotFound()
	}
	if req.ResourceURI != "" && !strings.EqualFold(req.ResourceURI, e.resourceURI) {
		return nil, ErrShellNotFound()
	}
	e.busy++
	e.lastUsed = s.now()
	return e, nil
}

func (s *Server) release(e *shellEntry) {
	s.mu.Lock()
	e.busy--
	e.lastUsed = s.now()
	s.mu.Unlock()
}

func (s *Server) command(req *Request, user string) (string, error) {
	e, err := s.acquire(req, user)
	if err != nil {
		return "", err
	}
	defer s.release(e)
	if req.Command == nil {
		return "", FaultInvalidXML()
	}
	id := strings.ToUpper(strings.TrimSpace(req.Command.CommandID))
	if id == "" {
		id = newID()
	}
	var args []byte
	for _, a := range req.Command.Arguments {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a))
		if err != nil {
			return "", FaultInvalidXML()
		}
		if args == nil {
			args = b // one Arguments element (the common case): no copy
		} else {
			args = append(args, b...)
		}
	}
	if err := e.shell.Command(id, args); err != nil {
		return "", err
	}
	return CommandResponseBody(id), nil
}

func (s *Server) send(req *Request, user string) (string, error) {
	e, err := s.acquire(req, user)
	if err != nil {
		return "", err
	}
	defer s.release(e)
	if req.Send == nil {
		return "", FaultInvalidXML()
	}
	for _, st := range req.Send.Streams {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil {
			return "", FaultInvalidXML()
		}
		if err := e.shell.Send(strings.ToUpper(st.CommandID), st.Name, b, st.End); err != nil {
			return "", err
		}
	}
	return `<rsp:SendResponse/>`, nil
}

func (s *Server) receive(ctx context.Context, req *Request, user string) (func([]byte) []byte, error) {
	e, err := s.acquire(req, user)
	if err != nil {
		return nil, err
	}
	defer s.release(e)
	if req.Receive == nil {
		return nil, FaultInvalidXML()
	}
	wait := req.OperationTimeout
	if wait <= 0 || wait > s.maxTimeout() {
		wait = s.maxTimeout()
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	cmd := strings.ToUpper(strings.TrimSpace(req.Receive.DesiredStream.CommandID))
	env := cmpOr(req.MaxEnvelopeSize, 153600)
	// Room for the streams: base64 grows by 4/3, each Stream element
	// adds its tags.
	room := (env - EnvelopeOverhead) * 3 / 4
	if room < 512 {
		room = 512
	}
	chunks, done, err := e.shell.Receive(ctx, cmd, room)
	if err != nil && len(chunks) == 0 && !done {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, ErrTimedOut()
		}
		return nil, err
	}
	streams := make([]OutStream, 0, len(chunks))
	for _, c := range chunks {
		streams = append(streams, OutStream{Name: "stdout", CommandID: cmd, Data: c})
	}
	return func(b []byte) []byte { return AppendReceiveResponse(b, streams, cmd, done && cmd != "") }, nil
}

func (s *Server) signal(req *Request, user string) (string, error) {
	e, err := s.acquire(req, user)
	if err != nil {
		return "", err
	}
	defer s.release(e)
	if req.Signal == nil {
		return "", FaultInvalidXML()
	}
	if err := e.shell.Signal(strings.ToUpper(req.Signal.CommandID), strings.TrimSpace(req.Signal.Code)); err != nil {
		return "", err
	}
	return `<rsp:SignalResponse/>`, nil
}

func (s *Server) delete(req *Request, user string) (string, error) {
	id := strings.ToUpper(req.ShellID())
	s.mu.Lock()
	e := s.shells[id]
	if e == nil || e.shell == nil || !strings.EqualFold(e.user, user) {
		s.mu.Unlock()
		return "", ErrShellNotFound()
	}
	delete(s.shells, id)
	s.mu.Unlock()
	e.shell.Close()
	return "", nil
}

// ReadBody reads at most limit bytes of a body whose declared length is
// n (-1 when unknown), into a buffer sized once when n is known and within
// the limit.
func ReadBody(r io.Reader, n int64, limit int) ([]byte, error) {
	return appendBody(nil, r, n, limit)
}

// appendBody is ReadBody reading into buf's spare capacity.
func appendBody(buf []byte, r io.Reader, n int64, limit int) ([]byte, error) {
	if n < 0 || n > int64(limit) {
		return io.ReadAll(io.LimitReader(r, int64(limit)))
	}
	buf = slices.Grow(buf[:0], int(n)+1) // +1: the read that finds the end
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if len(buf) >= limit {
			return buf[:limit], nil
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// bodies recycles request bodies: a parsed Request holds none of its
// body's bytes.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest body buffer kept for reuse.
const maxPooledBody = 64 << 10
