//go:build linux

package simulator

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
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
	epfd, evfd int // the epoll set; an eventfd that stops run
	done       chan struct{}

	mu     sync.Mutex
	byFd   map[int32]*parkedConn
	gen    uint32
	closed bool
}

// stopData marks the eventfd's event (no descriptor is -1).
const stopData = -1

func newParkWatcher() (*parkWatcher, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: stopData}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(evfd)
		return nil, fmt.Errorf("epoll_ctl(eventfd): %w", err)
	}
	return &parkWatcher{epfd: epfd, evfd: evfd, done: make(chan struct{}), byFd: map[int32]*parkedConn{}}, nil
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
	events := uint32(unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR)
	if p.hold == nil {
		// An idle connection (parkIdle) waits for its next request.
		events |= unix.EPOLLIN
	}
	ev := unix.EpollEvent{Events: events, Fd: p.fd, Pad: int32(p.gen)}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, int(p.fd), &ev); err != nil {
		return fmt.Errorf("epoll_ctl(add %d): %w", p.fd, err)
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
		unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, int(p.fd), nil)
	}
}

// run reads the hang-ups until close.
func (w *parkWatcher) run() {
	defer close(w.done)
	var events [128]unix.EpollEvent
	for {
		n, err := unix.EpollWait(w.epfd, events[:], -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return // the set was closed
		}
		for _, ev := range events[:n] {
			if ev.Fd == stopData {
				return
			}
			p := w.take(ev)
			switch {
			case p == nil:
			case p.hold == nil && ev.Events&unix.EPOLLIN != 0:
				// An idle connection's next request (with the client's
				// close behind it, maybe: net/http reads both).
				p.idleReady()
			default:
				p.hangUp()
			}
		}
	}
}

// take returns the connection an event is about and stops watching it;
// nil for an event of an older registration of the descriptor (its
// connection was handed back or ended, and the descriptor is another's
// now).
func (w *parkWatcher) take(ev unix.EpollEvent) *parkedConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.byFd[ev.Fd]
	if p == nil || p.gen != uint32(ev.Pad) {
		return nil
	}
	delete(w.byFd, ev.Fd)
	unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, int(ev.Fd), nil)
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
		unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
	}
	w.mu.Unlock()
	var one = [8]byte{1}
	unix.Write(w.evfd, one[:])
	<-w.done
	unix.Close(w.epfd)
	unix.Close(w.evfd)
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
