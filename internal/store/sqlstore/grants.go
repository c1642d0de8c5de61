package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Errors name a grant by its id, never by the session it came from; a refresh
// token is never named at all (its hash identifies it).

const grantColumns = `id, client_id, user_id, session_id_hash, pass_id, scopes, amr, auth_time,
	created_at, expires_at, revoked_at, revoked_reason`

func scanGrant(r rowScanner) (domain.Grant, error) {
	var g domain.Grant
	var sessionIDHash, passID sql.NullString
	err := r.Scan(&g.ID, &g.ClientID, &g.UserID, &sessionIDHash, &passID, jsonDest{&g.Scopes},
		jsonDest{&g.AMR}, optTimeDest{&g.AuthTime}, timeDest{&g.CreatedDateTime}, timeDest{&g.ExpiresDateTime},
		optTimeDest{&g.RevokedDateTime}, &g.RevokedReason)
	g.SessionIDHash, g.PassID = sessionIDHash.String, passID.String
	g.Scopes, g.AMR = nonNil(g.Scopes), nonNil(g.AMR)
	return g, err
}

// CreateGrant stores a grant. Its user and its application (by client id) must
// exist (ErrNotFound otherwise); deleting either later deletes the grant.
func (s *Store) CreateGrant(ctx context.Context, g domain.Grant) error {
	_, err := s.exec(ctx, "INSERT INTO grants ("+grantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ClientID, g.UserID, nullString(g.SessionIDHash), nullString(g.PassID), jsonText(g.Scopes),
		jsonText(g.AMR), s.d.optTime(g.AuthTime), s.d.time(g.CreatedDateTime), s.d.time(g.ExpiresDateTime),
		s.d.optTime(g.RevokedDateTime), g.RevokedReason)
	if err != nil {
		return s.fail(fmt.Sprintf("create grant %q", g.ID), err)
	}
	return nil
}

// GetGrant returns the grant with the given id.
func (s *Store) GetGrant(ctx context.Context, id string) (domain.Grant, error) {
	g, err := scanGrant(s.queryRow(ctx, "SELECT "+grantColumns+" FROM grants WHERE id = ?", id))
	if err != nil {
		return domain.Grant{}, s.fail(fmt.Sprintf("get grant %q", id), err)
	}
	return g, nil
}

// RevokeGrants revokes, in one UPDATE, every active grant matching all the
// filter's set fields. Grants revoked before keep their time and reason.
func (s *Store) RevokeGrants(ctx context.Context, f domain.GrantFilter, at time.Time, reason string) (int, error) {
	const what = "revoke grants"
	if f.Empty() {
		return 0, fmt.Errorf("%s: the filter is empty and would match every grant", what)
	}
	if at.IsZero() {
		return 0, fmt.Errorf("%s: no time of revocation given", what)
	}
	where := []string{"revoked_at IS NULL"}
	args := []any{s.d.time(at), reason}
	for _, c := range []struct{ col, value string }{
		{"user_id", f.UserID}, {"client_id", f.ClientID},
		{"session_id_hash", f.SessionIDHash}, {"pass_id", f.PassID},
	} {
		if c.value != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.value)
		}
	}
	return s.execCount(ctx, what, "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE "+
		strings.Join(where, " AND "), args...)
}

// RevokeGrant revokes one grant. A grant revoked before keeps its first time
// and reason, so that the record shows why it really ended.
func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time, reason string) error {
	what := fmt.Sprintf("revoke grant %q", id)
	if at.IsZero() {
		return fmt.Errorf("%s: no time of revocation given", what)
	}
	n, err := s.execCount(ctx, what, "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
		s.d.time(at), reason, id)
	if err != nil || n == 1 {
		return err
	}
	var one int
	if err := s.queryRow(ctx, "SELECT 1 FROM grants WHERE id = ?", id).Scan(&one); err != nil {
		return s.fail(what, err)
	}
	return nil
}

// DeleteExpiredGrants removes grants that ended before `before`; their refresh
// tokens go with them (ON DELETE CASCADE).
func (s *Store) DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete expired grants", "DELETE FROM grants WHERE expires_at < ?", s.d.time(before))
}

const refreshTokenColumns = "hash, grant_id, created_at, expires_at, used_at"

func scanRefreshToken(r rowScanner) (domain.RefreshToken, error) {
	var t domain.RefreshToken
	err := r.Scan(&t.Hash, &t.GrantID, timeDest{&t.CreatedDateTime}, timeDest{&t.ExpiresDateTime},
		optTimeDest{&t.UsedDateTime})
	return t, err
}

// CreateRefreshToken stores a refresh token of an existing grant; ErrNotFound
// when the grant does not exist.
func (s *Store) CreateRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	_, err := s.exec(ctx, "INSERT INTO refresh_tokens ("+refreshTokenColumns+") VALUES (?, ?, ?, ?, ?)",
		t.Hash, t.GrantID, s.d.time(t.CreatedDateTime), s.d.time(t.ExpiresDateTime), s.d.optTime(t.UsedDateTime))
	if err != nil {
		return s.fail(fmt.Sprintf("create refresh token of grant %q", t.GrantID), err)
	}
	return nil
}

// GetRefreshToken returns the refresh token with the given hash.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (domain.RefreshToken, error) {
	t, err := scanRefreshToken(s.queryRow(ctx, "SELECT "+refreshTokenColumns+" FROM refresh_tokens WHERE hash = ?", hash))
	if err != nil {
		return domain.RefreshToken{}, s.fail("get refresh token", err)
	}
	return t, nil
}

// UseRefreshToken marks a refresh token used, in one conditional UPDATE, so the
// database decides which of racing uses wins; the losers see a reuse. It returns
// an expired token too: the caller, who owns the clock, decides.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, at time.Time) (domain.RefreshToken, error) {
	const what = "use refresh token"
	if at.IsZero() {
		// A zero time would be stored as "not used yet".
		return domain.RefreshToken{}, fmt.Errorf("%s: no time of use given", what)
	}
	t, err := scanRefreshToken(s.queryRow(ctx, "UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL RETURNING "+
		refreshTokenColumns, s.d.time(at), hash))
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return domain.RefreshToken{}, s.fail(what, err)
	}
	// Nothing changed: either there is no such token, or it was used already.
	var grantID string
	if err := s.queryRow(ctx, "SELECT grant_id FROM refresh_tokens WHERE hash = ?", hash).Scan(&grantID); err != nil {
		return domain.RefreshToken{}, s.fail(what, err)
	}
	return domain.RefreshToken{}, fmt.Errorf("%s of grant %q: already used: %w", what, grantID, store.ErrConflict)
}

// ListUserGrants lists a user's grants, revoked and expired ones included, the
// newest first.
func (s *Store) ListUserGrants(ctx context.Context, userID string) ([]domain.Grant, error) {
	rows, err := s.query(ctx, "SELECT "+grantColumns+" FROM grants WHERE user_id = ? ORDER BY created_at DESC, id", userID)
	if err != nil {
		return nil, s.fail("list user grants", err)
	}
	return scanAll(rows, "list user grants", scanGrant)
}
