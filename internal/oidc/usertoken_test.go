package oidc

import (
	"context"
	"testing"
	"time"
)

func TestUserAccessTokenVerifiesAsDelegated(t *testing.T) {
	e := newEnv(t, envOptions{})
	tok, err := e.p.MintUserAccessToken(context.Background(), "7d7f0c53-5f3c-4a3e-9d53-8f2a1c1b2a10", []string{"hwk", "mfa"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.p.VerifyAccessToken(context.Background(), tok)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.IDType != IDTypeUser || c.Subject != "7d7f0c53-5f3c-4a3e-9d53-8f2a1c1b2a10" || len(c.Roles) != 0 {
		t.Fatalf("claims %+v", c)
	}
	if hdr := jwtPart(t, tok, 0); hdr["alg"] != "ES256" || hdr["kid"] == "" {
		t.Fatalf("header %v", hdr)
	}
	e.clock.Advance(DefaultAccessTokenLifetime + time.Minute)
	if _, err := e.p.VerifyAccessToken(context.Background(), tok); err == nil {
		t.Fatal("expired user token accepted")
	}
}
