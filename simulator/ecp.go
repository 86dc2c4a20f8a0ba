package simulator

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"time"

	"github.com/easlab/easlab/simulator/admin"
	"github.com/easlab/easlab/simulator/ecp"
	"github.com/easlab/easlab/wbxml"
)

// The admin center at /ecp/ (simulator/ecp) lives in its own package
// behind ecp.Backend, as Remote PowerShell's plugin lives behind
// remoteps.Backend: it reaches the server only through the cmdlets
// (runInProcess, the path /api/cmdlet and /PowerShell take), the
// directory's sign-in and the event log, so nothing of the server's
// internals is exported for it.

// ecpBackend gives the admin center the directory's sign-in, the admin
// token, the cmdlets and the event log.
type ecpBackend struct{ s *Server }

var _ ecp.Backend = ecpBackend{}

// SignIn checks a password as Basic sign-ins are checked: a locked-out
// account is refused, and failures count toward the lockout.
func (b ecpBackend) SignIn(user, password string) (string, []string, bool) {
	s := b.s
	now := s.clock.Now()
	known, _, exists := s.dir.Resolve(user)
	if exists && s.lockouts.locked(known.Alias, now) {
		s.log.Warn("sign-in refused: the account is locked out", "user", known.Alias, "protocol", "ecp")
		return "", nil, false
	}
	u, _, ok := s.dir.Authenticate(user, password)
	if exists && s.lockouts.record(known.Alias, ok, now) {
		s.log.Warn("account locked out after failed sign-ins", "user", known.Alias, "protocol", "ecp", "threshold", s.lockouts.policy.Threshold)
	}
	if !ok {
		return "", nil, false
	}
	return s.dir.Org.NetBIOS + `\` + u.Alias, u.RoleGroups, true
}

// CheckToken compares with the admin token in constant time.
func (b ecpBackend) CheckToken(token string) bool {
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(b.s.opts.AdminToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// Run runs a cmdlet as the admin API does.
func (b ecpBackend) Run(ctx context.Context, name string, params json.RawMessage) (admin.Output, error) {
	return b.s.runInProcess(ctx, "ecp", name, params)
}

// Events returns the event log.
func (b ecpBackend) Events() []ecp.Event {
	evs, _ := b.s.dir.events.Since(0)
	out := make([]ecp.Event, len(evs))
	for i, e := range evs {
		out[i] = ecp.Event{ID: e.ID, Time: e.Time, Kind: e.Kind, Mailbox: e.Mailbox, DeviceID: e.DeviceID, DeviceType: e.DeviceType,
			From: e.From, To: e.To, Reason: e.Reason, Rule: e.Rule, Subject: e.Subject, Status: e.Status}
	}
	return out
}

// WaitEvents returns the events after id after, waiting on the event log
// for the next one when there is none yet (the admin center's live
// updates), or nothing when ctx ends.
func (b ecpBackend) WaitEvents(ctx context.Context, after uint64) []ecp.Event {
	for {
		evs, wake := b.s.dir.events.since(after, 100)
		if len(evs) > 0 {
			out := make([]ecp.Event, len(evs))
			for i, e := range evs {
				out[i] = ecp.Event{ID: e.ID, Time: e.Time, Kind: e.Kind, Mailbox: e.Mailbox, DeviceID: e.DeviceID, DeviceType: e.DeviceType,
					From: e.From, To: e.To, Reason: e.Reason, Rule: e.Rule, Subject: e.Subject, Status: e.Status}
			}
			return out
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil
		}
	}
}

// Requests returns a device's latest requests as the IIS log writes them,
// from the server's ring of recent requests (whether or not an IIS log
// file is kept).
func (b ecpBackend) Requests(mailbox, deviceID string, max int) []string {
	return b.s.recent.of(mailbox, deviceID, max)
}

// Now is the server's clock.
func (b ecpBackend) Now() time.Time { return b.s.clock.Now() }

// Mailbox is a read-only view of a mailbox: its live folders and items,
// copied under the mailbox's lock (Folders, Items), each e-mail's MIME
// message parsed as the server parses a client's (ParseMail).
func (b ecpBackend) Mailbox(user string) ([]ecp.MailFolder, bool) {
	_, mb, ok := b.s.dir.Resolve(user)
	if !ok || mb == nil {
		return nil, false
	}
	var out []ecp.MailFolder
	for _, f := range mb.Folders() {
		mf := ecp.MailFolder{ID: f.ServerID, Name: f.DisplayName, Type: int(f.Type)}
		for _, it := range mb.Items(f.ServerID) {
			mf.Items = append(mf.Items, ecpItem(it))
		}
		out = append(out, mf)
	}
	return out, true
}

// ecpItem is an item as its owner reads it: from its MIME message when it
// has one that parses, else from its properties and bodies.
func ecpItem(it *Item) ecp.MailItem {
	prop := func(name string) string { return it.Prop(wbxml.LookupQualified(name)) }
	mi := ecp.MailItem{ID: it.ServerID, Class: it.Class, Subject: prop("Email:Subject"), From: prop("Email:From"), To: prop("Email:To"), Cc: prop("Email:Cc"),
		Date: it.Received, Plain: it.Body.Plain, HTML: it.Body.HTML}
	if mi.Subject == "" {
		for _, n := range []string{"Calendar:Subject", "Tasks:Subject", "Notes:Subject"} {
			if v := prop(n); v != "" {
				mi.Subject = v
				break
			}
		}
	}
	atts := it.Attachments
	if len(it.Body.MIME) > 0 {
		if m, err := ParseMail(it.Body.MIME); err == nil {
			mi.Subject, mi.From, mi.To, mi.Cc = m.Subject, formatAddresses(m.From), formatAddresses(m.To), formatAddresses(m.Cc)
			if !m.Date.IsZero() {
				mi.Date = m.Date
			}
			mi.Plain, mi.HTML = m.Plain, m.HTML
			if len(atts) == 0 {
				atts = m.Attachments
			}
		}
	}
	for _, a := range atts {
		mi.Attachments = append(mi.Attachments, ecp.MailAttachment{Name: a.Name, ContentType: a.ContentType, Size: len(a.Data), Inline: a.Inline})
	}
	return mi
}

// Faults returns the faults API's faults in force (those whose For has
// not run out), copied under its lock.
func (b ecpBackend) Faults() []ecp.Fault {
	now := b.s.clock.Now()
	fs := &b.s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []ecp.Fault
	for _, f := range fs.faults {
		if f.For > 0 && now.Sub(f.Created) >= time.Duration(f.For) {
			continue
		}
		out = append(out, ecp.Fault{ID: f.ID, Command: f.Match.Command, User: f.Match.User, DeviceID: f.Match.DeviceID, Cmdlet: f.Match.Cmdlet,
			Latency: time.Duration(f.Action.Latency), HTTPStatus: f.Action.HTTPStatus, RetryAfter: f.Action.RetryAfter, Status: f.Action.Status,
			Redirect: f.Action.Redirect, Drop: f.Action.Drop, Count: f.Count, For: time.Duration(f.For), Probability: f.Probability, Created: f.Created, Hits: f.Hits})
	}
	return out
}
