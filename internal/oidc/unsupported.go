package oidc

import (
	"context"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
)

// ErrNotSupportedYet is wrapped by the op.Storage methods of flows firstkey does
// not offer: the JWT profile (RFC 7523) for client authentication and as a grant.
// The token endpoint refuses those grants before zitadel sees them; these
// answers are the second line.
var ErrNotSupportedYet = errors.New("not supported yet")

func notYet(what string) *zoidc.Error {
	return zoidc.ErrRequestNotSupported().
		WithDescription("%s is not supported yet", what).
		WithParent(fmt.Errorf("%s: %w", what, ErrNotSupportedYet))
}

// GetPrivateClaimsFromScopes is only called for storages without
// GetPrivateClaimsFromRequest, which firstkey has.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, notYet("claims without a token request")
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, notYet("JWT profile client authentication")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, notYet("the JWT profile grant")
}
