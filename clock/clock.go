// Package clock is the only source of time in easlab.
//
// Every timer in the simulator, the clients and the harness reads a [Clock]
// instead of calling time.Now, time.After or time.Sleep, so that a scenario can
// run Exchange's long waits (a 14-minute discovery, 20 s of tarpit, Ping
// heartbeats of up to 59 minutes) in milliseconds. Three clocks exist:
//
//   - [Real]: the wall clock.
//   - [NewWarped]: real time that runs on by itself, optionally faster, plus
//     jumps ("warp 14m") that fire every timer that became due.
//   - [NewManual]: time that moves only when a test says so, for unit tests.
//
// Timers follow the semantics of time.Timer since Go 1.23: after Stop or Reset
// returns, no stale value is received from the timer's channel, and Stop
// reports true if it prevented a value from being delivered.
//
// The package holds no state: every clock is a value its owner passes on.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers. Implementations are safe for
// concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Since returns the time elapsed since t.
	Since(t time.Time) time.Duration
	// NewTimer returns a timer that sends the current time on its channel
	// after at least d. If d <= 0 the value is sent at once.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine after at least d. Manual and
	// Warped call f in the goroutine that moves time; see their docs.
	// The returned Timer's C is nil.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTicker returns a ticker that sends the current time every d.
	// It panics if d <= 0.
	NewTicker(d time.Duration) Ticker
	// Sleep waits for d, or until ctx is done, in which case it returns
	// ctx.Err(). It returns ctx.Err() at once if ctx is already done.
	Sleep(ctx context.Context, d time.Duration) error
}

// Timer is a single event, like time.Timer.
type Timer interface {
	// C returns the channel on which the fire time is delivered (buffered
	// with capacity 1). It is nil for timers made by AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether it stopped a
	// pending timer, including one whose value had not been received yet.
	Stop() bool
	// Reset stops the timer and schedules it to fire after d. It reports
	// whether the timer was pending, as Stop does.
	Reset(d time.Duration) bool
}

// Ticker delivers ticks at intervals, like time.Ticker. Ticks a slow
// receiver misses are dropped.
type Ticker interface {
	// C returns the channel on which ticks are delivered.
	C() <-chan time.Time
	// Stop turns the ticker off; no tick is received after Stop returns.
	Stop()
	// Reset stops the ticker and restarts it with period d. It panics if
	// d <= 0.
	Reset(d time.Duration)
}

// Real returns the wall clock. It is the only code in easlab that calls
// time.Now, time.NewTimer and time.AfterFunc.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now() }
func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }
func (realClock) NewTimer(d time.Duration) Timer  { return realTimer{time.NewTimer(d)} }
func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}
func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }
func (c realClock) Sleep(ctx context.Context, d time.Duration) error {
	return sleep(ctx, c, d)
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time   { return r.t.C }
func (r realTicker) Stop()                 { r.t.Stop() }
func (r realTicker) Reset(d time.Duration) { r.t.Reset(d) }

// sleep implements Clock.Sleep on top of c.NewTimer.
func sleep(ctx context.Context, c Clock, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var (
	_ Clock = realClock{}
	_ Clock = (*Manual)(nil)
	_ Clock = (*Warped)(nil)
)
