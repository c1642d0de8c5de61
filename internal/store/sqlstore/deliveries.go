package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// Errors name a delivery by id only: its recipient is personal data and its
// sealed code is a secret.

const deliveryColumns = `id, kind, method, recipient, user_id, subject_id, sealed, initiator, initiated_at,
	status, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, completed_at`

func scanDelivery(r rowScanner) (domain.Delivery, error) {
	var d domain.Delivery
	err := r.Scan(&d.ID, &d.Kind, &d.Method, &d.Recipient, &d.UserID, &d.SubjectID, &d.Sealed, &d.Initiator,
		timeDest{&d.InitiatedDateTime}, &d.Status, &d.Attempts, timeDest{&d.NextAttemptDateTime}, &d.LeaseOwner,
		timeDest{&d.LeaseUntil}, &d.LastError, timeDest{&d.CreatedDateTime}, nullTimeDest{&d.CompletedDateTime})
	if len(d.Sealed) == 0 {
		d.Sealed = nil
	}
	return d, err
}

func sealedArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateDelivery queues a delivery; a missing user gives ErrNotFound.
func (s *Store) CreateDelivery(ctx context.Context, d domain.Delivery) error {
	_, err := s.exec(ctx, "INSERT INTO deliveries ("+deliveryColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.Kind, d.Method, d.Recipient, d.UserID, d.SubjectID, sealedArg(d.Sealed), d.Initiator,
		s.d.time(d.InitiatedDateTime), d.Status, d.Attempts, s.d.time(d.NextAttemptDateTime), d.LeaseOwner,
		s.d.time(d.LeaseUntil), d.LastError, s.d.time(d.CreatedDateTime), s.d.nullTime(d.CompletedDateTime))
	if err != nil {
		return s.fail(fmt.Sprintf("create delivery %q", d.ID), err)
	}
	return nil
}

// GetDelivery returns one delivery.
func (s *Store) GetDelivery(ctx context.Context, id string) (domain.Delivery, error) {
	return s.getDelivery(ctx, id, "")
}

func (s *Store) getDelivery(ctx context.Context, id, suffix string) (domain.Delivery, error) {
	d, err := scanDelivery(s.queryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE id = ?"+suffix, id))
	if err != nil {
		return domain.Delivery{}, s.fail(fmt.Sprintf("get delivery %q", id), err)
	}
	return d, nil
}

// ListUserDeliveries returns a user's deliveries, newest first.
func (s *Store) ListUserDeliveries(ctx context.Context, userID string) ([]domain.Delivery, error) {
	rows, err := s.query(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE user_id = ? ORDER BY created_at DESC, id", userID)
	if err != nil {
		return nil, s.fail("list user deliveries", err)
	}
	return scanAll(rows, "list user deliveries", scanDelivery)
}

// ClaimDeliveries leases up to limit pending deliveries that are due at now
// and whose lease (if any) has run out. Each claim is its own conditional
// UPDATE, so that when replicas race for a row exactly one of them changes it;
// the others see no row affected and pass it by.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]domain.Delivery, error) {
	rows, err := s.query(ctx, `SELECT id FROM deliveries WHERE status = ? AND next_attempt_at <= ? AND lease_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`, domain.DeliveryPending, s.d.time(now), s.d.time(now), limit)
	if err != nil {
		return nil, s.fail("list due deliveries", err)
	}
	ids, err := scanAll(rows, "list due deliveries", func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	out := []domain.Delivery{}
	for _, id := range ids {
		n, err := s.execCount(ctx, fmt.Sprintf("claim delivery %q", id), `UPDATE deliveries SET lease_owner = ?, lease_until = ?
			WHERE id = ? AND status = ? AND next_attempt_at <= ? AND lease_until <= ?`,
			owner, s.d.time(now.Add(lease)), id, domain.DeliveryPending, s.d.time(now), s.d.time(now))
		if err != nil {
			return out, err
		}
		if n == 0 {
			continue
		}
		d, err := s.GetDelivery(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateDelivery is a read-modify-write of one delivery (row locked); its id,
// kind, user and subject cannot change.
func (s *Store) UpdateDelivery(ctx context.Context, id string, fn func(domain.Delivery) (domain.Delivery, error)) (domain.Delivery, error) {
	var out domain.Delivery
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getDelivery(ctx, id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		d, err := fn(old)
		if err != nil {
			return err
		}
		d.ID, d.Kind, d.UserID, d.SubjectID = old.ID, old.Kind, old.UserID, old.SubjectID
		if _, err := tx.exec(ctx, `UPDATE deliveries SET method = ?, recipient = ?, sealed = ?, initiator = ?,
			initiated_at = ?, status = ?, attempts = ?, next_attempt_at = ?, lease_owner = ?, lease_until = ?,
			last_error = ?, created_at = ?, completed_at = ? WHERE id = ?`,
			d.Method, d.Recipient, sealedArg(d.Sealed), d.Initiator, tx.d.time(d.InitiatedDateTime), d.Status,
			d.Attempts, tx.d.time(d.NextAttemptDateTime), d.LeaseOwner, tx.d.time(d.LeaseUntil), d.LastError,
			tx.d.time(d.CreatedDateTime), tx.d.nullTime(d.CompletedDateTime), id); err != nil {
			return tx.fail(fmt.Sprintf("update delivery %q", id), err)
		}
		out, err = tx.getDelivery(ctx, id, "")
		return err
	})
	return out, err
}

// DeleteEndedDeliveries forgets deliveries that ended before `before`.
func (s *Store) DeleteEndedDeliveries(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete ended deliveries",
		"DELETE FROM deliveries WHERE status <> ? AND completed_at < ?", domain.DeliveryPending, s.d.time(before))
}
