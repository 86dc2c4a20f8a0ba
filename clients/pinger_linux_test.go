package clients

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
)

// heldConnTo dials srv and writes a request on it, as a held Ping is.
func heldConnTo(t *testing.T, srv *rawServer) (*connTransport, int) {
	t.Helper()
	c := newConnTransport(nil)
	req, _ := http.NewRequest(http.MethodPost, srv.url(), nil)
	if err := c.send(req); err != nil {
		t.Fatal(err)
	}
	fd, err := c.fd()
	if err != nil {
		t.Fatal(err)
	}
	return c, fd
}

// An event for a descriptor that was closed and given to another held
// connection since (its generation is older) wakes nobody; the deadline
// closes a held connection and says so; shutdown hands the rest back.
func TestPingerGenerations(t *testing.T) {
	srv := newRawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		readRequestBytes(br)
		br.ReadByte() // holds until the client closes
	})
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p, err := newPinger(clk, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	woken := make(chan error, 4)
	c1, fd1 := heldConnTo(t, srv)
	if err := p.hold(c1, time.Minute, func(err error) { woken <- err }); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	gen1 := p.held[int32(fd1)].gen
	p.mu.Unlock()
	clk.Advance(time.Minute)
	if err := <-woken; !errors.Is(err, errHeldTooLong) {
		t.Fatalf("at the deadline: %v", err)
	}
	if c1.conn != nil {
		t.Fatal("the deadline left the connection open")
	}
	// The kernel gives the lowest free number: the one c1 had.
	c2, fd2 := heldConnTo(t, srv)
	defer c2.close()
	if fd2 != fd1 {
		t.Skipf("descriptor %d not reused (got %d)", fd1, fd2)
	}
	if err := p.hold(c2, time.Minute, func(err error) { woken <- err }); err != nil {
		t.Fatal(err)
	}
	p.release(int32(fd1), gen1, nil) // c1's event, late
	p.mu.Lock()
	h := p.held[int32(fd2)]
	p.mu.Unlock()
	if h == nil || h.conn != c2 {
		t.Fatal("a stale event took the descriptor's new holder")
	}
	select {
	case err := <-woken:
		t.Fatalf("a stale event woke the new holder: %v", err)
	default:
	}
	p.shutdown()
	if err := <-woken; !errors.Is(err, errPingerClosed) {
		t.Fatalf("at shutdown: %v", err)
	}
	c3, _ := heldConnTo(t, srv)
	defer c3.close()
	if err := p.hold(c3, time.Minute, func(error) {}); !errors.Is(err, errPingerClosed) {
		t.Errorf("held after shutdown: %v", err)
	}
}
