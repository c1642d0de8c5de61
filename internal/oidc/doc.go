// Package oidc is firstkey's OpenID Provider, built on zitadel/oidc's op package
// with firstkey's own storage (both databases): discovery, JWKS, authorization
// code with PKCE through the sign-in pages, refresh tokens rotated with reuse
// detection, the device authorization grant, userinfo, end session, revocation,
// introspection and client credentials. It also verifies the access tokens the
// Graph-style API receives.
//
// Signing keys are RS256 (the algorithm every relying party can check), generated
// on first start, stored sealed with the master key, rotated with overlap and
// shared by every replica through the store. The rules of who may get a token
// (required strength, pass-bound lifetimes, registration-only sessions) live in
// the directory and domain packages; this package maps them onto the protocol.
package oidc
