package simulator

import (
	"net/http"

	"github.com/easlab/easlab/eas"
)

// DefaultEasMaxConcurrency is the on-premises default of the throttling
// policy's EasMaxConcurrency: how many requests one user may have in
// progress at once (ThrottlingPolicyDefaults, exchange-admin.md 2.4;
// Get-ThrottlingPolicy shows 10).
const DefaultEasMaxConcurrency = 10

// concurrencyRetryAfter is what a request over the limit is told to wait,
// in seconds. Exchange answers budget overruns with 503 and Retry-After
// (protocol.md, the 503 row); the value it gives for this one is
// UNCONFIRMED.
const concurrencyRetryAfter = "5"

// errTooManyConcurrent answers a request over the user's concurrency
// limit: 503, with the Retry-After header enter set.
var errTooManyConcurrent = eas.NewHTTPError(http.StatusServiceUnavailable, "too many concurrent requests for this user (EasMaxConcurrency)")

// enter counts a request of mb's user in progress; it reports false, and
// counts nothing, when the user already has EasMaxConcurrency of them. So
// one user's stalled or hostile requests cost the others nothing.
func (s *Server) enter(mb *Mailbox) (release func(), ok bool) {
	limit := s.dir.easMaxConcurrency()
	if limit < 0 {
		return func() {}, true
	}
	if n := mb.inflight.Add(1); n > int64(limit) {
		mb.inflight.Add(-1)
		return nil, false
	}
	return func() { mb.inflight.Add(-1) }, true
}

// easMaxConcurrency returns the organization's EasMaxConcurrency, the
// default for zero.
func (d *Directory) easMaxConcurrency() int {
	d.mu.RLock()
	n := d.settings.EasMaxConcurrency
	d.mu.RUnlock()
	if n == 0 {
		return DefaultEasMaxConcurrency
	}
	return n
}
