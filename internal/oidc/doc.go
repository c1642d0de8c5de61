// Package oidc is firstkey's OpenID Provider, built on zitadel/oidc's op package
// with firstkey's own storage (both databases): discovery, JWKS, authorization
// code with PKCE through the sign-in pages, refresh tokens rotated with reuse
// detection, the device authorization grant, userinfo, end session, revocation,
// introspection and client credentials. It also verifies the access tokens the
// Graph-style API receives.
//
// Access tokens are signed with ES256 (cheap to sign; only firstkey checks
// them), ID tokens with RS256 (the algorithm every relying party can check)
// unless the application chose ES256. One key of each algorithm signs at a
// time; keys are generated on first start, stored sealed with the master key,
// rotated together with overlap and shared by every replica through the store. The rules of who may get a token
// (required strength, pass-bound lifetimes, registration-only sessions) live in
// the directory and domain packages; this package maps them onto the protocol.
package oidc
