//go:build linux

package epoll

import (
	"net"
	"syscall"
	"testing"
)

func fdOf(t *testing.T, c net.Conn) int32 {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int32
	raw.Control(func(v uintptr) { fd = int32(v) })
	return fd
}

// TestSet: a readable connection's event carries its descriptor and
// generation; a Del'd one is not reported; Stop ends Run.
func TestSet(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dial := func() (client, server net.Conn) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		sc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		return c, sc
	}
	c1, s1 := dial()
	defer c1.Close()
	defer s1.Close()
	c2, s2 := dial()
	defer c2.Close()
	defer s2.Close()
	if err := s.Add(fdOf(t, s1), 7, In|RDHup|OneShot); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(fdOf(t, s2), 8, In|RDHup|OneShot); err != nil {
		t.Fatal(err)
	}
	s.Del(fdOf(t, s2))
	c2.Write([]byte("x")) // not watched any more
	c1.Write([]byte("y"))
	got := make(chan Event, 4)
	done := make(chan error, 1)
	go func() { done <- s.Run(func(ev Event) { got <- ev; s.Stop() }) }()
	ev := <-got
	if ev.FD != fdOf(t, s1) || ev.Gen != 7 || ev.Events&In == 0 {
		t.Fatalf("event %+v, want descriptor %d generation 7 readable", ev, fdOf(t, s1))
	}
	if err := <-done; err != nil {
		t.Fatalf("Run after Stop: %v", err)
	}
	select {
	case ev := <-got:
		t.Fatalf("an event for a descriptor no longer watched: %+v", ev)
	default:
	}
	s.Close()
}
