package sqlstore

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Errors about throttles never name the key: it may derive from what someone typed.

func scanThrottle(r rowScanner) (domain.Throttle, error) {
	var t domain.Throttle
	err := r.Scan(&t.Key, &t.Count, timeDest{&t.LockedUntil}, timeDest{&t.ExpiresDateTime})
	return t, err
}

// GetThrottle returns the counter under key; the zero Throttle, with Key set,
// when there is none.
func (s *Store) GetThrottle(ctx context.Context, key string) (domain.Throttle, error) {
	return s.getThrottle(ctx, key, "")
}

func (s *Store) getThrottle(ctx context.Context, key, suffix string) (domain.Throttle, error) {
	t, err := scanThrottle(s.queryRow(ctx, "SELECT id, attempts, locked_until, expires FROM throttles WHERE id = ?"+suffix, key))
	if err != nil {
		err = s.fail("get throttle", err)
		if errors.Is(err, store.ErrNotFound) {
			return domain.Throttle{Key: key}, nil
		}
		return domain.Throttle{}, err
	}
	return t, nil
}

// UpdateThrottle changes the counter under key with fn inside one transaction,
// creating it when there is none. The key cannot change.
func (s *Store) UpdateThrottle(ctx context.Context, key string, fn func(domain.Throttle) (domain.Throttle, error)) (domain.Throttle, error) {
	var out domain.Throttle
	err := s.inTx(ctx, func(tx *Store) error {
		// Insert the zero state first so that there is a row to lock: two
		// first-ever attempts racing would otherwise both count from zero. The
		// row commits only together with fn's result.
		zero := tx.d.time(time.Time{})
		if _, err := tx.exec(ctx, `INSERT INTO throttles (id, attempts, locked_until, expires) VALUES (?, 0, ?, ?)
			ON CONFLICT (id) DO NOTHING`, key, zero, zero); err != nil {
			return tx.fail("update throttle", err)
		}
		old, err := tx.getThrottle(ctx, key, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		t, err := fn(old)
		if err != nil {
			return err
		}
		t.Key = key
		if _, err := tx.exec(ctx, "UPDATE throttles SET attempts = ?, locked_until = ?, expires = ? WHERE id = ?",
			t.Count, tx.d.time(t.LockedUntil), tx.d.time(t.ExpiresDateTime), key); err != nil {
			return tx.fail("update throttle", err)
		}
		out = domain.Throttle{Key: key, Count: t.Count, LockedUntil: normTime(t.LockedUntil), ExpiresDateTime: normTime(t.ExpiresDateTime)}
		return nil
	})
	return out, err
}

// DeleteThrottle forgets the counter under key; forgetting one that is not there
// is no error.
func (s *Store) DeleteThrottle(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, "DELETE FROM throttles WHERE id = ?", key); err != nil {
		return s.fail("delete throttle", err)
	}
	return nil
}

// DeleteExpiredThrottles forgets counters whose ExpiresDateTime is before `before`.
func (s *Store) DeleteExpiredThrottles(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete expired throttles", "DELETE FROM throttles WHERE expires < ?", s.d.time(before))
}

// ListThrottles returns the counters whose key starts with prefix (compared
// exactly, case included), in key order.
func (s *Store) ListThrottles(ctx context.Context, prefix string) ([]domain.Throttle, error) {
	rows, err := s.query(ctx, "SELECT id, attempts, locked_until, expires FROM throttles WHERE substr(id, 1, ?) = ? ORDER BY id",
		utf8.RuneCountInString(prefix), prefix)
	if err != nil {
		return nil, s.fail("list throttles", err)
	}
	return scanAll(rows, "list throttles", scanThrottle)
}

// DeleteThrottles forgets every counter whose key starts with prefix (compared
// exactly); it refuses an empty prefix, which would forget them all.
func (s *Store) DeleteThrottles(ctx context.Context, prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("delete throttles: empty prefix")
	}
	return s.execCount(ctx, "delete throttles", "DELETE FROM throttles WHERE substr(id, 1, ?) = ?", utf8.RuneCountInString(prefix), prefix)
}
