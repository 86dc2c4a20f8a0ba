package clients

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/easlab/easlab/internal/epoll"

	"github.com/easlab/easlab/clock"
)

// pinger holds the fleet's Pings without a goroutine per device: one
// goroutine waits in epoll_wait on every held connection, and when one
// turns readable (the answer, or the server's close) it hands it to a
// short-lived goroutine that reads the answer and runs the device's next
// step. A held connection also has a deadline on the fleet's clock, after
// which it is closed and its Ping ends in errHeldTooLong.
//
// The epoll data of a connection is its descriptor and a generation, so
// that an event for a descriptor that was closed and reused meanwhile is
// told apart and dropped.
type pinger struct {
	clk    clock.Clock
	active *activeLimit // runs the woken devices' next steps
	set    *epoll.Set
	done   chan struct{}

	mu     sync.Mutex
	held   map[int32]*heldConn
	gen    uint32
	closed bool
}

// heldConn is one connection the pinger holds.
type heldConn struct {
	gen   uint32
	conn  *connTransport
	wake  func(error)
	timer clock.Timer
}

// errHeldTooLong ends a held Ping the server did not answer within its
// heartbeat and heldGrace. The blocking client has no such bound: its
// Ping waits as long as the connection stays open.
var errHeldTooLong = errors.New("clients: the held Ping had no answer within its heartbeat and grace")

// errPingerClosed: the fleet's run ended.
var errPingerClosed = errors.New("clients: the pinger is closed")

// heldGrace is how long past its heartbeat a held Ping waits for its
// answer before the connection is closed.
const heldGrace = 2 * time.Minute

// newPinger starts a pinger whose deadlines run on clk and whose woken
// connections' wake functions run on at most maxActive goroutines at once
// (DefaultMaxActive if maxActive <= 0).
func newPinger(clk clock.Clock, maxActive int) (*pinger, error) {
	set, err := epoll.New()
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	p := &pinger{clk: clk, active: newActiveLimit(maxActive), set: set, done: make(chan struct{}), held: map[int32]*heldConn{}}
	go p.loop()
	return p, nil
}

// hold watches c, on which a request was written, and calls wake once, on
// a goroutine of the pinger's active limit: with nil when c is readable or hung up, with
// errHeldTooLong when within passed first, with errPingerClosed when the
// pinger shuts down first. wake owns c from then on.
func (p *pinger) hold(c *connTransport, within time.Duration, wake func(error)) error {
	fd, err := c.fd()
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errPingerClosed
	}
	p.gen++
	h := &heldConn{gen: p.gen, conn: c, wake: wake}
	// One-shot: the connection is out of the set's reach after its event
	// until it is held again. RDHUP: a server's close wakes it too.
	if err := p.set.Add(int32(fd), h.gen, epoll.In|epoll.RDHup|epoll.OneShot); err != nil {
		return fmt.Errorf("clients: %w", err)
	}
	p.held[int32(fd)] = h
	gen := h.gen
	h.timer = p.clk.AfterFunc(within, func() { p.release(int32(fd), gen, errHeldTooLong) })
	return nil
}

// take removes the connection fd of generation gen from the set, or
// returns nil when it is no longer held (an event for a descriptor since
// reused, or a deadline that lost the race with the answer).
func (p *pinger) take(fd int32, gen uint32) *heldConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.held[fd]
	if h == nil || h.gen != gen {
		return nil
	}
	delete(p.held, fd)
	// Before anyone may close the descriptor, and with it free its number.
	p.set.Del(fd)
	return h
}

// release hands the connection to its wake function with err (nil: the
// connection is readable).
func (p *pinger) release(fd int32, gen uint32, err error) {
	h := p.take(fd, gen)
	if h == nil {
		return
	}
	if err == nil {
		h.timer.Stop()
	} else {
		h.conn.close()
	}
	p.active.run(func() { h.wake(err) })
}

func (p *pinger) loop() {
	defer close(p.done)
	if err := p.set.Run(func(ev epoll.Event) { p.release(ev.FD, ev.Gen, nil) }); err != nil {
		// Not expected of a valid epoll set; the held connections end at
		// shutdown or by their deadlines.
		slog.Error("clients: pinger", "err", err)
	}
}

// shutdown closes every held connection, handing each to its wake
// function with errPingerClosed, and refuses to hold more.
func (p *pinger) shutdown() {
	p.mu.Lock()
	p.closed = true
	var hs []*heldConn
	for fd, h := range p.held {
		p.set.Del(fd)
		hs = append(hs, h)
	}
	clear(p.held)
	p.mu.Unlock()
	for _, h := range hs {
		h.timer.Stop()
		h.conn.close()
		go h.wake(errPingerClosed)
	}
}

// close shuts the pinger down and waits for its goroutine to end.
func (p *pinger) close() {
	p.shutdown()
	p.set.Stop()
	<-p.done
	p.set.Close()
}
