package clock

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// recorder logs "name@offset" for each callback, offset being the clock's
// Now relative to t0 when the callback ran.
type recorder struct {
	clk Clock
	log []string
}

func (r *recorder) fn(name string) func() {
	return func() { r.log = append(r.log, fmt.Sprintf("%s@%v", name, r.clk.Now().Sub(t0))) }
}

func TestManualFiring(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, m *Manual, r *recorder)
		want []string
	}{
		{
			name: "deadline order",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(3*time.Minute, r.fn("c"))
				m.AfterFunc(time.Minute, r.fn("a"))
				m.AfterFunc(2*time.Minute, r.fn("b"))
				m.Advance(5 * time.Minute)
			},
			want: []string{"a@1m0s", "b@2m0s", "c@3m0s"},
		},
		{
			name: "ties in creation order",
			run: func(t *testing.T, m *Manual, r *recorder) {
				for _, n := range []string{"x", "y", "z"} {
					m.AfterFunc(time.Minute, r.fn(n))
				}
				m.Advance(time.Minute)
			},
			want: []string{"x@1m0s", "y@1m0s", "z@1m0s"},
		},
		{
			name: "reset schedules after earlier ties",
			run: func(t *testing.T, m *Manual, r *recorder) {
				x := m.AfterFunc(time.Minute, r.fn("x"))
				m.AfterFunc(time.Minute, r.fn("y"))
				if !x.Reset(time.Minute) {
					t.Error("Reset of a pending timer = false")
				}
				m.Advance(time.Minute)
			},
			want: []string{"y@1m0s", "x@1m0s"},
		},
		{
			name: "partial advances",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(time.Minute, r.fn("a"))
				m.AfterFunc(2*time.Minute, r.fn("b"))
				m.Advance(90 * time.Second)
				r.log = append(r.log, "|")
				m.Advance(29 * time.Second)
				r.log = append(r.log, "|")
				m.Advance(time.Second)
			},
			want: []string{"a@1m0s", "|", "|", "b@2m0s"},
		},
		{
			name: "stop before firing",
			run: func(t *testing.T, m *Manual, r *recorder) {
				a := m.AfterFunc(time.Minute, r.fn("a"))
				m.AfterFunc(time.Minute, r.fn("b"))
				if !a.Stop() {
					t.Error("first Stop = false")
				}
				if a.Stop() {
					t.Error("second Stop = true")
				}
				m.Advance(time.Hour)
			},
			want: []string{"b@1m0s"},
		},
		{
			name: "stop and reset after firing",
			run: func(t *testing.T, m *Manual, r *recorder) {
				a := m.AfterFunc(time.Minute, r.fn("a"))
				m.Advance(time.Minute)
				if a.Stop() {
					t.Error("Stop after firing = true")
				}
				if a.Reset(time.Minute) {
					t.Error("Reset after firing = true")
				}
				m.Advance(time.Minute)
			},
			want: []string{"a@1m0s", "a@2m0s"},
		},
		{
			name: "timers made in a callback fire in the same Advance if due",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(time.Minute, func() {
					r.fn("a")()
					m.AfterFunc(30*time.Second, r.fn("b"))
					m.AfterFunc(5*time.Minute, r.fn("late"))
				})
				m.AfterFunc(100*time.Second, r.fn("c"))
				m.Advance(2 * time.Minute)
			},
			want: []string{"a@1m0s", "b@1m30s", "c@1m40s"},
		},
		{
			name: "callback that resets itself",
			run: func(t *testing.T, m *Manual, r *recorder) {
				var hb Timer
				hb = m.AfterFunc(time.Minute, func() { r.fn("ping")(); hb.Reset(time.Minute) })
				m.Advance(210 * time.Second)
			},
			want: []string{"ping@1m0s", "ping@2m0s", "ping@3m0s"},
		},
		{
			name: "callback that stops a later timer",
			run: func(t *testing.T, m *Manual, r *recorder) {
				var b Timer
				m.AfterFunc(time.Minute, func() { r.fn("a")(); b.Stop() })
				b = m.AfterFunc(2*time.Minute, r.fn("b"))
				m.Advance(time.Hour)
			},
			want: []string{"a@1m0s"},
		},
		{
			name: "callback that advances",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(time.Minute, func() { r.fn("a")(); m.Advance(time.Minute) })
				m.AfterFunc(90*time.Second, r.fn("b"))
				m.AfterFunc(3*time.Minute, r.fn("c"))
				m.Advance(time.Minute)
				r.fn("end")()
			},
			want: []string{"a@1m0s", "b@1m30s", "end@2m0s"},
		},
		{
			name: "AdvanceToNext fires ties only",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(time.Minute, r.fn("a"))
				m.AfterFunc(time.Minute, r.fn("b"))
				m.AfterFunc(2*time.Minute, r.fn("c"))
				if !m.AdvanceToNext() {
					t.Error("AdvanceToNext = false")
				}
				r.fn("end")()
			},
			want: []string{"a@1m0s", "b@1m0s", "end@1m0s"},
		},
		{
			name: "Set",
			run: func(t *testing.T, m *Manual, r *recorder) {
				m.AfterFunc(time.Minute, r.fn("a"))
				m.AfterFunc(14*time.Minute, r.fn("b"))
				m.Set(t0.Add(10 * time.Minute))
				r.fn("end")()
			},
			want: []string{"a@1m0s", "end@10m0s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManual(t0)
			r := &recorder{clk: m}
			tt.run(t, m, r)
			if !slices.Equal(r.log, tt.want) {
				t.Errorf("fired %q, want %q", r.log, tt.want)
			}
		})
	}
}

// received returns the value waiting in c, if any, without blocking.
func received(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestManualChannelTimer(t *testing.T) {
	tests := []struct {
		name     string
		run      func(m *Manual, tm Timer) bool // returns Stop or Reset's result
		want     bool
		advance  time.Duration // after run
		wantFire time.Duration // offset of the value then received, or 0 for none
	}{
		{
			name:     "fires with its deadline",
			run:      func(m *Manual, tm Timer) bool { return true },
			want:     true,
			advance:  2 * time.Minute,
			wantFire: time.Minute,
		},
		{
			name:    "stop before firing",
			run:     func(m *Manual, tm Timer) bool { return tm.Stop() },
			want:    true,
			advance: time.Hour,
		},
		{
			name: "stop after firing, value not received, drains it",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(time.Minute)
				return tm.Stop()
			},
			want:    true,
			advance: time.Hour,
		},
		{
			name: "stop after the value was received",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(time.Minute)
				<-tm.C()
				return tm.Stop()
			},
			want:    false,
			advance: time.Hour,
		},
		{
			name: "stop twice",
			run: func(m *Manual, tm Timer) bool {
				tm.Stop()
				return tm.Stop()
			},
			want:    false,
			advance: time.Hour,
		},
		{
			name: "reset before firing",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(30 * time.Second)
				return tm.Reset(time.Minute)
			},
			want:     true,
			advance:  time.Hour,
			wantFire: 90 * time.Second,
		},
		{
			name: "reset after firing, value not received, drops the stale value",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(time.Minute)
				return tm.Reset(time.Minute)
			},
			want:     true,
			advance:  time.Hour,
			wantFire: 2 * time.Minute,
		},
		{
			name: "reset after the value was received",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(time.Minute)
				<-tm.C()
				return tm.Reset(time.Minute)
			},
			want:     false,
			advance:  time.Hour,
			wantFire: 2 * time.Minute,
		},
		{
			name: "reset to zero fires at once",
			run: func(m *Manual, tm Timer) bool {
				m.Advance(10 * time.Second)
				return tm.Reset(0)
			},
			want:     true,
			wantFire: 10 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManual(t0)
			tm := m.NewTimer(time.Minute)
			if got := tt.run(m, tm); got != tt.want {
				t.Errorf("result = %v, want %v", got, tt.want)
			}
			m.Advance(tt.advance)
			v, ok := received(tm.C())
			switch {
			case tt.wantFire == 0 && ok:
				t.Errorf("received %v, want nothing", v.Sub(t0))
			case tt.wantFire != 0 && !ok:
				t.Errorf("received nothing, want %v", tt.wantFire)
			case ok && v.Sub(t0) != tt.wantFire:
				t.Errorf("received %v, want %v", v.Sub(t0), tt.wantFire)
			}
			if _, ok := received(tm.C()); ok {
				t.Error("a second value was sent")
			}
			if n := m.Pending(); n != 0 {
				t.Errorf("Pending = %d, want 0", n)
			}
		})
	}
}

func TestManualImmediate(t *testing.T) {
	m := NewManual(t0)
	if v, ok := received(m.NewTimer(0).C()); !ok || !v.Equal(t0) {
		t.Errorf("NewTimer(0) value = %v, %v; want %v, true", v, ok, t0)
	}
	if _, ok := received(m.NewTimer(-time.Second).C()); !ok {
		t.Error("NewTimer(-1s) did not fire at once")
	}
	done := make(chan struct{})
	tm := m.AfterFunc(0, func() { close(done) })
	waitReal(t, done)
	if tm.Stop() {
		t.Error("Stop of a fired AfterFunc(0) = true")
	}
	if m.Pending() != 0 {
		t.Errorf("Pending = %d, want 0", m.Pending())
	}
}

func TestManualTicker(t *testing.T) {
	m := NewManual(t0)
	tk := m.NewTicker(time.Minute)
	var got []time.Duration
	recv := func() {
		if v, ok := received(tk.C()); ok {
			got = append(got, v.Sub(t0))
		}
	}
	m.Advance(time.Minute)
	recv()
	m.Advance(30 * time.Second)
	recv()
	m.Advance(30 * time.Second)
	recv()
	m.Advance(3 * time.Minute) // ticks at 3m, 4m, 5m; 4m and 5m dropped
	recv()
	recv()
	tk.Reset(10 * time.Second)
	m.Advance(10 * time.Second)
	recv()
	m.Advance(5 * time.Second)
	tk.Stop()
	m.Advance(time.Hour)
	recv()
	want := []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 5*time.Minute + 10*time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("ticks %v, want %v", got, want)
	}
	if m.Pending() != 0 {
		t.Errorf("Pending after Stop = %d", m.Pending())
	}

	// Stop drains a tick that was not received.
	tk = m.NewTicker(time.Second)
	m.Advance(time.Second)
	tk.Stop()
	if _, ok := received(tk.C()); ok {
		t.Error("tick received after Stop")
	}
}

func TestManualSleep(t *testing.T) {
	tests := []struct {
		name   string
		d      time.Duration
		cancel bool // cancel ctx while Sleep waits
		before bool // cancel ctx before Sleep
		want   error
	}{
		{name: "advance ends it", d: 20 * time.Second},
		{name: "zero returns at once", d: 0},
		{name: "cancel while sleeping", d: time.Minute, cancel: true, want: context.Canceled},
		{name: "cancelled before", d: time.Minute, before: true, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManual(t0)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.before {
				cancel()
			}
			done := make(chan error, 1)
			go func() { done <- m.Sleep(ctx, tt.d) }()
			if tt.d > 0 && !tt.before {
				if err := m.BlockUntil(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
				if tt.cancel {
					cancel()
				} else {
					m.Advance(tt.d - 1)
					select {
					case err := <-done:
						t.Fatalf("Sleep returned %v before its deadline", err)
					default:
					}
					m.Advance(1)
				}
			}
			if err := waitReal(t, done); !errors.Is(err, tt.want) {
				t.Errorf("Sleep = %v, want %v", err, tt.want)
			}
			if m.Pending() != 0 {
				t.Errorf("Pending = %d after Sleep", m.Pending())
			}
		})
	}
}

func TestManualBlockUntil(t *testing.T) {
	m := NewManual(t0)
	if err := m.BlockUntil(t.Context(), 0); err != nil {
		t.Fatalf("BlockUntil(0) = %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := m.BlockUntil(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockUntil with cancelled ctx = %v", err)
	}

	start := make(chan struct{})
	go func() {
		<-start
		for range 3 {
			m.NewTimer(time.Minute)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- m.BlockUntil(t.Context(), 3) }()
	close(start)
	if err := waitReal(t, done); err != nil {
		t.Fatal(err)
	}
	if n := m.Pending(); n != 3 {
		t.Errorf("Pending = %d, want 3", n)
	}
}

func TestManualQueries(t *testing.T) {
	m := NewManual(t0)
	if _, ok := m.NextDeadline(); ok {
		t.Error("NextDeadline on an empty clock reports a deadline")
	}
	if m.AdvanceToNext() {
		t.Error("AdvanceToNext on an empty clock = true")
	}
	m.NewTimer(14 * time.Minute)
	b := m.NewTimer(10 * time.Second)
	if d, ok := m.NextDeadline(); !ok || !d.Equal(t0.Add(10*time.Second)) {
		t.Errorf("NextDeadline = %v, %v", d, ok)
	}
	b.Stop()
	if d, _ := m.NextDeadline(); !d.Equal(t0.Add(14 * time.Minute)) {
		t.Errorf("NextDeadline after Stop = %v", d)
	}
	if m.Pending() != 1 {
		t.Errorf("Pending = %d, want 1", m.Pending())
	}
	then := m.Now()
	m.AdvanceToNext()
	if got := m.Since(then); got != 14*time.Minute {
		t.Errorf("Since = %v, want 14m", got)
	}
	if m.Pending() != 0 {
		t.Errorf("Pending = %d, want 0", m.Pending())
	}
}

func TestManualPanics(t *testing.T) {
	for name, f := range map[string]func(m *Manual){
		"negative Advance":     func(m *Manual) { m.Advance(-1) },
		"Set backward":         func(m *Manual) { m.Set(t0.Add(-time.Second)) },
		"zero ticker":          func(m *Manual) { m.NewTicker(0) },
		"ticker reset to zero": func(m *Manual) { m.NewTicker(time.Second).Reset(0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(NewManual(t0))
		})
	}
}

// waitReal receives from c, failing the test if nothing comes within a
// generous real-time limit. It guards against hangs; it never asserts speed.
func waitReal[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	limit := Real().NewTimer(10 * time.Second)
	defer limit.Stop()
	select {
	case v := <-c:
		return v
	case <-limit.C():
		t.Fatal("timed out")
		panic("unreachable")
	}
}
