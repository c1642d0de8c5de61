// Package oidc is firstkey's OpenID Provider, built on zitadel/oidc's op package.
// Today it serves discovery, JWKS and the client credentials grant that lets
// applications call the Graph-style API, and it verifies the access tokens the API
// receives. Signing keys are ES256, generated on first start, stored sealed with
// the master key, rotated with overlap and shared by every replica through the
// store. Authorization code with PKCE, refresh tokens and the device flow come
// later; the op.Storage methods they need answer "not supported yet" until then.
package oidc
