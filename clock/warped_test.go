package clock

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// With a Manual base, a Warped clock is deterministic: base.Advance stands
// for real time passing.
func TestWarpedOnManualBase(t *testing.T) {
	base := NewManual(t0)
	w := NewWarped(base)
	r := &recorder{clk: w}

	w.AfterFunc(10*time.Second, r.fn("approval"))
	w.AfterFunc(14*time.Minute, r.fn("discovery"))
	w.AfterFunc(20*time.Minute, r.fn("ping"))

	base.Advance(10 * time.Second) // real time fires the first
	w.Warp(14 * time.Minute)       // now at 14m10s: discovery is due
	r.fn("warped")()
	base.Advance(5*time.Minute + 49*time.Second) // 19m59s: ping not due
	r.fn("waited")()
	base.Advance(time.Second)

	want := []string{"approval@10s", "discovery@14m10s", "warped@14m10s", "waited@19m59s", "ping@20m0s"}
	if !slices.Equal(r.log, want) {
		t.Errorf("fired %q, want %q", r.log, want)
	}
	if n := base.Pending(); n != 0 {
		t.Errorf("base has %d pending timers after all fired", n)
	}
}

func TestWarpedScale(t *testing.T) {
	base := NewManual(t0)
	w := NewWarped(base)
	w.SetScale(60)
	tm := w.NewTimer(90 * time.Second)

	base.Advance(time.Second)
	if got := w.Since(t0); got != time.Minute {
		t.Errorf("after 1s at 60x, Since = %v, want 1m", got)
	}
	if _, ok := received(tm.C()); ok {
		t.Fatal("timer fired early")
	}
	base.Advance(500 * time.Millisecond)
	if v, ok := received(tm.C()); !ok || v.Sub(t0) != 90*time.Second {
		t.Errorf("timer value = %v, %v; want 1m30s, true", v.Sub(t0), ok)
	}

	w.SetScale(1) // Now stays continuous
	if got := w.Since(t0); got != 90*time.Second {
		t.Errorf("after SetScale(1), Since = %v, want 1m30s", got)
	}
	w.Warp(time.Minute)
	base.Advance(time.Second)
	if got := w.Since(t0); got != 151*time.Second {
		t.Errorf("Since = %v, want 2m31s", got)
	}

	// A timer armed at 1x waits less after speeding up.
	tm = w.NewTimer(time.Hour)
	w.SetScale(3600)
	base.Advance(time.Second)
	if _, ok := received(tm.C()); !ok {
		t.Error("timer did not fire after speeding up")
	}
}

func TestWarpedStopAndQueries(t *testing.T) {
	base := NewManual(t0)
	w := NewWarped(base)
	a := w.NewTimer(time.Minute)
	b := w.AfterFunc(2*time.Minute, func() { t.Error("stopped timer fired") })
	if w.Pending() != 2 || base.Pending() != 1 {
		t.Errorf("Pending = %d, base %d; want 2, 1", w.Pending(), base.Pending())
	}
	if d, ok := w.NextDeadline(); !ok || !d.Equal(t0.Add(time.Minute)) {
		t.Errorf("NextDeadline = %v, %v", d, ok)
	}
	if !b.Stop() || !a.Stop() {
		t.Error("Stop of pending timers = false")
	}
	if w.Pending() != 0 || base.Pending() != 0 {
		t.Errorf("after Stop, Pending = %d, base %d; want 0, 0", w.Pending(), base.Pending())
	}
	w.Warp(time.Hour)
	base.Advance(time.Hour)
	if _, ok := received(a.C()); ok {
		t.Error("stopped timer sent a value")
	}
	if err := w.BlockUntil(t.Context(), 0); err != nil {
		t.Error(err)
	}
}

// On the real clock: a Warp fires due timers before it returns; the others
// still fire in real time, in deadline order: those due 20, 30 and 40 ms after
// the warped-to time fire shortly after it. Only order is asserted.
func TestWarpedReal(t *testing.T) {
	before := numGoroutine()
	w := NewWarped(nil)
	const warp = 90 * time.Minute
	var (
		mu  sync.Mutex
		log []string
	)
	fn := func(name string) func() {
		return func() { mu.Lock(); log = append(log, name); mu.Unlock() }
	}
	snapshot := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(log) }

	last := make(chan struct{})
	w.AfterFunc(warp+40*time.Millisecond, func() { fn("40ms")(); close(last) })
	w.AfterFunc(time.Hour, fn("1h"))
	late := w.NewTimer(2 * time.Hour)
	w.AfterFunc(warp+20*time.Millisecond, fn("20ms"))
	ch := w.NewTimer(warp + 30*time.Millisecond)

	w.Warp(warp)
	if got := snapshot(); !slices.Equal(got, []string{"1h"}) {
		t.Errorf("right after Warp, fired %q, want [1h]", got)
	}
	v := waitReal(t, ch.C())
	if d := v.Sub(w.Now()); d > 0 {
		t.Errorf("timer value %v is after Now", d)
	}
	waitReal(t, last)
	if got, want := snapshot(), []string{"1h", "20ms", "40ms"}; !slices.Equal(got, want) {
		t.Errorf("fired %q, want %q", got, want)
	}
	if _, ok := received(late.C()); ok {
		t.Error("2h timer fired")
	}
	if !late.Stop() {
		t.Error("Stop of the 2h timer = false")
	}
	checkNoLeak(t, before)
}
