package domain

import (
	"testing"
	"time"
)

func TestLockoutRuleReservesThenEscalates(t *testing.T) {
	r := LockoutRule{Threshold: 10, Base: time.Minute, Max: 8 * time.Minute, Memory: time.Hour}
	var th Throttle
	now := t0
	ok := false
	for i := 1; i < r.Threshold; i++ {
		if th, ok = r.Reserve(th, now); !ok || th.Locked(now) {
			t.Fatalf("attempt %d: ok=%v locked=%v", i, ok, th.Locked(now))
		}
	}
	// The tenth attempt is still checked, and locks the key for every later one.
	if th, ok = r.Reserve(th, now); !ok || !th.Locked(now) || !th.LockedUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("tenth attempt: ok=%v until %v", ok, th.LockedUntil)
	}
	if _, ok := r.Reserve(th, now.Add(59*time.Second)); ok {
		t.Fatal("an attempt inside the lock window was let through")
	}
	for _, d := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 8 * time.Minute} {
		now = th.LockedUntil
		if th, ok = r.Reserve(th, now); !ok || !th.LockedUntil.Equal(now.Add(d)) {
			t.Fatalf("after the window: ok=%v lock %v, want %v", ok, th.LockedUntil.Sub(now), d)
		}
		if !th.ExpiresDateTime.Equal(th.LockedUntil.Add(r.Memory)) {
			t.Fatalf("expires %v, want the lock's end plus the memory", th.ExpiresDateTime)
		}
	}
}

func TestSignInLockoutsShape(t *testing.T) {
	// The account-wide lock must trip later than the per-source one and cap lower,
	// or one attacker could lock the owner out as long as themselves.
	if AccountLockout.Threshold <= SourceLockout.Threshold || AccountLockout.Max >= SourceLockout.Max {
		t.Fatalf("account %+v, source %+v", AccountLockout, SourceLockout)
	}
}
