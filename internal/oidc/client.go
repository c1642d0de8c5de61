package oidc

import (
	"net/url"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/domain"
)

// ContinuePath is the sign-in pages' entry for an authorization request:
// zitadel sends the browser there with the request id.
const ContinuePath = "/authorize/continue"

// client presents a domain.Application as zitadel's op.Client.
type client struct {
	app      domain.Application
	lifetime time.Duration
	baseURL  string
	call     *call // the request's grant, which caps the ID token's lifetime
	now      func() time.Time
}

var _ op.Client = client{}

func (c client) GetID() string          { return c.app.ClientID }
func (c client) RedirectURIs() []string { return c.app.AllRedirectURIs() }

// PostLogoutRedirectURIs: like Entra, an application may return people to any
// of its registered redirect URIs after signing out.
func (c client) PostLogoutRedirectURIs() []string { return c.app.AllRedirectURIs() }

func (c client) LoginURL(id string) string {
	return c.baseURL + ContinuePath + "?request=" + url.QueryEscape(id)
}

// ApplicationType: a public client is native (it holds no secret and must use
// PKCE with S256); every other application is a confidential web client.
func (c client) ApplicationType() op.ApplicationType {
	if c.app.PublicClient {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c client) AuthMethod() zoidc.AuthMethod {
	if c.app.PublicClient {
		return zoidc.AuthMethodNone
	}
	return zoidc.AuthMethodBasic
}

func (c client) ResponseTypes() []zoidc.ResponseType {
	return []zoidc.ResponseType{zoidc.ResponseTypeCode}
}

// GrantTypes: every application may sign people in (code, refresh, device);
// only confidential ones may use client credentials, since that grant proves
// nothing but the secret.
func (c client) GrantTypes() []zoidc.GrantType {
	g := []zoidc.GrantType{zoidc.GrantTypeCode, zoidc.GrantTypeRefreshToken, zoidc.GrantTypeDeviceCode}
	if !c.app.PublicClient && c.app.SecretHash != "" {
		g = append(g, zoidc.GrantTypeClientCredentials)
	}
	return g
}

func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// IDTokenLifetime is the access token lifetime, cut short when the grant ends
// sooner (a pass that expires): zitadel asks the client, not the request.
func (c client) IDTokenLifetime() time.Duration {
	if c.call == nil || c.call.grant == nil {
		return c.lifetime
	}
	now := c.now()
	return c.call.tokenEnd(now, c.lifetime).Sub(now)
}

func (c client) DevMode() bool { return false }

// IsScopeAllowed admits, besides OpenID Connect's own scopes, the scopes that
// ask for a token firstkey's API accepts.
func (c client) IsScopeAllowed(s string) bool { return isAPIScope(s) }

// IDTokenUserinfoClaimsAssertion puts the profile and email claims in the ID
// token even when an access token is issued too: relying parties such as
// oauth2-proxy read them from the ID token.
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
