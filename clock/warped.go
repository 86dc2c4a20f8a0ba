package clock

import (
	"context"
	"math"
	"time"
)

// Warped is a Clock that runs on by itself, following a base clock (normally
// [Real]) at a chosen speed, and that can jump forward with Warp. It is safe
// for concurrent use.
//
// Deadlines are points on the warped timeline: Warp(14*time.Minute) fires at
// once every timer due within those 14 minutes, in deadline order, and the
// others keep waiting, now 14 minutes closer to their deadline. With SetScale(60)
// a minute of the clock passes in a second of the base clock.
//
// Unlike Manual, Now keeps running while a timer fires, so a timer sees a Now
// at or after its deadline. AfterFunc callbacks run in the goroutine that
// calls Warp for the timers it makes due, and otherwise in the goroutine of
// the base clock's AfterFunc (a new goroutine for Real), one after the other
// for timers due together. A timer made with a non-positive duration fires at
// once, its callback in a new goroutine.
type Warped struct {
	s    sched
	base Clock

	// Guarded by s.mu: Now is anchor + scale × (base.Now() - baseAnchor).
	baseAnchor time.Time
	anchor     time.Time
	scale      float64

	// wake is a base-clock timer armed for the earliest deadline, wakeAt,
	// when armed is true.
	wake   Timer
	wakeAt time.Time
	armed  bool
}

// NewWarped returns a Warped clock that starts at base.Now() and runs at the
// speed of base. A nil base means Real().
func NewWarped(base Clock) *Warped {
	if base == nil {
		base = Real()
	}
	w := &Warped{base: base, scale: 1}
	w.baseAnchor = base.Now()
	w.anchor = w.baseAnchor
	w.s.nowLocked = w.nowLocked
	w.s.changedLocked = w.rearmLocked
	return w
}

func (w *Warped) nowLocked() time.Time {
	return w.anchor.Add(w.scaled(w.base.Since(w.baseAnchor)))
}

func (w *Warped) scaled(d time.Duration) time.Duration {
	if w.scale == 1 {
		return d
	}
	return clampDuration(float64(d) * w.scale)
}

func clampDuration(f float64) time.Duration {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(f)
}

// Now returns the clock's current time.
func (w *Warped) Now() time.Time {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.nowLocked()
}

// Since returns w.Now().Sub(t).
func (w *Warped) Since(t time.Time) time.Duration { return w.Now().Sub(t) }

// NewTimer returns a timer that fires when the clock reaches Now()+d.
func (w *Warped) NewTimer(d time.Duration) Timer { return w.s.newTimer(d, nil) }

// AfterFunc returns a timer that calls f when the clock reaches Now()+d.
func (w *Warped) AfterFunc(d time.Duration, f func()) Timer { return w.s.newTimer(d, f) }

// NewTicker returns a ticker that fires every d of the clock's time. Ticks
// skipped by a Warp are dropped, so a warp delivers at most one.
func (w *Warped) NewTicker(d time.Duration) Ticker { return ticker{w.s.newTicker(d)} }

// Sleep blocks until the clock reaches Now()+d or ctx is done. While it waits
// it counts as a pending timer.
func (w *Warped) Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, w, d) }

// Warp moves the clock forward by d at once and fires every timer that
// became due before returning. It panics if d is negative.
func (w *Warped) Warp(d time.Duration) {
	if d < 0 {
		panic("clock: negative Warp")
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.anchor = w.anchor.Add(d)
	w.fireDueLocked()
}

// SetScale sets how many units of the clock's time pass per unit of the base
// clock's time, from now on: 1 is real speed, 60 makes a minute pass in a
// second. It panics unless scale is positive and finite.
func (w *Warped) SetScale(scale float64) {
	if !(scale > 0) || math.IsInf(scale, 0) {
		panic("clock: scale must be positive and finite")
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	b := w.base.Now()
	w.anchor = w.anchor.Add(w.scaled(b.Sub(w.baseAnchor)))
	w.baseAnchor = b
	w.scale = scale
	w.fireDueLocked()
}

// Pending returns the number of timers and tickers waiting to fire.
func (w *Warped) Pending() int { return w.s.pending() }

// NextDeadline returns the earliest pending deadline, if any.
func (w *Warped) NextDeadline() (time.Time, bool) { return w.s.nextDeadline() }

// BlockUntil waits until at least n timers are pending, or returns ctx.Err()
// if ctx is done first.
func (w *Warped) BlockUntil(ctx context.Context, n int) error { return w.s.blockUntil(ctx, n) }

// onWake runs when the base clock reaches the earliest deadline.
func (w *Warped) onWake() {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.fireDueLocked()
}

// fireDueLocked fires every due timer, then arms the wake timer for the next.
func (w *Warped) fireDueLocked() {
	w.s.firing++
	for {
		t := w.s.headLocked()
		if t == nil || t.when.After(w.nowLocked()) {
			break
		}
		t.fireLocked()
	}
	w.s.firing--
	w.armed = false
	w.rearmLocked()
}

// rearmLocked makes the wake timer match the head of the queue.
func (w *Warped) rearmLocked() {
	t := w.s.headLocked()
	if t == nil {
		if w.armed {
			w.wake.Stop()
			w.armed = false
		}
		return
	}
	if w.armed && t.when.Equal(w.wakeAt) {
		return
	}
	d := t.when.Sub(w.nowLocked())
	if d <= 0 && w.s.firing > 0 {
		return // the running fire loop takes it
	}
	var rd time.Duration
	if d > 0 {
		rd = clampDuration(math.Ceil(float64(d) / w.scale))
	}
	if w.wake == nil {
		w.wake = w.base.AfterFunc(rd, w.onWake)
	} else {
		w.wake.Reset(rd)
	}
	w.wakeAt, w.armed = t.when, true
}
