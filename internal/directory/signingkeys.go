package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Signing key states, as ListSigningKeys reports them.
const (
	KeySigning   = "signing"   // the key new tokens are signed with
	KeyVerifying = "verifying" // still published: tokens it signed keep working
	KeyRetired   = "retired"   // past its publication; purged at the next rotation
)

// SigningKeyState is a signing key with what it does now.
type SigningKeyState struct {
	domain.SigningKey
	Status string
}

// ListSigningKeys lists the token signing keys newest first, each with what it
// does now; alg is the algorithm new tokens are signed with. Only the key ids
// and periods are of use to the caller; the sealed private keys stay sealed.
func (s *Service) ListSigningKeys(ctx context.Context, actor domain.Actor, algs ...string) ([]SigningKeyState, error) {
	if err := actor.Require(domain.ActManageKeys); err != nil {
		return nil, err
	}
	keys, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	now := s.now()
	slices.SortFunc(keys, domain.CompareSigningKeys)
	signers := map[string]bool{} // one per algorithm
	for _, alg := range algs {
		if k, ok := domain.SignerAt(keys, alg, now); ok {
			signers[k.ID] = true
		}
	}
	out := make([]SigningKeyState, len(keys))
	for i, k := range keys {
		st := KeyRetired
		switch {
		case signers[k.ID]:
			st = KeySigning
		case k.VerifiesAt(now):
			st = KeyVerifying
		}
		k.PrivateKeySealed = nil
		out[i] = SigningKeyState{SigningKey: k, Status: st}
	}
	return out, nil
}
