package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// Errors a polling device receives (RFC 8628 §3.5); the protocol layer maps them.
var (
	ErrDuplicateUserCode   = errors.New("user code already in use")
	ErrDevicePending       = errors.New("authorization pending")
	ErrDeviceSlowDown      = errors.New("polling too fast")
	ErrDeviceDenied        = errors.New("the person denied the request")
	ErrDeviceExpired       = errors.New("device code expired")
	ErrDeviceAlreadyIssued = errors.New("device code already exchanged")
)

// NormalizeUserCode makes a typed user code comparable: people type it in
// lower case, with or without the dash, with spaces.
func NormalizeUserCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FormatUserCode writes a normalised user code the way devices show it, in two
// halves (BCDF-GHJK), so that the person can compare the two screens.
func FormatUserCode(code string) string {
	if len(code) < 6 || len(code)%2 != 0 {
		return code
	}
	return code[:len(code)/2] + "-" + code[len(code)/2:]
}

// StartDeviceAuthorization stores a device's request. The device code is kept
// only as a hash; a user code in use by another request is ErrDuplicateUserCode.
func (s *Service) StartDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, scopes []string) (domain.DeviceAuthorization, error) {
	if _, err := s.appByClientID(ctx, clientID); err != nil {
		return domain.DeviceAuthorization{}, err
	}
	now := s.now()
	d := domain.DeviceAuthorization{
		DeviceCodeHash: secret.LookupHash(deviceCode), UserCode: NormalizeUserCode(userCode), ClientID: clientID,
		Scopes: scopes, State: domain.DevicePending, CreatedDateTime: now, ExpiresDateTime: now.Add(domain.DeviceCodeLifetime),
	}
	err := s.store.CreateDeviceAuthorization(ctx, d)
	if errors.Is(err, store.ErrAlreadyExists) {
		return d, ErrDuplicateUserCode
	}
	if err != nil {
		return d, fmt.Errorf("store device request: %w", err)
	}
	return d, nil
}

// DeviceRequest returns the pending device request with this user code, and
// its application, for the page where a person approves it.
func (s *Service) DeviceRequest(ctx context.Context, userCode string) (domain.DeviceAuthorization, domain.Application, error) {
	code := NormalizeUserCode(userCode)
	if code == "" {
		return domain.DeviceAuthorization{}, domain.Application{}, ErrDeviceCodeNotFound
	}
	d, err := s.store.GetDeviceAuthorizationByUserCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return d, domain.Application{}, ErrDeviceCodeNotFound
	}
	if err != nil {
		return d, domain.Application{}, fmt.Errorf("load device request: %w", err)
	}
	if d.State != domain.DevicePending || !s.now().Before(d.ExpiresDateTime) {
		return domain.DeviceAuthorization{}, domain.Application{}, ErrDeviceCodeNotFound
	}
	app, err := s.appByClientID(ctx, d.ClientID)
	if err != nil {
		return domain.DeviceAuthorization{}, domain.Application{}, err
	}
	return d, app, nil
}

// AnswerDeviceRequest approves or denies a device request as the person of sess.
// Approval needs what a browser sign-in to the application needs (Decide).
func (s *Service) AnswerDeviceRequest(ctx context.Context, userCode string, sess domain.Session, approve bool, at Attempt) error {
	d, app, err := s.DeviceRequest(ctx, userCode)
	if err != nil {
		return err
	}
	if approve {
		if err := decisionError(Decide(&sess, app, nil, d.CreatedDateTime, s.now())); err != nil {
			return err
		}
	}
	authEnd, err := s.authEnd(ctx, sess)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateDeviceAuthorization(ctx, d.DeviceCodeHash, func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		if x.State != domain.DevicePending || !s.now().Before(x.ExpiresDateTime) {
			return x, ErrDeviceCodeNotFound
		}
		x.State = domain.DeviceDenied
		if approve {
			x.State = domain.DeviceApproved
		}
		x.UserID, x.AMR, x.AuthTime, x.PassID, x.AuthExpires = sess.UserID, sess.AMR, sess.AuthTime, sess.PassID, authEnd
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrDeviceCodeNotFound
	}
	if err != nil && domain.KindOf(err) == 0 {
		return fmt.Errorf("answer device request: %w", err)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "device request answered", "client_id", d.ClientID, "user_id", sess.UserID, "approved", approve)
	if !approve {
		return nil
	}
	return s.logAppSignIn(ctx, at, sess, app)
}

// PollDevice answers a device's token poll. Once approved, the first poll
// creates the grant and gets it; every later poll gets ErrDeviceAlreadyIssued,
// so two racing polls never both receive tokens.
func (s *Service) PollDevice(ctx context.Context, deviceCode, clientID string) (domain.DeviceAuthorization, domain.Grant, error) {
	now := s.now()
	var g domain.Grant
	var outcome error
	var d domain.DeviceAuthorization
	err := s.store.InTx(ctx, func(tx store.Store) error {
		var err error
		d, err = tx.UpdateDeviceAuthorization(ctx, secret.LookupHash(deviceCode), func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
			if x.ClientID != clientID {
				return x, ErrInvalidGrant
			}
			last := x.LastPollDateTime
			x.LastPollDateTime = now
			switch {
			case x.State == domain.DeviceRedeemed:
				outcome = ErrDeviceAlreadyIssued
			case x.State == domain.DeviceDenied:
				outcome = ErrDeviceDenied
			case !now.Before(x.ExpiresDateTime):
				outcome = ErrDeviceExpired
			case !last.IsZero() && now.Sub(last) < domain.DevicePollInterval:
				outcome = ErrDeviceSlowDown
			case x.State == domain.DevicePending:
				outcome = ErrDevicePending
			case x.State == domain.DeviceApproved:
				x.State = domain.DeviceRedeemed
				x.GrantID = newID()
				g = domain.Grant{ID: x.GrantID, ClientID: x.ClientID, UserID: x.UserID, PassID: x.PassID, Scopes: x.Scopes,
					AMR: x.AMR, AuthTime: x.AuthTime, CreatedDateTime: now, ExpiresDateTime: x.AuthExpires}
			}
			return x, nil
		})
		if err != nil || g.ID == "" {
			return err
		}
		return tx.CreateGrant(ctx, g)
	})
	if errors.Is(err, store.ErrNotFound) {
		return d, g, ErrInvalidGrant
	}
	if err != nil {
		if domain.KindOf(err) != 0 {
			return d, g, err
		}
		return d, g, fmt.Errorf("poll device request: %w", err)
	}
	if outcome != nil {
		return d, g, outcome
	}
	if err := s.checkGrantUser(ctx, g); err != nil {
		return d, g, err
	}
	return d, g, nil
}
