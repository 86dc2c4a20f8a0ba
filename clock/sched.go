package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// sched is the timer queue behind Manual and Warped: a heap of pending timers
// ordered by deadline, then by the order in which they were scheduled.
type sched struct {
	mu     sync.Mutex
	timers timerHeap
	seq    uint64
	// waitCh is closed and cleared whenever the number of pending timers
	// changes; BlockUntil waits on it.
	waitCh chan struct{}
	// firing counts the fire loops running (see Warped).
	firing int

	// nowLocked returns the clock's time. It is called with mu held.
	nowLocked func() time.Time
	// changedLocked, if set, is called with mu held after the head of the
	// queue may have changed.
	changedLocked func()
}

// timer is a pending or stopped timer or ticker of a sched.
type timer struct {
	s      *sched
	when   time.Time
	seq    uint64
	period time.Duration  // > 0 for tickers
	c      chan time.Time // nil for AfterFunc timers
	f      func()         // nil for channel timers
	index  int            // position in s.timers, -1 when not pending
}

func (s *sched) newTimer(d time.Duration, f func()) *timer {
	t := &timer{s: s, f: f, index: -1}
	if f == nil {
		t.c = make(chan time.Time, 1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.startLocked(d)
	return t
}

func (s *sched) newTicker(d time.Duration) *timer {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	t := &timer{s: s, c: make(chan time.Time, 1), period: d, index: -1}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.startLocked(d)
	return t
}

// startLocked schedules t to fire after d. A timer already due fires at once:
// its channel gets the value, or f starts in a new goroutine, as with
// time.AfterFunc, since the caller may hold locks that f needs.
func (t *timer) startLocked(d time.Duration) {
	s := t.s
	if d <= 0 && t.period == 0 {
		if t.c != nil {
			send(t.c, s.nowLocked())
		} else {
			go t.f()
		}
		return
	}
	t.when = s.nowLocked().Add(d)
	t.seq = s.seq
	s.seq++
	heap.Push(&s.timers, t)
	s.countChangedLocked()
	if s.changedLocked != nil {
		s.changedLocked()
	}
}

// stopLocked unschedules t and drains a value not yet received, reporting
// whether either happened.
func (t *timer) stopLocked() bool {
	s := t.s
	pending := t.index >= 0
	if pending {
		heap.Remove(&s.timers, t.index)
		s.countChangedLocked()
		if s.changedLocked != nil {
			s.changedLocked()
		}
	}
	if t.c != nil {
		select {
		case <-t.c:
			pending = true
		default:
		}
	}
	return pending
}

// fireLocked fires t, which is at the head of the queue and due. It may
// release mu while an AfterFunc callback runs.
func (t *timer) fireLocked() {
	s := t.s
	now := s.nowLocked()
	if t.period > 0 {
		next := t.when.Add(t.period)
		if !next.After(now) { // skip ticks that were missed
			next = t.when.Add(t.period * (now.Sub(t.when)/t.period + 1))
		}
		t.when = next
		heap.Fix(&s.timers, t.index)
		send(t.c, now)
		return
	}
	heap.Remove(&s.timers, t.index)
	s.countChangedLocked()
	if t.c != nil {
		send(t.c, now)
		return
	}
	s.mu.Unlock()
	defer s.mu.Lock()
	t.f()
}

// send delivers v unless the buffer is full, as the runtime does.
func send(c chan time.Time, v time.Time) {
	select {
	case c <- v:
	default:
	}
}

func (s *sched) countChangedLocked() {
	if s.waitCh != nil {
		close(s.waitCh)
		s.waitCh = nil
	}
}

// head returns the earliest pending timer, or nil.
func (s *sched) headLocked() *timer {
	if len(s.timers) == 0 {
		return nil
	}
	return s.timers[0]
}

func (s *sched) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timers)
}

func (s *sched) nextDeadline() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.headLocked(); t != nil {
		return t.when, true
	}
	return time.Time{}, false
}

func (s *sched) blockUntil(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		if len(s.timers) >= n {
			s.mu.Unlock()
			return nil
		}
		if s.waitCh == nil {
			s.waitCh = make(chan struct{})
		}
		ch := s.waitCh
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// C, Stop and Reset make *timer a Timer.

func (t *timer) C() <-chan time.Time { return t.c }

func (t *timer) Stop() bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.stopLocked()
}

func (t *timer) Reset(d time.Duration) bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	pending := t.stopLocked()
	t.startLocked(d)
	return pending
}

// ticker is the Ticker view of a periodic timer.
type ticker struct{ t *timer }

func (k ticker) C() <-chan time.Time { return k.t.c }
func (k ticker) Stop()               { k.t.Stop() }
func (k ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	k.t.s.mu.Lock()
	defer k.t.s.mu.Unlock()
	k.t.stopLocked()
	k.t.period = d
	k.t.startLocked(d)
}

// timerHeap implements heap.Interface.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
