package oidc

import (
	"context"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ErrNotSupportedYet is wrapped by every op.Storage method whose flow firstkey does
// not offer yet (authorization code, refresh, introspection, revocation, logout,
// JWT profile). The routes of those flows are not mounted either; these answers
// are the second line.
var ErrNotSupportedYet = errors.New("not supported yet")

func notYet(what string) *zoidc.Error {
	return zoidc.ErrRequestNotSupported().
		WithDescription("%s is not supported yet", what).
		WithParent(fmt.Errorf("%s: %w", what, ErrNotSupportedYet))
}

func (s *storage) CreateAuthRequest(context.Context, *zoidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, notYet("the authorization code flow")
}

func (s *storage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, notYet("the authorization code flow")
}

func (s *storage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, notYet("the authorization code flow")
}

func (s *storage) SaveAuthCode(context.Context, string, string) error {
	return notYet("the authorization code flow")
}

func (s *storage) DeleteAuthRequest(context.Context, string) error {
	return notYet("the authorization code flow")
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, notYet("refresh tokens")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, notYet("refresh tokens")
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	// zitadel expects ErrInvalidRefreshToken for anything that is not a refresh
	// token, and nothing is one yet.
	return "", "", fmt.Errorf("refresh tokens are %w: %w", ErrNotSupportedYet, op.ErrInvalidRefreshToken)
}

func (s *storage) TerminateSession(context.Context, string, string) error {
	return notYet("end session")
}

func (s *storage) RevokeToken(context.Context, string, string, string) *zoidc.Error {
	return notYet("token revocation")
}

func (s *storage) SetUserinfoFromScopes(context.Context, *zoidc.UserInfo, string, string, []string) error {
	return notYet("user info")
}

func (s *storage) SetUserinfoFromToken(context.Context, *zoidc.UserInfo, string, string, string) error {
	return notYet("user info")
}

func (s *storage) SetIntrospectionFromToken(context.Context, *zoidc.IntrospectionResponse, string, string, string) error {
	return notYet("token introspection")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, notYet("claims for user tokens")
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, notYet("JWT profile client authentication")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, notYet("the JWT profile grant")
}
