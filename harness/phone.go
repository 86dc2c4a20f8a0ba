package harness

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// Phone is a device in its owner's hands: it sets up, syncs its Inbox and
// then waits in Ping as the real client does; while it has no mail (it is
// quarantined, or a gateway holds it) its owner pulls to refresh every
// RefreshEvery, and after an error it retries as its user would. It runs
// until Stop or the end of the spec.
type Phone struct {
	Device *clients.Device
	// RefreshEvery is how often the owner pulls to refresh while the
	// Inbox has none of their mail. Real time.
	RefreshEvery time.Duration

	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	mailAt  time.Time // first Sync that brought the user's mail
	errs    []error
	lastErr error
	wiped   bool
	syncs   int
	pinging bool
	refresh chan struct{}
}

// Start puts d in its owner's hands (see Phone).
func (e *Env) Start(d *clients.Device) *Phone {
	ctx, cancel := context.WithCancel(e.ctx)
	p := &Phone{Device: d, RefreshEvery: 500 * time.Millisecond, cancel: cancel, done: make(chan struct{}), refresh: make(chan struct{}, 1)}
	e.mu.Lock()
	e.phones = append(e.phones, p)
	e.mu.Unlock()
	go p.run(ctx)
	return p
}

// Stop puts the phone away and waits until it stopped.
func (p *Phone) Stop() {
	p.cancel()
	<-p.done
}

// Refresh is the owner pulling to refresh: a Ping in progress is cut and
// the phone syncs at once.
func (p *Phone) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// MailAt is when a Sync first brought the owner's mail (zero: never).
func (p *Phone) MailAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mailAt
}

// HasMail reports whether the phone has synced its owner's mail.
func (p *Phone) HasMail() bool { return !p.MailAt().IsZero() }

// Wiped reports whether the phone was remotely wiped.
func (p *Phone) Wiped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wiped
}

// Errors returns the errors the phone met, oldest first.
func (p *Phone) Errors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.errs...)
}

// LastError is the last error, nil after a success.
func (p *Phone) LastError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

// Pinging reports whether the phone is waiting in a Ping now.
func (p *Phone) Pinging() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pinging
}

// Syncs is how many Inbox Syncs succeeded.
func (p *Phone) Syncs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.syncs
}

func (p *Phone) note(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
	if err != nil {
		if len(p.errs) < 1000 {
			p.errs = append(p.errs, err)
		}
		if errors.Is(err, clients.ErrWiped) {
			p.wiped = true
		}
	}
}

func (p *Phone) run(ctx context.Context) {
	defer close(p.done)
	d := p.Device
	// A device that already holds its folders (a phone that roamed, or
	// whose app restarted) carries on with Sync and Ping, as phones do.
	setUp := d.HierarchySyncKey() != "0"
	for ctx.Err() == nil {
		if !setUp {
			if err := d.Setup(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				p.note(err)
				if p.Wiped() {
					return
				}
				p.pause(ctx, err)
				continue
			}
			setUp = true
		}
		inbox, ok := d.FolderByType(eas.FolderTypeInbox)
		if !ok {
			setUp = false
			continue
		}
		if _, err := d.Sync(ctx, inbox.ServerId); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.note(err)
			if p.Wiped() {
				return
			}
			var se *clients.ServerError
			if errors.As(err, &se) && se.Status == 12 {
				setUp = false // the hierarchy changed: FolderSync again
			}
			p.pause(ctx, err)
			continue
		}
		p.note(nil)
		p.mu.Lock()
		p.syncs++
		if p.mailAt.IsZero() && hasOwnersMail(d, inbox.ServerId) {
			p.mailAt = time.Now()
		}
		hasMail := !p.mailAt.IsZero()
		p.mu.Unlock()
		if !hasMail {
			p.wait(ctx, p.RefreshEvery)
			continue
		}
		pctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-p.refresh:
				cancel()
			case <-pctx.Done():
			}
		}()
		p.mu.Lock()
		p.pinging = true
		p.mu.Unlock()
		_, err := d.Ping(pctx, []string{inbox.ServerId})
		p.mu.Lock()
		p.pinging = false
		p.mu.Unlock()
		refreshed := pctx.Err() != nil && ctx.Err() == nil
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !refreshed {
			p.note(err)
			if p.Wiped() {
				return
			}
			p.pause(ctx, err)
		}
	}
}

// pause waits after an error: the server's Retry-After (at most a minute),
// else RefreshEvery.
func (p *Phone) pause(ctx context.Context, err error) {
	wait := p.RefreshEvery
	var se *clients.ServerError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		wait = min(se.RetryAfter, time.Minute)
	}
	p.wait(ctx, wait)
}

func (p *Phone) wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.refresh:
	case <-ctx.Done():
	}
}

// noticeSubjects are the subjects of Exchange's access notices, which a
// quarantined device receives: they are not the owner's mail.
var noticeSubjects = []string{
	"Your mobile device is temporarily blocked",
	"Your mobile device has been denied access",
	"Your device is temporarily blocked",
	"Your device has been temporarily blocked",
	"Problem with your new mobile device partnership",
	// A mailbox whose language is German (simulator/notice).
	"Ihr mobiles Gerät ist vorübergehend",
	"Ihrem mobilen Gerät wurde der Zugriff",
	"Ihr Gerät ist vorübergehend",
	"Ihr Gerät wurde vorübergehend",
	"Problem mit Ihrer neuen Partnerschaft",
}

// hasOwnersMail reports whether folder holds mail that is not an access
// notice.
func hasOwnersMail(d *clients.Device, folder string) bool {
	for _, it := range d.Items(folder) {
		if !isNotice(it.Subject) {
			return true
		}
	}
	return false
}

func isNotice(subject string) bool {
	for _, s := range noticeSubjects {
		if strings.HasPrefix(subject, s) {
			return true
		}
	}
	return false
}
