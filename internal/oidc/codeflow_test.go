package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// A public client signs a person in with the code flow and PKCE, the person
// using a multi-use pass on the sign-in pages; go-oidc checks the ID token.
func TestCodeFlowWithPassOverHTTP(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, b)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			cb := testenv.NewCallback(t)
			app, _ := e.RegisterApp(t, domain.Application{PublicClient: true, RedirectURIs: []string{cb.URL}})

			ctx := context.Background()
			provider, err := gooidc.NewProvider(ctx, e.Issuer)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}
			cfg := oauth2.Config{ClientID: app.ClientID, Endpoint: provider.Endpoint(), RedirectURL: cb.URL,
				Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}}
			verifier := oauth2.GenerateVerifier()
			b := testenv.Browser(t)
			resp, err := b.Get(cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n0nce")))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
				t.Fatalf("authorize led to %d %s, want the sign-in page", resp.StatusCode, resp.Request.URL)
			}
			next := resp.Request.URL.Query().Get("next")
			// Browsers apply form-action to the redirects after the pass form, so the
			// pass page must allow the application's origin, and only that one.
			passPage, err := b.Get(e.URL + "/login/pass?" + url.Values{"username": {u.UserPrincipalName}, "next": {next}}.Encode())
			if err != nil {
				t.Fatal(err)
			}
			passPage.Body.Close()
			cbURL, _ := url.Parse(cb.URL)
			if csp := passPage.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://"+cbURL.Host+";") {
				t.Fatalf("pass page CSP %q does not allow the application's origin", csp)
			}
			resp = e.SignInWithPass(t, b, u.UserPrincipalName, pass, next)
			got := cb.Last()
			if got == nil || got.Get("code") == "" || got.Get("state") != "st4te" {
				t.Fatalf("callback got %v (final %d %s)", got, resp.StatusCode, resp.Request.URL)
			}
			tok, err := cfg.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := provider.Verifier(&gooidc.Config{ClientID: app.ClientID}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			var c struct {
				Email, Name, PreferredUsername, Nonce, Acr, Sid string
				Amr                                             []string
				AuthTime                                        int64 `json:"auth_time"`
			}
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			t.Logf("claims %+v", c)
			if idt.Subject != u.ID || c.Nonce != "n0nce" || !slices.Contains(c.Amr, "tap") || c.Acr != "mfa" || c.AuthTime == 0 || c.Sid == "" {
				t.Fatalf("ID token claims: sub %s %+v", idt.Subject, c)
			}
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token for offline_access")
			}
			// The sign-in log names the application the person signed in to.
			logs, _, err := e.Store.ListSignIns(ctx, store.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range logs {
				if l.AppID == app.ClientID && l.UserID == u.ID && l.Succeeded && l.AuthenticationMethod == domain.MethodTemporaryAccess {
					found = true
				}
			}
			if !found {
				t.Fatalf("no sign-in log entry for the application in %+v", logs)
			}
		})
	}
}
