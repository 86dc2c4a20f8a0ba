package clients

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// connTransport is one device's own HTTP/1.1 connection, plain or TLS,
// used for every request the device sends: the fleet's devices in park
// mode each own one, so that a held Ping is one descriptor and nothing
// else (no net/http reader and writer goroutines, no bufio buffers while
// it waits). It behaves on the wire as net/http's Transport does for what
// the devices send: the request as Request.Write writes it, then, as the
// Transport does when the request has no Accept-Encoding of its own,
// "Accept-Encoding: gzip" after the other headers; a gzip answer to that
// is decompressed and loses its Content-Encoding and Content-Length, as
// the Transport's are. The connection is kept alive between requests,
// dialled again when the server closed it, and closed after an answer with
// Connection: close.
//
// It is used by one goroutine at a time, as its Device is.
type connTransport struct {
	*connConfig
	conn    net.Conn
	key     string // scheme://host:port conn is to
	reused  bool   // conn has carried a whole exchange
	gzipped bool   // the request in flight asked for gzip itself
}

// tlsWakeProbe bounds how long a woken TLS connection is read for an
// answer before it goes back to the pinger: bytes that wake a TLS
// connection may be a session ticket (TLS 1.3 servers send them after the
// handshake) rather than the answer, or part of a record. The bytes that
// woke it are already there, so the probe is short; a timeout leaves the
// connection usable (crypto/tls keeps a partial record and makes only
// permanent errors sticky).
const tlsWakeProbe = 10 * time.Millisecond

// connConfig is how the devices' connections are dialled, shared by a
// fleet's devices.
type connConfig struct {
	dial         func(ctx context.Context, network, addr string) (net.Conn, error)
	tlsConfig    *tls.Config // nil: the defaults
	noGzip       bool        // the Transport's DisableCompression
	wakeProbeTLS time.Duration
}

// newConnConfig dials as base would dial: its DialContext,
// TLSClientConfig and DisableCompression (base may be nil: net/http's
// defaults).
func newConnConfig(base *http.Transport) *connConfig {
	c := &connConfig{dial: (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext, wakeProbeTLS: tlsWakeProbe}
	if base != nil {
		if base.DialContext != nil {
			c.dial = base.DialContext
		}
		c.tlsConfig, c.noGzip = base.TLSClientConfig, base.DisableCompression
	}
	return c
}

// newConn returns a device's connection, not dialled yet.
func (c *connConfig) newConn() *connTransport { return &connTransport{connConfig: c} }

// newConnTransport returns a device's connection dialled as base would
// dial.
func newConnTransport(base *http.Transport) *connTransport { return newConnConfig(base).newConn() }

// RoundTrip implements http.RoundTripper: the device's ordinary, blocking
// requests. Cancelling the request's context aborts it, as it does with
// net/http's Transport.
func (c *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	if err := c.send(req); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	conn := c.conn
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	resp, err := c.receive(req, newReader(conn), stop)
	if err != nil {
		stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	resp.Body.(interface{ setContext(context.Context) }).setContext(ctx)
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// send writes req on the connection, dialling first when there is none,
// when it is to another host, or when the server closed it while idle.
// A request that cannot be written on a reused connection is written once
// more on a new one, as net/http's Transport retries a request it wrote
// nothing of.
func (c *connTransport) send(req *http.Request) error {
	u := req.URL
	if u.Scheme != "http" && u.Scheme != "https" {
		closeBody(req)
		return fmt.Errorf("clients: unsupported protocol scheme %q", u.Scheme)
	}
	key := u.Scheme + "://" + canonicalAddr(u)
	buf := writeBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // not a large mail's
			buf.Reset()
			writeBufs.Put(buf)
		}
	}()
	if err := req.Write(buf); err != nil {
		return fmt.Errorf("clients: writing the request: %w", err)
	}
	c.gzipped = !c.noGzip && req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
	if c.gzipped {
		// After the request's own headers, as the Transport writes its
		// extra headers.
		const ae = "Accept-Encoding: gzip\r\n"
		if end := bytes.Index(buf.Bytes(), []byte("\r\n\r\n")); end >= 0 {
			buf.WriteString(ae)
			b := buf.Bytes()
			copy(b[end+2+len(ae):], b[end+2:len(b)-len(ae)])
			copy(b[end+2:], ae)
		}
	}
	b := buf.Bytes()
	if c.conn != nil && (c.key != key || !c.idleAlive()) {
		c.close()
	}
	for attempt := 0; ; attempt++ {
		if c.conn == nil {
			if err := c.dialTo(req.Context(), u, key); err != nil {
				return err
			}
		}
		n, err := c.conn.Write(b)
		if err == nil {
			return nil
		}
		reused := c.reused
		c.close()
		if !reused || n > 0 || attempt > 0 || req.Context().Err() != nil {
			return fmt.Errorf("clients: writing the request: %w", err)
		}
	}
}

// canonicalAddr is u's host:port, the port defaulted by scheme.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dialTo opens the connection to u (key is its scheme://host:port).
func (c *connTransport) dialTo(ctx context.Context, u *url.URL, key string) error {
	addr := canonicalAddr(u)
	conn, err := c.dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("clients: dial %s: %w", addr, err)
	}
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if c.tlsConfig != nil {
			cfg = c.tlsConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("clients: TLS handshake with %s: %w", addr, err)
		}
		conn = tc
	}
	c.conn, c.key, c.reused = conn, key, false
	return nil
}

// close closes the connection, if any.
func (c *connTransport) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// readers and writeBufs keep the buffers of answers being read and
// requests being written between uses, as net/http's Transport pools its
// own: a held connection has none.
var (
	readers   = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	writeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// newReader is a pooled reader of r.
func newReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// putReader returns br to the pool.
func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readers.Put(br)
}

// errNotYet: a woken TLS connection had no answer yet (the pinger holds it
// again).
var errNotYet = errors.New("clients: no answer yet")

// receiveHeld reads the answer to req once the pinger saw the connection
// readable. A TLS connection whose bytes were no answer (a session ticket)
// gives errNotYet and stays open; any other error closes it.
func (c *connTransport) receiveHeld(req *http.Request) (*http.Response, error) {
	if c.conn == nil {
		return nil, errors.New("clients: the held connection is closed")
	}
	br := newReader(c.conn)
	// The rest of an answer that began comes within heldGrace, or the
	// connection is given up (a transport error), so that no goroutine
	// waits for ever on a server that stalls mid-answer.
	c.conn.SetReadDeadline(time.Now().Add(heldGrace))
	if _, ok := c.conn.(*tls.Conn); ok {
		c.conn.SetReadDeadline(time.Now().Add(c.wakeProbeTLS))
		_, err := br.Peek(1)
		c.conn.SetReadDeadline(time.Now().Add(heldGrace))
		var ne net.Error
		if err != nil && errors.As(err, &ne) && ne.Timeout() && br.Buffered() == 0 {
			c.conn.SetReadDeadline(time.Time{})
			putReader(br)
			return nil, errNotYet
		}
	}
	return c.receive(req, br, func() bool { return true })
}

// receive reads the answer to req through br. The connection is kept for
// the next request once the body is read to its end and closed, unless
// the answer or the request says Connection: close, bytes follow the
// answer, or stop (which ends the request's cancellation) reports that it
// was too late.
func (c *connTransport) receive(req *http.Request, br *bufio.Reader, stop func() bool) (*http.Response, error) {
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(br, req)
		if err != nil {
			c.close()
			putReader(br)
			return nil, fmt.Errorf("clients: reading the response: %w", err)
		}
		// 1xx answers other than 101 precede the real one, as the
		// Transport reads them.
		if resp.StatusCode >= 200 || resp.StatusCode < 100 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	body := &connBody{c: c, conn: c.conn, br: br, rc: resp.Body, keep: !resp.Close && !req.Close, stop: stop}
	resp.Body = body
	if c.gzipped && resp.ContentLength != 0 && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Body = &gzipBody{body: body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// connBody is an answer's body on the device's connection.
type connBody struct {
	c      *connTransport
	conn   net.Conn
	br     *bufio.Reader
	rc     io.ReadCloser
	keep   bool
	eof    bool
	closed bool
	stop   func() bool
	ctx    context.Context // the request's, when it can cancel the read
}

func (b *connBody) setContext(ctx context.Context) { b.ctx = ctx }

func (b *gzipBody) setContext(ctx context.Context) { b.body.ctx = ctx }

func (b *connBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errBodyClosed
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil && b.ctx != nil && b.ctx.Err() != nil:
		// Cancelled: the read failed on the deadline the cancellation
		// set; say why, as net/http's Transport does.
		err = b.ctx.Err()
	}
	return n, err
}

// Close ends the exchange: the connection stays for the next request when
// the whole body was read and nothing else says otherwise.
func (b *connBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.eof {
		// Not read to its end: the connection cannot carry another
		// request, and closing it first spares draining the rest.
		b.conn.Close()
	}
	b.rc.Close()
	intime := b.stop()
	keep := b.eof && b.keep && intime && b.br.Buffered() == 0
	putReader(b.br)
	b.br = nil
	if b.c.conn != b.conn {
		return nil
	}
	if keep && b.conn.SetReadDeadline(time.Time{}) == nil {
		b.c.reused = true
		return nil
	}
	b.c.close()
	return nil
}

// gzipBody decompresses a gzip answer the connection asked for, as the
// Transport's gzipReader does (lazily, on the first Read).
type gzipBody struct {
	body *connBody
	zr   *gzip.Reader
	err  error
}

// errBodyClosed: a read after Close.
var errBodyClosed = errors.New("clients: read on a closed body")

// gzipReaders keeps decompressors between answers: each holds a 32 KB
// window, and a fleet's wake of every device (a Ping's answer and a Sync's
// for each) allocated some 90 KB a device in new ones.
var gzipReaders sync.Pool

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
			if g.err = zr.Reset(g.body); g.err != nil {
				gzipReaders.Put(zr)
				return 0, g.err
			}
			g.zr = zr
		} else if g.zr, g.err = gzip.NewReader(g.body); g.err != nil {
			return 0, g.err
		}
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error {
	if g.zr != nil {
		// Reset(nil) would read from nil; an emptied reader is enough:
		// the next Get resets it onto its own body.
		gzipReaders.Put(g.zr)
		g.zr, g.err = nil, errBodyClosed
	}
	return g.body.Close()
}

// rawConn is the socket under the connection.
func (c *connTransport) rawConn() (syscall.RawConn, error) {
	nc := c.conn
	if nc == nil {
		return nil, errors.New("clients: no connection")
	}
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("clients: a %T has no descriptor", nc)
	}
	return sc.SyscallConn()
}

// fd is the connection's descriptor, for the pinger's epoll set.
func (c *connTransport) fd() (int, error) {
	rc, err := c.rawConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(s uintptr) { fd = int(s) }); err != nil {
		return -1, fmt.Errorf("clients: the connection's descriptor: %w", err)
	}
	return fd, nil
}

// idleAlive reports whether the idle connection may carry a request:
// net/http's Transport notices a server's close of an idle connection with
// its reader goroutine; this connection has none, so it peeks at the
// socket without waiting. Bytes waiting on an idle plain connection are no
// answer to anything: the connection is not reused. On TLS they may be a
// session ticket or the server's close_notify, which a short read tells
// apart.
func (c *connTransport) idleAlive() bool {
	rc, err := c.rawConn()
	if err != nil {
		return false
	}
	var n int
	var rerr error
	if err := rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, rerr = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}); err != nil {
		return false
	}
	switch {
	case errors.Is(rerr, unix.EAGAIN):
		return true
	case rerr != nil || n == 0:
		return false
	}
	tc, ok := c.conn.(*tls.Conn)
	if !ok {
		return false
	}
	tc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var b [1]byte
	_, err = tc.Read(b[:])
	tc.SetReadDeadline(time.Time{})
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
