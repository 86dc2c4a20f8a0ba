//go:build linux

package simulator

import (
	"net"
	"testing"
	"time"

	"github.com/easlab/easlab/internal/epoll"
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
	defer w.set.Close()
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
	stale := epoll.Event{Events: epoll.RDHup, FD: fd, Gen: older.gen}
	if p := w.take(stale); p != nil {
		t.Fatal("an older registration's event ended the newer connection")
	}
	// The client hangs up: the set reports the newer registration.
	client.Close()
	var got *parkedConn
	var events uint32
	done := make(chan error, 1)
	go func() {
		done <- w.set.Run(func(ev epoll.Event) {
			events = ev.Events
			got = w.take(ev)
			w.set.Stop()
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event for the hang-up within 30 s")
	}
	if events&(epoll.RDHup|epoll.Hup) == 0 {
		t.Fatalf("event %#x: not a hang-up", events)
	}
	if got != newer {
		t.Fatalf("the hang-up was reported for %p, want the newer connection %p", got, newer)
	}
	if p := w.take(epoll.Event{FD: fd, Gen: newer.gen}); p != nil {
		t.Fatal("a connection was taken twice")
	}
}
