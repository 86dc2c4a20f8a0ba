package simulator

import (
	"strings"
	"sync"
	"time"
)

// Lockout is an Active Directory account lockout policy (MS-GPSB 2.2.6,
// LockoutBadCount, ResetLockoutCount, LockoutDuration): after Threshold
// failed sign-ins within Window, the account is locked for Duration, and
// even its right password is refused meanwhile. A zero Threshold turns it
// off, as in a fresh Active Directory domain.
type Lockout struct {
	Threshold int
	// Window is how long failures count towards the threshold
	// (ResetLockoutCount); zero means DefaultLockoutPeriod.
	Window time.Duration
	// Duration is how long a locked account stays locked
	// (LockoutDuration); zero means DefaultLockoutPeriod.
	Duration time.Duration
}

// DefaultLockoutPeriod is the window and duration of a lockout policy
// that sets a threshold only: 30 minutes, what Windows proposes when a
// threshold is set.
const DefaultLockoutPeriod = 30 * time.Minute

// lockouts counts failed sign-ins per account. It has its own lock and
// takes no other.
type lockouts struct {
	policy Lockout
	mu     sync.Mutex
	byUser map[string]*badLogons // by lower-case alias
}

type badLogons struct {
	count  int
	first  time.Time // of the failures being counted
	locked time.Time // locked until then
}

func newLockouts(p Lockout) *lockouts {
	if p.Window <= 0 {
		p.Window = DefaultLockoutPeriod
	}
	if p.Duration <= 0 {
		p.Duration = DefaultLockoutPeriod
	}
	return &lockouts{policy: p, byUser: map[string]*badLogons{}}
}

// locked reports whether alias is locked out at now.
func (l *lockouts) locked(alias string, now time.Time) bool {
	if l.policy.Threshold <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUser[strings.ToLower(alias)]
	return b != nil && now.Before(b.locked)
}

// record notes a sign-in of alias; it reports whether this failure locked
// the account. A success clears the count, as AD resets badPwdCount.
func (l *lockouts) record(alias string, ok bool, now time.Time) bool {
	if l.policy.Threshold <= 0 {
		return false
	}
	key := strings.ToLower(alias)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		delete(l.byUser, key)
		return false
	}
	b := l.byUser[key]
	if b == nil || now.Sub(b.first) >= l.policy.Window {
		b = &badLogons{first: now, locked: b.lockedOrZero()}
		l.byUser[key] = b
	}
	b.count++
	if b.count >= l.policy.Threshold && !now.Before(b.locked) {
		b.locked = now.Add(l.policy.Duration)
		b.count, b.first = 0, now
		return true
	}
	return false
}

func (b *badLogons) lockedOrZero() time.Time {
	if b == nil {
		return time.Time{}
	}
	return b.locked
}
