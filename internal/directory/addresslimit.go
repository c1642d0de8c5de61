package directory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// errOverRate aborts an address's throttle update: a refused request changes
// nothing, so a flood of refusals writes nothing either.
var errOverRate = errors.New("over rate")

// Leases let a replica spend a busy address's shared allowance in batches: one
// write takes a batch of attempts from the shared row, and the next attempts
// from that address on this replica spend the batch in memory. A batch is at
// most 1 % of the allowance (at most leaseMax), is taken only while the shared
// row holds at least four batches, and lasts leaseLife (a tenth of the period
// at most); what is left of it then is dropped, never given back. So every
// attempt let through is counted in the shared row, and a replica holds at
// most one batch at a time: the limit holds across N replicas to within N
// batches (attempts counted when the batch was taken rather than when they
// came), and exactly near the limit and for small allowances such as the
// default 20 a minute, where a batch is a single attempt.
const (
	leaseMax  = 64
	leaseLife = time.Second
	// leaseSweep is how many addresses may hold leases before expired ones
	// are swept out.
	leaseSweep = 1024
)

type addressLease struct {
	left  int
	until time.Time
}

type addressLeases struct {
	mu sync.Mutex
	m  map[string]addressLease
}

// take spends one attempt of a live lease on key.
func (l *addressLeases) take(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.m[key]
	if !ok || a.left <= 0 || !now.Before(a.until) {
		return false
	}
	a.left--
	l.m[key] = a
	return true
}

// put keeps left attempts on key until until. A replica holds one batch at a
// time: two requests that took batches at once keep one between them.
func (l *addressLeases) put(key string, left, batch int, until time.Time, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]addressLease)
	}
	if a, ok := l.m[key]; ok && now.Before(a.until) {
		left = min(left+a.left, batch)
		until = a.until
	}
	if len(l.m) >= leaseSweep {
		for k, a := range l.m {
			if !now.Before(a.until) {
				delete(l.m, k)
			}
		}
	}
	l.m[key] = addressLease{left: left, until: until}
}

// leaseBatch is how many attempts one write takes for rate.
func leaseBatch(rate domain.Rate) int { return min(leaseMax, max(1, rate.Attempts/100)) }

// TakeAddressAllowance spends one request of a client address's sign-in
// allowance, shared by every replica through the store (an IPv4 address, or
// the /64 of an IPv6 one). It says whether the request may go on and, when it
// may not, how long until it may. The throttle row keeps the generic cell rate
// algorithm's theoretical arrival time in LockedUntil (Count is unused) and
// may be forgotten once that time has passed, when the allowance is whole.
// A busy address spends it in batches (see leases above).
func (s *Service) TakeAddressAllowance(ctx context.Context, ip string, rate domain.Rate) (bool, time.Duration, error) {
	key := "ip:" + sourceKey(ip)
	now := s.now()
	if s.leases.take(key, now) {
		return true, 0, nil
	}
	batch := leaseBatch(rate)
	var wait time.Duration
	took := 1
	_, err := s.store.UpdateThrottle(ctx, key, func(t domain.Throttle) (domain.Throttle, error) {
		took = 1
		if batch > 1 && rate.Left(t.LockedUntil, now) >= 4*batch {
			took = batch
		}
		next, ok, w := rate.TakeN(t.LockedUntil, now, took)
		if !ok {
			wait = w
			return t, errOverRate
		}
		t.LockedUntil, t.ExpiresDateTime = next, next
		return t, nil
	})
	switch {
	case errors.Is(err, errOverRate):
		return false, wait, nil
	case err != nil:
		return false, 0, fmt.Errorf("take address allowance: %w", err)
	}
	if took > 1 {
		s.leases.put(key, took-1, batch, now.Add(min(leaseLife, rate.Per/10)), now)
	}
	return true, 0, nil
}
