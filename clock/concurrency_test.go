package clock

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hammer runs 100 goroutines that create, stop and reset timers on clk while
// another goroutine moves time with advance, then checks that every
// AfterFunc either fired once or was stopped, and that no stale value was
// ever received.
func hammer(t *testing.T, clk Clock, advance func(time.Duration)) {
	const workers, rounds = 100, 50
	var (
		started, stopped, fired atomic.Int64
		wg, settled             sync.WaitGroup // settled: AfterFuncs that fired or were stopped
	)
	ctx, cancel := context.WithCancel(t.Context())
	advancing := make(chan struct{})
	go func() {
		defer close(advancing)
		for ctx.Err() == nil {
			advance(time.Millisecond)
			runtime.Gosched()
		}
	}()
	errs := make(chan error, workers*rounds)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range rounds {
				d := time.Duration(1+(i+j)%5) * time.Millisecond
				switch j % 5 {
				case 0: // stop a channel timer whose value nobody takes
					tm := clk.NewTimer(d)
					runtime.Gosched()
					if !tm.Stop() {
						errs <- fmt.Errorf("Stop of an unreceived timer = false")
					}
					if _, ok := received(tm.C()); ok {
						errs <- fmt.Errorf("value received after Stop")
					}
				case 1: // reset: no stale value
					tm := clk.NewTimer(d)
					runtime.Gosched()
					at := clk.Now()
					tm.Reset(10 * time.Millisecond)
					if v := <-tm.C(); v.Before(at.Add(10 * time.Millisecond)) {
						errs <- fmt.Errorf("stale value %v before reset deadline %v", v, at.Add(10*time.Millisecond))
					}
				case 2: // AfterFunc, stopped or not
					started.Add(1)
					settled.Add(1)
					tm := clk.AfterFunc(d, func() { fired.Add(1); settled.Done() })
					if j%2 == 0 {
						runtime.Gosched()
						if tm.Stop() {
							stopped.Add(1)
							settled.Done()
						}
					}
				case 3:
					if err := clk.Sleep(ctx, d); err != nil {
						errs <- err
					}
				case 4:
					tk := clk.NewTicker(d)
					prev := <-tk.C()
					if v := <-tk.C(); !v.After(prev) {
						errs <- fmt.Errorf("ticks %v then %v", prev, v)
					}
					tk.Stop()
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	<-advancing
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	advance(time.Hour) // fire what is left
	done := make(chan struct{})
	go func() { settled.Wait(); close(done) }()
	waitReal(t, done)
	if s, f, st := started.Load(), fired.Load(), stopped.Load(); f+st != s {
		t.Errorf("AfterFunc: %d started, %d fired, %d stopped", s, f, st)
	}
}

func TestManualConcurrent(t *testing.T) {
	before := numGoroutine()
	m := NewManual(t0)
	hammer(t, m, m.Advance)
	if n := m.Pending(); n != 0 {
		t.Errorf("Pending = %d at the end", n)
	}
	checkNoLeak(t, before)
}

func TestWarpedConcurrent(t *testing.T) {
	before := numGoroutine()
	w := NewWarped(nil)
	w.SetScale(10)
	hammer(t, w, w.Warp)
	if n := w.Pending(); n != 0 {
		t.Errorf("Pending = %d at the end", n)
	}
	checkNoLeak(t, before)
}

func numGoroutine() int {
	runtime.GC()
	return runtime.NumGoroutine()
}

// checkNoLeak fails if more goroutines run than before, after giving
// finishing goroutines a short while to exit.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	for range 200 {
		if numGoroutine() <= before {
			return
		}
		Real().Sleep(t.Context(), 5*time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	t.Errorf("%d goroutines running, %d before:\n%s", runtime.NumGoroutine(), before,
		strings.TrimSpace(stacks))
}
