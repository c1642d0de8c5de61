package directory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// errLocked aborts a reservation: nothing is counted when any key is locked.
var errLocked = errors.New("locked")

// ErrAccountLocked is all a person is told while the lock-out refuses their
// attempts. It reads the same for every name, whether an account, a pass holder
// or nobody: the lock-out counts typed names, not accounts.
var ErrAccountLocked = &domain.Error{Kind: domain.KindRateLimited, Code: "accountLocked",
	Message: "Your account is locked for a short while after too many failed sign-ins. Wait a few minutes and try again."}

// RetryAfter is a refusal that says when trying again can succeed; it unwraps to
// the refusal (ErrAccountLocked, ErrBusy) for errors.Is.
type RetryAfter struct {
	Err   error
	After time.Duration
}

func (e *RetryAfter) Error() string { return e.Err.Error() }
func (e *RetryAfter) Unwrap() error { return e.Err }

// RetryAfterOf returns how long err says to wait, and whether it says.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r *RetryAfter
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}

// throttleKeys are the lock-out counters of one typed name: across every source,
// and from this source alone (an IPv4 address, or the /64 of an IPv6 one). They
// hold a keyed hash of the normalized name, never the name: what was typed may be
// a pass typed into the wrong field.
func (s *Service) throttleKeys(name, ip string) (account, source string) {
	mac := func(parts ...string) string {
		h := hmac.New(sha256.New, s.nameKey)
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	}
	return "signin:account:" + mac(name), sourcePrefix(mac(name)) + mac(name, sourceKey(ip))
}

// sourcePrefix begins the per-source counters of the name whose keyed hash is
// nameMAC, so that an administrator's unlock can find them all.
func sourcePrefix(nameMAC string) string { return "signin:source:" + nameMAC + ":" }

// lockoutKeys are the account counter of a name and the prefix of its
// per-source counters.
func (s *Service) lockoutKeys(name string) (account, sources string) {
	account, _ = s.throttleKeys(name, "")
	return account, sourcePrefix(strings.TrimPrefix(account, "signin:account:"))
}

// sourceKey is the address an attempt is counted under: one host commonly holds
// a whole IPv6 /64.
func sourceKey(ip string) string {
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.To4() != nil {
		return ip
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// reserveAttempt counts a pass attempt against the name from this source and
// across all sources, before the pass is checked, in one transaction. While
// either is locked it counts nothing and returns when the lock ends. Concurrent attempts queue on the rows,
// so at most a threshold's worth of them is ever checked per lock window.
func (s *Service) reserveAttempt(ctx context.Context, name, ip string, now time.Time) (lockedUntil time.Time, err error) {
	account, source := s.throttleKeys(name, ip)
	err = s.store.InTx(ctx, func(tx store.Store) error {
		for _, k := range []struct {
			scope, key string
			rule       domain.LockoutRule
		}{{"source", source, domain.SourceLockout}, {"account", account, domain.AccountLockout}} {
			_, err := tx.UpdateThrottle(ctx, k.key, func(t domain.Throttle) (domain.Throttle, error) {
				t, ok := k.rule.Reserve(t, now)
				if !ok {
					lockedUntil = t.LockedUntil
					return t, errLocked
				}
				if t.Count == k.rule.Threshold {
					s.log.WarnContext(ctx, "sign-in lock-out started", "scope", k.scope, "until", t.LockedUntil)
				}
				return t, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errLocked) {
		return lockedUntil, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reserve sign-in attempt: %w", err)
	}
	return time.Time{}, nil
}

// settleSuccess clears a name's lock-out counters after its pass was right.
func (s *Service) settleSuccess(ctx context.Context, tx store.Store, name, ip string) error {
	account, source := s.throttleKeys(name, ip)
	for _, k := range []string{source, account} {
		if err := tx.DeleteThrottle(ctx, k); err != nil {
			return fmt.Errorf("clear sign-in lock-out: %w", err)
		}
	}
	return nil
}
