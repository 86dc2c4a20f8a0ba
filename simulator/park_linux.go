//go:build linux

package simulator

import (
	"net"
	"sync"
	"syscall"

	"github.com/easlab/easlab/internal/epoll"
)

// parkSupported: held requests park on Linux (epoll).
const parkSupported = true

// parkWatcher watches a listener's parked connections for a hang-up, in
// one goroutine over one epoll set: EPOLLRDHUP, EPOLLHUP and EPOLLERR, not
// EPOLLIN, so a pipelined request behind a parked one does not wake it.
// The event's data is the descriptor (32 bits) and the generation of its
// registration (32 bits): a descriptor closed and reused by a newer
// connection is not taken for the older one by an event already read.
type parkWatcher struct {
	set  *epoll.Set
	done chan struct{}

	mu     sync.Mutex
	byFd   map[int32]*parkedConn
	gen    uint32
	closed bool
}

func newParkWatcher() (*parkWatcher, error) {
	set, err := epoll.New()
	if err != nil {
		return nil, err
	}
	return &parkWatcher{set: set, done: make(chan struct{}), byFd: map[int32]*parkedConn{}}, nil
}

// add watches p's descriptor.
func (w *parkWatcher) add(p *parkedConn) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return net.ErrClosed
	}
	w.gen++
	p.gen = w.gen
	events := uint32(epoll.RDHup | epoll.Hup | epoll.Err)
	if p.hold == nil {
		// An idle connection (parkIdle) waits for its next request.
		events |= epoll.In
	}
	if err := w.set.Add(p.fd, p.gen, events); err != nil {
		return err
	}
	w.byFd[p.fd] = p
	return nil
}

// remove stops watching p (its descriptor is still open).
func (w *parkWatcher) remove(p *parkedConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byFd[p.fd] == p {
		delete(w.byFd, p.fd)
		w.set.Del(p.fd)
	}
}

// run reads the hang-ups (and idle connections' next requests) until
// close.
func (w *parkWatcher) run() {
	defer close(w.done)
	w.set.Run(func(ev epoll.Event) {
		p := w.take(ev)
		switch {
		case p == nil:
		case p.hold == nil && ev.Events&epoll.In != 0:
			// An idle connection's next request (with the client's
			// close behind it, maybe: net/http reads both).
			p.idleReady()
		default:
			p.hangUp()
		}
	})
}

// take returns the connection an event is about and stops watching it;
// nil for an event of an older registration of the descriptor (its
// connection was handed back or ended, and the descriptor is another's
// now).
func (w *parkWatcher) take(ev epoll.Event) *parkedConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.byFd[ev.FD]
	if p == nil || p.gen != ev.Gen {
		return nil
	}
	delete(w.byFd, ev.FD)
	w.set.Del(ev.FD)
	return p
}

// close stops the watcher and returns the connections it watched.
func (w *parkWatcher) close() []*parkedConn {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	out := make([]*parkedConn, 0, len(w.byFd))
	for fd, p := range w.byFd {
		out = append(out, p)
		delete(w.byFd, fd)
		w.set.Del(fd)
	}
	w.mu.Unlock()
	w.set.Stop()
	<-w.done
	w.set.Close()
	return out
}

// connFD is the descriptor of a parkable connection (TCP or Unix).
func connFD(c net.Conn) (int32, bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := raw.Control(func(v uintptr) { fd = int(v) }); err != nil || fd < 0 {
		return 0, false
	}
	return int32(fd), true
}
