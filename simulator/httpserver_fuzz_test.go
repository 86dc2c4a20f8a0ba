package simulator_test

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/easlab/easlab/simulator"
)

// FuzzHeaderLimits: whatever request net/http parses, HeaderSizes measures
// it consistently, and NewHTTPServer's handler refuses it with http.sys's
// 400 exactly when it is over a limit, never panics, and passes it on
// otherwise.
func FuzzHeaderLimits(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /Microsoft-Server-ActiveSync?Cmd=Sync HTTP/1.1\r\nHost: mail.contoso.com\r\nAuthorization: Basic YWxpY2U6UGFzc3cwcmQh\r\nMS-ASProtocolVersion: 14.1\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS * HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 300) + "\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: aaaaaaaaaa\r\n", 40) + "\r\n",
		"GET /" + strings.Repeat("p", 600) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\nX-Folded: a\n b\n\n",
		"GET http://other/abs HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	const maxField, maxTotal = 256, 512
	passed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	h := simulator.NewHTTPServer(passed, simulator.HTTPLimits{MaxFieldLength: maxField, MaxRequestBytes: maxTotal}).Handler
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		field, total := simulator.HeaderSizes(req)
		if field < 0 || total < field {
			t.Fatalf("HeaderSizes = %d, %d: the longest field is longer than the whole", field, total)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		over := field > maxField || total > maxTotal
		switch {
		case over && rec.Code != http.StatusBadRequest:
			t.Fatalf("sizes %d, %d over %d, %d: HTTP %d, want 400", field, total, maxField, maxTotal, rec.Code)
		case over && !strings.Contains(rec.Body.String(), "<h2>Bad Request - "):
			t.Fatalf("400 without http.sys's page: %q", rec.Body.String())
		case !over && rec.Code != 299:
			t.Fatalf("sizes %d, %d within %d, %d: HTTP %d, want the request passed on", field, total, maxField, maxTotal, rec.Code)
		}
	})
}
