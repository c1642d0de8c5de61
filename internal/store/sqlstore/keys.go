package sqlstore

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
)

// CreateSigningKey stores a signing key; ErrAlreadyExists if its id is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k domain.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (id, algorithm, private_key_sealed, public_key_jwk,
		created_at, not_after, retire_after) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PrivateKeySealed, k.PublicKeyJWK, s.d.time(k.CreatedDateTime),
		s.d.time(k.NotAfter), s.d.time(k.RetireAfter))
	if err != nil {
		return s.fail(fmt.Sprintf("create signing key %q", k.ID), err)
	}
	return nil
}

// ListSigningKeys returns every signing key, newest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]domain.SigningKey, error) {
	rows, err := s.query(ctx, `SELECT id, algorithm, private_key_sealed, public_key_jwk, created_at,
		not_after, retire_after FROM signing_keys ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, s.fail("list signing keys", err)
	}
	return scanAll(rows, "list signing keys", func(r rowScanner) (domain.SigningKey, error) {
		var k domain.SigningKey
		err := r.Scan(&k.ID, &k.Algorithm, &k.PrivateKeySealed, &k.PublicKeyJWK,
			timeDest{&k.CreatedDateTime}, timeDest{&k.NotAfter}, timeDest{&k.RetireAfter})
		return k, err
	})
}

// DeleteSigningKey removes a signing key.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete signing key %q", id), "DELETE FROM signing_keys WHERE id = ?", id)
}
