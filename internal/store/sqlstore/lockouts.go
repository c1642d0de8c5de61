package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func scanLockout(r rowScanner) (domain.Lockout, error) {
	var l domain.Lockout
	err := r.Scan(&l.UserID, &l.Failures, timeDest{&l.LockedUntil})
	return l, err
}

// GetLockout returns a user's lock-out state; the zero state, with UserID set,
// when none was recorded (also for a user that does not exist).
func (s *Store) GetLockout(ctx context.Context, userID string) (domain.Lockout, error) {
	return s.getLockout(ctx, userID, "")
}

func (s *Store) getLockout(ctx context.Context, userID, suffix string) (domain.Lockout, error) {
	l, err := scanLockout(s.queryRow(ctx, "SELECT user_id, failures, locked_until FROM lockouts WHERE user_id = ?"+suffix, userID))
	if err != nil {
		err = s.fail(fmt.Sprintf("get lock-out of user %q", userID), err)
		if errors.Is(err, store.ErrNotFound) {
			return domain.Lockout{UserID: userID}, nil
		}
		return domain.Lockout{}, err
	}
	return l, nil
}

// UpdateLockout changes a user's lock-out state with fn inside one transaction;
// a user that does not exist gives ErrNotFound. The user id cannot change.
func (s *Store) UpdateLockout(ctx context.Context, userID string, fn func(domain.Lockout) (domain.Lockout, error)) (domain.Lockout, error) {
	var out domain.Lockout
	err := s.inTx(ctx, func(tx *Store) error {
		// Insert the zero state first so that there is a row to lock: two
		// first-ever failures racing would otherwise both count from zero. The
		// row commits only together with fn's result.
		if _, err := tx.exec(ctx, `INSERT INTO lockouts (user_id, failures, locked_until) VALUES (?, 0, ?)
			ON CONFLICT (user_id) DO NOTHING`, userID, tx.d.time(time.Time{})); err != nil {
			return tx.fail(fmt.Sprintf("update lock-out of user %q", userID), err)
		}
		old, err := tx.getLockout(ctx, userID, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		l, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE lockouts SET failures = ?, locked_until = ? WHERE user_id = ?",
			l.Failures, tx.d.time(l.LockedUntil), userID); err != nil {
			return tx.fail(fmt.Sprintf("update lock-out of user %q", userID), err)
		}
		out, err = tx.getLockout(ctx, userID, "")
		return err
	})
	return out, err
}
