package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// Errors name a ceremony by id only; its data holds the challenge.

func scanCeremony(r rowScanner) (domain.Ceremony, error) {
	var c domain.Ceremony
	var userID *string
	err := r.Scan(&c.ID, &userID, &c.Kind, &c.Data, timeDest{&c.ExpiresDateTime})
	if userID != nil {
		c.UserID = *userID
	}
	return c, err
}

// CreateCeremony stores the server half of a WebAuthn ceremony.
func (s *Store) CreateCeremony(ctx context.Context, c domain.Ceremony) error {
	_, err := s.exec(ctx, "INSERT INTO ceremonies (id, user_id, kind, data, expires_at) VALUES (?, ?, ?, ?, ?)",
		c.ID, nullString(c.UserID), c.Kind, nonNilBytes(c.Data), s.d.time(c.ExpiresDateTime))
	if err != nil {
		return s.fail(fmt.Sprintf("create ceremony %q", c.ID), err)
	}
	return nil
}

// TakeCeremony deletes a ceremony and returns what it held, in one statement, so
// that of any number of racing takes the database lets exactly one have it. It
// returns an expired ceremony too: the caller, who owns the clock, decides.
func (s *Store) TakeCeremony(ctx context.Context, id string) (domain.Ceremony, error) {
	c, err := scanCeremony(s.queryRow(ctx,
		"DELETE FROM ceremonies WHERE id = ? RETURNING id, user_id, kind, data, expires_at", id))
	if err != nil {
		return domain.Ceremony{}, s.fail(fmt.Sprintf("take ceremony %q", id), err)
	}
	return c, nil
}

// GetCeremony returns a ceremony and leaves it in place.
func (s *Store) GetCeremony(ctx context.Context, id string) (domain.Ceremony, error) {
	c, err := scanCeremony(s.queryRow(ctx, "SELECT id, user_id, kind, data, expires_at FROM ceremonies WHERE id = ?", id))
	if err != nil {
		return domain.Ceremony{}, s.fail(fmt.Sprintf("get ceremony %q", id), err)
	}
	return c, nil
}

// DeleteExpiredCeremonies removes ceremonies that expired before `before`.
func (s *Store) DeleteExpiredCeremonies(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete expired ceremonies",
		"DELETE FROM ceremonies WHERE expires_at < ?", s.d.time(before))
}
