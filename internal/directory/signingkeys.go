package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// AddSigningKeys stores newly generated token signing keys (one per algorithm:
// the token service signs access tokens and ID tokens with keys of different
// algorithms, rotated together), purges keys past their retirement and, with
// replace, retires the keys of those algorithms still signing
// (domain.SigningKey.Replaced with overlap), all with one audit record in one
// transaction. The token service generates the keys; only the local operator
// and the token service itself may add them.
func (s *Service) AddSigningKeys(ctx context.Context, actor domain.Actor, keys []domain.SigningKey, replace bool, overlap time.Duration, reason string) error {
	if err := actor.Require(domain.ActManageKeys); err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("add signing keys: no key given")
	}
	now := s.now()
	algs := make(map[string]bool, len(keys))
	var targets []domain.AuditTarget
	for i, key := range keys {
		if algs[key.Algorithm] {
			return fmt.Errorf("add signing keys: two %s keys at once", key.Algorithm)
		}
		algs[key.Algorithm] = true
		// The key's periods count from now, when it takes over from the keys it
		// replaces, not from when its generation began.
		shift := now.Sub(key.CreatedDateTime)
		key.CreatedDateTime, key.NotAfter, key.RetireAfter = now, key.NotAfter.Add(shift), key.RetireAfter.Add(shift)
		keys[i] = key
		targets = append(targets, keyTarget(key,
			domain.ModifiedProperty{DisplayName: "Algorithm", NewValue: key.Algorithm},
			domain.ModifiedProperty{DisplayName: "SignsUntil", NewValue: stamp(key.NotAfter)},
			domain.ModifiedProperty{DisplayName: "PublishedUntil", NewValue: stamp(key.RetireAfter)}))
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		rows, err := tx.ListSigningKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		var purged []string
		for _, k := range rows {
			if !k.VerifiesAt(now) {
				if err := tx.DeleteSigningKey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("delete retired signing key %s: %w", k.ID, err)
				}
				purged = append(purged, k.ID)
				continue
			}
			if !replace || !algs[k.Algorithm] || !k.SignsAt(now) {
				continue
			}
			r := k.Replaced(now, overlap)
			// The store has no UpdateSigningKey: replace the row in this transaction.
			if err := tx.DeleteSigningKey(ctx, k.ID); err != nil {
				return fmt.Errorf("retire signing key %s: %w", k.ID, err)
			}
			if err := tx.CreateSigningKey(ctx, r); err != nil {
				return fmt.Errorf("retire signing key %s: %w", k.ID, err)
			}
			targets = append(targets, keyTarget(r,
				domain.ModifiedProperty{DisplayName: "SignsUntil", OldValue: stamp(k.NotAfter), NewValue: stamp(r.NotAfter)},
				domain.ModifiedProperty{DisplayName: "PublishedUntil", OldValue: stamp(k.RetireAfter), NewValue: stamp(r.RetireAfter)}))
		}
		for _, key := range keys {
			if err := tx.CreateSigningKey(ctx, key); err != nil {
				return fmt.Errorf("store %s signing key: %w", key.Algorithm, err)
			}
		}
		details := []domain.KeyValue{{Key: "Reason", Value: reason}}
		if len(purged) > 0 {
			details = append(details, domain.KeyValue{Key: "PurgedRetiredKeys", Value: strings.Join(purged, ", ")})
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityAddSigningKey, category: domain.CategoryKeyManagement,
			op: "Add", targets: targets, details: details})
	})
}

// keyTarget names a signing key in an audit record by its public key id; the
// key material never appears there.
func keyTarget(k domain.SigningKey, props ...domain.ModifiedProperty) domain.AuditTarget {
	return domain.AuditTarget{ID: k.ID, DisplayName: k.Algorithm + " token signing key", Type: "SigningKey", ModifiedProperties: props}
}
