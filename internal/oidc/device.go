package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/directory"
)

// DevicePath is the page where a person enters a device's user code.
const DevicePath = "/device"

var _ op.DeviceAuthorizationStorage = (*storage)(nil)

// StoreDeviceAuthorization keeps a device's request; zitadel made both codes.
// Expiry is firstkey's (domain.DeviceCodeLifetime, by the configured clock).
func (s *storage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, _ time.Time, scopes []string) error {
	_, err := s.dir.StartDeviceAuthorization(ctx, clientID, deviceCode, userCode, deviceScopes(scopes))
	if errors.Is(err, directory.ErrDuplicateUserCode) {
		return op.ErrDuplicateUserCode
	}
	return unavailableOr(ctx, err)
}

// deviceScopes keeps the scopes a device may be granted: OpenID Connect's that
// firstkey serves and the API's, as the code flow keeps (zitadel filters the
// code flow's scopes, not the device endpoint's). Others are dropped, as there.
func deviceScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if (isOpenIDScope(sc) || isAPIScope(sc)) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// deviceAuthGuard checks the client credentials a device authorization request
// presents. A request with none is let through even for a confidential client,
// because common clients (golang.org/x/oauth2's DeviceAuth among them) send only
// client_id there, and every poll must then authenticate; but a secret that is
// presented must be right, so nobody can start requests in a confidential
// client's name with a guessed one.
func (s *storage) deviceAuthGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, basic := r.BasicAuth()
		if (basic || r.PostForm.Get("client_secret") != "") && !s.authenticateDeviceClient(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
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
		return nil, unavailableOr(ctx, err)
	}
	callFrom(ctx).useGrant(g)
	state.Done, state.Subject, state.AMR, state.AuthTime = true, g.UserID, g.AMR, g.AuthTime
	state.Audience = audience(g.ClientID, g.Scopes)
	return state, nil
}

// authenticateDeviceClient authenticates a confidential client's device_code
// token request before zitadel sees it, and answers a failure itself
// (invalid_client, 401; RFC 8628 §3.4, RFC 6749 §5.2). zitadel looks the device
// code up, which redeems an approved one, before it checks that a confidential
// client authenticated: a poll without the secret would spend the person's
// approval. The device authorization request itself is not authenticated,
// because common clients (golang.org/x/oauth2 among them) send only client_id
// there; a request started in a confidential client's name is worthless without
// its secret, which every poll needs. zitadel reads a secret only from HTTP Basic, while
// discovery also offers client_secret_post, so a secret from the body goes on
// as Basic. Public and unnamed clients are left to zitadel.
func (s *storage) authenticateDeviceClient(w http.ResponseWriter, r *http.Request) bool {
	id, sec, basic, e := clientCredentials(r)
	if e != nil {
		writeOAuthError(w, statusOf(e), e)
		return false
	}
	if id == "" {
		return true
	}
	app, err := s.application(r.Context(), id)
	if err == nil && app.PublicClient {
		return true
	}
	if err == nil && sec == "" {
		writeOAuthError(w, http.StatusUnauthorized, zoidc.ErrInvalidClient().WithDescription("confidential client requires authentication"))
		return false
	}
	if err == nil {
		_, err = s.authenticate(r.Context(), id, sec)
	}
	var oerr *zoidc.Error
	if errors.As(err, &oerr) && oerr.ErrorType == zoidc.ServerError {
		s.log.ErrorContext(r.Context(), "device poll: client authentication", "client_id", id, "error", err)
		writeOAuthError(w, http.StatusInternalServerError, zoidc.ErrServerError())
		return false
	}
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, zoidc.ErrInvalidClient().WithDescription("client authentication failed"))
		return false
	}
	if !basic {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
	}
	return true
}
