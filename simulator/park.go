package simulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easlab/easlab/clock"
)

// A held Ping or hanging Sync waits in a hold for the first of its wake
// sources: a change in a watched folder (the mailbox's waiter), the
// directory cache catching up (a quarantined device's approval), the
// heartbeat, a newer hanging request of the device stealing it, or its
// client going away. The sources are callbacks (the clock's AfterFunc, the
// waiter's notify, the token's steal) that set a pending bit; how the
// request waits for one is its parker's business:
//   - blocking: the handler's goroutine waits on a channel and the request's
//     context, as every request did before parking;
//   - parking (connParker; Linux, plain HTTP/1.1 from NewHTTPServer on
//     Listener, Options.NoPark unset): the connection is hijacked and the
//     handler returns, so the request keeps no goroutine; a wake hands the
//     connection back to http.Server through the listener, whose first
//     request on it finishes the call (resume), and a hang-up seen by the
//     listener's epoll watcher (park_linux.go) ends it with the 408 of a
//     client gone. The watcher is the listener's, one goroutine for all
//     its parked connections: the listener owns the connections it hands
//     back, and closing it is how http.Server and httptest shut down.
//
// Either way the request ends through the same code: the hold's loop runs
// one more pass or answers, then serveCall's commit, write and cleanups,
// then serveEAS's error answer and logCall, so the answer's bytes, its log
// line, metrics and IIS entry do not depend on the parker.

// wakeReason is a pending wake of a hold, one bit each.
type wakeReason uint8

const (
	wakeGone      wakeReason = 1 << iota // the client went away (or the listener closed)
	wakeStolen                           // a newer hanging request of the device took over
	wakeChange                           // a change in a watched folder
	wakeCatchUp                          // the directory cache caught up
	wakeHeartbeat                        // the heartbeat (Ping) or Wait/HeartbeatInterval (Sync) ran out
)

// errParked is what a handler returns when its request parked: the call
// lives on in the parked connection and must not be touched.
var errParked = errors.New("simulator: request parked")

// hold is one hanging request's wait, across its passes and parkings.
type hold struct {
	c *call
	// pass looks once: it answers (done) or finds nothing yet. It
	// registers the waiter (watch) on its first pass, under the mailbox
	// lock of its look, so no change between the look and the wait is
	// lost.
	pass func(h *hold) (done bool, err error)
	// end answers a terminal wake: wakeHeartbeat, wakeStolen or wakeGone.
	end      func(r wakeReason) error
	passes   int
	finished bool // finish ran

	heartbeat clock.Timer
	catchUp   clock.Timer
	w         *waiter
	tok       *hangToken
	onEnd     []func() // the hold's cleanups, as the handler's defers were

	mu      sync.Mutex
	pending wakeReason
	kick    chan struct{} // the blocking parker's, made at its first wait
	parked  *parkedConn   // set while parked
	woke    time.Time     // wall time of the first change wake, for easlab_ping_wake_seconds
}

// newHold starts a hold whose heartbeat runs out after d (none if d is
// zero). The hold's cleanups run when its loop answers.
func (c *call) newHold(d time.Duration, pass func(h *hold) (bool, error), end func(wakeReason) error) *hold {
	h := &hold{c: c, pass: pass, end: end}
	if d > 0 {
		h.heartbeat = c.s.clock.AfterFunc(d, func() { h.signal(wakeHeartbeat) })
	}
	c.hold = h
	return h
}

// watchLocked registers the hold's waiter on folders and makes it its
// device's hanging request (stealing an earlier one). The mailbox is
// locked.
func (h *hold) watchLocked(folders []string) {
	m := h.c.mb
	h.w = m.watchFuncLocked(folders, func() { h.signal(wakeChange) })
	h.tok = m.hangLocked(h.c.req.DeviceID, func() { h.signal(wakeStolen) })
}

// signal records a wake and hands it to whoever waits. It may be called
// with the mailbox locked, so it takes no lock but the hold's.
func (h *hold) signal(r wakeReason) {
	h.mu.Lock()
	if r == wakeChange && h.woke.IsZero() {
		h.woke = time.Now()
	}
	h.pending |= r
	kick, p := h.kick, h.parked
	h.mu.Unlock()
	if kick != nil {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	if p != nil {
		p.wake()
	}
}

// take returns the most urgent pending wake and clears it; zero if none.
// A client gone comes first, then a steal, then the wakes that look again,
// then the heartbeat (which stays for after the look, and ends the hold if
// the look finds nothing).
func (h *hold) take() wakeReason {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range []wakeReason{wakeGone, wakeStolen, wakeChange, wakeCatchUp, wakeHeartbeat} {
		if h.pending&r != 0 {
			h.pending &^= r
			return r
		}
	}
	return 0
}

// loop runs the hold from where it stands until it answers (nil or an
// error) or parks (errParked).
func (h *hold) loop() error {
	c := h.c
	defer func() {
		if v := recover(); v != nil {
			// As the handler's defers did: the waiter, the token and
			// the gauges do not outlive a panic (recoverPanics answers).
			h.finish()
			panic(v)
		}
	}()
	for {
		r := h.take()
		if h.catchUp != nil {
			h.catchUp.Stop()
			h.catchUp = nil
		}
		switch r {
		case wakeGone, wakeStolen, wakeHeartbeat:
			err := h.end(r)
			h.finish()
			return err
		}
		done, err := h.pass(h)
		h.passes++
		if done || err != nil {
			h.finish()
			return err
		}
		if wait, ok := c.cacheCatchUpWait(); ok {
			h.catchUp = c.s.clock.AfterFunc(wait, func() { h.signal(wakeCatchUp) })
		}
		if err := c.s.parkerFor(c).wait(h); err != nil {
			return err // errParked
		}
	}
}

// finish runs the hold's cleanups: its timers stop, its waiter and token
// go, its gauges count it out.
func (h *hold) finish() {
	if h.finished {
		return
	}
	h.finished = true
	if h.heartbeat != nil {
		h.heartbeat.Stop()
	}
	if h.catchUp != nil {
		h.catchUp.Stop()
		h.catchUp = nil
	}
	h.c.mb.unhang(h.c.req.DeviceID, &h.w, &h.tok)
	for i := len(h.onEnd) - 1; i >= 0; i-- {
		h.onEnd[i]()
	}
	h.onEnd = nil
}

// parker is how a hold waits for its next wake. wait returns nil once a
// wake is pending, or errParked when the request parked.
type parker interface {
	wait(h *hold) error
}

// blocking waits in the handler's goroutine, as every request did before
// parking: on the hold's wakes and the request's context (client gone).
type blocking struct{}

func (blocking) wait(h *hold) error {
	h.mu.Lock()
	if h.kick == nil {
		h.kick = make(chan struct{}, 1)
	}
	kick := h.kick
	h.mu.Unlock()
	for {
		h.mu.Lock()
		pending := h.pending
		h.mu.Unlock()
		if pending != 0 {
			return nil
		}
		select {
		case <-kick:
		case <-h.c.r.Context().Done():
			h.signal(wakeGone)
		}
	}
}

// parkedWriter stands for the ResponseWriter while a call is parked: its
// headers are those set before it parked (the dressing, a Retry-After),
// made into a map again only if asked for, and it swallows what the 408
// of a client gone writes.
type parkedWriter struct {
	p *parkedConn
	h http.Header
}

func (w *parkedWriter) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header, len(w.p.header)/2)
		w.p.hold.c.s.unpackDressed(w.h, w.p.header, w.p.dressed)
	}
	return w.h
}
func (w *parkedWriter) WriteHeader(int)             {}
func (w *parkedWriter) Write(p []byte) (int, error) { return len(p), nil }

// resumeKey finds, in a request's context, the parked call its
// connection was handed back for (see limitHandler).
type resumeKey struct{}

// resumedCall returns the parked call r finishes, if r is the first
// request of a connection handed back by a wake.
func resumedCall(r *http.Request) *parkedConn {
	p, _ := r.Context().Value(resumeKey{}).(*parkedConn)
	return p
}

// resume finishes a parked call with the ResponseWriter of the request
// its connection was handed back for: the headers set before it parked,
// the resumed connection's context (its client going away is seen as
// before), then the hold's loop from its wake, and the rest of the call.
func (s *Server) resume(p *parkedConn, w http.ResponseWriter, r *http.Request) {
	c := p.hold.c
	hdr := w.Header()
	clear(hdr)
	s.unpackDressed(hdr, p.header, p.dressed)
	c.sw.ResponseWriter = w
	c.r = c.r.WithContext(r.Context())
	c.r.Header = p.requestHeader()
	err := s.continueCall(c)
	s.endCall(c, err)
	if err != errParked && !c.abort {
		s.parkIdle(w, r)
	}
}

// endGone ends a parked call whose client hung up (or whose listener
// closed): the hold takes the 408 path, the call its cleanups and log.
func (s *Server) endGone(p *parkedConn) {
	h := p.hold
	h.mu.Lock()
	h.pending |= wakeGone
	h.mu.Unlock()
	h.c.r.Header = p.requestHeader()
	s.endCall(h.c, s.continueCall(h.c))
}

// parkedConn is a parked request's connection: what is kept of it while
// no goroutine serves it.
type parkedConn struct {
	hold *hold // nil for an idle connection (parkIdle)
	conn *rewriteConn
	// header is the answer's headers set before it parked but those
	// of the dressing marked in dressed (packDressed), and reqHeader the
	// request's headers a parked call still reads (keptHeaders), each as
	// name and value pairs (packHeader): a map of a few headers is some
	// 400 bytes, the pairs a quarter of it.
	header    []string
	reqHeader []string
	dressed   uint8
	pending   []byte // bytes read past the request (a pipelined one)
	fd        int32
	gen       uint32 // the watcher's generation of this registration
	state     atomic.Int32
	// idleTimer closes an idle connection after http.Server's
	// IdleTimeout, as net/http would have (set after the watcher has it,
	// under mu).
	mu        sync.Mutex
	idleTimer *time.Timer
}

// The states of a parkedConn: one wake or hang-up moves it on, once.
const (
	parkedWaiting int32 = iota
	parkedWoken
	parkedGone
)

// connParker parks the request's connection, which came through
// simulator.Listener as plain HTTP/1.1.
type connParker struct{ rc *rewriteConn }

// parkerFor chooses how c's hold waits: parking where it can (Linux,
// plain HTTP/1.1 through simulator.Listener, Options.NoPark unset),
// blocking elsewhere.
func (s *Server) parkerFor(c *call) parker {
	if s.opts.NoPark || !parkSupported || c.r.ProtoMajor != 1 {
		return blocking{}
	}
	g, _ := c.r.Context().Value(connGuardKey{}).(*connGuard)
	if g == nil {
		return blocking{}
	}
	switch conn := g.conn.(type) {
	case *rewriteConn:
		return connParker{conn}
	case *resumedConn:
		return connParker{conn.rewriteConn}
	}
	return blocking{} // TLS: a *tls.Conn, not ours to park
}

func (cp connParker) wait(h *hold) error {
	h.mu.Lock()
	pending := h.pending
	h.mu.Unlock()
	if pending != 0 {
		return nil
	}
	c := h.c
	ln := cp.rc.ln
	fd, ok := connFD(cp.rc.Conn)
	if !ok {
		return blocking{}.wait(h)
	}
	w, err := ln.watcher()
	if err != nil {
		return blocking{}.wait(h)
	}
	conn, rw, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		return blocking{}.wait(h)
	}
	// From here the connection is the call's: net/http's goroutine for it
	// ends when the handler returns, its buffers with it.
	conn.SetDeadline(time.Time{})
	p := &parkedConn{hold: h, conn: cp.rc, reqHeader: packHeader(c.r.Header, keptHeaders), fd: fd}
	p.header, p.dressed = c.s.packDressed(c.sw.Header())
	if n := rw.Reader.Buffered(); n > 0 {
		b, _ := rw.Reader.Peek(n)
		p.pending = append(p.pending, b...)
	}
	if rc, ok := conn.(*resumedConn); ok && len(rc.pre) > 0 {
		p.pending = append(p.pending, rc.pre...)
	}
	c.sw.ResponseWriter = &parkedWriter{p: p}
	c.r = detachedRequest(c.r)
	// What only the start of a call reads (the body, decoded already;
	// the device's snapshot, for the access check) is not kept.
	c.body, c.dev = nil, nil
	c.s.metrics.parked.Add(1)
	if err := w.add(p); err != nil {
		// Cannot watch it: hand it back at once, and park no more here.
		c.s.log.Error("parking a held request: watching its connection", "error", err)
		ln.disablePark(err)
		p.wake()
		return errParked
	}
	h.mu.Lock()
	h.parked = p
	pending = h.pending
	h.mu.Unlock()
	if pending != 0 {
		p.wake()
	}
	return errParked
}

// detachedRequest is r as a parked call keeps it: what the answer and
// the log read (method, URL, Host, addresses), without its body (read
// already), its connection's context, which would keep net/http's
// buffers alive, and its headers: the parked connection keeps those of
// keptHeaders (reqHeader), and the call gets them back when it goes on
// (resume, endGone).
func detachedRequest(r *http.Request) *http.Request {
	d := r.WithContext(context.Background())
	d.Body = http.NoBody
	d.Header = nil
	return d
}

// requestHeader is the header of a parked call's request when it goes on:
// the headers of keptHeaders it came with.
func (p *parkedConn) requestHeader() http.Header {
	h := make(http.Header, len(p.reqHeader)/2)
	unpackHeader(h, p.reqHeader)
	return h
}

// packHeader returns h's values as name and value pairs in one slice, a
// name once for each of its values (of the names in only, if only is not
// nil). The names are kept as h spells them (see eas.SetHeader), so
// unpackHeader makes the same map again.
func packHeader(h http.Header, only []string) []string {
	n := 0
	for k, vs := range h {
		if only == nil || slices.Contains(only, k) {
			n += len(vs)
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, 2*n)
	for k, vs := range h {
		if only != nil && !slices.Contains(only, k) {
			continue
		}
		for _, v := range vs {
			out = append(out, k, v)
		}
	}
	return out
}

// unpackHeader adds the pairs of packHeader to h.
func unpackHeader(h http.Header, pairs []string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = append(h[pairs[i]], pairs[i+1])
	}
}

// keptHeaders are the request headers a parked call still reads: the IIS
// log's User-Agent, the compression's Accept-Encoding, and Connection for
// the request that stands for it (resumeRequest).
var keptHeaders = []string{"User-Agent", "Accept-Encoding", "Connection"}

// wake hands a parked connection back to http.Server, once, with the
// request that stands for the parked one in front of its stream.
func (p *parkedConn) wake() {
	if !p.state.CompareAndSwap(parkedWaiting, parkedWoken) {
		return
	}
	ln := p.conn.ln
	if w := ln.watching(); w != nil {
		w.remove(p)
	}
	p.unpark()
	rc := &resumedConn{rewriteConn: p.conn, pre: append(resumeRequest(p.hold.c.r, p.reqHeader), p.pending...), ticket: &resumeTicket{}}
	p.pending = nil
	rc.ticket.p.Store(p)
	if !ln.handBack(rc) {
		p.conn.Close()
		if rc.ticket.take() != nil {
			ln.goEnd(p)
		}
	}
}

// hangUp ends a parked call whose client hung up (or whose listener
// closed), once: its descriptor is closed and the call takes the path of a
// client gone (408, logged, cleaned up).
func (p *parkedConn) hangUp() {
	if !p.state.CompareAndSwap(parkedWaiting, parkedGone) {
		return
	}
	if w := p.conn.ln.watching(); w != nil {
		w.remove(p)
	}
	if p.hold == nil {
		// An idle connection: nothing was asked of it yet.
		p.stopIdleTimer()
		p.conn.Close()
		return
	}
	p.unpark()
	p.conn.Close()
	p.conn.ln.goEnd(p)
}

// unpark counts the call out of the parked ones.
func (p *parkedConn) unpark() {
	h := p.hold
	h.mu.Lock()
	if h.parked == p {
		h.parked = nil
	}
	h.mu.Unlock()
	h.c.s.metrics.parked.Add(-1)
}

// parkIdle parks the handed-back connection of a resumed call once its
// answer is written, until its client's next request arrives: the
// connection is kept with no goroutine and no buffer, as while its Ping
// was held, and the watcher hands it back to http.Server when it turns
// readable (or closes it when its client hangs up, or after
// http.Server's IdleTimeout, as net/http would). Without it, a wake of
// every mailbox leaves every woken connection in net/http's keep-alive
// wait, a goroutine and two 4 KB buffers each, until its device sends its
// Sync. Only an answer with a Content-Length on a connection kept alive
// parks: a hijack after the handler's Flush sends the answer as net/http
// would have sent it at the handler's end.
func (s *Server) parkIdle(w http.ResponseWriter, r *http.Request) {
	if r.Close || r.ProtoMajor != 1 || w.Header().Get("Content-Length") == "" || w.Header().Get("Connection") != "" {
		return
	}
	g, _ := r.Context().Value(connGuardKey{}).(*connGuard)
	if g == nil {
		return
	}
	rc, ok := g.conn.(*resumedConn)
	if !ok {
		return
	}
	fd, ok := connFD(rc.Conn)
	if !ok {
		return
	}
	wt, err := rc.ln.watcher()
	if err != nil {
		return
	}
	idle := time.Duration(0)
	if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		idle = hs.IdleTimeout
		if idle <= 0 {
			idle = hs.ReadTimeout
		}
	}
	ctl := http.NewResponseController(w)
	if err := ctl.Flush(); err != nil {
		return
	}
	conn, rw, err := ctl.Hijack()
	if err != nil {
		return
	}
	conn.SetDeadline(time.Time{})
	var pending []byte
	if n := rw.Reader.Buffered(); n > 0 {
		b, _ := rw.Reader.Peek(n)
		pending = append(pending, b...)
	}
	pending = append(pending, rc.pre...)
	rc.pre = nil
	if len(pending) > 0 {
		// The next request is here already (pipelined).
		if !rc.ln.handBack(&resumedConn{rewriteConn: rc.rewriteConn, pre: pending, ticket: &resumeTicket{}}) {
			rc.rewriteConn.Close()
		}
		return
	}
	p := &parkedConn{conn: rc.rewriteConn, fd: fd}
	if err := wt.add(p); err != nil {
		if !rc.ln.handBack(&resumedConn{rewriteConn: rc.rewriteConn, ticket: &resumeTicket{}}) {
			rc.rewriteConn.Close()
		}
		return
	}
	if idle > 0 {
		p.mu.Lock()
		p.idleTimer = time.AfterFunc(idle, p.hangUp)
		p.mu.Unlock()
	}
}

// stopIdleTimer stops an idle connection's timer, if it has one.
func (p *parkedConn) stopIdleTimer() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idleTimer != nil {
		p.idleTimer.Stop()
	}
}

// idleReady hands an idle connection whose next request arrived back to
// http.Server, once.
func (p *parkedConn) idleReady() {
	if !p.state.CompareAndSwap(parkedWaiting, parkedWoken) {
		return
	}
	p.stopIdleTimer()
	if !p.conn.ln.handBack(&resumedConn{rewriteConn: p.conn, ticket: &resumeTicket{}}) {
		p.conn.Close()
	}
}

// resumeRequest is the request that stands for a parked one when its
// connection is handed back: its method, target and protocol, its Host and
// Connection headers (so that net/http keeps the connection alive or
// closes it as it would have; Connection from the parked call's header
// pairs, packHeader), and no body.
func resumeRequest(r *http.Request, header []string) []byte {
	b := make([]byte, 0, 64+len(r.RequestURI)+len(r.Host))
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.RequestURI...)
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, "\r\n"...)
	if r.Host != "" {
		b = append(b, "Host: "...)
		b = append(b, r.Host...)
		b = append(b, "\r\n"...)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Connection" {
			b = append(b, "Connection: "...)
			b = append(b, header[i+1]...)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "Content-Length: 0\r\n\r\n"...)
}
