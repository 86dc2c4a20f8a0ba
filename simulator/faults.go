package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/admin"
)

// Fault injection: the admin API's /api/faults makes the simulator
// misbehave as a loaded or broken Exchange does, for chosen requests only
// and always deterministically (a probability needs a seed):
//
//	POST /api/faults   {"match": {...}, "action": {...}, "count": N, "for": "30s", "probability": 0.5, "seed": 7}
//	  201 the fault, with its "id"
//	GET /api/faults    every fault, with its "hits" and what is left
//	DELETE /api/faults/{id}, DELETE /api/faults (all)
//
// match (all given fields must hold): "command" an EAS command name (Sync,
// Ping, ...), "user" the mailbox (any name Get-Mailbox takes), "deviceId",
// or "cmdlet" an admin cmdlet name (then the fault is about the admin API,
// not EAS). An empty match is every EAS request.
//
// action: "latency" ("2s", simulator clock) before anything else; then at
// most one of "httpStatus" (with "retryAfter" seconds for 503), "status"
// (an EAS status in the body, rendered for the request's protocol
// version), "redirect" (451 with X-MS-Location) or "drop" (the connection
// closes with no answer; with latency on a Ping, a long poll cut in its
// middle). For a cmdlet, "httpStatus" answers an error (default category
// ResourceUnavailable: "the server is busy"). Latency alone delays the
// request, which then runs normally.
//
// count: the next N matching requests (0: no limit). for: from now, on the
// simulator's clock (0: no limit). A fault with neither applies until
// deleted.

// FaultMatch selects the requests a fault applies to.
type FaultMatch struct {
	Command  string `json:"command,omitempty"`
	User     string `json:"user,omitempty"`
	DeviceID string `json:"deviceId,omitempty"`
	Cmdlet   string `json:"cmdlet,omitempty"`
}

// FaultAction is what a matching request gets.
type FaultAction struct {
	Latency    Duration `json:"latency,omitzero"`
	HTTPStatus int      `json:"httpStatus,omitempty"`
	RetryAfter int      `json:"retryAfter,omitempty"`
	Status     int      `json:"status,omitempty"`
	Redirect   string   `json:"redirect,omitempty"`
	Drop       bool     `json:"drop,omitempty"`
}

// Duration is a time.Duration written as "2s" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as Go writes it.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// MaxFaultDuration bounds a fault's latency and window: a day is longer
// than any test waits, and larger numbers would overflow (1e300 seconds
// used to be stored as a negative duration that did nothing).
const MaxFaultDuration = 24 * time.Hour

// UnmarshalJSON reads "2s", "1m30s" or a number of seconds, from 0 up to
// MaxFaultDuration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil || v < 0 || v > MaxFaultDuration {
			return fmt.Errorf("duration %q: want e.g. \"2s\", at most %s", s, MaxFaultDuration)
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil || !(n >= 0 && n <= MaxFaultDuration.Seconds()) {
		return fmt.Errorf("duration %s: want e.g. \"2s\" or seconds, at most %s", b, MaxFaultDuration)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// Fault is one injected fault.
type Fault struct {
	ID          string      `json:"id"`
	Match       FaultMatch  `json:"match"`
	Action      FaultAction `json:"action"`
	Count       int         `json:"count,omitempty"`
	For         Duration    `json:"for,omitzero"`
	Probability float64     `json:"probability,omitempty"`
	Seed        uint64      `json:"seed,omitempty"`
	Created     time.Time   `json:"created"`
	Hits        int         `json:"hits"`

	rng     *rand.Rand
	mailbox *Mailbox // Match.User resolved
}

// faultSet holds the faults; it has its own lock and takes no other.
type faultSet struct {
	mu     sync.Mutex
	next   int
	faults []*Fault
}

// check validates a new fault.
func (f *Fault) check() error {
	a := f.Action
	n := 0
	for _, set := range []bool{a.HTTPStatus != 0, a.Status != 0, a.Redirect != "", a.Drop} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("give at most one of httpStatus, status, redirect and drop")
	case n == 0 && a.Latency == 0:
		return errors.New("the action does nothing: give latency, httpStatus, status, redirect or drop")
	case a.HTTPStatus != 0 && (a.HTTPStatus < 400 || a.HTTPStatus > 599):
		return fmt.Errorf("httpStatus %d is not an error status", a.HTTPStatus)
	case a.Status != 0 && (a.Status < 1 || a.Status > 255):
		return fmt.Errorf("status %d is not an EAS status", a.Status)
	case a.RetryAfter < 0 || f.Count < 0:
		return errors.New("retryAfter and count cannot be negative")
	case a.RetryAfter > int(MaxFaultDuration.Seconds()):
		return fmt.Errorf("retryAfter %d is over a day", a.RetryAfter)
	case a.RetryAfter != 0 && a.HTTPStatus == 0:
		return errors.New("retryAfter goes with an httpStatus")
	case f.Probability < 0 || f.Probability > 1:
		return errors.New("probability is between 0 and 1")
	case f.Probability > 0 && f.Probability < 1 && f.Seed == 0:
		return errors.New("a probability needs a seed: faults are deterministic")
	case f.Match.Cmdlet != "" && (f.Match.Command != "" || f.Match.DeviceID != "" || f.Match.User != ""):
		return errors.New("a cmdlet fault matches the cmdlet name only")
	case f.Match.Cmdlet != "" && (a.Status != 0 || a.Redirect != ""):
		return errors.New("a cmdlet fault takes latency, httpStatus or drop")
	case f.Match.Command != "":
		if _, ok := eas.ParseCommand(f.Match.Command); !ok {
			return fmt.Errorf("command %q is not an EAS command", f.Match.Command)
		}
	}
	return nil
}

// take returns what the live faults matching a request do, counting each
// hit: the first fault that answers (httpStatus, status, redirect, drop),
// after the latency of every latency-only fault before it. So a
// latency-only fault delays a request without hiding the faults added
// after it.
func (fs *faultSet) take(now time.Time, match func(*Fault) bool) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out *Fault
	for i := 0; i < len(fs.faults); i++ {
		f := fs.faults[i]
		if f.For > 0 && now.Sub(f.Created) >= time.Duration(f.For) {
			continue
		}
		if !match(f) {
			continue
		}
		if f.rng != nil && f.rng.Float64() >= f.Probability {
			continue
		}
		f.Hits++
		cp := *f
		if f.Count > 0 && f.Hits >= f.Count {
			fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
			i--
		}
		if out == nil {
			out = &cp
		} else {
			latency := out.Action.Latency + cp.Action.Latency
			id := out.ID
			out = &cp
			out.Action.Latency, out.ID = latency, id+"+"+cp.ID
		}
		if a := cp.Action; a.HTTPStatus != 0 || a.Status != 0 || a.Redirect != "" || a.Drop {
			break
		}
	}
	return out
}

// easFault returns the fault for an authenticated EAS request, if any.
func (s *Server) easFault(req *eas.Request, mb *Mailbox) *Fault {
	f := s.faults.take(s.clock.Now(), func(f *Fault) bool {
		m := f.Match
		return m.Cmdlet == "" &&
			(m.Command == "" || strings.EqualFold(m.Command, req.Command.String())) &&
			(m.DeviceID == "" || strings.EqualFold(m.DeviceID, req.DeviceID)) &&
			(f.mailbox == nil || f.mailbox == mb)
	})
	if f != nil {
		s.metrics.faults.WithLabelValues("eas").Inc()
	}
	return f
}

// cmdletFault returns the fault for a cmdlet call, if any.
func (s *Server) cmdletFault(name string) *Fault {
	f := s.faults.take(s.clock.Now(), func(f *Fault) bool {
		return f.Match.Cmdlet != "" && (strings.EqualFold(f.Match.Cmdlet, name) || cmdlets.Get(f.Match.Cmdlet) == cmdlets.Get(name))
	})
	if f != nil {
		s.metrics.faults.WithLabelValues("cmdlet").Inc()
	}
	return f
}

// errDropped is what a dropped request returns: there is no answer.
var errDropped = errors.New("fault: connection dropped")

// applyEASFault carries out f's action on an EAS request. It returns nil
// when the request should go on (latency only).
func (s *Server) applyEASFault(c *call, f *Fault) error {
	a := f.Action
	if a.Latency > 0 {
		if err := s.clock.Sleep(c.r.Context(), time.Duration(a.Latency)); err != nil {
			return eas.NewHTTPError(http.StatusRequestTimeout, "client went away during an injected latency")
		}
	}
	switch {
	case a.Drop:
		c.abort = !closeConnection(c.w)
		c.written = true
		return errDropped
	case a.Redirect != "":
		eas.SetHeader(c.w.Header(), eas.HeaderLocation, a.Redirect)
		return eas.NewHTTPError(451, "injected fault: redirect")
	case a.HTTPStatus != 0:
		if a.RetryAfter > 0 {
			c.w.Header().Set("Retry-After", fmt.Sprint(a.RetryAfter))
		}
		return eas.NewHTTPError(a.HTTPStatus, "injected fault")
	case a.Status != 0:
		return &eas.StatusError{Status: a.Status, HTTPStatus: http.StatusOK, Message: "injected fault"}
	}
	return nil
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if !closeConnection(w) {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream
	}
}

// closeConnection closes the client's connection without an answer. It
// reports false when the connection cannot be taken (HTTP/2): the caller
// then aborts the stream with http.ErrAbortHandler, once it has logged.
func closeConnection(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// serveFaults is the /api/faults resource.
func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/api/faults"), "/")
	switch {
	case r.Method == http.MethodGet && id == "":
		s.faults.mu.Lock()
		list := make([]Fault, len(s.faults.faults))
		for i, f := range s.faults.faults {
			list[i] = *f
		}
		s.faults.mu.Unlock()
		writeAdminJSON(w, http.StatusOK, map[string]any{"faults": list})
	case r.Method == http.MethodPost && id == "":
		var f Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminRequestBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeAdminError(w, &admin.Error{Status: http.StatusBadRequest, Category: "ParserError", Message: "The fault couldn't be read: " + err.Error()})
			return
		}
		if err := f.check(); err != nil {
			writeAdminError(w, &admin.Error{Status: http.StatusBadRequest, Category: "InvalidArgument", Message: "Invalid fault: " + err.Error()})
			return
		}
		if f.Match.User != "" {
			_, mb, ok := s.dir.Resolve(f.Match.User)
			if !ok {
				writeAdminError(w, s.errNotFound(f.Match.User))
				return
			}
			f.mailbox = mb
		}
		if f.Probability > 0 && f.Probability < 1 {
			f.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
		}
		f.Created, f.Hits = s.clock.Now(), 0
		s.faults.mu.Lock()
		s.faults.next++
		f.ID = fmt.Sprintf("fault-%d", s.faults.next)
		s.faults.faults = append(s.faults.faults, &f)
		s.faults.mu.Unlock()
		s.log.Info("admin", "fault", f.ID, "match", f.Match, "action", f.Action)
		writeAdminJSON(w, http.StatusCreated, f)
	case r.Method == http.MethodDelete:
		s.faults.mu.Lock()
		defer s.faults.mu.Unlock()
		if id == "" {
			s.faults.faults = nil
			w.WriteHeader(http.StatusNoContent)
			return
		}
		for i, f := range s.faults.faults {
			if f.ID == id {
				s.faults.faults = append(s.faults.faults[:i], s.faults.faults[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		writeAdminError(w, &admin.Error{Status: http.StatusNotFound, Category: "ObjectNotFound", Message: "There is no fault " + id + "."})
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeAdminError(w, &admin.Error{Status: http.StatusMethodNotAllowed, Category: "InvalidOperation", Message: "The method " + r.Method + " is not allowed here."})
	}
}
