package clients

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/easlab/easlab/eas"
)

// rawServer accepts connections on loopback and runs serve on each; it
// counts the connections it accepted.
type rawServer struct {
	ln       net.Listener
	accepted atomic.Int32
}

func newRawServer(t *testing.T, serve func(n int, c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(s.accepted.Add(1))
			go func() {
				defer c.Close()
				serve(n, c)
			}()
		}
	}()
	return s
}

func (s *rawServer) url() string {
	return "http://" + s.ln.Addr().String() + "/Microsoft-Server-ActiveSync"
}

// readRequestBytes reads one request from br and returns its bytes as
// they came.
func readRequestBytes(br *bufio.Reader) ([]byte, error) {
	var raw bytes.Buffer
	req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(br, &raw)))
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, req.Body)
	return raw.Bytes(), nil
}

// testRequests are what a device sends: OPTIONS and a command with a body.
func testRequests(t *testing.T, base string) []*http.Request {
	t.Helper()
	opt, err := http.NewRequest(http.MethodOptions, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt.SetBasicAuth("alice@contoso.com", "pw")
	opt.Header.Set("User-Agent", "Apple-iPhone15C2/2201.1")
	body := []byte{0x03, 0x01, 0x6a, 0x00, 0x00, 0x0d, 0x45, 0x48, 0x03, '4', '8', '0', 0x00, 0x01, 0x01}
	cmd, err := eas.NewHTTPRequest(context.Background(), base, &eas.Request{Form: eas.PlainQuery, Command: eas.CommandPing,
		User: "alice@contoso.com", DeviceID: "DEV1", DeviceType: "iPhone", ProtocolVersion: eas.Version161, HasPolicyKey: true, PolicyKey: 7,
		UserAgent: "Apple-iPhone15C2/2201.1"}, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	cmd.SetBasicAuth("alice@contoso.com", "pw")
	return []*http.Request{opt, cmd}
}

// The device's own connection writes the bytes net/http's Transport
// writes, and hands back the same answer, gzip undone likewise.
func TestConnTransportSpeaksAsNetHTTP(t *testing.T) {
	payload := strings.Repeat("wbxml? no, but long enough to compress ", 20)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(payload))
	zw.Close()
	seen := make(chan []byte, 16)
	srv := newRawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			raw, err := readRequestBytes(br)
			if err != nil {
				return
			}
			seen <- raw
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\nContent-Length: %d\r\n\r\n", zipped.Len())
			c.Write(zipped.Bytes())
		}
	})
	type answer struct {
		status int
		header http.Header
		body   string
		length int64
		wire   []byte
	}
	run := func(rt http.RoundTripper) []answer {
		var out []answer
		for _, req := range testRequests(t, srv.url()) {
			resp, err := (&http.Client{Transport: rt}).Do(req)
			if err != nil {
				t.Fatalf("%T: %v", rt, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%T: %v", rt, err)
			}
			resp.Header.Del("Date")
			out = append(out, answer{resp.StatusCode, resp.Header, string(b), resp.ContentLength, <-seen})
		}
		return out
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	want := run(tr)
	ct := newConnTransport(nil)
	defer ct.close()
	got := run(ct)
	for i := range want {
		w, g := want[i], got[i]
		if string(g.wire) != string(w.wire) {
			t.Errorf("request %d on the wire:\n%q\nnet/http writes\n%q", i, g.wire, w.wire)
		}
		if g.status != w.status || g.body != w.body || g.length != w.length || fmt.Sprint(g.header) != fmt.Sprint(w.header) {
			t.Errorf("answer %d: %d %v %d %q\nnet/http: %d %v %d %q", i, g.status, g.header, g.length, g.body, w.status, w.header, w.length, w.body)
		}
		if g.body != payload {
			t.Errorf("answer %d not decompressed: %q", i, g.body)
		}
	}
	if !strings.Contains(string(got[1].wire), "\r\nAccept-Encoding: gzip\r\n\r\n") {
		t.Errorf("no Accept-Encoding last: %q", got[1].wire)
	}
	// net/http's Transport keeps one connection for both; so does the
	// device's own.
	if n := srv.accepted.Load(); n != 2 {
		t.Errorf("%d connections for two clients' two requests each, want 2", n)
	}
}

// An answer with Connection: close ends the connection; a server's close
// of an idle connection is noticed before the next request, which goes on
// a new one without an error.
func TestConnTransportRedials(t *testing.T) {
	closed := make(chan int, 16)
	srv := newRawServer(t, func(n int, c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := readRequestBytes(br); err != nil {
			return
		}
		switch n {
		case 1: // says so
			io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
			// The client closes it: the server reads EOF.
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("connection 1 after Connection: close: %v", err)
			}
		case 2: // keep-alive, then the server closes it idle
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		default:
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			br.ReadByte() // until the client closes
		}
		c.Close()
		closed <- n
	})
	ct := newConnTransport(nil)
	defer ct.close()
	client := &http.Client{Transport: ct}
	for i := 1; i <= 3; i++ {
		resp, err := client.Get(srv.url())
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("request %d: %q", i, b)
		}
		if i < 3 {
			if n := <-closed; n != i {
				t.Fatalf("connection %d closed, want %d", n, i)
			}
		}
	}
	if n := srv.accepted.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// A cancelled request's context ends the wait for its answer, as with
// net/http's Transport, and the connection is not reused.
func TestConnTransportCancel(t *testing.T) {
	read := make(chan struct{})
	srv := newRawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		readRequestBytes(br)
		close(read)
		br.ReadByte() // never answers; ends when the client closes
	})
	ct := newConnTransport(nil)
	defer ct.close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.url(), nil)
	done := make(chan error, 1)
	go func() {
		_, err := (&http.Client{Transport: ct}).Do(req)
		done <- err
	}()
	<-read
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if ct.conn != nil {
		t.Error("the connection of a cancelled request is kept")
	}
}

// Cancelled while the body is read: the read ends with the context's
// error, as net/http's Transport's does, and the connection is dropped.
func TestConnTransportCancelMidBody(t *testing.T) {
	srv := newRawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		readRequestBytes(br)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
		br.ReadByte() // the rest never comes; ends when the client closes
	})
	ct := newConnTransport(nil)
	defer ct.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.url(), nil)
	resp, err := (&http.Client{Transport: ct}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if _, err := io.ReadFull(resp.Body, b); err != nil || string(b) != "half" {
		t.Fatalf("%q, %v", b, err)
	}
	cancel()
	if _, err := resp.Body.Read(b); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()
	if ct.conn != nil {
		t.Error("the connection of a cancelled body is kept")
	}
}

// Decompressors are reused from answer to answer: each answer still
// reads as its own, including one cut short, and a read after Close fails.
func TestConnTransportGzipReadersReused(t *testing.T) {
	zip := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	payload := func(i int) string { return strings.Repeat(fmt.Sprintf("answer %d; ", i), 50+i) }
	var served atomic.Int64 // across connections
	srv := newRawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequestBytes(br); err != nil {
				return
			}
			z := zip(payload(int(served.Add(1) - 1)))
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(z))
			c.Write(z)
		}
	})
	ct := newConnTransport(nil)
	defer ct.close()
	for i := 0; i < 20; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.url(), nil)
		resp, err := ct.RoundTrip(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if i == 7 {
			// Read a little, then close: the next answer must not see
			// this one's leftovers (a new connection carries it).
			small := make([]byte, 10)
			io.ReadFull(resp.Body, small)
			resp.Body.Close()
			if _, err := resp.Body.Read(small); err == nil {
				t.Fatalf("a read after Close succeeded")
			}
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if want := payload(i); string(b) != want {
			t.Fatalf("answer %d read %d bytes %.30q..., want %d bytes %.30q...", i, len(b), b, len(want), want)
		}
		if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
			t.Fatalf("answer %d: a read after Close succeeded", i)
		}
	}
}
