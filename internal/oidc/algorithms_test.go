package oidc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Access tokens are ES256 and ID tokens RS256 unless the application chose
// ES256 through the Graph API: every token verifies with the key JWKS
// publishes under its kid, by go-oidc as a relying party would, and firstkey's
// own endpoints (userinfo, introspection, the API) accept the ES256 access
// tokens.
func TestTokenAlgorithmsVerifyWithJWKS(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			e := testenv.New(t, b)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			admin := e.AppToken(t, domain.PermApplicationReadWriteAll)

			rsRP := newRP(t, e, domain.Application{}, gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess, scopeAPI)
			esRP := newRP(t, e, domain.Application{}, gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess, scopeAPI)
			appURL := e.URL + "/v1.0/applications/" + esRP.app.ID
			if st, body := graphCall(t, http.MethodGet, appURL, admin, nil); st != http.StatusOK || body["idTokenSignedResponseAlg"] != "RS256" {
				t.Fatalf("a new application: %d, idTokenSignedResponseAlg %v, want RS256", st, body["idTokenSignedResponseAlg"])
			}
			if st, _ := graphCall(t, http.MethodPatch, appURL, admin, map[string]any{"idTokenSignedResponseAlg": "ES256"}); st != http.StatusNoContent {
				t.Fatalf("PATCH idTokenSignedResponseAlg ES256: %d", st)
			}
			for _, bad := range []any{"HS256", "none", "RS512", "es256", 256} {
				st, body := graphCall(t, http.MethodPatch, appURL, admin, map[string]any{"idTokenSignedResponseAlg": bad})
				msg, _ := body["error"].(map[string]any)["message"].(string)
				if st != http.StatusBadRequest || !strings.Contains(msg, "idTokenSignedResponseAlg") {
					t.Fatalf("PATCH idTokenSignedResponseAlg %v: %d %q, want 400 naming the property", bad, st, msg)
				}
			}
			if _, body := graphCall(t, http.MethodGet, appURL, admin, nil); body["idTokenSignedResponseAlg"] != "ES256" {
				t.Fatalf("after refused changes idTokenSignedResponseAlg is %v, want ES256", body["idTokenSignedResponseAlg"])
			}

			jwks := fetchJWKS(t, rsRP)
			br := newBrowser(t)
			rsTok := rsRP.tokens(rsRP.signIn(br, u.UserPrincipalName, pass))
			esTok := esRP.tokens(esRP.signIn(br, u.UserPrincipalName, ""))
			refreshed, err := rsRP.refresh(rsTok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			cc := e.AppToken(t, domain.PermUserReadAll)

			for name, c := range map[string]struct {
				raw  string
				want jose.SignatureAlgorithm
			}{
				"access token of the code flow":      {rsTok.AccessToken, jose.ES256},
				"access token of a refresh":          {refreshed.AccessToken, jose.ES256},
				"access token of client credentials": {cc, jose.ES256},
				"access token of the ES256 app":      {esTok.AccessToken, jose.ES256},
				"ID token (default)":                 {idToken(t, rsTok.Extra("id_token")), jose.RS256},
				"ID token of a refresh":              {idToken(t, refreshed.Extra("id_token")), jose.RS256},
				"ID token of the ES256 app":          {idToken(t, esTok.Extra("id_token")), jose.ES256},
			} {
				verifyWithJWKS(t, name, jwks, c.raw, c.want)
			}

			// go-oidc, configured from discovery alone, accepts both ID tokens.
			for _, r := range []*rp{rsRP, esRP} {
				tok := rsTok
				if r == esRP {
					tok = esTok
				}
				if _, err := r.provider.Verifier(&gooidc.Config{ClientID: r.app.ClientID}).Verify(ctx, idToken(t, tok.Extra("id_token"))); err != nil {
					t.Fatalf("go-oidc refuses the ID token of %s: %v", r.app.DisplayName, err)
				}
			}
			// firstkey's own checks accept the ES256 access tokens.
			wantBearerStatus(t, "ES256 access token", rsRP.endpoint("userinfo_endpoint"), rsTok.AccessToken, http.StatusOK)
			wantBearerStatus(t, "ES256 access token", e.URL+"/v1.0/me", esTok.AccessToken, http.StatusOK)
			wantBearerStatus(t, "ES256 app token", e.URL+"/v1.0/users/"+u.ID, cc, http.StatusOK)
			st, intro := postForm(t, rsRP.endpoint("introspection_endpoint"), url.Values{"token": {refreshed.AccessToken}}, rsRP.app.ClientID, rsRP.secret)
			if st != http.StatusOK || intro["active"] != true || intro["sub"] != u.ID {
				t.Fatalf("introspection of an ES256 access token: %d %v", st, intro)
			}
		})
	}
}

func idToken(t *testing.T, v any) string {
	t.Helper()
	s, _ := v.(string)
	if s == "" {
		t.Fatal("no id_token in the token response")
	}
	return s
}

// fetchJWKS reads the key set from the jwks_uri discovery names.
func fetchJWKS(t *testing.T, r *rp) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(r.endpoint("jwks_uri"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: %d %v", resp.StatusCode, err)
	}
	return set
}

// verifyWithJWKS checks that raw is signed with want by the key JWKS publishes
// under its kid, and that that key is of want.
func verifyWithJWKS(t *testing.T, name string, set jose.JSONWebKeySet, raw string, want jose.SignatureAlgorithm) {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{want})
	if err != nil {
		t.Fatalf("%s is not %s: %v (header %v)", name, want, err, jwtSegment(t, raw, 0))
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 || keys[0].Algorithm != string(want) || keys[0].Use != "sig" {
		t.Fatalf("%s: JWKS has no %s key %q: %+v", name, want, kid, keys)
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		t.Fatalf("%s does not verify with the JWKS key %s: %v", name, kid, err)
	}
}

// graphCall sends a JSON request to the API with a bearer token and decodes the answer.
func graphCall(t *testing.T, method, u, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if raw, _ := io.ReadAll(resp.Body); len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d, body not JSON: %s", method, u, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

// A rotation on one replica is used by the other at once: it signs with the
// new keys from its next token and accepts the first replica's new tokens, at
// the API and at userinfo, while the tokens from before keep working.
func TestRotationOnOneReplicaSeenByAnother(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			envs := testenv.Replicas(t, b, 2, testenv.Options{})
			a, other := envs[0], envs[1]
			u := a.CreateUser(t, "ada@example.com")
			id, sec := a.CreateApp(t, domain.PermUserReadAll)
			before := a.ClientCredentialsToken(t, id, sec)
			wantBearerStatus(t, "token from before the rotation", other.URL+"/v1.0/users/"+u.ID, before, http.StatusOK)

			if err := a.App.Provider().RotateKeys(t.Context(), domain.SystemActor()); err != nil {
				t.Fatal(err)
			}
			after := a.ClientCredentialsToken(t, id, sec)
			oldKid, newKid := jwtSegment(t, before, 0)["kid"], jwtSegment(t, after, 0)["kid"]
			if oldKid == newKid {
				t.Fatal("the rotating replica still signs with the old key")
			}
			if kid := jwtSegment(t, other.ClientCredentialsToken(t, id, sec), 0)["kid"]; kid != newKid {
				t.Fatalf("the other replica signs with %v after the rotation, want %v", kid, newKid)
			}
			for name, tok := range map[string]string{"new token": after, "old token": before} {
				wantBearerStatus(t, name, other.URL+"/v1.0/users/"+u.ID, tok, http.StatusOK)
			}
			user := other.UserToken(t, u.ID) // minted by the other replica, with its new key
			if kid := jwtSegment(t, user, 0)["kid"]; kid != newKid {
				t.Fatalf("the other replica's user token has kid %v, want %v", kid, newKid)
			}
			wantBearerStatus(t, "user token", a.URL+"/v1.0/me", user, http.StatusOK)
		})
	}
}
