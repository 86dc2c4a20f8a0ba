package clients

import "sync"

// DefaultMaxActive is how many of a parked fleet's devices run their
// active part at once by default (FleetOptions.MaxActive).
const DefaultMaxActive = 256

// activeLimit runs functions on at most max goroutines at once, queueing
// the rest in order: a parked fleet's woken devices read their answer,
// Sync and hold their next Ping through it. Without it a wake of every
// mailbox starts a goroutine per device at once, each with its buffers
// and a grown stack (1.9 GB for 19,000 devices, against 200 MB while they
// hold), and the server gets every Sync at the same moment; with it the
// fleet's memory stays near its held figure and the queue holds only the
// functions. A queued device's answer waits in its socket buffer.
type activeLimit struct {
	mu      sync.Mutex
	max     int
	running int
	queue   []func()
}

// newActiveLimit returns a limit of max goroutines (DefaultMaxActive if
// max <= 0).
func newActiveLimit(max int) *activeLimit {
	if max <= 0 {
		max = DefaultMaxActive
	}
	return &activeLimit{max: max}
}

// run runs f on a goroutine of the limit, now or once one is free.
func (l *activeLimit) run(f func()) {
	l.mu.Lock()
	if l.running >= l.max {
		l.queue = append(l.queue, f)
		l.mu.Unlock()
		return
	}
	l.running++
	l.mu.Unlock()
	go l.work(f)
}

// work runs f, then what the queue holds, and ends when it is empty.
func (l *activeLimit) work(f func()) {
	for f != nil {
		f()
		l.mu.Lock()
		f = nil
		if len(l.queue) > 0 {
			f = l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			if len(l.queue) == 0 {
				l.queue = nil // let the grown array go
			}
		} else {
			l.running--
		}
		l.mu.Unlock()
	}
}
