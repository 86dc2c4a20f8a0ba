package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/powershell/negotiate"
)

// HTTPLimits are the limits http.sys and IIS put in front of Exchange, which
// NewHTTPServer applies. DefaultHTTPLimits gives Windows' defaults; a zero
// field means its default.
type HTTPLimits struct {
	// MaxFieldLength bounds one request header line ("Name: value"):
	// http.sys's MaxFieldLength, 16,384 bytes by default (KB 820129, "Http.sys
	// registry settings for Windows"). Over it: 400 "Bad Request - Header
	// Field Too Long".
	MaxFieldLength int
	// MaxRequestBytes bounds the request line and headers together:
	// http.sys's MaxRequestBytes, 16,384 bytes by default (KB 820129). Over
	// it: 400 "Bad Request - Request Too Long". Four times it is the hard
	// cap of what is read and kept of a request's headers (http.Server's
	// MaxHeaderBytes, which Go answers with 431; the listener of
	// NewHTTPServer's users rewrites that to http.sys's 400 on plain HTTP;
	// under TLS, headers between the limit and the cap still get the 400).
	MaxRequestBytes int
	// ConnectionTimeout is how long a connection may stay idle between
	// requests, how long the headers of a request may take to arrive, and
	// the grace a request body and a response get before the minimum rate
	// applies: IIS's connectionTimeout (<limits>, 2 minutes by default) and
	// http.sys's IdleConnection, HeaderWait and EntityBody timers (2 minutes
	// each, HTTP_TIMEOUT_LIMIT_INFO).
	ConnectionTimeout time.Duration
	// MinBytesPerSecond is the slowest rate at which a client may send a
	// request body (after ConnectionTimeout's grace) and take a response:
	// IIS's minBytesPerSecond (<webLimits>, 240 bytes/s by default,
	// UNCONFIRMED: not from a source retrieved; http.sys's
	// own MinSendRate default is 150). A response is written in chunks of
	// writeChunk bytes, each of which must leave within writeChunk/rate
	// seconds, so a client that reads nothing is cut once the socket buffers
	// are full.
	MinBytesPerSecond int
	// MaxConcurrentStreams bounds the streams of one HTTP/2 connection
	// (SETTINGS_MAX_CONCURRENT_STREAMS): 100, the value RFC 9113 5.1.2
	// recommends as a minimum and Kestrel's default (http.sys's own value is
	// UNCONFIRMED).
	MaxConcurrentStreams int
	// MaxResetsPerSecond is how many requests of one connection may end
	// cancelled by the client (HTTP/2 RST_STREAM, CVE-2023-44487 rapid
	// reset) within a second before the connection is closed. Default 200.
	MaxResetsPerSecond int
	// Logger, if not nil, receives a line for each request refused here
	// and each connection closed for resets, as http.sys's HTTPERR log
	// records what never reaches IIS.
	Logger *slog.Logger
}

// The http.sys and IIS defaults (see HTTPLimits).
const (
	DefaultMaxFieldLength        = 16384
	DefaultMaxRequestHeaderBytes = 16384
	DefaultConnectionTimeout     = 2 * time.Minute
	DefaultMinBytesPerSecond     = 240
	DefaultMaxConcurrentStreams  = 100
	DefaultMaxResetsPerSecond    = 200
)

// DefaultHTTPLimits returns http.sys's and IIS's defaults.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{}.withDefaults()
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	if l.MaxFieldLength <= 0 {
		l.MaxFieldLength = DefaultMaxFieldLength
	}
	if l.MaxRequestBytes <= 0 {
		l.MaxRequestBytes = DefaultMaxRequestHeaderBytes
	}
	if l.ConnectionTimeout <= 0 {
		l.ConnectionTimeout = DefaultConnectionTimeout
	}
	if l.MinBytesPerSecond <= 0 {
		l.MinBytesPerSecond = DefaultMinBytesPerSecond
	}
	if l.MaxConcurrentStreams <= 0 {
		l.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if l.MaxResetsPerSecond <= 0 {
		l.MaxResetsPerSecond = DefaultMaxResetsPerSecond
	}
	return l
}

// NewHTTPServer returns an http.Server that serves h as http.sys and IIS
// serve Exchange: header limits answered with http.sys's 400, idle, header,
// body and response timeouts, HTTP/2 stream limits and a rapid-reset guard.
// Serve it on Listener(ln) (plain HTTP) or on a TLS listener; easlab serve,
// the tests and the harness use it.
func NewHTTPServer(h http.Handler, l HTTPLimits) *http.Server {
	l = l.withDefaults()
	hs := &http.Server{
		Handler:           &limitHandler{next: h, l: l},
		MaxHeaderBytes:    4 * l.MaxRequestBytes, // see HTTPLimits.MaxRequestBytes
		ReadHeaderTimeout: l.ConnectionTimeout,
		IdleTimeout:       l.ConnectionTimeout,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: l.MaxConcurrentStreams,
			// A connection on which nothing can be written for this long
			// is closed (a client that reads nothing).
			WriteByteTimeout: l.ConnectionTimeout,
		},
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			// negotiate keeps a connection's NTLM login (Remote PowerShell's
			// Negotiate authentication authenticates a connection).
			ctx = negotiate.ConnContext(ctx, c)
			if rc, ok := c.(*resumedConn); ok {
				ctx = context.WithValue(ctx, resumeTicketKey{}, rc)
			}
			return context.WithValue(ctx, connGuardKey{}, &connGuard{conn: c})
		},
	}
	return hs
}

// Listener wraps a plain-HTTP listener so that Go's own answer to headers
// over the hard cap (431) becomes http.sys's 400 "Request Too Long". Under
// TLS, headers over four times MaxRequestBytes still get 431: the rewrite
// cannot see through the encryption.
//
// It is also where held Pings and hanging Syncs park (park.go): a parked
// connection leaves http.Server, is watched for a hang-up by the
// listener's epoll watcher, and comes back through Accept when its
// request wakes. Closing the listener ends the parked requests as their
// clients going away would, and stops the watcher.
func Listener(ln net.Listener) net.Listener {
	l := &rewriteListener{Listener: ln, accepted: make(chan acceptResult), ready: make(chan struct{}, 1), done: make(chan struct{})}
	l.ended.L = &l.mu
	return l
}

type rewriteListener struct {
	net.Listener
	start    sync.Once
	accepted chan acceptResult // from acceptLoop
	ready    chan struct{}     // a connection was handed back
	done     chan struct{}     // closed by Close

	mu       sync.Mutex
	resumed  []*resumedConn // woken parked calls handed back, for Accept
	next     []*resumedConn // idle connections whose next request came (parkIdle), for Accept
	resuming int            // resumed calls accepted and not yet finished (maxResuming)
	closed   bool
	watch    *parkWatcher // started at the first parking
	watchErr error        // why parking is off on this listener
	ending   int          // parked calls being ended (goEnd)
	ended    sync.Cond    // on mu: ending fell to zero
}

type acceptResult struct {
	c   net.Conn
	err error
}

// maxResuming bounds the woken parked calls a listener's server finishes
// at once: a wake of every mailbox hands thousands of connections back at
// the same moment, and each accepted one gets net/http's goroutine and
// buffers while its call finishes (most of them waiting for their
// mailbox's lock), which made the server's memory at the wake twice its
// held figure. The others wait in the queue, with no goroutine, for a
// slot; a slot is freed when its resumed call ends.
const maxResuming = 256

// Accept returns the next new connection, or a parked one handed back: an
// idle connection whose next request came first, then a woken call while
// fewer than maxResuming are being finished.
func (l *rewriteListener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	for {
		l.mu.Lock()
		if len(l.next) > 0 {
			c := l.next[0]
			l.next[0] = nil
			l.next = l.next[1:]
			l.mu.Unlock()
			return c, nil
		}
		if len(l.resumed) > 0 && l.resuming < maxResuming {
			c := l.resumed[0]
			l.resumed[0] = nil
			l.resumed = l.resumed[1:]
			l.resuming++
			c.slot.Store(true)
			l.mu.Unlock()
			return c, nil
		}
		l.mu.Unlock()
		select {
		case r := <-l.accepted:
			if r.err != nil {
				return nil, r.err
			}
			return &rewriteConn{Conn: r.c, ln: l}, nil
		case <-l.ready:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
}

// acceptLoop accepts the new connections for Accept, which also waits for
// the handed-back ones.
func (l *rewriteListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		select {
		case l.accepted <- acceptResult{c, err}:
		case <-l.done:
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Temporary() {
				continue
			}
			return
		}
	}
}

// handBack queues a woken parked connection for Accept; false if the
// listener is closed.
func (l *rewriteListener) handBack(c *resumedConn) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	if c.ticket.p.Load() != nil {
		l.resumed = append(l.resumed, c)
	} else {
		l.next = append(l.next, c)
	}
	l.mu.Unlock()
	l.signal()
	return true
}

// signal wakes Accept (a connection was handed back, or a slot freed).
func (l *rewriteListener) signal() {
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// resumeDone frees the slot of a resumed call that ended (once).
func (l *rewriteListener) resumeDone(c *resumedConn) {
	if !c.slot.CompareAndSwap(true, false) {
		return
	}
	l.mu.Lock()
	l.resuming--
	l.mu.Unlock()
	l.signal()
}

// watcher returns the listener's epoll watcher, started at the first call;
// an error if parking cannot work here (not Linux, closed).
func (l *rewriteListener) watcher() (*parkWatcher, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, net.ErrClosed
	}
	if l.watchErr != nil {
		return nil, l.watchErr
	}
	if l.watch == nil {
		w, err := newParkWatcher()
		if err != nil {
			l.watchErr = err
			return nil, err
		}
		l.watch = w
		go w.run()
	}
	return l.watch, nil
}

// watching returns the listener's watcher if it was started.
func (l *rewriteListener) watching() *parkWatcher {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.watch
}

// disablePark turns parking off on the listener, for err.
func (l *rewriteListener) disablePark(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watchErr = fmt.Errorf("parking off: %w", err)
}

// goEnd ends a parked call in a goroutine of its own (a hang-up, the
// listener closing); Close waits for them.
func (l *rewriteListener) goEnd(p *parkedConn) {
	l.mu.Lock()
	l.ending++
	l.mu.Unlock()
	go func() {
		p.hold.c.s.endGone(p)
		l.mu.Lock()
		if l.ending--; l.ending == 0 {
			l.ended.Broadcast()
		}
		l.mu.Unlock()
	}()
}

// Close closes the listener, ends its parked requests (their clients see
// the connection close; each is logged as a client gone) and the ones
// handed back but not yet accepted, stops the watcher, and waits for
// those requests to end.
func (l *rewriteListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return err
	}
	l.closed = true
	close(l.done)
	resumed := append(l.resumed, l.next...)
	l.resumed, l.next = nil, nil
	w := l.watch
	l.mu.Unlock()
	if w != nil {
		for _, p := range w.close() {
			p.hangUp()
		}
	}
	for _, c := range resumed {
		c.Close()
	}
	l.mu.Lock()
	for l.ending > 0 {
		l.ended.Wait()
	}
	l.mu.Unlock()
	return err
}

// resumedConn is a parked connection handed back to http.Server: its read
// stream starts with a request that stands for the parked one (see
// resumeRequest) and the bytes read past it before it parked (a
// pipelined request), then goes on with the socket.
type resumedConn struct {
	*rewriteConn
	pre    []byte
	ticket *resumeTicket
	slot   atomic.Bool // it holds one of the listener's maxResuming slots
}

func (c *resumedConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		if len(c.pre) == 0 {
			c.pre = nil
		}
		return n, nil
	}
	return c.rewriteConn.Read(p)
}

// Close closes the connection; a parked call whose stand-in request was
// never served on it (net/http closed it first) ends as a client gone.
func (c *resumedConn) Close() error {
	if p := c.ticket.take(); p != nil {
		c.ln.goEnd(p)
	}
	c.ln.resumeDone(c)
	return c.rewriteConn.Close()
}

// resumeTicket carries a handed-back connection's parked call to the
// first request read on it, once: a client cannot send a request that
// resumes anything.
type resumeTicket struct{ p atomic.Pointer[parkedConn] }

func (t *resumeTicket) take() *parkedConn { return t.p.Swap(nil) }

// resumeTicketKey finds a handed-back connection (and so its ticket) in
// its context.
type resumeTicketKey struct{}

// rewriteConn is a connection from Listener: its writes get http.sys's
// status lines, and it knows its listener, through which it comes back
// after parking.
type rewriteConn struct {
	net.Conn
	ln *rewriteListener
}

// goTooLarge is what net/http writes to the connection for headers over
// MaxHeaderBytes.
var goTooLarge = []byte("HTTP/1.1 431 Request Header Fields Too Large\r\n")

func (c *rewriteConn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, goTooLarge) {
		if _, err := c.Conn.Write(httpSysError(requestTooLong, true)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if line, ok := exchangeStatusLine(p); ok {
		// Only the status line changes: the headers and the body, and so
		// the response's framing (Content-Length, chunks), go as net/http
		// wrote them.
		if _, err := c.Conn.Write(append(line, p[bytes.IndexByte(p, '\n')+1:]...)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// Reason phrases. net/http writes its own for a status code ("status code
// 449" for one it does not know), and has no way to set another; it
// writes a response's status line at the start of a write to the
// connection (each response starts in an empty buffer: the previous one
// was flushed when it ended), so rewriteConn replaces it there. This works
// on plain HTTP/1.x (easlab serve without TLS, behind a proxy that ends
// TLS, the tests and the harness); HTTP/2 has no reason phrase, and under
// TLS the phrases stay Go's. The phrases:
//   - 449: "Retry after sending a PROVISION command", which Exchange sets
//     as the StatusDescription (Exchange 2013's AirSyncResponse.HttpStatusCode
//     setter; Horde and Z-Push write the same, protocol.md 4.6);
//   - 451: Exchange sets no StatusDescription, and ASP.NET's table of
//     descriptions (HttpWorkerRequest.GetStatusDescription) ends at 424,
//     so the phrase is empty ("HTTP/1.1 451 "), where net/http writes
//     RFC 7725's "Unavailable For Legal Reasons". UNCONFIRMED by a capture:
//     whether http.sys writes the space before an empty phrase.
var reasonPhrases = func() []reasonPhrase {
	out := []reasonPhrase{
		{code: eas.HTTPRetryWith, phrase: reasonRetryWithProvision},
		{code: eas.HTTPRedirect, phrase: reasonRedirectUnspecified},
	}
	for i, r := range out {
		out[i].goLine = []byte(fmt.Sprintf("%03d %s\r\n", r.code, http.StatusText(r.code)))
		if http.StatusText(r.code) == "" {
			out[i].goLine = []byte(fmt.Sprintf("%03d status code %d\r\n", r.code, r.code))
		}
	}
	return out
}()

// reasonPhrase is a status code's phrase as Exchange writes it, and the
// rest of the status line net/http writes for it instead.
type reasonPhrase struct {
	code   int
	phrase string
	goLine []byte // after "HTTP/1.x "
}

// exchangeStatusLine returns the status line Exchange writes for a
// response that starts in p with net/http's status line for one of
// reasonPhrases' codes, exactly as net/http writes it (so a body that
// happened to start so is left alone).
func exchangeStatusLine(p []byte) ([]byte, bool) {
	if len(p) < 13 || !bytes.HasPrefix(p, []byte("HTTP/1.")) || p[8] != ' ' {
		return nil, false
	}
	for _, r := range reasonPhrases {
		if bytes.HasPrefix(p[9:], r.goLine) {
			line := make([]byte, 0, 13+len(r.phrase)+2+len(p))
			line = append(line, p[:13]...)
			line = append(line, r.phrase...)
			return append(line, '\r', '\n'), true
		}
	}
	return nil, false
}

// The two header errors of http.sys, as its error page says them.
const (
	requestTooLong = "Request Too Long"
	fieldTooLong   = "Header Field Too Long"
)

var httpSysDetail = map[string]string{
	requestTooLong: "The size of the request headers is too long.",
	fieldTooLong:   "A request header field is too long.",
}

// httpSysBody is http.sys's error page (HTTP Server API, Microsoft-HTTPAPI/2.0).
func httpSysBody(title, detail string) string {
	return "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n" +
		"<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n" +
		"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n" +
		"<BODY><h2>Bad Request - " + title + "</h2>\r\n" +
		"<hr><p>HTTP Error 400. " + detail + "</p>\r\n" +
		"</BODY></HTML>\r\n"
}

// httpSysError is a whole HTTP/1.1 400 response of http.sys.
func httpSysError(kind string, close bool) []byte {
	body := httpSysBody(kind, httpSysDetail[kind])
	conn := "keep-alive"
	if close {
		conn = "close"
	}
	return []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI/2.0\r\n" +
		"Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\nConnection: " + conn + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// HeaderSizes measures a request as http.sys does: the longest header line
// ("Name: value") and the request line with every header line, each with
// its CRLF.
func HeaderSizes(r *http.Request) (longestField, total int) {
	total = len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.ProtoMajor == 2 {
		// HTTP/2 has no request line; count the pseudo-headers instead.
		total = len(":method: ") + len(r.Method) + len(":path: ") + len(r.RequestURI) + len(":authority: ") + len(r.Host) + 3*2
	} else if r.Host != "" && r.Header.Get("Host") == "" {
		// net/http moves Host out of the header map.
		n := len("Host: ") + len(r.Host)
		longestField, total = n, total+n+2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n := len(k) + 2 + len(v)
			longestField = max(longestField, n)
			total += n + 2
		}
	}
	return longestField, total + 2
}

// connGuardKey finds a connection's guard in a request's context.
type connGuardKey struct{}

// connGuard counts the requests of one connection that the client
// cancelled (HTTP/2 rapid reset) and closes the connection when they come
// too fast.
type connGuard struct {
	conn   net.Conn
	mu     sync.Mutex
	window time.Time
	resets int
	closed atomic.Bool
}

// reset records a cancelled request; it reports whether the connection was
// closed for it.
func (g *connGuard) reset(now time.Time, limit int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.window) > time.Second {
		g.window, g.resets = now, 0
	}
	g.resets++
	if g.resets > limit && g.closed.CompareAndSwap(false, true) {
		g.conn.Close()
		return true
	}
	return false
}

// limitHandler applies the per-request limits around the simulator.
type limitHandler struct {
	next http.Handler
	l    HTTPLimits
}

func (h *limitHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc, ok := r.Context().Value(resumeTicketKey{}).(*resumedConn); ok {
		// The first request of a handed-back connection (net/http serves
		// a connection's requests in order, and the stand-in comes
		// first) finishes its parked call; the ticket is spent either way,
		// and the call's slot is freed when it ends.
		if p := rc.ticket.take(); p != nil {
			r = r.WithContext(context.WithValue(r.Context(), resumeKey{}, p))
			defer rc.ln.resumeDone(rc)
		}
	}
	field, total := HeaderSizes(r)
	kind := ""
	switch {
	case field > h.l.MaxFieldLength:
		kind = fieldTooLong
	case total > h.l.MaxRequestBytes:
		kind = requestTooLong
	}
	if kind != "" {
		h.logf(r, "400 "+kind, "longest_field", field, "header_bytes", total)
		writeHTTPSysError(w, kind)
		return
	}
	rc := http.NewResponseController(w)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &minRateBody{body: r.Body, rc: rc, l: h.l, start: time.Now()}
	}
	rc.SetWriteDeadline(time.Time{})
	mw := &minRateWriter{ResponseWriter: w, rc: rc, l: h.l}
	h.next.ServeHTTP(mw, r)
	// What the handler left in the server's buffer still goes at the
	// minimum rate.
	rc.SetWriteDeadline(time.Now().Add(h.l.ConnectionTimeout))
	if r.Context().Err() != nil {
		if g, ok := r.Context().Value(connGuardKey{}).(*connGuard); ok && g.reset(time.Now(), h.l.MaxResetsPerSecond) {
			h.logf(r, "connection closed: over the cancelled requests a second", "limit", h.l.MaxResetsPerSecond)
		}
	}
}

// logf writes an HTTPERR line, if there is a logger.
func (h *limitHandler) logf(r *http.Request, reason string, attrs ...any) {
	if h.l.Logger == nil {
		return
	}
	h.l.Logger.Info("httperr", append([]any{"remote", r.RemoteAddr, "method", r.Method, "proto", r.Proto, "reason", reason}, attrs...)...)
}

// writeHTTPSysError answers as http.sys does to headers over its limits.
func writeHTTPSysError(w http.ResponseWriter, kind string) {
	body := httpSysBody(kind, httpSysDetail[kind])
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=us-ascii")
	h.Set("Server", "Microsoft-HTTPAPI/2.0")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(body))
}

// errBodyTooSlow is a request body that came slower than the minimum rate.
var errBodyTooSlow = errors.New("request body slower than the minimum rate")

// minRateBody holds a request body to the EntityBody timeout and the
// minimum rate: ConnectionTimeout after the start, at least
// MinBytesPerSecond of every second since must have arrived.
type minRateBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	l     HTTPLimits
	start time.Time
	read  int64
	done  bool
}

func (b *minRateBody) Read(p []byte) (int, error) {
	if b.done {
		return b.body.Read(p)
	}
	due := b.start.Add(b.l.ConnectionTimeout + time.Duration(float64(b.read)/float64(b.l.MinBytesPerSecond)*float64(time.Second)))
	supported := b.rc.SetReadDeadline(due) == nil
	n, err := b.body.Read(p)
	b.read += int64(n)
	if err != nil {
		b.done = true
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			// The deadline stays passed, so that net/http does not wait
			// for the rest of the body either: the connection is closed
			// once the answer is written.
			err = errBodyTooSlow
		case supported:
			// The deadline must not outlive the body: net/http's
			// background read would take it for a closed connection.
			b.rc.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}

func (b *minRateBody) Close() error { return b.body.Close() }

// writeChunk is how much of a response is written under one deadline.
const writeChunk = 16 << 10

// minRateWriter holds a response to the minimum rate: each chunk of
// writeChunk bytes must be taken by the client within writeChunk/rate
// seconds (at least one second), else the connection is cut, as http.sys
// does under MinSendRate.
type minRateWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	l  HTTPLimits
	// cap is a deadline the handler set itself (SetWriteDeadline): the
	// earlier of it and the minimum rate's applies.
	cap time.Time
}

// SetWriteDeadline is the handler's own deadline (through
// http.ResponseController): the writer keeps to it as well as to the
// minimum rate, so a handler can be stricter than IIS (the event stream
// drops a subscriber that does not read).
func (w *minRateWriter) SetWriteDeadline(t time.Time) error {
	w.cap = t
	return w.rc.SetWriteDeadline(t)
}

// deadline is the earlier of now+d and the handler's own deadline.
func (w *minRateWriter) deadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if !w.cap.IsZero() && w.cap.Before(t) {
		return w.cap
	}
	return t
}

func (w *minRateWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), writeChunk)
		d := max(time.Second, time.Duration(float64(n)/float64(w.l.MinBytesPerSecond)*float64(time.Second)))
		w.rc.SetWriteDeadline(w.deadline(d))
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Flush lets hanging responses flush through, under the same deadline.
func (w *minRateWriter) Flush() {
	w.rc.SetWriteDeadline(w.deadline(w.l.ConnectionTimeout))
	w.rc.Flush()
}

// FlushError is Flush with its error, which http.ResponseController
// returns to a handler that asks.
func (w *minRateWriter) FlushError() error {
	w.rc.SetWriteDeadline(w.deadline(w.l.ConnectionTimeout))
	return w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *minRateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
