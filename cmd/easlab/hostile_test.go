package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator"
)

// TestServeHTTPLimits: `easlab serve` runs behind simulator.NewHTTPServer
// with its flags' limits (issue 12): http.sys's 400 for long headers, also
// past the hard cap, idle connections closed after --connection-timeout,
// and a declared body over --max-allowed-content-length refused at once
// with 404.
func TestServeHTTPLimits(t *testing.T) {
	for flag, want := range map[string]string{"max-field-length": "16384", "max-request-bytes": "16384", "connection-timeout": "2m0s", "min-bytes-per-second": "240", "http2-max-streams": "100", "max-allowed-content-length": "30000000"} {
		if f := newServeCmd().Flags().Lookup(flag); f == nil || f.DefValue != want {
			t.Errorf("--%s: default %v, want %s", flag, f, want)
		}
	}
	cfg := serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", profile: "Exchange2019", logFormat: "text", logLevel: "info",
		http: simulator.HTTPLimits{ConnectionTimeout: time.Second}, maxContentLength: 1000}
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs bytes.Buffer
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- runServe(ctx, cfg, &out, &logs, ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	addr := strings.TrimPrefix(base, "http://")
	exchange := func(req string, body int) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		go func() {
			w := bufio.NewWriter(c)
			w.WriteString(req)
			for i := 0; i < body; i++ {
				w.WriteString("X-Filler: " + strings.Repeat("a", 88) + "\r\n")
			}
			w.Flush()
		}()
		b, _ := io.ReadAll(c)
		return string(b)
	}
	const eas = "POST /Microsoft-Server-ActiveSync?Cmd=FolderSync&User=alice&DeviceId=SERVE1&DeviceType=iPhone HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	if got := exchange(eas+"X-Big: "+strings.Repeat("b", 17000)+"\r\n\r\n", 0); !strings.HasPrefix(got, "HTTP/1.1 400 Bad Request") || !strings.Contains(got, "<h2>Bad Request - Header Field Too Long</h2>") {
		t.Errorf("a 17,000-byte header field: %.200q", got)
	}
	if got := exchange(eas, 10000); !strings.HasPrefix(got, "HTTP/1.1 400 Bad Request") || !strings.Contains(got, "<h2>Bad Request - Request Too Long</h2>") {
		t.Errorf("1 MB of headers: %.200q", got)
	}
	if got := exchange(eas+"Content-Length: 2000\r\n\r\n", 0); !strings.HasPrefix(got, "HTTP/1.1 404 Not Found") {
		t.Errorf("a declared body over --max-allowed-content-length: %.200q", got)
	}
	// An idle keep-alive connection is closed after --connection-timeout.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t0 := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("the idle connection: %v after %v, want EOF after about 1s", err, time.Since(t0))
	} else if d := time.Since(t0); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("the idle connection was closed after %v, want about 1s", d)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "msg=httperr") || !strings.Contains(logs.String(), "404.13") {
		t.Errorf("the refusals are not in the log:\n%s", logs.String())
	}
}
