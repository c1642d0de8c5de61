package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Errors name a passkey by its object id, never by its credential id or key.

const passkeyColumns = `id, user_id, credential_id, public_key, attestation_type, attestation_level,
	aaguid, sign_count, transports, backup_eligible, backup_state, display_name, created_at,
	last_used_at, clone_warning`

func scanPasskey(r rowScanner) (domain.Passkey, error) {
	var p domain.Passkey
	err := r.Scan(passkeyDest(&p)...)
	p.Transports = nonNil(p.Transports)
	return p, err
}

// passkeyDest is where a row of passkeyColumns goes.
func passkeyDest(p *domain.Passkey) []any {
	return []any{&p.ID, &p.UserID, &p.CredentialID, &p.PublicKey, &p.AttestationType,
		&p.AttestationLevel, &p.AAGUID, &p.SignCount, jsonDest{&p.Transports}, &p.BackupEligible,
		&p.BackupState, &p.DisplayName, timeDest{&p.CreatedDateTime}, nullTimeDest{&p.LastUsedDateTime},
		&p.CloneWarning}
}

// nonNilBytes keeps a nil slice out of a NOT NULL column: drivers bind nil as NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// CreatePasskey stores a credential. A credential id registered before, by any
// user, gives ErrAlreadyExists (the schema makes it unique); a missing user
// gives ErrNotFound.
func (s *Store) CreatePasskey(ctx context.Context, p domain.Passkey) error {
	_, err := s.exec(ctx, "INSERT INTO passkeys ("+passkeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.UserID, nonNilBytes(p.CredentialID), nonNilBytes(p.PublicKey), p.AttestationType,
		p.AttestationLevel, p.AAGUID, int64(p.SignCount), jsonText(p.Transports), p.BackupEligible,
		p.BackupState, p.DisplayName, s.d.time(p.CreatedDateTime), s.d.nullTime(p.LastUsedDateTime),
		p.CloneWarning)
	if err != nil {
		return s.fail(fmt.Sprintf("create passkey %q for user %q", p.ID, p.UserID), err)
	}
	return nil
}

// GetPasskey returns the passkey with the given object id.
func (s *Store) GetPasskey(ctx context.Context, id string) (domain.Passkey, error) {
	return s.getPasskey(ctx, id, "")
}

func (s *Store) getPasskey(ctx context.Context, id, suffix string) (domain.Passkey, error) {
	p, err := scanPasskey(s.queryRow(ctx, "SELECT "+passkeyColumns+" FROM passkeys WHERE id = ?"+suffix, id))
	if err != nil {
		return domain.Passkey{}, s.fail(fmt.Sprintf("get passkey %q", id), err)
	}
	return p, nil
}

// GetPasskeyByCredentialID finds the passkey an authenticator names in a sign-in.
func (s *Store) GetPasskeyByCredentialID(ctx context.Context, credentialID []byte) (domain.Passkey, error) {
	p, err := scanPasskey(s.queryRow(ctx, "SELECT "+passkeyColumns+" FROM passkeys WHERE credential_id = ?",
		nonNilBytes(credentialID)))
	if err != nil {
		return domain.Passkey{}, s.fail("get passkey by credential id", err)
	}
	return p, nil
}

// GetPasskeySignIn reads what finishing a passkey sign-in needs in one
// statement: the passkey an authenticator names, its owner, and the cache
// version.
func (s *Store) GetPasskeySignIn(ctx context.Context, credentialID []byte) (store.PasskeySignIn, error) {
	var r store.PasskeySignIn
	var manager *string
	dest := append(passkeyDest(&r.Passkey), userDest(&r.Owner, &manager)...)
	err := s.queryRow(ctx, "SELECT "+qualifiedPasskeyColumns+", "+userColumns+
		`, (SELECT version FROM cache_version WHERE id = 1)
		FROM passkeys JOIN users ON users.id = passkeys.user_id WHERE passkeys.credential_id = ?`,
		nonNilBytes(credentialID)).Scan(append(dest, &r.CacheVersion)...)
	if err != nil {
		return store.PasskeySignIn{}, s.fail("get passkey sign-in by credential id", err)
	}
	r.Passkey.Transports = nonNil(r.Passkey.Transports)
	if manager != nil {
		r.Owner.ManagerID = *manager
	}
	return r, nil
}

// ListUserPasskeys returns a user's passkeys, oldest first; none for an unknown user.
func (s *Store) ListUserPasskeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	rows, err := s.query(ctx, "SELECT "+passkeyColumns+" FROM passkeys WHERE user_id = ? ORDER BY created_at, id", userID)
	if err != nil {
		return nil, s.fail("list user passkeys", err)
	}
	return scanAll(rows, "list user passkeys", scanPasskey)
}

// ListPasskeysByUPN returns the passkeys of the user named upn, oldest first,
// in one statement: what a sign-in by username needs to begin.
func (s *Store) ListPasskeysByUPN(ctx context.Context, upn string) ([]domain.Passkey, error) {
	rows, err := s.query(ctx, "SELECT "+qualifiedPasskeyColumns+` FROM passkeys
		JOIN users ON users.id = passkeys.user_id
		WHERE users.upn_key = ? ORDER BY passkeys.created_at, passkeys.id`, domain.NormalizeUPN(upn))
	if err != nil {
		return nil, s.fail("list passkeys by user principal name", err)
	}
	return scanAll(rows, "list passkeys by user principal name", scanPasskey)
}

// qualifiedPasskeyColumns are passkeyColumns named with their table.
var qualifiedPasskeyColumns = func() string {
	cols := strings.Split(passkeyColumns, ",")
	for i, c := range cols {
		cols[i] = "passkeys." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

// UpdatePasskey changes a passkey with fn inside one transaction. Its id, user
// and credential id cannot change: they are what identifies it.
func (s *Store) UpdatePasskey(ctx context.Context, id string, fn func(domain.Passkey) (domain.Passkey, error)) (domain.Passkey, error) {
	var out domain.Passkey
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getPasskey(ctx, id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE passkeys SET public_key = ?, attestation_type = ?,
			attestation_level = ?, aaguid = ?, sign_count = ?, transports = ?, backup_eligible = ?,
			backup_state = ?, display_name = ?, created_at = ?, last_used_at = ?, clone_warning = ?
			WHERE id = ?`,
			nonNilBytes(p.PublicKey), p.AttestationType, p.AttestationLevel, p.AAGUID, int64(p.SignCount),
			jsonText(p.Transports), p.BackupEligible, p.BackupState, p.DisplayName,
			tx.d.time(p.CreatedDateTime), tx.d.nullTime(p.LastUsedDateTime), p.CloneWarning, id); err != nil {
			return tx.fail(fmt.Sprintf("update passkey %q", id), err)
		}
		out, err = tx.getPasskey(ctx, id, "")
		return err
	})
	return out, err
}

// RecordPasskeyUse updates what a sign-in changes in one statement; the
// comparisons with the stored counter happen in the database, so two racing
// sign-ins cannot lower it.
func (s *Store) RecordPasskeyUse(ctx context.Context, id string, counter uint32, backupState, cloneWarning bool, at time.Time) error {
	c := int64(counter)
	// Each counter placeholder is cast: PostgreSQL would type "? <> 0" as
	// int4, which a counter above 2^31 overflows.
	return s.execOne(ctx, fmt.Sprintf("record use of passkey %q", id), `UPDATE passkeys SET
		clone_warning = (clone_warning OR ? OR (CAST(? AS BIGINT) <= sign_count AND (CAST(? AS BIGINT) <> 0 OR sign_count <> 0))),
		sign_count = CASE WHEN CAST(? AS BIGINT) > sign_count THEN CAST(? AS BIGINT) ELSE sign_count END,
		backup_state = ?, last_used_at = ?
		WHERE id = ?`,
		cloneWarning, c, c, c, c, backupState, s.d.time(at), id)
}

// DeletePasskey removes a passkey.
func (s *Store) DeletePasskey(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete passkey %q", id), "DELETE FROM passkeys WHERE id = ?", id)
}
