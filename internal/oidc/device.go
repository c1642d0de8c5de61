package oidc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/directory"
)

// DevicePath is the page where a person enters a device's user code.
const DevicePath = "/device"

var _ op.DeviceAuthorizationStorage = (*storage)(nil)

// StoreDeviceAuthorization keeps a device's request; zitadel made both codes.
// Expiry is firstkey's (domain.DeviceCodeLifetime, by the configured clock).
func (s *storage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, _ time.Time, scopes []string) error {
	_, err := s.dir.StartDeviceAuthorization(ctx, clientID, deviceCode, userCode, scopes)
	if errors.Is(err, directory.ErrDuplicateUserCode) {
		return op.ErrDuplicateUserCode
	}
	return err
}

// GetDeviceAuthorizatonState answers one poll. zitadel turns an error into
// access_denied, except context.DeadlineExceeded, which it answers with
// slow_down: the only way to tell a device it polls too often.
func (s *storage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	d, g, err := s.dir.PollDevice(ctx, deviceCode, clientID)
	state := &op.DeviceAuthorizationState{ClientID: d.ClientID, Scopes: d.Scopes,
		// zitadel compares Expires with its own clock; pass on the time left.
		Expires: time.Now().Add(d.ExpiresDateTime.Sub(s.clock.Now()))}
	switch {
	case errors.Is(err, directory.ErrDevicePending):
		return state, nil
	case errors.Is(err, directory.ErrDeviceSlowDown):
		return nil, fmt.Errorf("%w: %w", err, context.DeadlineExceeded)
	case errors.Is(err, directory.ErrDeviceDenied):
		state.Denied = true
		return state, nil
	case errors.Is(err, directory.ErrDeviceExpired):
		state.Expires = time.Time{}
		return state, nil
	case err != nil:
		return nil, err
	}
	callFrom(ctx).useGrant(g)
	state.Done, state.Subject, state.AMR, state.AuthTime = true, g.UserID, g.AMR, g.AuthTime
	state.Audience = audience(g.ClientID, g.Scopes)
	return state, nil
}
