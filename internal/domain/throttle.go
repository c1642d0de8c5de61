package domain

import "time"

// Throttle is a counter shared by every replica through the store: the sign-in
// lock-outs count failed guesses in it, the per-address limits their requests.
// Its key says what it counts; keys that stem from names people typed hold only a
// keyed hash of the name, never the name.
type Throttle struct {
	Key         string
	Count       int
	LockedUntil time.Time
	// ExpiresDateTime is when the row may be forgotten: housekeeping deletes
	// throttles past it, so that storage stays bounded however many names are tried.
	ExpiresDateTime time.Time
}

// Locked reports whether the throttle refuses attempts at now.
func (t Throttle) Locked(now time.Time) bool { return now.Before(t.LockedUntil) }

// LockoutRule is an escalating lock-out: after Threshold failures the key is
// locked for Base, and each further failure (one is allowed per lock window)
// doubles the lock, up to Max. A success clears the count. Failures are forgotten
// Memory after the last lock ends, so a typo now and then never adds up.
type LockoutRule struct {
	Threshold int
	Base, Max time.Duration
	Memory    time.Duration
}

// Sign-in lock-outs, in the spirit of Entra smart lockout (SPEC §4). Failures are
// counted per account and source address first: one attacker's guesses lock that
// attacker out, not the owner signing in from elsewhere. The account-wide count
// has a higher threshold, so that guesses spread over many addresses are still
// bounded (at most AccountLockout.Threshold checks per lock window, whatever the
// concurrency), and a lower cap, so that an attacker cannot keep the owner out
// for long. Passkey sign-ins are never blocked by either.
var (
	SourceLockout  = LockoutRule{Threshold: 5, Base: time.Minute, Max: 24 * time.Hour, Memory: 24 * time.Hour}
	AccountLockout = LockoutRule{Threshold: 10, Base: time.Minute, Max: 15 * time.Minute, Memory: 24 * time.Hour}
)

// Reserve counts an attempt before it is checked: ok is false, and nothing
// changes, while the key is locked. Counting up front is what keeps a burst of
// concurrent guesses from all passing the check together; a success settles the
// reservation by clearing the throttle. The attempt that reaches the threshold
// locks the key at once, so no later attempt is checked in that window.
func (r LockoutRule) Reserve(t Throttle, now time.Time) (Throttle, bool) {
	if t.Locked(now) {
		return t, false
	}
	t.Count++
	if t.Count >= r.Threshold {
		d := r.Base
		for i := r.Threshold; i < t.Count && d < r.Max; i++ {
			d *= 2
		}
		t.LockedUntil = now.Add(min(d, r.Max))
	}
	t.ExpiresDateTime = now.Add(r.Memory)
	if t.LockedUntil.After(now) {
		t.ExpiresDateTime = t.LockedUntil.Add(r.Memory)
	}
	return t, true
}
