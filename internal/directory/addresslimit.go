package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// errOverRate aborts an address's throttle update: a refused request changes
// nothing, so a flood of refusals writes nothing either.
var errOverRate = errors.New("over rate")

// TakeAddressAllowance spends one request of a client address's sign-in
// allowance, shared by every replica through the store (an IPv4 address, or
// the /64 of an IPv6 one). It says whether the request may go on and, when it
// may not, how long until it may. The throttle row keeps the generic cell rate
// algorithm's theoretical arrival time in LockedUntil (Count is unused) and
// may be forgotten once that time has passed, when the allowance is whole.
func (s *Service) TakeAddressAllowance(ctx context.Context, ip string, rate domain.Rate) (bool, time.Duration, error) {
	now := s.now()
	var wait time.Duration
	_, err := s.store.UpdateThrottle(ctx, "ip:"+sourceKey(ip), func(t domain.Throttle) (domain.Throttle, error) {
		next, ok, w := rate.Take(t.LockedUntil, now)
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
	return true, 0, nil
}
