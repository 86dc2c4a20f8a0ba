package clock

import (
	"context"
	"time"
)

// Manual is a Clock whose time moves only when Advance, AdvanceToNext or Set
// is called. It is safe for concurrent use.
//
// Moving time fires every timer that became due, in deadline order, ties in
// the order they were scheduled (by NewTimer, AfterFunc, NewTicker or Reset).
// While a timer fires, Now returns its deadline. Channel timers get a
// non-blocking send of that time. AfterFunc callbacks run synchronously in the
// goroutine that moves time, one after the other, so their effects are visible
// when Advance returns; a callback may create, stop and reset timers (one that
// becomes due within the same Advance fires in it) and may even call Advance,
// but must not wait for another goroutine to move time. A ticker fires once per
// period crossed; as with time.Ticker, ticks that find a full buffer are dropped.
//
// A timer made with a non-positive duration fires at once, without Advance;
// its AfterFunc callback then runs in a new goroutine, as with time.AfterFunc.
//
// Concurrent calls that move time are allowed: each timer fires once and time
// never goes backward, but a callback may then see a later Now than its
// deadline.
type Manual struct {
	s   sched
	now time.Time // guarded by s.mu
}

// NewManual returns a Manual clock set to start.
func NewManual(start time.Time) *Manual {
	m := &Manual{now: start}
	m.s.nowLocked = func() time.Time { return m.now }
	return m
}

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	return m.now
}

// Since returns m.Now().Sub(t).
func (m *Manual) Since(t time.Time) time.Duration { return m.Now().Sub(t) }

// NewTimer returns a timer that fires when the clock reaches Now()+d.
func (m *Manual) NewTimer(d time.Duration) Timer { return m.s.newTimer(d, nil) }

// AfterFunc returns a timer that calls f when the clock reaches Now()+d.
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer { return m.s.newTimer(d, f) }

// NewTicker returns a ticker that fires every d of the clock's time.
func (m *Manual) NewTicker(d time.Duration) Ticker { return ticker{m.s.newTicker(d)} }

// Sleep blocks until the clock reaches Now()+d or ctx is done. While it
// waits it counts as a pending timer, so a test can BlockUntil it.
func (m *Manual) Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, m, d) }

// Advance moves the clock forward by d, firing every timer that becomes due.
// It panics if d is negative.
func (m *Manual) Advance(d time.Duration) {
	if d < 0 {
		panic("clock: negative Advance")
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.advanceLocked(m.now.Add(d))
}

// Set moves the clock forward to t, firing every timer that becomes due.
// It panics if t is before Now.
func (m *Manual) Set(t time.Time) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if t.Before(m.now) {
		panic("clock: Set moves time backward")
	}
	m.advanceLocked(t)
}

// AdvanceToNext moves the clock to the earliest pending deadline and fires
// every timer due then. It reports false, and does nothing, if no timer is
// pending.
func (m *Manual) AdvanceToNext() bool {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	t := m.s.headLocked()
	if t == nil {
		return false
	}
	target := t.when
	if target.Before(m.now) {
		target = m.now
	}
	m.advanceLocked(target)
	return true
}

func (m *Manual) advanceLocked(target time.Time) {
	for {
		t := m.s.headLocked()
		if t == nil || t.when.After(target) {
			break
		}
		if t.when.After(m.now) {
			m.now = t.when
		}
		t.fireLocked()
	}
	if target.After(m.now) {
		m.now = target
	}
}

// Pending returns the number of timers and tickers waiting to fire, including
// those behind a Sleep.
func (m *Manual) Pending() int { return m.s.pending() }

// NextDeadline returns the earliest pending deadline, if any.
func (m *Manual) NextDeadline() (time.Time, bool) { return m.s.nextDeadline() }

// BlockUntil waits until at least n timers are pending, so that a test can
// move time only once the code under test waits on the clock. It returns
// ctx.Err() if ctx is done first.
func (m *Manual) BlockUntil(ctx context.Context, n int) error { return m.s.blockUntil(ctx, n) }
