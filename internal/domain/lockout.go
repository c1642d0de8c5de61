package domain

import "time"

// Account lock-out: after LockoutThreshold consecutive failures an account is
// locked for LockoutBase; each further failure doubles the lock, up to LockoutMax.
// A success resets the count. The state lives in the store so that every replica
// counts the same failures.
const (
	LockoutThreshold = 10
	LockoutBase      = time.Minute
	LockoutMax       = 24 * time.Hour
)

// Lockout is an account's failure count and lock.
type Lockout struct {
	UserID      string
	Failures    int
	LockedUntil time.Time
}

// Locked reports whether the account is locked at now.
func (l Lockout) Locked(now time.Time) bool { return now.Before(l.LockedUntil) }

// AfterFailure returns the lock-out state after one more failure at now.
func (l Lockout) AfterFailure(now time.Time) Lockout {
	l.Failures++
	if l.Failures >= LockoutThreshold {
		d := LockoutBase
		for i := LockoutThreshold; i < l.Failures && d < LockoutMax; i++ {
			d *= 2
		}
		if d > LockoutMax {
			d = LockoutMax
		}
		l.LockedUntil = now.Add(d)
	}
	return l
}
