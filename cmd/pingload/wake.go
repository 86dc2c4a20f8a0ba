//go:build linux

package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/simulator/demo"
)

// wakeHistogram is the server's histogram of held Pings' wake latency:
// from the change that woke a held Ping to its answer handed to the
// connection (issue 17).
const wakeHistogram = "easlab_ping_wake_seconds"

// mailbox returns the address of demo mailbox i (easlab serve
// --demo-users; 1-based, as the fleet's --users pattern).
func mailbox(i int) string {
	return fmt.Sprintf("user%05d@%s", i, demo.Organization.Domain)
}

// wake sends one mail to every mailbox from a device of user 1, then
// waits until every device has answered its Ping, Synced and Pinged again.
func (r *runner) wake(ctx context.Context) error {
	cfg := r.cfg
	n := float64(cfg.devices)
	p, ok := clients.ProfileByName("iphone")
	if !ok {
		return fmt.Errorf("the sender's profile iphone is unknown to package clients")
	}
	sender := clients.New(p, clients.Options{BaseURL: r.serveURL + "/Microsoft-Server-ActiveSync", User: mailbox(1), Password: demo.Password,
		HTTPClient: r.http, Seed: 0x5eed, TranscriptLimit: 8})
	if err := sender.Setup(ctx); err != nil {
		return fmt.Errorf("the sender device (%s) could not set up: %w", mailbox(1), err)
	}
	before, ok, err := r.poll(ctx)
	if err != nil || !ok {
		return fmt.Errorf("before the wake: %w", orNotReady(err))
	}
	hist0 := before.server.histogram(wakeHistogram)
	w := &Wake{Mailboxes: cfg.users}
	r.run.Wake = w
	var first time.Time
	for lo := 1; lo <= cfg.users; lo += maxRecipients {
		hi := min(lo+maxRecipients-1, cfg.users)
		msg := wakeMail(lo, hi)
		if first.IsZero() {
			first = time.Now()
		}
		if err := sender.SendMail(ctx, msg); err != nil {
			return fmt.Errorf("send the wake mail to mailboxes %d..%d: %w", lo, hi, err)
		}
		w.Messages++
	}
	w.SendSeconds = time.Since(first).Seconds()
	var last state
	for {
		st, ok, err := r.poll(ctx)
		if err != nil {
			return fmt.Errorf("after the wake mail: %w (last seen: %v)", err, last)
		}
		if ok {
			last = st
		}
		if !ok {
			if time.Since(first) > cfg.wakeTimeout {
				return fmt.Errorf("after the wake mail: the metrics did not answer within --wake-timeout %v (last seen: %v)%s", cfg.wakeTimeout, last, r.lastScrapeError())
			}
			if err := r.pause(ctx); err != nil {
				return err
			}
			continue
		}
		w.PingsAnswered, w.Syncs = int64(st.pings-before.pings), int64(st.syncs-before.syncs)
		if st.failed > 0 {
			r.addErrors(st.fleet)
			return fmt.Errorf("%.0f of %d devices stopped on an error after the wake (errors: %s; %v)", st.failed, cfg.devices, formatErrors(r.run.Errors), st)
		}
		if st.pings-before.pings >= n && st.syncs-before.syncs >= n && st.holding == n && st.held == n {
			w.AllHeldAgainSeconds = time.Since(first).Seconds()
			if h := st.server.histogram(wakeHistogram); h != nil {
				d := since(h, hist0)
				w.LatencyMeasured = true
				w.Observations = int64(d[len(d)-1].count)
				w.P50Seconds, w.P99Seconds = finite(quantile(0.5, d)), finite(quantile(0.99, d))
			}
			return nil
		}
		if time.Since(first) > cfg.wakeTimeout {
			return fmt.Errorf("not every device answered its Ping, Synced and held again within --wake-timeout %v of the first send: Pings answered %d, Syncs %d of %d; %v",
				cfg.wakeTimeout, w.PingsAnswered, w.Syncs, cfg.devices, last)
		}
		if err := r.pause(ctx); err != nil {
			return err
		}
	}
}

// wakeMail is a short message from user 1 to itself, with mailboxes lo..hi
// as Bcc recipients, the header folded one address a line (RFC 5322
// 2.2.3: lines under 998 characters). Bcc, as an all-staff mail through a
// distribution list shows one address: each recipient's copy has no Bcc
// header (the simulator strips it, as Exchange does), so every device
// syncs a small message rather than one with 500 addresses in its To
// (which made the fleet's memory at the wake a figure of the message).
func wakeMail(lo, hi int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nBcc: ", mailbox(1), mailbox(1))
	for i := lo; i <= hi; i++ {
		if i > lo {
			b.WriteString(",\r\n ")
		}
		b.WriteString(mailbox(i))
	}
	fmt.Fprintf(&b, "\r\nSubject: pingload wake %d-%d\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nEvery held Ping of these mailboxes should wake.\r\n", lo, hi)
	return []byte(b.String())
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func orNotReady(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("the fleet's metrics did not answer")
}
