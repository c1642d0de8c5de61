package oidc

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// call is what one token-endpoint request learns as zitadel walks through our
// storage methods: which grant the code, refresh token or device code belongs
// to. zitadel's interfaces carry only its own request types from one method to
// the next, and some of its calls (the device flow's token request, a client's
// ID token lifetime) have no place for a grant; the call is how the grant
// reaches them, within the one HTTP request.
type call struct {
	clientID string
	grant    *domain.Grant
	// idTokenAlg is the algorithm of the request's application's ID tokens,
	// learnt when zitadel asks for the client; zitadel asks storage for "the"
	// signing key without saying for which token.
	idTokenAlg string
	// signingAccessToken is set while zitadel builds an access token: it asks
	// for the access token's private claims right before its signing key.
	signingAccessToken bool
	// app is the request's application as read from the store.
	app *domain.Application
	// keysLoaded says the signing keys were checked against the store in
	// this request already (an access token and an ID token need one check).
	keysLoaded bool
	// cacheVersion is the store's cache version as read for the application
	// (0: not read): the signing keys are checked against it too, so that a
	// token request makes one round trip for all it caches.
	cacheVersion int64
}

type callKey struct{}

// withCall starts the per-request state.
func withCall(r *http.Request) *http.Request {
	c := &call{clientID: r.FormValue("client_id")}
	if id, _, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: the id is form-encoded before Basic encodes it, and
		// libraries that follow it send a UUID's dashes as %2D. zitadel decodes
		// it too; one that does not decode is refused there as invalid_client.
		if dec, err := url.QueryUnescape(id); err == nil {
			id = dec
		}
		c.clientID = id
	}
	return r.WithContext(context.WithValue(r.Context(), callKey{}, c))
}

// callFrom returns the request's call, or a fresh one that nothing reads when
// the request did not come through the token endpoint.
func callFrom(ctx context.Context) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c
	}
	return &call{}
}

func (c *call) useGrant(g domain.Grant) { c.grant = &g }

// tokenEnd caps a token's expiry at the grant's end: a token obtained with a
// pass never outlives the pass.
func (c *call) tokenEnd(now time.Time, lifetime time.Duration) time.Time {
	end := now.Add(lifetime)
	if c.grant != nil && c.grant.ExpiresDateTime.Before(end) {
		end = c.grant.ExpiresDateTime
	}
	return end
}
