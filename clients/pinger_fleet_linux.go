package clients

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// parkSupported: the pinger runs here.
const parkSupported = true

// parked is a fleet device in steady state ping whose Pings the pinger
// holds. Its life after setup is a chain of continuations instead of a
// loop on a goroutine: hold a Ping (write it, hand the connection to the
// pinger, return); when the answer comes, a short-lived goroutine runs
// what live's loop would (the answer through call's rules, a Sync on a
// change, a back-off on a timer) and holds the next Ping.
type parked struct {
	f     *Fleet
	ctx   context.Context
	d     *Device
	conn  *connTransport
	inbox string
	done  func()
}

// holdPings starts d's held part; done is called once it stops.
func (f *Fleet) holdPings(ctx context.Context, d *Device, conn *connTransport, inbox string, done func()) {
	(&parked{f: f, ctx: ctx, d: d, conn: conn, inbox: inbox, done: done}).ping()
}

// ping holds the next Ping.
func (p *parked) ping() {
	if p.ctx.Err() != nil {
		p.end()
		return
	}
	p.f.holding.Add(1)
	h, err := p.d.heldPing([]string{p.inbox})
	if err != nil {
		p.answered(h, nil, nil, err)
		return
	}
	p.send(h)
}

// send writes the held Ping's next attempt and hands the connection to
// the pinger.
func (p *parked) send(h *heldCall) {
	hr, err := h.request(p.ctx, p.d)
	if err == nil {
		err = p.conn.send(hr)
	}
	if err == nil {
		err = p.f.pinger.hold(p.conn, p.bound(), func(err error) { p.woken(h, err) })
	}
	if err != nil {
		p.conn.close()
		p.answered(h, hr, nil, err)
	}
}

// woken runs when the pinger hands the connection back.
func (p *parked) woken(h *heldCall, err error) {
	hr, rerr := h.sent(p.ctx, p.d)
	if rerr != nil {
		p.conn.close()
		p.answered(h, nil, nil, rerr)
		return
	}
	var resp *http.Response
	if err == nil {
		resp, err = p.conn.receiveHeld(hr)
		if errors.Is(err, errNotYet) {
			// Back to the pinger until the same bound, counted from the
			// Ping's start.
			left := p.bound() - p.f.opts.Clock.Since(h.at)
			if err = p.f.pinger.hold(p.conn, max(left, 0), func(err error) { p.woken(h, err) }); err == nil {
				return
			}
			p.conn.close()
		}
	}
	p.answered(h, hr, resp, err)
}

// answered takes the held Ping's answer (or what ended it) and goes on as
// live's loop does.
func (p *parked) answered(h *heldCall, hr *http.Request, resp *http.Response, err error) {
	if err != nil && p.ctx.Err() != nil {
		err = p.ctx.Err() // the run ended: not the server's doing
	}
	var changed []string
	if hr != nil {
		var again bool
		changed, again, err = p.d.finishPing(p.ctx, h, hr, resp, err)
		if again {
			p.send(h)
			return
		}
	}
	p.f.holding.Add(-1)
	if err == nil && len(changed) > 0 {
		_, err = p.d.Sync(p.ctx, p.inbox)
	}
	if err != nil {
		wait, retry := p.f.backoffWait(p.ctx, err)
		if !retry {
			p.end()
			return
		}
		p.f.after(p.ctx, wait, p.ping, p.end)
		return
	}
	p.ping()
}

// bound is how long a held Ping waits for its answer: the heartbeat and
// heldGrace.
func (p *parked) bound() time.Duration {
	return time.Duration(p.d.Profile.Heartbeat)*time.Second + heldGrace
}

// end stops the device: its connection closes.
func (p *parked) end() {
	p.conn.close()
	p.done()
}
