package oidc

import (
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/domain"
)

// client presents a domain.Application as zitadel's op.Client.
type client struct {
	app      domain.Application
	lifetime time.Duration
}

var _ op.Client = client{}

func (c client) GetID() string                    { return c.app.ClientID }
func (c client) RedirectURIs() []string           { return c.app.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return nil }
func (c client) LoginURL(string) string           { return "" } // the sign-in UI comes with the authorization flow

// ApplicationType: a public client is native (it holds no secret and, later, must
// use PKCE); every other application is a confidential web client.
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

// GrantTypes lists what the client may use today: only confidential clients may
// use client credentials, since that grant proves nothing but the secret.
func (c client) GrantTypes() []zoidc.GrantType {
	if c.app.PublicClient || c.app.SecretHash == "" {
		return nil
	}
	return []zoidc.GrantType{zoidc.GrantTypeClientCredentials}
}

func (c client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c client) IDTokenLifetime() time.Duration       { return c.lifetime }
func (c client) DevMode() bool                        { return false }
func (c client) IsScopeAllowed(string) bool           { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
