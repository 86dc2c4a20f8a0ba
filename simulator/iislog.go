package simulator

import (
	"fmt"
	"github.com/easlab/easlab/simulator/access"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The IIS request log of the Microsoft-Server-ActiveSync virtual directory,
// in W3C extended format with Exchange's &Log= string appended to the
// query (exchange-admin.md 5.3), so that support engineers see what they
// know from customers' servers.

// iisFields is IIS's default W3C field list.
const iisFields = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

// iisEntry is one request as the IIS log records it.
type iisEntry struct {
	time       time.Time
	serverIP   string
	method     string
	query      string // the raw query as the client sent it
	port       string
	username   string
	clientIP   string
	userAgent  string
	status     int
	substatus  int // sc-substatus: 13 for IIS request filtering's Content Length Too Large
	timeTaken  time.Duration
	version    int    // protocol version ×10, 0 if unknown
	access     string // As: value, "" if none
	mailSent   string // Ms: value
	easStatus  int    // S: the status in the body, 0 if none
	errorToken string // Error: value
	heartbeat  int    // Hb: seconds of a Ping or hanging Sync
	policyKey  uint32 // Pk: the key the device sent
	devOS      string // DevOS: from DeviceInformation in this request
}

// logValue writes an Exchange 2016/2019 Log= item value: URL-encoded, with
// '_' encoded as %5F since '_' ends an item.
func logValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "_", "%5F")
}

// logString builds the &Log= string: Exchange 2016/2019's Key:value items,
// each ended by '_'.
func (e *iisEntry) logString() string {
	var b strings.Builder
	item := func(k, v string) { b.WriteString(k + ":" + v + "_") }
	if e.version != 0 {
		b.WriteString("V" + strconv.Itoa(e.version) + "_")
	}
	if e.heartbeat != 0 {
		item("Hb", strconv.Itoa(e.heartbeat))
	}
	if e.policyKey != 0 {
		item("Pk", strconv.FormatUint(uint64(e.policyKey), 10))
	}
	if e.devOS != "" {
		item("DevOS", logValue(e.devOS))
	}
	if e.easStatus != 0 {
		b.WriteString("S" + strconv.Itoa(e.easStatus) + "_")
	}
	if e.errorToken != "" {
		item("Error", logValue(e.errorToken))
	}
	if e.access != "" {
		item("As", e.access)
	}
	if e.mailSent != "" {
		item("Ms", e.mailSent)
	}
	return b.String()
}

// line formats the entry as one W3C line ('-' for empty fields; spaces in
// the User-Agent become '+', as IIS writes them).
func (e *iisEntry) line() string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return strings.ReplaceAll(s, " ", "+")
	}
	q := e.query
	if l := e.logString(); l != "" {
		if q != "" {
			q += "&"
		}
		q += "Log=" + l
	}
	t := e.time.UTC()
	return fmt.Sprintf("%s %s %s %s /Microsoft-Server-ActiveSync/default.eas %s %s %s %s %s - %d %d 0 %d",
		t.Format("2006-01-02"), t.Format("15:04:05"), dash(e.serverIP), e.method, dash(q), dash(e.port),
		dash(e.username), dash(e.clientIP), dash(e.userAgent), e.status, e.substatus, e.timeTaken.Milliseconds())
}

// accessLogValue is the As: value: the state's name and the reason's first
// letter, or AB and its first letter for an autoblock reason.
func accessLogValue(s access.State, r access.Reason) string {
	if r.IsAutoblock() {
		return s.String() + "AB" + r.String()[:1]
	}
	return s.String() + r.String()[:1]
}

// IISLog writes the request log. It is safe for concurrent use.
type IISLog struct {
	mu      sync.Mutex
	w       io.Writer
	started bool
}

// NewIISLog returns a log writing to w.
func NewIISLog(w io.Writer) *IISLog { return &IISLog{w: w} }

func (l *IISLog) write(e *iisEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.started = true
		fmt.Fprintf(l.w, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: %s\n#Fields: %s\n",
			e.time.UTC().Format("2006-01-02 15:04:05"), iisFields)
	}
	fmt.Fprintln(l.w, e.line())
}

// recentRequests keeps the latest requests' IIS log entries, whatever
// Options.IISLog says, for the admin center's device page: a fixed ring,
// so it costs a copy a request and never grows.
type recentRequests struct {
	mu    sync.Mutex
	ring  [recentRequestsKept]recentRequest
	next  int
	count int
}

// recentRequestsKept is how many requests the ring holds.
const recentRequestsKept = 4096

type recentRequest struct {
	mailbox, deviceID string
	entry             iisEntry
}

func (r *recentRequests) add(mailbox, deviceID string, e *iisEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ring[r.next] = recentRequest{mailbox: mailbox, deviceID: deviceID, entry: *e}
	r.next = (r.next + 1) % recentRequestsKept
	r.count = min(r.count+1, recentRequestsKept)
}

// of returns the IIS log lines of a device's latest requests, newest
// first, at most max.
func (r *recentRequests) of(mailbox, deviceID string, max int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i := 1; i <= r.count && len(out) < max; i++ {
		rr := &r.ring[(r.next-i+recentRequestsKept)%recentRequestsKept]
		if strings.EqualFold(rr.deviceID, deviceID) && strings.EqualFold(rr.mailbox, mailbox) {
			out = append(out, rr.entry.line())
		}
	}
	return out
}
