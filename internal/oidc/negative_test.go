package oidc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// noRedirects is a client that shows a redirect instead of following it.
var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// An authorization request naming a redirect URI the application did not
// register gets a 400 from firstkey and no redirect at all; a code exchange
// naming another redirect URI than the authorization did is invalid_grant.
func TestRedirectURIMismatch(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			attacker := testenv.NewCallback(t) // never registered anywhere
			attackerBase := strings.TrimSuffix(attacker.URL, "/cb")
			public := newRP(t, e, domain.Application{PublicClient: true})
			confidential := newRP(t, e, domain.Application{})

			for _, c := range []struct {
				name string
				r    *rp
				uri  string
			}{
				{"public client, other path", public, attackerBase + "/stolen"},
				{"public client, other site", public, "https://attacker.example/cb"},
				{"public client, extra query", public, public.cb.URL + "?to=elsewhere"},
				{"confidential client, other port", confidential, attacker.URL},
				{"confidential client, other path", confidential, strings.TrimSuffix(confidential.cb.URL, "/cb") + "/other"},
				{"confidential client, other site", confidential, "https://attacker.example/cb"},
			} {
				cfg := c.r.cfg
				cfg.RedirectURL = c.uri
				resp, err := noRedirects.Get(cfg.AuthCodeURL(randomState(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("%s: authorize answered %d (Location %q), want 400 without a redirect",
						c.name, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			if got := attacker.Last(); got != nil {
				t.Fatalf("the unregistered redirect URI received %v", got)
			}
			if got := public.cb.Last(); got != nil {
				t.Fatalf("the registered redirect URI received %v for requests naming another one", got)
			}

			// The code exchange must name the authorization's redirect URI, even
			// when the other one is registered too.
			two := newRP(t, e, domain.Application{PublicClient: true})
			second := two.cb.URL + "2"
			if _, err := e.Dir.UpdateApplication(t.Context(), domain.SystemActor(), two.app.ID, func(a *domain.Application) error {
				a.RedirectURIs = append(a.RedirectURIs, second)
				return nil
			}); err != nil {
				t.Fatalf("register a second redirect URI: %v", err)
			}
			b := newBrowser(t)
			f := two.signIn(b, u.UserPrincipalName, pass)
			f.cfg.RedirectURL = second
			tok, err := f.exchange(t.Context())
			wantOAuthError(t, "exchange with another redirect_uri", tok, err, http.StatusBadRequest, "invalid_grant")
			// The code was spent by that try: the right redirect URI cannot use it now.
			f.cfg.RedirectURL = two.cb.URL
			tok, err = f.exchange(t.Context())
			wantOAuthError(t, "exchange after a refused one", tok, err, http.StatusBadRequest, "invalid_grant")
		})
	}
}

// PKCE: public clients must send an S256 challenge, plain is refused for
// everyone, and the verifier must be present and right; confidential clients
// authenticate with their secret, with or without PKCE.
func TestPKCE(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			public := newRP(t, e, domain.Application{PublicClient: true})
			confidential := newRP(t, e, domain.Application{})
			b := newBrowser(t)
			ctx := t.Context()

			// Requests refused before anyone signs in go back to the registered
			// redirect URI with invalid_request and the state.
			refused := func(what string, r *rp, opts ...oauth2.AuthCodeOption) {
				t.Helper()
				state := randomState(t)
				p := b.visit(t, r.cfg.AuthCodeURL(state, opts...))
				got := r.cb.Last()
				if p.visited("/login") || got == nil || got.Get("state") != state || got.Get("error") != "invalid_request" || got.Has("code") {
					t.Fatalf("%s: callback got %v (browser at %d %s), want error=invalid_request with the state", what, got, p.status, p.url)
				}
				t.Logf("%s: %s", what, got.Get("error_description"))
			}
			refused("public client without code_challenge", public)
			plain := oauth2.GenerateVerifier()
			refused("public client with plain", public, oauth2.SetAuthURLParam("code_challenge", plain),
				oauth2.SetAuthURLParam("code_challenge_method", "plain"))
			refused("public client with a challenge but no method (plain by default)", public, oauth2.SetAuthURLParam("code_challenge", plain))
			refused("confidential client with plain", confidential, oauth2.SetAuthURLParam("code_challenge", plain),
				oauth2.SetAuthURLParam("code_challenge_method", "plain"))

			// No verifier: zitadel answers invalid_request, and the code is spent.
			f := public.signIn(b, u.UserPrincipalName, pass)
			tok, err := f.cfg.Exchange(ctx, f.code)
			wantOAuthError(t, "exchange without code_verifier", tok, err, http.StatusBadRequest, "invalid_request")
			tok, err = f.exchange(ctx)
			wantOAuthError(t, "exchange with the right verifier after a refused one", tok, err, http.StatusBadRequest, "invalid_grant")

			// A wrong verifier is invalid_grant; the browser's session gives the code at once.
			f = public.signIn(b, u.UserPrincipalName, "")
			tok, err = f.cfg.Exchange(ctx, f.code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			wantOAuthError(t, "exchange with a wrong code_verifier", tok, err, http.StatusBadRequest, "invalid_grant")
			tok, err = f.exchange(ctx)
			wantOAuthError(t, "exchange with the right verifier after a wrong one", tok, err, http.StatusBadRequest, "invalid_grant")

			// The right verifier works.
			public.idToken(public.tokens(public.signIn(b, u.UserPrincipalName, "")), u.ID)

			// A confidential client authenticates with HTTP Basic, with PKCE ...
			f = confidential.signIn(b, u.UserPrincipalName, "")
			confidential.idToken(confidential.tokens(f), u.ID)
			// ... or without.
			f = flow{code: confidential.authorizeCode(b, confidential.cfg, u.UserPrincipalName, ""), cfg: confidential.cfg}
			confidential.idToken(confidential.tokens(f), u.ID)
			// A verifier for a request that had no challenge is refused.
			f = flow{code: confidential.authorizeCode(b, confidential.cfg, u.UserPrincipalName, ""), cfg: confidential.cfg}
			tok, err = f.cfg.Exchange(ctx, f.code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			wantOAuthError(t, "code_verifier without a challenge", tok, err, http.StatusBadRequest, "invalid_request")
			// With PKCE the confidential client still needs the verifier.
			f = confidential.signIn(b, u.UserPrincipalName, "")
			tok, err = f.cfg.Exchange(ctx, f.code)
			wantOAuthError(t, "confidential exchange without code_verifier", tok, err, http.StatusBadRequest, "invalid_request")
			// And its secret.
			f = confidential.signIn(b, u.UserPrincipalName, "")
			f.cfg.ClientSecret = "not the secret"
			tok, err = f.exchange(ctx)
			wantOAuthError(t, "confidential exchange with a wrong secret", tok, err, http.StatusUnauthorized, "invalid_client")
		})
	}
}

// idToken verifies the ID token of a token response with go-oidc and checks
// its subject.
func (r *rp) idToken(tok *oauth2.Token, userID string) *gooidc.IDToken {
	r.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.provider.Verifier(&gooidc.Config{ClientID: r.app.ClientID}).Verify(r.t.Context(), raw)
	if err != nil {
		r.t.Fatalf("verify ID token: %v", err)
	}
	if idt.Subject != userID {
		r.t.Fatalf("ID token sub %q, want %q", idt.Subject, userID)
	}
	return idt
}

// A code presented a second time is refused and revokes what its first
// exchange produced: the access token stops working at /userinfo and the
// API, the refresh token is refused, and the revocation is audited.
func TestReusedCodeRevokesTokens(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			cfg := r.withScopes(gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess, scopeAPI)
			f := r.codeFlow(newBrowser(t), cfg, u.UserPrincipalName, pass)
			ctx := t.Context()

			tok := r.tokens(f)
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token for offline_access")
			}
			userinfo := r.provider.UserInfoEndpoint()
			wantBearerStatus(t, "first exchange's token", userinfo, tok.AccessToken, http.StatusOK)
			wantBearerStatus(t, "first exchange's token", e.URL+"/v1.0/me", tok.AccessToken, http.StatusOK)
			grantID := grantIDOf(t, tok.AccessToken)

			again, err := f.exchange(ctx)
			wantOAuthError(t, "second exchange of the code", again, err, http.StatusBadRequest, "invalid_grant")

			wantInvalidToken(t, "access token after the code was reused", userinfo, tok.AccessToken)
			if _, body, _ := bearer(t, http.MethodGet, userinfo, tok.AccessToken); !strings.Contains(body, `"error":"invalid_token"`) {
				t.Fatalf("userinfo refused a revoked token with %s, want error invalid_token", body)
			}
			wantBearerStatus(t, "access token after the code was reused", e.URL+"/v1.0/me", tok.AccessToken, http.StatusUnauthorized)
			refreshed, err := r.refresh(tok.RefreshToken)
			wantOAuthError(t, "refresh token after the code was reused", refreshed, err, http.StatusBadRequest, "invalid_grant")
			wantGrantRevoked(t, e, grantID, "authorization code reused")
			wantRevocationBy(t, e, grantID, domain.AutomaticActor())

			// Administrators see the revocation in the audit log.
			auditor := e.AppToken(t, domain.PermAuditLogReadAll)
			filter := url.QueryEscape("activityDisplayName eq 'Revoke application tokens'")
			body := wantBearerStatus(t, "audit log", e.URL+"/v1.0/auditLogs/directoryAudits?$filter="+filter, auditor, http.StatusOK)
			var audits struct {
				Value []struct {
					ActivityDisplayName string
					TargetResources     []struct{ ID, Type string }
					AdditionalDetails   []struct{ Key, Value string }
				}
			}
			if err := json.Unmarshal([]byte(body), &audits); err != nil {
				t.Fatalf("audit log: %v", err)
			}
			found := false
			for _, a := range audits.Value {
				details := map[string]string{}
				for _, d := range a.AdditionalDetails {
					details[d.Key] = d.Value
				}
				targets := map[string]string{}
				for _, tr := range a.TargetResources {
					targets[tr.Type] = tr.ID
				}
				if a.ActivityDisplayName == "Revoke application tokens" && details["GrantId"] == grantID &&
					details["Reason"] == "authorization code reused" && targets["User"] == u.ID && targets["Application"] == r.app.ClientID {
					found = true
				}
			}
			if !found {
				t.Fatalf("no audit record of the revocation in %s", body)
			}
			if strings.Contains(body, f.code) || strings.Contains(body, tok.RefreshToken) {
				t.Fatal("the audit log holds the code or the refresh token")
			}
			if logs := e.Logs(); strings.Contains(logs, f.code) || strings.Contains(logs, tok.RefreshToken) {
				t.Fatal("the log holds the code or the refresh token")
			}
		})
	}
}

// A code exchanged after its lifetime is invalid_grant, and nothing is issued.
func TestExpiredCode(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			f := r.signIn(newBrowser(t), u.UserPrincipalName, pass)
			e.Clock.Advance(domain.AuthCodeLifetime + time.Second)
			tok, err := f.exchange(t.Context())
			wantOAuthError(t, "exchange of an expired code", tok, err, http.StatusBadRequest, "invalid_grant")
			stored, err := e.Store.GetAuthRequestByCode(t.Context(), secret.LookupHash(f.code))
			if err != nil {
				t.Fatalf("load the request of the code: %v", err)
			}
			if stored.GrantID != "" || !stored.CodeUsedDateTime.IsZero() {
				t.Fatalf("an expired code was redeemed: grant %q used at %v", stored.GrantID, stored.CodeUsedDateTime)
			}
		})
	}
}

// Tokens that firstkey did not sign, or signed for another issuer, are refused
// by /userinfo, the API and go-oidc's verifier against firstkey's discovery.
func TestForgedTokensRefused(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			key, err := seal.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			cfg := server.Config{DataDir: t.TempDir(), MasterKey: seal.EncodeKey(key), Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
			if be.Name == "postgres" {
				cfg.DatabaseURL = storetest.PostgresDSN(t)
			}
			e := testenv.NewWithConfig(t, cfg)
			// Another firstkey on the same database and master key: it signs with
			// the same key, but as another issuer.
			elsewhere := testenv.NewWithConfig(t, cfg)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			cfgScopes := r.withScopes(gooidc.ScopeOpenID, "profile", scopeAPI)
			tok := r.tokens(r.codeFlow(newBrowser(t), cfgScopes, u.UserPrincipalName, pass))
			ctx := t.Context()

			userinfo := r.provider.UserInfoEndpoint()
			me := e.URL + "/v1.0/me"
			verifier := r.provider.Verifier(&gooidc.Config{ClientID: r.app.ClientID})
			// The genuine token passes everywhere: the forgeries below differ from
			// it only where they say.
			wantBearerStatus(t, "genuine token", userinfo, tok.AccessToken, http.StatusOK)
			wantBearerStatus(t, "genuine token", me, tok.AccessToken, http.StatusOK)
			if _, err := verifier.Verify(ctx, tok.AccessToken); err != nil {
				t.Fatalf("go-oidc refuses the genuine access token: %v", err)
			}
			header := jwtSegment(t, tok.AccessToken, 0)
			kid, _ := header["kid"].(string)
			if header["alg"] != "ES256" || kid == "" {
				t.Fatalf("access token header %v", header)
			}
			claims := jwtClaims(t, tok.AccessToken)
			payload, err := json.Marshal(claims)
			if err != nil {
				t.Fatal(err)
			}

			enc := base64.RawURLEncoding.EncodeToString
			none := enc([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + enc(payload) + "."
			ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			// Right key, wrong issuer: the other firstkey signs with the shared key.
			wrongIssuer, err := elsewhere.App.Provider().MintUserAccessToken(ctx, u.ID, []string{domain.AMRTap, domain.AMRMFA})
			if err != nil {
				t.Fatal(err)
			}
			if h := jwtSegment(t, wrongIssuer, 0); h["kid"] != kid {
				t.Fatalf("the other firstkey signs with kid %v, want the shared key %s", h["kid"], kid)
			}
			if iss := jwtClaims(t, wrongIssuer)["iss"]; iss != elsewhere.Issuer || iss == e.Issuer {
				t.Fatalf("the other firstkey's token has iss %v", iss)
			}
			// The same token minted by this firstkey is accepted by the API, so
			// only the issuer makes the difference.
			own, err := e.App.Provider().MintUserAccessToken(ctx, u.ID, []string{domain.AMRTap, domain.AMRMFA})
			if err != nil {
				t.Fatal(err)
			}
			wantBearerStatus(t, "token minted by this firstkey", me, own, http.StatusOK)

			forged := map[string]string{
				"alg none":                none,
				"empty signature":         strings.Join(strings.Split(tok.AccessToken, ".")[:2], ".") + ".",
				"foreign ES256 key":       signJWT(t, jose.ES256, ecKey, kid, payload),
				"foreign RS256 key":       signJWT(t, jose.RS256, rsaKey, kid, payload),
				"right key, wrong issuer": wrongIssuer,
			}
			// Without any token: a challenge without an error code (RFC 6750 §3.1).
			if status, _, challenge := bearer(t, http.MethodGet, userinfo, ""); status != http.StatusUnauthorized || challenge != "Bearer" {
				t.Fatalf("userinfo without a token: %d with challenge %q", status, challenge)
			}
			lax := r.provider.Verifier(&gooidc.Config{SkipClientIDCheck: true})
			for name, raw := range forged {
				wantInvalidToken(t, name, userinfo, raw)
				wantBearerStatus(t, name, me, raw, http.StatusUnauthorized)
				if _, err := verifier.Verify(ctx, raw); err == nil {
					t.Fatalf("%s: go-oidc accepted the token", name)
				}
				if _, err := lax.Verify(ctx, raw); err == nil {
					t.Fatalf("%s: go-oidc accepted the token without the audience check", name)
				}
			}
		})
	}
}

// signJWT signs payload with a key firstkey never published, under our kid.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, payload []byte) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// prompt and max_age: prompt=none never shows a page, prompt=login and a
// too-old sign-in show the sign-in page again.
func TestPromptAndMaxAge(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			b := newBrowser(t)
			none := oauth2.SetAuthURLParam("prompt", "none")
			challenge := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())

			// Nobody signed in: login_required, straight back to the application.
			state := randomState(t)
			p := b.visit(t, r.cfg.AuthCodeURL(state, challenge, none))
			got := r.cb.Last()
			if p.visited("/login") || got == nil || got.Get("error") != "login_required" || got.Get("state") != state || got.Has("code") {
				t.Fatalf("prompt=none without a session: callback got %v (browser at %s)", got, p.url)
			}

			// Signed in: prompt=none gives a code without showing any page.
			r.tokens(r.signIn(b, u.UserPrincipalName, pass))
			state = randomState(t)
			verifier := oauth2.GenerateVerifier()
			p = b.visit(t, r.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), none))
			got = r.cb.Last()
			if got == nil || got.Get("state") != state || got.Get("code") == "" {
				t.Fatalf("prompt=none with a session: callback got %v (browser at %s)", got, p.url)
			}
			if p.url.Scheme+"://"+p.url.Host+p.url.Path != r.cb.URL || p.body != "callback received\n" {
				t.Fatalf("prompt=none with a session ended at %s, want the callback", p.url)
			}
			// Only redirects on the way: firstkey's continuation and zitadel's callback.
			for _, h := range p.hops[:len(p.hops)-1] {
				if h.Path != "/authorize/continue" && h.Path != "/oauth/authorize/callback" {
					t.Fatalf("prompt=none with a session passed %s", h)
				}
			}
			r.tokens(flow{code: got.Get("code"), verifier: verifier, cfg: r.cfg})

			// prompt=login asks again despite the session, and the new sign-in
			// passes. (The clock is stopped: the session must be older than the request.)
			e.Clock.Advance(time.Second)
			state = randomState(t)
			verifier = oauth2.GenerateVerifier()
			p = b.visit(t, r.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
			if p.status != http.StatusOK || p.url.Path != "/login" || r.cb.Last().Get("state") == state {
				t.Fatalf("prompt=login with a session: browser at %d %s, callback %v", p.status, p.url, r.cb.Last())
			}
			r.signInPass(b, p, u.UserPrincipalName, pass)
			if got = r.cb.Last(); got.Get("state") != state || got.Get("code") == "" {
				t.Fatalf("after signing in again for prompt=login: callback got %v", got)
			}

			// max_age: a sign-in younger than it is enough, an older one is not.
			e.Clock.Advance(2 * time.Second)
			r.signIn(b, u.UserPrincipalName, "", oauth2.SetAuthURLParam("max_age", "60"))
			state = randomState(t)
			p = b.visit(t, r.cfg.AuthCodeURL(state, challenge, oauth2.SetAuthURLParam("max_age", "1")))
			if p.status != http.StatusOK || p.url.Path != "/login" || r.cb.Last().Get("state") == state {
				t.Fatalf("max_age=1 with a 2 s old session: browser at %d %s, callback %v", p.status, p.url, r.cb.Last())
			}
			if hint := p.url.Query().Get("login_hint"); hint != u.UserPrincipalName {
				t.Fatalf("the sign-in page for max_age has login_hint %q, want the session's user", hint)
			}
			r.signInPass(b, p, u.UserPrincipalName, pass)
			if got = r.cb.Last(); got.Get("state") != state || got.Get("code") == "" {
				t.Fatalf("after signing in again for max_age: callback got %v", got)
			}
			// A sign-in too old for max_age is login_required with prompt=none.
			e.Clock.Advance(2 * time.Second)
			state = randomState(t)
			b.visit(t, r.cfg.AuthCodeURL(state, challenge, none, oauth2.SetAuthURLParam("max_age", "1")))
			if got = r.cb.Last(); got.Get("error") != "login_required" || got.Get("state") != state {
				t.Fatalf("prompt=none with max_age=1 and an old session: callback got %v", got)
			}
		})
	}
}

// Sessions too weak for an application get the 403 page that explains why;
// prompt=none gets interaction_required instead.
func TestStepUpAndRegistrationOnly(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			ada := e.CreateUser(t, "ada@example.com")
			bob := e.CreateUser(t, "bob@example.com")
			oneTime := e.IssuePass(t, ada.ID, true)
			multi := e.IssuePass(t, bob.ID, false)
			plainApp := newRP(t, e, domain.Application{PublicClient: true, DisplayName: "Wiki"})
			strict := newRP(t, e, domain.Application{PublicClient: true, DisplayName: "Payroll", RequiredStrength: domain.StrengthPhishingResistant})
			mfa := newRP(t, e, domain.Application{PublicClient: true, DisplayName: "Mail", RequiredStrength: domain.StrengthMFA})
			challenge := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())

			// A one-time pass registers a passkey and nothing else.
			b := newBrowser(t)
			p := b.visit(t, plainApp.cfg.AuthCodeURL(randomState(t), challenge))
			p = plainApp.signInPass(b, p, ada.UserPrincipalName, oneTime)
			if p.status != http.StatusForbidden || p.url.Path != "/authorize/continue" ||
				!strings.Contains(p.body, "can only be used to register a passkey") || !strings.Contains(p.body, "Wiki") ||
				strings.Contains(p.body, `id="stepup-reason"`) {
				t.Fatalf("one-time pass session: %d %s\n%s", p.status, p.url, p.body)
			}
			if got := plainApp.cb.Last(); got != nil {
				t.Fatalf("the application received %v for a one-time pass session", got)
			}
			state := randomState(t)
			b.visit(t, plainApp.cfg.AuthCodeURL(state, challenge, oauth2.SetAuthURLParam("prompt", "none")))
			if got := plainApp.cb.Last(); got.Get("error") != "interaction_required" || got.Get("state") != state {
				t.Fatalf("prompt=none with a one-time pass session: callback got %v", got)
			}

			// A multi-use pass is multi-factor, but not phishing resistant.
			b = newBrowser(t)
			p = b.visit(t, strict.cfg.AuthCodeURL(randomState(t), challenge))
			p = strict.signInPass(b, p, bob.UserPrincipalName, multi)
			if p.status != http.StatusForbidden || p.url.Path != "/authorize/continue" ||
				!strings.Contains(p.body, `id="stepup-reason"`) || !strings.Contains(p.body, "Payroll") {
				t.Fatalf("pass session for a phishing-resistant application: %d %s\n%s", p.status, p.url, p.body)
			}
			if got := strict.cb.Last(); got != nil {
				t.Fatalf("the application received %v for a too weak session", got)
			}
			state = randomState(t)
			p = b.visit(t, strict.cfg.AuthCodeURL(state, challenge, oauth2.SetAuthURLParam("prompt", "none")))
			if got := strict.cb.Last(); p.visited("/login") || got.Get("error") != "interaction_required" || got.Get("state") != state || got.Has("code") {
				t.Fatalf("prompt=none with a too weak session: callback got %v", got)
			}

			// An application requiring MFA takes the same pass session.
			tok := mfa.tokens(mfa.signIn(b, bob.UserPrincipalName, ""))
			idt := mfa.idToken(tok, bob.ID)
			var c struct {
				Acr string
				Amr []string
			}
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if c.Acr != "mfa" || !slices.Contains(c.Amr, domain.AMRTap) {
				t.Fatalf("ID token for the MFA application: acr %q amr %v", c.Acr, c.Amr)
			}
		})
	}
}
