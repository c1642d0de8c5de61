package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/firstkey/firstkey/internal/domain"
)

// Errors about sessions never name the session: even its hash stays out of logs.

const sessionColumns = `id_hash, user_id, amr, pass_id, registration_only, created_at,
	last_seen_at, expires_at, auth_time`

func scanSession(r rowScanner) (domain.Session, error) {
	var s domain.Session
	var passID sql.NullString
	err := r.Scan(&s.IDHash, &s.UserID, jsonDest{&s.AMR}, &passID, &s.RegistrationOnly,
		timeDest{&s.CreatedDateTime}, timeDest{&s.LastSeenDateTime}, timeDest{&s.ExpiresDateTime},
		timeDest{&s.AuthTime})
	s.PassID = passID.String
	s.AMR = nonNil(s.AMR)
	return s, err
}

// CreateSession stores a session; ErrNotFound if its user does not exist.
func (s *Store) CreateSession(ctx context.Context, se domain.Session) error {
	_, err := s.exec(ctx, "INSERT INTO sessions ("+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		se.IDHash, se.UserID, jsonText(se.AMR), nullString(se.PassID), se.RegistrationOnly,
		s.d.time(se.CreatedDateTime), s.d.time(se.LastSeenDateTime), s.d.time(se.ExpiresDateTime),
		s.d.time(se.AuthTime))
	if err != nil {
		return s.fail("create session", err)
	}
	return nil
}

// GetSession returns the session whose id hashes to idHash.
func (s *Store) GetSession(ctx context.Context, idHash string) (domain.Session, error) {
	return s.getSession(ctx, idHash, "")
}

func (s *Store) getSession(ctx context.Context, idHash, suffix string) (domain.Session, error) {
	se, err := scanSession(s.queryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id_hash = ?"+suffix, idHash))
	if err != nil {
		return domain.Session{}, s.fail("get session", err)
	}
	return se, nil
}

// UpdateSession changes a session with fn inside one transaction. Its id hash and
// user cannot change.
func (s *Store) UpdateSession(ctx context.Context, idHash string, fn func(domain.Session) (domain.Session, error)) (domain.Session, error) {
	var out domain.Session
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getSession(ctx, idHash, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		se, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE sessions SET amr = ?, pass_id = ?, registration_only = ?,
			created_at = ?, last_seen_at = ?, expires_at = ?, auth_time = ? WHERE id_hash = ?`,
			jsonText(se.AMR), nullString(se.PassID), se.RegistrationOnly, tx.d.time(se.CreatedDateTime),
			tx.d.time(se.LastSeenDateTime), tx.d.time(se.ExpiresDateTime), tx.d.time(se.AuthTime), idHash); err != nil {
			return tx.fail("update session", err)
		}
		out, err = tx.getSession(ctx, idHash, "")
		return err
	})
	return out, err
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.execOne(ctx, "delete session", "DELETE FROM sessions WHERE id_hash = ?", idHash)
}

// DeleteSessionsByPass ends every session obtained with the pass.
func (s *Store) DeleteSessionsByPass(ctx context.Context, passID string) (int, error) {
	if passID == "" {
		// Sessions without a pass store NULL, so this would match nothing anyway;
		// refusing makes a caller's bug visible instead.
		return 0, errors.New("delete sessions by pass: empty pass id")
	}
	return s.execCount(ctx, "delete sessions by pass", "DELETE FROM sessions WHERE pass_id = ?", passID)
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	return s.execCount(ctx, "delete user sessions", "DELETE FROM sessions WHERE user_id = ?", userID)
}

// ListUserSessions lists a user's sessions, the most recently used first.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]domain.Session, error) {
	rows, err := s.query(ctx, "SELECT "+sessionColumns+` FROM sessions
		WHERE user_id = ? ORDER BY last_seen_at DESC, id_hash`, userID)
	if err != nil {
		return nil, s.fail("list user sessions", err)
	}
	return scanAll(rows, "list user sessions", scanSession)
}
