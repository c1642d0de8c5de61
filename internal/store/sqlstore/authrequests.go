package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Errors name an authorization request by its id, never by its code hash or the
// session that approved it.

const authRequestColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type,
	response_mode, code_challenge, code_challenge_method, prompt, max_age_us, login_hint,
	user_id, session_id_hash, amr, auth_time, pass_id, auth_expires_at, code_hash,
	code_expires_at, code_used_at, grant_id, created_at, expires_at, hint_subject, requested_strength`

func scanAuthRequest(r rowScanner) (domain.AuthRequest, error) {
	var a domain.AuthRequest
	var maxAge sql.NullInt64
	var userID, sessionIDHash, passID, codeHash, grantID sql.NullString
	err := r.Scan(&a.ID, &a.ClientID, &a.RedirectURI, jsonDest{&a.Scopes}, &a.State, &a.Nonce,
		&a.ResponseType, &a.ResponseMode, &a.CodeChallenge, &a.CodeChallengeMethod, jsonDest{&a.Prompt},
		&maxAge, &a.LoginHint, &userID, &sessionIDHash, jsonDest{&a.AMR}, optTimeDest{&a.AuthTime},
		&passID, optTimeDest{&a.AuthExpires}, &codeHash, optTimeDest{&a.CodeExpires},
		optTimeDest{&a.CodeUsedDateTime}, &grantID, timeDest{&a.CreatedDateTime}, timeDest{&a.ExpiresDateTime}, &a.HintSubject, &a.RequestedStrength)
	if maxAge.Valid {
		d := time.Duration(maxAge.Int64) * time.Microsecond
		a.MaxAge = &d
	}
	a.UserID, a.SessionIDHash, a.PassID = userID.String, sessionIDHash.String, passID.String
	a.CodeHash, a.GrantID = codeHash.String, grantID.String
	a.Scopes, a.Prompt, a.AMR = nonNil(a.Scopes), nonNil(a.Prompt), nonNil(a.AMR)
	return a, err
}

// maxAgeValue stores a request's max_age in microseconds, like every other
// duration-like value of the schema; NULL when the request set none.
func maxAgeValue(d *time.Duration) any {
	if d == nil {
		return nil
	}
	return int64(*d / time.Microsecond)
}

// CreateAuthRequest stores a new authorization request. Its code hash, if it
// already has one, must be unique (ErrAlreadyExists otherwise).
func (s *Store) CreateAuthRequest(ctx context.Context, r domain.AuthRequest) error {
	_, err := s.exec(ctx, "INSERT INTO auth_requests ("+authRequestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, r.RedirectURI, jsonText(r.Scopes), r.State, r.Nonce, r.ResponseType,
		r.ResponseMode, r.CodeChallenge, r.CodeChallengeMethod, jsonText(r.Prompt), maxAgeValue(r.MaxAge),
		r.LoginHint, nullString(r.UserID), nullString(r.SessionIDHash), jsonText(r.AMR),
		s.d.optTime(r.AuthTime), nullString(r.PassID), s.d.optTime(r.AuthExpires), nullString(r.CodeHash),
		s.d.optTime(r.CodeExpires), s.d.optTime(r.CodeUsedDateTime), nullString(r.GrantID),
		s.d.time(r.CreatedDateTime), s.d.time(r.ExpiresDateTime), r.HintSubject, string(r.RequestedStrength))
	if err != nil {
		return s.fail(fmt.Sprintf("create auth request %q", r.ID), err)
	}
	return nil
}

// GetAuthRequest returns the request with the given id.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (domain.AuthRequest, error) {
	return s.getAuthRequest(ctx, id, "")
}

func (s *Store) getAuthRequest(ctx context.Context, id, suffix string) (domain.AuthRequest, error) {
	r, err := scanAuthRequest(s.queryRow(ctx, "SELECT "+authRequestColumns+" FROM auth_requests WHERE id = ?"+suffix, id))
	if err != nil {
		return domain.AuthRequest{}, s.fail(fmt.Sprintf("get auth request %q", id), err)
	}
	return r, nil
}

// GetAuthRequestByCode finds the request whose code hashes to codeHash. Requests
// without a code store NULL, so an empty hash finds nothing.
func (s *Store) GetAuthRequestByCode(ctx context.Context, codeHash string) (domain.AuthRequest, error) {
	r, err := scanAuthRequest(s.queryRow(ctx, "SELECT "+authRequestColumns+" FROM auth_requests WHERE code_hash = ?", codeHash))
	if err != nil {
		return domain.AuthRequest{}, s.fail("get auth request by code", err)
	}
	return r, nil
}

// UpdateAuthRequest changes a request with fn inside one transaction, the row
// locked. Its id cannot change; a code hash another request holds gives
// ErrAlreadyExists.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(domain.AuthRequest) (domain.AuthRequest, error)) (domain.AuthRequest, error) {
	var out domain.AuthRequest
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getAuthRequest(ctx, id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		r, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE auth_requests SET client_id = ?, redirect_uri = ?, scopes = ?,
			state = ?, nonce = ?, response_type = ?, response_mode = ?, code_challenge = ?,
			code_challenge_method = ?, prompt = ?, max_age_us = ?, login_hint = ?, user_id = ?,
			session_id_hash = ?, amr = ?, auth_time = ?, pass_id = ?, auth_expires_at = ?,
			code_hash = ?, code_expires_at = ?, code_used_at = ?, grant_id = ?, created_at = ?,
			expires_at = ?, hint_subject = ?, requested_strength = ? WHERE id = ?`,
			r.ClientID, r.RedirectURI, jsonText(r.Scopes), r.State, r.Nonce, r.ResponseType,
			r.ResponseMode, r.CodeChallenge, r.CodeChallengeMethod, jsonText(r.Prompt), maxAgeValue(r.MaxAge),
			r.LoginHint, nullString(r.UserID), nullString(r.SessionIDHash), jsonText(r.AMR),
			tx.d.optTime(r.AuthTime), nullString(r.PassID), tx.d.optTime(r.AuthExpires), nullString(r.CodeHash),
			tx.d.optTime(r.CodeExpires), tx.d.optTime(r.CodeUsedDateTime), nullString(r.GrantID),
			tx.d.time(r.CreatedDateTime), tx.d.time(r.ExpiresDateTime), r.HintSubject, string(r.RequestedStrength), id); err != nil {
			return tx.fail(fmt.Sprintf("update auth request %q", id), err)
		}
		out, err = tx.getAuthRequest(ctx, id, "")
		return err
	})
	return out, err
}

// RedeemAuthCode marks a code used and records the grant made for it. It is one
// conditional UPDATE, so the database decides which of any number of racing
// exchanges, in any number of processes, wins. It returns an expired code's
// request too: the caller, who owns the clock, decides.
func (s *Store) RedeemAuthCode(ctx context.Context, codeHash string, at time.Time, grantID string) (domain.AuthRequest, error) {
	const what = "redeem authorization code"
	if at.IsZero() {
		// A zero time would be stored as "not used yet".
		return domain.AuthRequest{}, fmt.Errorf("%s: no time of use given", what)
	}
	r, err := scanAuthRequest(s.queryRow(ctx, `UPDATE auth_requests SET code_used_at = ?, grant_id = ?
		WHERE code_hash = ? AND code_used_at IS NULL RETURNING `+authRequestColumns,
		s.d.time(at), nullString(grantID), codeHash))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return domain.AuthRequest{}, s.fail(what, err)
	}
	// Nothing changed: either there is no such code, or it was used already.
	var id string
	if err := s.queryRow(ctx, "SELECT id FROM auth_requests WHERE code_hash = ?", codeHash).Scan(&id); err != nil {
		return domain.AuthRequest{}, s.fail(what, err)
	}
	return domain.AuthRequest{}, fmt.Errorf("%s of auth request %q: already used: %w", what, id, store.ErrConflict)
}

// DeleteAuthRequest removes a request.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete auth request %q", id), "DELETE FROM auth_requests WHERE id = ?", id)
}

// DeleteExpiredAuthRequests removes requests that expired before `before`.
func (s *Store) DeleteExpiredAuthRequests(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete expired auth requests",
		"DELETE FROM auth_requests WHERE expires_at < ?", s.d.time(before))
}
