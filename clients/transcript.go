package clients

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Exchange is one request and its response, kept raw; String decodes the
// WBXML bodies to XML.
type Exchange struct {
	Time           time.Time
	Method, URL    string
	Command        eas.Command // 0 for OPTIONS
	RequestHeader  http.Header
	RequestBody    []byte
	StatusCode     int // 0 when no response came
	ResponseHeader http.Header
	ResponseBody   []byte
	Err            error
	Duration       time.Duration // wall time from sending to the whole response
}

// Transcript is a device's request/response log, in order. It is safe for
// concurrent use.
type Transcript struct {
	mu      sync.Mutex
	entries []Exchange
}

// add appends e, keeping at most the last limit entries (0: all).
func (t *Transcript) add(e Exchange, limit int) {
	t.mu.Lock()
	t.entries = append(t.entries, e)
	if limit > 0 && len(t.entries) > limit {
		t.entries = append(t.entries[:0], t.entries[len(t.entries)-limit:]...)
	}
	t.mu.Unlock()
}

// Entries returns a copy of the exchanges so far.
func (t *Transcript) Entries() []Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Exchange(nil), t.entries...)
}

// String prints every exchange: request line, headers (Authorization
// redacted) and body as XML, then the response likewise.
func (t *Transcript) String() string {
	var b strings.Builder
	for i, e := range t.Entries() {
		fmt.Fprintf(&b, "#%d %s\n", i+1, e.String())
	}
	return b.String()
}

// String prints the exchange as Transcript.String does.
func (e Exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n> %s %s\n", e.Time.UTC().Format(time.RFC3339), e.Method, e.URL)
	writeHeaders(&b, "> ", e.RequestHeader)
	writeBody(&b, e.RequestHeader, e.RequestBody)
	if e.Err != nil {
		fmt.Fprintf(&b, "< error: %v\n", e.Err)
	} else {
		fmt.Fprintf(&b, "< %d %s\n", e.StatusCode, http.StatusText(e.StatusCode))
		writeHeaders(&b, "< ", e.ResponseHeader)
		writeBody(&b, e.ResponseHeader, e.ResponseBody)
	}
	b.WriteByte('\n')
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			if strings.EqualFold(k, "Authorization") {
				if i := strings.IndexByte(v, ' '); i > 0 {
					v = v[:i] + " ***"
				}
			}
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

func writeBody(b *strings.Builder, h http.Header, body []byte) {
	if len(body) == 0 {
		return
	}
	if strings.HasPrefix(h.Get("Content-Type"), eas.ContentTypeWBXML) {
		var buf bytes.Buffer
		if err := wbxml.WriteXML(&buf, wbxml.NewBytesDecoder(body)); err == nil {
			b.Write(buf.Bytes())
			if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
				b.WriteByte('\n')
			}
			return
		}
		fmt.Fprintf(b, "% X\n", body)
		return
	}
	b.Write(body)
	if !bytes.HasSuffix(body, []byte("\n")) {
		b.WriteByte('\n')
	}
}
