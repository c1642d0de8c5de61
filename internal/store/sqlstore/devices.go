package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// Errors never name a device authorization: its device code hash and its user
// code are both what a thief would need.

const deviceColumns = `device_code_hash, user_code, client_id, scopes, state, created_at, expires_at,
	last_poll_at, user_id, amr, auth_time, pass_id, auth_expires_at, grant_id`

func scanDevice(r rowScanner) (domain.DeviceAuthorization, error) {
	var d domain.DeviceAuthorization
	var userID, passID, grantID sql.NullString
	err := r.Scan(&d.DeviceCodeHash, &d.UserCode, &d.ClientID, jsonDest{&d.Scopes}, &d.State,
		timeDest{&d.CreatedDateTime}, timeDest{&d.ExpiresDateTime}, optTimeDest{&d.LastPollDateTime},
		&userID, jsonDest{&d.AMR}, optTimeDest{&d.AuthTime}, &passID, optTimeDest{&d.AuthExpires}, &grantID)
	d.UserID, d.PassID, d.GrantID = userID.String, passID.String, grantID.String
	d.Scopes, d.AMR = nonNil(d.Scopes), nonNil(d.AMR)
	return d, err
}

// CreateDeviceAuthorization stores a device request. A device code hash or a
// user code that a stored request has gives ErrAlreadyExists (the caller draws
// another code).
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d domain.DeviceAuthorization) error {
	_, err := s.exec(ctx, "INSERT INTO device_authorizations ("+deviceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.DeviceCodeHash, d.UserCode, d.ClientID, jsonText(d.Scopes), d.State, s.d.time(d.CreatedDateTime),
		s.d.time(d.ExpiresDateTime), s.d.optTime(d.LastPollDateTime), nullString(d.UserID), jsonText(d.AMR),
		s.d.optTime(d.AuthTime), nullString(d.PassID), s.d.optTime(d.AuthExpires), nullString(d.GrantID))
	if err != nil {
		return s.fail(fmt.Sprintf("create device authorization for client %q", d.ClientID), err)
	}
	return nil
}

// GetDeviceAuthorization returns the request whose device code hashes to deviceCodeHash.
func (s *Store) GetDeviceAuthorization(ctx context.Context, deviceCodeHash string) (domain.DeviceAuthorization, error) {
	return s.getDevice(ctx, deviceCodeHash, "")
}

func (s *Store) getDevice(ctx context.Context, deviceCodeHash, suffix string) (domain.DeviceAuthorization, error) {
	d, err := scanDevice(s.queryRow(ctx, "SELECT "+deviceColumns+" FROM device_authorizations WHERE device_code_hash = ?"+suffix,
		deviceCodeHash))
	if err != nil {
		return domain.DeviceAuthorization{}, s.fail("get device authorization", err)
	}
	return d, nil
}

// GetDeviceAuthorizationByUserCode returns the request with the given user code,
// which the caller has normalised.
func (s *Store) GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (domain.DeviceAuthorization, error) {
	d, err := scanDevice(s.queryRow(ctx, "SELECT "+deviceColumns+" FROM device_authorizations WHERE user_code = ?", userCode))
	if err != nil {
		return domain.DeviceAuthorization{}, s.fail("get device authorization by user code", err)
	}
	return d, nil
}

// UpdateDeviceAuthorization changes a request with fn inside one transaction,
// the row locked, so that an approval and a poll (or two polls) do not overwrite
// each other. The device code hash and the user code cannot change: they are
// what identifies the request.
func (s *Store) UpdateDeviceAuthorization(ctx context.Context, deviceCodeHash string, fn func(domain.DeviceAuthorization) (domain.DeviceAuthorization, error)) (domain.DeviceAuthorization, error) {
	var out domain.DeviceAuthorization
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getDevice(ctx, deviceCodeHash, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		d, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE device_authorizations SET client_id = ?, scopes = ?, state = ?,
			created_at = ?, expires_at = ?, last_poll_at = ?, user_id = ?, amr = ?, auth_time = ?,
			pass_id = ?, auth_expires_at = ?, grant_id = ? WHERE device_code_hash = ?`,
			d.ClientID, jsonText(d.Scopes), d.State, tx.d.time(d.CreatedDateTime), tx.d.time(d.ExpiresDateTime),
			tx.d.optTime(d.LastPollDateTime), nullString(d.UserID), jsonText(d.AMR), tx.d.optTime(d.AuthTime),
			nullString(d.PassID), tx.d.optTime(d.AuthExpires), nullString(d.GrantID), deviceCodeHash); err != nil {
			return tx.fail("update device authorization", err)
		}
		out, err = tx.getDevice(ctx, deviceCodeHash, "")
		return err
	})
	return out, err
}

// DeleteExpiredDeviceAuthorizations removes requests that expired before `before`.
func (s *Store) DeleteExpiredDeviceAuthorizations(ctx context.Context, before time.Time) (int, error) {
	return s.execCount(ctx, "delete expired device authorizations",
		"DELETE FROM device_authorizations WHERE expires_at < ?", s.d.time(before))
}
