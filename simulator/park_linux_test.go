//go:build linux

package simulator

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// An event read for an older registration of a descriptor does not end
// the connection registered on it now: the generation in the event's data
// tells them apart. And a real hang-up of the current one is reported
// with its generation.
func TestParkWatcherGeneration(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	fd, ok := connFD(server)
	if !ok {
		t.Fatal("no descriptor")
	}
	w, err := newParkWatcher()
	if err != nil {
		t.Fatal(err)
	}
	// Not running: the test reads the set itself.
	defer func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		unix.Close(w.epfd)
		unix.Close(w.evfd)
	}()
	older := &parkedConn{fd: fd}
	if err := w.add(older); err != nil {
		t.Fatal(err)
	}
	w.remove(older) // handed back; the descriptor is then reused
	newer := &parkedConn{fd: fd}
	if err := w.add(newer); err != nil {
		t.Fatal(err)
	}
	if newer.gen == older.gen {
		t.Fatalf("the same generation twice: %d", newer.gen)
	}
	stale := unix.EpollEvent{Events: unix.EPOLLRDHUP, Fd: fd, Pad: int32(older.gen)}
	if p := w.take(stale); p != nil {
		t.Fatal("an older registration's event ended the newer connection")
	}
	// The client hangs up: the set reports the newer registration.
	client.Close()
	var events [4]unix.EpollEvent
	deadline := time.Now().Add(30 * time.Second)
	var got *parkedConn
	for got == nil && time.Now().Before(deadline) {
		n, err := unix.EpollWait(w.epfd, events[:], 1000)
		if err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		for _, ev := range events[:max(n, 0)] {
			if ev.Fd == stopData {
				continue
			}
			if ev.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP) == 0 {
				t.Fatalf("event %#x: not a hang-up", ev.Events)
			}
			got = w.take(ev)
		}
	}
	if got != newer {
		t.Fatalf("the hang-up was reported for %p, want the newer connection %p", got, newer)
	}
	if p := w.take(unix.EpollEvent{Fd: fd, Pad: int32(newer.gen)}); p != nil {
		t.Fatal("a connection was taken twice")
	}
}
