package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

const passColumns = `id, user_id, hash, created_at, start_at, lifetime_minutes, usable_once,
	used_at, failed_attempts, created_by, recovery`

func scanPass(r rowScanner) (domain.TemporaryAccessPass, error) {
	var p domain.TemporaryAccessPass
	err := r.Scan(&p.ID, &p.UserID, &p.Hash, timeDest{&p.CreatedDateTime}, timeDest{&p.StartDateTime},
		&p.LifetimeInMinutes, &p.IsUsableOnce, nullTimeDest{&p.UsedDateTime}, &p.FailedAttempts, &p.CreatedBy, &p.Recovery)
	return p, err
}

// CreatePass stores a pass. The schema allows one pass per user, so a second
// gives ErrAlreadyExists; a missing user gives ErrNotFound. The end instant is
// stored too, so that expiry is a plain comparison in every dialect.
func (s *Store) CreatePass(ctx context.Context, p domain.TemporaryAccessPass) error {
	_, err := s.exec(ctx, `INSERT INTO temporary_access_passes (id, user_id, hash, created_at,
		start_at, end_at, lifetime_minutes, usable_once, used_at, failed_attempts, created_by, recovery)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.UserID, p.Hash, s.d.time(p.CreatedDateTime), s.d.time(p.StartDateTime), s.d.time(p.End()),
		p.LifetimeInMinutes, p.IsUsableOnce, s.d.nullTime(p.UsedDateTime), p.FailedAttempts, p.CreatedBy, p.Recovery)
	if err != nil {
		return s.fail(fmt.Sprintf("create pass %q for user %q", p.ID, p.UserID), err)
	}
	return nil
}

// GetPass returns the pass with the given id.
func (s *Store) GetPass(ctx context.Context, id string) (domain.TemporaryAccessPass, error) {
	p, err := scanPass(s.queryRow(ctx, "SELECT "+passColumns+" FROM temporary_access_passes WHERE id = ?", id))
	if err != nil {
		return domain.TemporaryAccessPass{}, s.fail(fmt.Sprintf("get pass %q", id), err)
	}
	return p, nil
}

// ListUserPasses returns a user's passes, oldest first; none for an unknown user.
func (s *Store) ListUserPasses(ctx context.Context, userID string) ([]domain.TemporaryAccessPass, error) {
	rows, err := s.query(ctx, "SELECT "+passColumns+` FROM temporary_access_passes
		WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, s.fail("list user passes", err)
	}
	return scanAll(rows, "list user passes", scanPass)
}

// DeletePass removes a pass.
func (s *Store) DeletePass(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete pass %q", id), "DELETE FROM temporary_access_passes WHERE id = ?", id)
}

// ConsumePass marks a pass used. It is one conditional UPDATE, so the database
// decides which of any number of racing callers wins.
func (s *Store) ConsumePass(ctx context.Context, id string, at time.Time) error {
	what := fmt.Sprintf("consume pass %q", id)
	n, err := s.execCount(ctx, what,
		"UPDATE temporary_access_passes SET used_at = ? WHERE id = ? AND used_at IS NULL", s.d.time(at), id)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	var one int
	if err := s.queryRow(ctx, "SELECT 1 FROM temporary_access_passes WHERE id = ?", id).Scan(&one); err != nil {
		return s.fail(what, err)
	}
	return fmt.Errorf("%s: already used: %w", what, store.ErrConflict)
}

// TouchPass records a successful sign-in with a multi-use pass in one UPDATE.
func (s *Store) TouchPass(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("record use of pass %q", id),
		"UPDATE temporary_access_passes SET last_used_at = ? WHERE id = ?", s.d.time(at), id)
}

// RecordPassFailure adds one failed attempt in a single UPDATE and returns the new count.
func (s *Store) RecordPassFailure(ctx context.Context, id string) (int, error) {
	var n int
	err := s.queryRow(ctx, `UPDATE temporary_access_passes SET failed_attempts = failed_attempts + 1
		WHERE id = ? RETURNING failed_attempts`, id).Scan(&n)
	if err != nil {
		return 0, s.fail(fmt.Sprintf("record failure of pass %q", id), err)
	}
	return n, nil
}

// ListExpiredPasses returns a page of the passes that ended before `before`, by id.
func (s *Store) ListExpiredPasses(ctx context.Context, before time.Time, afterID string, limit int) ([]domain.TemporaryAccessPass, error) {
	rows, err := s.query(ctx, "SELECT "+passColumns+` FROM temporary_access_passes
		WHERE end_at < ? AND id > ? ORDER BY id LIMIT ?`, s.d.time(before), afterID, limit)
	if err != nil {
		return nil, s.fail("list expired passes", err)
	}
	return scanAll(rows, "list expired passes", scanPass)
}
