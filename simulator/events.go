package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/simulator/store"
)

// The event stream: every change of a device's state, in order, with an id
// a client can resume from. Exchange has no such stream (agents poll
// Get-MobileDevice, exchange-admin.md 4.10); the simulator offers it to
// tests and to agents that prefer events to polling.

// Event kinds.
const (
	EventDeviceCreated      = "DeviceCreated"      // first contact of a new partnership
	EventAccessStateChanged = "AccessStateChanged" // From, To, Reason, Rule
	EventMailPosted         = "MailPosted"         // a notice posted to a mailbox: Subject
	EventWipeRequested      = "WipeRequested"      // Clear-MobileDevice
	EventWipeCancelled      = "WipeCancelled"      // Clear-MobileDevice -Cancel
	EventWipeSent           = "WipeSent"           // the directive went out in Provision
	EventWipeAcknowledged   = "WipeAcknowledged"   // the device reported; Status
	EventPartnershipRemoved = "PartnershipRemoved" // Remove-MobileDevice
)

// Event is one entry of the stream, as JSON.
type Event struct {
	ID         uint64    `json:"id"`
	Time       time.Time `json:"time"`
	Kind       string    `json:"kind"`
	Mailbox    string    `json:"mailbox"` // the owner's primary SMTP address
	DeviceID   string    `json:"deviceId,omitempty"`
	DeviceType string    `json:"deviceType,omitempty"`
	From       string    `json:"from,omitempty"`
	To         string    `json:"to,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Status     string    `json:"status,omitempty"`
}

// maxEvents is how many events the log keeps for clients that resume.
const maxEvents = 10000

// EventLog keeps the last events and wakes the clients that follow it. It
// has its own lock and takes no other.
type EventLog struct {
	now     func() time.Time // stamps events; the server sets its clock's
	mu      sync.Mutex
	next    uint64
	events  []Event
	changed chan struct{}
	store   *writer // nil: events live in memory only
	// observer sees each event as it is emitted (the server's metrics).
	observer func(Event)
}

// observe makes f see every event emitted from now on.
func (l *EventLog) observe(f func(Event)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observer = f
}

func newEventLog() *EventLog {
	return &EventLog{now: clock.Real().Now, next: 1, changed: make(chan struct{})}
}

// Emit appends an event and returns its id.
func (l *EventLog) Emit(e Event) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.ID = l.next
	l.next++
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	l.events = append(l.events, e)
	if l.observer != nil {
		l.observer(e)
	}
	trim := uint64(0)
	if len(l.events) >= 2*maxEvents {
		// The oldest go maxEvents at a time, once the log holds twice
		// what it keeps: dropping one at every event past maxEvents copied
		// the whole log each time under this lock, which every request
		// that stamps a device takes, and stalled the server at 19,000
		// devices. Readers see the last maxEvents (kept).
		l.events = append(l.events[:0:0], l.events[len(l.events)-maxEvents:]...)
		trim = l.events[0].ID - 1
	}
	if l.store != nil {
		err := l.store.st.Update(func(tx store.Tx) error {
			if err := tx.AppendEvent(eventRecord(e)); err != nil {
				return err
			}
			if trim > 0 {
				return tx.TrimEvents(trim)
			}
			return nil
		})
		if err != nil {
			l.store.log.Error("simulator: writing an event to the store", "id", e.ID, "err", err)
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return e.ID
}

// kept is the last maxEvents events, those the log promises to keep (it
// holds up to twice as many between trims). The lock is held.
func (l *EventLog) kept() []Event {
	if len(l.events) > maxEvents {
		return l.events[len(l.events)-maxEvents:]
	}
	return l.events
}

// Since returns the events after id, and a channel closed at the next one.
func (l *EventLog) Since(id uint64) ([]Event, <-chan struct{}) { return l.since(id, -1) }

// since returns at most max events after id (all for a negative max), and
// a channel closed at the next one. The log is in id order, so the first
// is found by binary search.
func (l *EventLog) since(id uint64, max int) ([]Event, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	events := l.kept()
	i := sort.Search(len(events), func(i int) bool { return events[i].ID > id })
	rest := events[i:]
	if max >= 0 && len(rest) > max {
		rest = rest[:max]
	}
	return slices.Clone(rest), l.changed
}

// Bounds of a Server-Sent Events subscriber: it holds at most
// eventBatch events at a time, and one that does not take a batch within
// the write timeout (Options.EventWriteTimeout) is dropped; it resumes
// with Last-Event-ID. Exchange has no event stream; these keep a slow or
// hostile subscriber from costing the server more than one batch.
const (
	eventBatch               = 100
	DefaultEventWriteTimeout = 30 * time.Second
)

// Events returns the server's event log.
func (s *Server) Events() *EventLog { return s.dir.events }

// serveEvents streams events as Server-Sent Events: one `id:` and one
// `data:` line of JSON per event. A client resumes after the id in the
// Last-Event-ID header (or the `since` query parameter).
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	var last uint64
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("since")} {
		if v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				http.Error(w, "bad event id", http.StatusBadRequest)
				return
			}
			last = n
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	s.metrics.streams.Add(1)
	defer s.metrics.streams.Add(-1)
	ctx := r.Context()
	rc := http.NewResponseController(w)
	timeout := s.opts.EventWriteTimeout
	if timeout <= 0 {
		timeout = DefaultEventWriteTimeout
	}
	var buf bytes.Buffer
	for {
		events, wake := s.dir.events.since(last, eventBatch)
		if len(events) > 0 {
			buf.Reset()
			for _, e := range events {
				b, _ := json.Marshal(e)
				fmt.Fprintf(&buf, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Kind, b)
				last = e.ID
			}
			// A subscriber that does not take the batch in time is
			// dropped: it holds no more than this batch meanwhile.
			rc.SetWriteDeadline(time.Now().Add(timeout))
			if _, err := w.Write(buf.Bytes()); err != nil {
				s.log.Info("admin events: a subscriber that did not read was dropped", "remote", r.RemoteAddr, "last", last, "err", err)
				return
			}
			if err := rc.Flush(); err != nil {
				s.log.Info("admin events: a subscriber that did not read was dropped", "remote", r.RemoteAddr, "last", last, "err", err)
				return
			}
			if len(events) == eventBatch {
				continue // more to send at once
			}
		}
		if !waitEvent(ctx, wake) {
			return
		}
	}
}

func waitEvent(ctx context.Context, wake <-chan struct{}) bool {
	select {
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

func eventRecord(e Event) store.Event {
	b, _ := json.Marshal(e)
	return store.Event{ID: e.ID, Time: e.Time, Type: e.Kind, Mailbox: e.Mailbox, DeviceID: e.DeviceID, Data: b}
}

// attach makes the log write every new event to w.
func (l *EventLog) attach(w *writer) {
	l.mu.Lock()
	l.store = w
	l.mu.Unlock()
}

// flushAll writes the events the log holds (to a store that held none).
func (l *EventLog) flushAll() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return nil
	}
	return l.store.st.Update(func(tx store.Tx) error {
		for _, e := range l.events {
			if err := tx.AppendEvent(eventRecord(e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// restore takes the events a store held; ids go on from the last one.
func (l *EventLog) restore(events []store.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, rec := range events {
		var e Event
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			return fmt.Errorf("simulator: the store's event %d: %w", rec.ID, err)
		}
		e.ID = rec.ID
		l.events = append(l.events, e)
		l.next = rec.ID + 1
	}
	if len(l.events) > maxEvents {
		l.events = l.events[len(l.events)-maxEvents:]
	}
	return nil
}
