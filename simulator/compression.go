package simulator

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IIS's dynamic compression as Exchange's sites run it, for WBXML
// answers: an answer is gzip-compressed when the request accepts gzip and
// its URL is "frequently hit", requested frequentHitThreshold times within
// frequentHitTimePeriod (IIS's serverRuntime defaults, 2 and 10 s; the
// Interop suite's MSASHTTP_S01_TC02 repeats its FolderSync until the
// answer is compressed, R197 and R214), at IIS's default dynamic
// compression level 0, the fastest. An answer not compressed carries no
// Content-Encoding (R412, R215). Hits are counted by the URL's path;
// whether IIS counts the query string too is UNCONFIRMED.
const (
	frequentHitThreshold  = 2
	frequentHitTimePeriod = 10 * time.Second
)

// hitCounter tells which URLs are frequently hit.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string][]time.Time // the latest hits of each URL path
}

// frequent records a hit of path at now and says whether it makes the
// path frequently hit.
func (h *hitCounter) frequent(path string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hits == nil || len(h.hits) > 4096 {
		h.hits = map[string][]time.Time{} // bounded: a flood of URLs starts over
	}
	l := append(h.hits[path], now)
	if len(l) > frequentHitThreshold {
		l = l[len(l)-frequentHitThreshold:]
	}
	h.hits[path] = l
	return len(l) == frequentHitThreshold && now.Sub(l[0]) <= frequentHitTimePeriod
}

// acceptsGzip reports whether an Accept-Encoding value takes gzip (with a
// non-zero quality).
func acceptsGzip(v string) bool {
	for _, part := range strings.Split(v, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.TrimSpace(coding) != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(val, 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipSlots bounds how many answers are compressed at once: compressing
// is CPU work, so more at once than the processors run gains nothing, and
// each writer holds some 600 KB of tables. Unbounded, a wake of every
// mailbox had hundreds of Syncs compressing at once (each preempted in
// turn), and the pool as many writers.
var gzipSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/2 + 64)
	gzipSlots <- struct{}{}
	defer func() { <-gzipSlots }()
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	gzipWriters.Put(w)
	return out.Bytes()
}
