//go:build linux

// Package epoll is an epoll set that one goroutine waits on, for
// connections kept without a goroutine each: the server's parked requests
// (simulator) and a fleet's held Pings (clients). Each registration
// carries its descriptor and a generation, so that an event already read
// for a descriptor that was closed and reused meanwhile is told apart from
// the newer connection's.
package epoll

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// The events a registration may ask for.
const (
	In    = unix.EPOLLIN    // readable
	RDHup = unix.EPOLLRDHUP // the peer shut its side
	Hup   = unix.EPOLLHUP
	Err   = unix.EPOLLERR
	// OneShot: after one event the descriptor is out of the set's reach
	// until it is added again (Del it before then).
	OneShot = unix.EPOLLONESHOT
)

// Event is what Run hands its function: the registration's descriptor,
// its generation and the events that fired.
type Event struct {
	FD     int32
	Gen    uint32
	Events uint32
}

// stopData marks the eventfd's event: no descriptor is -1.
const stopData = -1

// Set is an epoll set and the eventfd that stops its Run.
type Set struct {
	epfd, evfd int
}

// New returns an empty set.
func New() (*Set, error) {
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
	return &Set{epfd: epfd, evfd: evfd}, nil
}

// Add watches fd for events, its events carrying gen.
func (s *Set) Add(fd int32, gen uint32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: fd, Pad: int32(gen)}
	if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
		return fmt.Errorf("epoll_ctl(add %d): %w", fd, err)
	}
	return nil
}

// Del stops watching fd. Call it before the descriptor is closed, so that
// its number is not reused while the set still holds it.
func (s *Set) Del(fd int32) {
	unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
}

// Run waits for events and hands each to f, until Stop; it returns nil
// then, or the error of a failed wait.
func (s *Set) Run(f func(Event)) error {
	var events [256]unix.EpollEvent
	for {
		n, err := unix.EpollWait(s.epfd, events[:], -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range events[:n] {
			if ev.Fd == stopData {
				return nil
			}
			f(Event{FD: ev.Fd, Gen: uint32(ev.Pad), Events: ev.Events})
		}
	}
}

// Stop makes Run return.
func (s *Set) Stop() {
	one := [8]byte{1} // eventfd adds a host-order 8-byte counter; any non-zero value wakes it
	unix.Write(s.evfd, one[:])
}

// Close frees the set's descriptors; Run must have returned.
func (s *Set) Close() {
	unix.Close(s.epfd)
	unix.Close(s.evfd)
}
