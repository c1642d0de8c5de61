package oidc

import (
	"context"
	"errors"
	"testing"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The op.Storage methods of later flows must say so, not pretend to work.
func TestLaterFlowsAnswerNotSupportedYet(t *testing.T) {
	e := newEnv(t, envOptions{})
	s := &storage{st: e.st, keys: e.p.keys, clock: e.clock, lifetime: e.p.lifetime}
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateAuthRequest": func() error { _, err := s.CreateAuthRequest(ctx, &zoidc.AuthRequest{}, "u"); return err },
		"AuthRequestByID":   func() error { _, err := s.AuthRequestByID(ctx, "x"); return err },
		"AuthRequestByCode": func() error { _, err := s.AuthRequestByCode(ctx, "x"); return err },
		"SaveAuthCode":      func() error { return s.SaveAuthCode(ctx, "x", "c") },
		"DeleteAuthRequest": func() error { return s.DeleteAuthRequest(ctx, "x") },
		"CreateAccessAndRefreshTokens": func() error {
			_, _, _, err := s.CreateAccessAndRefreshTokens(ctx, &appTokenRequest{}, "")
			return err
		},
		"TokenRequestByRefreshToken": func() error { _, err := s.TokenRequestByRefreshToken(ctx, "x"); return err },
		"GetRefreshTokenInfo":        func() error { _, _, err := s.GetRefreshTokenInfo(ctx, "c", "x"); return err },
		"TerminateSession":           func() error { return s.TerminateSession(ctx, "u", "c") },
		"RevokeToken":                func() error { return s.RevokeToken(ctx, "x", "u", "c") },
		"SetUserinfoFromScopes":      func() error { return s.SetUserinfoFromScopes(ctx, &zoidc.UserInfo{}, "u", "c", nil) },
		"SetUserinfoFromToken":       func() error { return s.SetUserinfoFromToken(ctx, &zoidc.UserInfo{}, "t", "u", "") },
		"SetIntrospectionFromToken": func() error {
			return s.SetIntrospectionFromToken(ctx, &zoidc.IntrospectionResponse{}, "t", "u", "c")
		},
		"GetPrivateClaimsFromScopes": func() error { _, err := s.GetPrivateClaimsFromScopes(ctx, "u", "c", nil); return err },
		"GetKeyByIDAndClientID":      func() error { _, err := s.GetKeyByIDAndClientID(ctx, "k", "c"); return err },
		"ValidateJWTProfileScopes":   func() error { _, err := s.ValidateJWTProfileScopes(ctx, "u", nil); return err },
		"CreateAccessToken for a user": func() error {
			_, _, err := s.CreateAccessToken(ctx, &zoidc.JWTTokenRequest{Subject: "u"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, ErrNotSupportedYet) {
				t.Fatalf("err = %v, want ErrNotSupportedYet", err)
			}
		})
	}
	if _, _, err := s.GetRefreshTokenInfo(ctx, "c", "x"); !errors.Is(err, op.ErrInvalidRefreshToken) {
		t.Fatal("GetRefreshTokenInfo must also say the token is no refresh token, as zitadel expects")
	}
}
