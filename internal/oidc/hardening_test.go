package oidc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// PKCE values are what RFC 7636 defines: a challenge that is no SHA-256 digest
// is refused at the authorization, a verifier shorter than 43 characters at the
// exchange, even when it hashes to the challenge.
func TestPKCEValuesAreChecked(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	u, r, b := s.u, s.r, s.b

	state := randomState(t)
	b.visit(t, r.cfg.AuthCodeURL(state, oauth2.SetAuthURLParam("code_challenge", "x"), oauth2.SetAuthURLParam("code_challenge_method", "S256")))
	if got := r.cb.Last(); got.Get("error") != "invalid_request" || got.Has("code") || !strings.Contains(got.Get("error_description"), "43-character") {
		t.Fatalf("a one-character challenge: the application got %v", got)
	}

	weak := sha256.Sum256([]byte("a"))
	challenge := base64.RawURLEncoding.EncodeToString(weak[:])
	code := r.authorizeCode(b, r.cfg, u.UserPrincipalName, "",
		oauth2.SetAuthURLParam("code_challenge", challenge), oauth2.SetAuthURLParam("code_challenge_method", "S256"))
	tok, err := (flow{code: code, verifier: "a", cfg: r.cfg}).exchange(t.Context())
	wantOAuthError(t, "a one-character verifier", tok, err, http.StatusBadRequest, "invalid_request")
}

// Back-channel endpoints take their OAuth parameters from the body only: a
// refresh token, a code or a secret in the URL ends up in logs, so such a
// request is refused whole. Discovery names the client authentications that work.
func TestBackChannelParametersInTheURLAreRefused(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	r, tok := s.r, s.tok

	q := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {r.app.ClientID}}
	for _, ep := range []string{"token_endpoint", "revocation_endpoint", "introspection_endpoint", "device_authorization_endpoint"} {
		status, body := postForm(t, r.endpoint(ep)+"?"+q.Encode(), nil, "", "")
		if status != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(body["error_description"].(string), "never in the URL") {
			t.Errorf("%s with parameters in the URL: %d %v", ep, status, body)
		}
	}
	// The refresh token in the refused URL is still good: nothing was done with it.
	if _, err := r.refresh(tok.RefreshToken); err != nil {
		t.Fatalf("the refresh token after the refused requests: %v", err)
	}

	var doc struct {
		Introspection []string `json:"introspection_endpoint_auth_methods_supported"`
	}
	if err := r.provider.Claims(&doc); err != nil || strings.Join(doc.Introspection, " ") != "client_secret_basic client_secret_post" {
		t.Fatalf("introspection_endpoint_auth_methods_supported %v (%v), want [client_secret_basic client_secret_post]", doc.Introspection, err)
	}
}

// A device authorization keeps only scopes firstkey grants, and checks a client
// secret when one is presented.
func TestDeviceAuthorizationRequest(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			rig := newDeviceRig(t, be)
			endpoint := rig.endpoint.DeviceAuthURL
			conf, sec := rig.e.RegisterApp(t, domain.Application{RedirectURIs: []string{"https://app.example.com/cb"}})
			for name, c := range map[string]struct {
				form       url.Values
				id, secret string
				want       int
			}{
				"no secret (as x/oauth2 sends it)": {url.Values{"client_id": {conf.ClientID}}, "", "", http.StatusOK},
				"right secret, Basic":              {url.Values{}, conf.ClientID, sec, http.StatusOK},
				"right secret, body":               {url.Values{"client_id": {conf.ClientID}, "client_secret": {sec}}, "", "", http.StatusOK},
				"wrong secret, Basic":              {url.Values{}, conf.ClientID, "wrong", http.StatusUnauthorized},
				"wrong secret, body":               {url.Values{"client_id": {conf.ClientID}, "client_secret": {"wrong"}}, "", "", http.StatusUnauthorized},
			} {
				status, body := postForm(t, endpoint, c.form, c.id, c.secret)
				if status != c.want || (c.want == http.StatusOK) != (body["user_code"] != nil) {
					t.Errorf("%s: %d %v, want %d", name, status, body, c.want)
				}
				if c.want == http.StatusUnauthorized && body["error"] != "invalid_client" {
					t.Errorf("%s: error %v, want invalid_client", name, body["error"])
				}
			}

			app, _ := rig.e.RegisterApp(t, domain.Application{PublicClient: true})
			cfg := rig.config(app, "", gooidc.ScopeOpenID, "Directory.ReadWrite.All", "anything-at-all", gooidc.ScopeOfflineAccess)
			da := rig.start(cfg)
			b := rig.signIn(da, rig.user.UserPrincipalName, rig.pass)
			rig.answer(b, da.UserCode, app, "approve")
			a := rig.poll(app.ClientID, "", da.DeviceCode)
			if a.status != http.StatusOK || a.body["scope"] != "openid offline_access" {
				t.Fatalf("device tokens: %d scope %v (%s)", a.status, a.body["scope"], a.raw)
			}
			if scp := accessClaims(t, a.body["access_token"].(string))["scp"]; scp != "openid offline_access" {
				t.Fatalf("device access token scp %v", scp)
			}
		})
	}
}

// RP-initiated logout takes an ID token as proof of who signs out, not an
// access token, which the application may have passed to others: with one, the
// person is asked to confirm and stays signed in until they do.
func TestLogoutRefusesAnAccessTokenAsHint(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	u, r, b, tok := s.u, s.r, s.b, s.tok

	p := b.visit(t, r.endpoint("end_session_endpoint")+"?"+url.Values{"id_token_hint": {tok.AccessToken}}.Encode())
	if p.url.Path != "/logout" {
		t.Fatalf("logout with an access token as hint ended at %s, want the confirmation page", p.url)
	}
	r.signIn(b, u.UserPrincipalName, "") // still signed in: no sign-in page on the way
	if _, err := r.refresh(tok.RefreshToken); err != nil {
		t.Fatalf("the sign-in's refresh token after the refused logout: %v", err)
	}
}

// Revocation needs the token itself: the id of an access token (its jti, which
// logs and audit records show) revokes nothing.
func TestRevocationNeedsTheToken(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	r, tok := s.r, s.tok
	jti, _ := accessClaims(t, tok.AccessToken)["jti"].(string)
	if !strings.HasPrefix(jti, "g.") {
		t.Fatalf("access token jti %q", jti)
	}
	for _, id := range []string{jti, jti[:strings.LastIndex(jti, ".")]} {
		if status, body := postForm(t, r.endpoint("revocation_endpoint"), url.Values{"token": {id}, "client_id": {r.app.ClientID}}, "", ""); status != http.StatusOK {
			t.Fatalf("revoking %q answered %d %v, want 200 as for any unknown token", id, status, body)
		}
	}
	next, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("the grant after revoking by id: %v", err)
	}
	// The token itself still revokes the whole grant.
	if status, _ := postForm(t, r.endpoint("revocation_endpoint"), url.Values{"token": {next.AccessToken}, "client_id": {r.app.ClientID}}, "", ""); status != http.StatusOK {
		t.Fatalf("revoking the access token answered %d", status)
	}
	if _, err := r.refresh(next.RefreshToken); err == nil {
		t.Fatal("the grant survived revoking its access token")
	}
}

// An id_token_hint names whom the application asks about (OpenID Connect Core
// §3.1.2.1): a browser signed in as someone else gets login_required with
// prompt=none, and the sign-in page otherwise, never a code for its own person.
func TestIDTokenHintForSomeoneElse(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			alice, bob := e.CreateUser(t, "alice@example.com"), e.CreateUser(t, "bob@example.com")
			r := newRP(t, e, domain.Application{PublicClient: true})
			aliceTok := r.tokens(r.signIn(newBrowser(t), alice.UserPrincipalName, e.IssuePass(t, alice.ID, false)))
			aliceID, _ := aliceTok.Extra("id_token").(string)
			bobs := newBrowser(t)
			bobTok := r.tokens(r.signIn(bobs, bob.UserPrincipalName, e.IssuePass(t, bob.ID, false)))
			bobID, _ := bobTok.Extra("id_token").(string)
			challenge := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())

			state := randomState(t)
			p := bobs.visit(t, r.cfg.AuthCodeURL(state, challenge, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", aliceID)))
			if got := r.cb.Last(); got.Get("error") != "login_required" || got.Has("code") || got.Get("state") != state {
				t.Fatalf("prompt=none with Alice's hint in Bob's browser: the application got %v (browser at %s)", got, p.url)
			}
			p = bobs.visit(t, r.cfg.AuthCodeURL(randomState(t), challenge, oauth2.SetAuthURLParam("id_token_hint", aliceID)))
			if p.url.Path != "/login" || p.url.Query().Get("login_hint") == bob.UserPrincipalName {
				t.Fatalf("Alice's hint in Bob's browser led to %s, want the sign-in page not filled in for Bob", p.url)
			}
			// Bob's own hint still signs him in silently.
			state = randomState(t)
			bobs.visit(t, r.cfg.AuthCodeURL(state, challenge, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", bobID)))
			if got := r.cb.Last(); got.Get("code") == "" || got.Get("state") != state {
				t.Fatalf("prompt=none with Bob's own hint: the application got %v", got)
			}
		})
	}
}

// A loopback redirect URI registered by a native application may come back
// with another port (RFC 8252 §7.3), and in no other way differ: another
// scheme, host, user information or a fragment is refused with a page, never
// a redirect.
func TestLoopbackRedirectURIs(t *testing.T) {
	e := testenv.New(t, storetest.Backends()[0])
	r := newRP(t, e, domain.Application{PublicClient: true})
	reg, _ := url.Parse(r.cb.URL) // http://127.0.0.1:PORT/cb
	port := reg.Port()
	authorize := func(redirect string) *http.Response {
		t.Helper()
		cfg := r.cfg
		cfg.RedirectURL = redirect
		return unfollowed(t, cfg.AuthCodeURL(randomState(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	}
	for _, bad := range []string{
		"https://127.0.0.1:" + port + "/cb",
		"http://localhost:" + port + "/cb",
		"http://[::1]:" + port + "/cb",
		"http://127.0.0.2:" + port + "/cb",
		"http://user@127.0.0.1:" + port + "/cb",
		"http://127.0.0.1:" + port + "/cb#frag",
		"http://127.0.0.1:" + port + "/cb/other",
		"http://127.0.0.1:" + port + "/cb?x=1",
	} {
		if resp := authorize(bad); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("redirect_uri %s: %d Location %q, want 400 and no redirect", bad, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, good := range []string{r.cb.URL, "http://127.0.0.1:1/cb"} {
		resp := authorize(good)
		if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/authorize/continue?request=") {
			t.Errorf("redirect_uri %s: %d %q, want the sign-in request", good, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// A code or refresh token presented by another application is refused without
// being spent: whoever holds a stolen one cannot burn the owner's sign-in.
func TestAnotherApplicationCannotSpendTokens(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			owner := newRP(t, e, domain.Application{PublicClient: true})
			other := newRP(t, e, domain.Application{PublicClient: true, RedirectURIs: owner.app.RedirectURIs})
			b := newBrowser(t)
			tok := owner.tokens(owner.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false)))

			// Another application with the owner's refresh token.
			got, err := other.refresh(tok.RefreshToken)
			wantOAuthError(t, "another application's refresh", got, err, http.StatusBadRequest, "invalid_grant")
			if _, err := owner.refresh(tok.RefreshToken); err != nil {
				t.Fatalf("the owner's refresh after another application tried it: %v", err)
			}

			// Another application with the owner's code and verifier.
			f := owner.signIn(b, u.UserPrincipalName, "")
			stolen := f
			stolen.cfg = other.cfg
			got, err = stolen.exchange(t.Context())
			wantOAuthError(t, "another application's code exchange", got, err, http.StatusBadRequest, "invalid_grant")
			owner.tokens(f)
		})
	}
}

// acr_values ask for a strength beyond the application's own requirement: a
// pass session is stepped up for phishing_resistant, and mfa is met by it.
func TestACRValuesAskForAStrength(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := newSignedIn(t, be, domain.Application{DisplayName: "Wiki"})
			u, r, b := s.u, s.r, s.b
			challenge := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
			acr := func(v string) oauth2.AuthCodeOption { return oauth2.SetAuthURLParam("acr_values", v) }

			before := r.cb.Last()
			p := b.visit(t, r.cfg.AuthCodeURL(randomState(t), challenge, acr("phishing_resistant")))
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Wiki</strong> requires a passkey") || r.cb.Last().Get("code") != before.Get("code") {
				t.Fatalf("acr_values=phishing_resistant with a pass session: %d at %s", p.status, p.url)
			}
			state := randomState(t)
			b.visit(t, r.cfg.AuthCodeURL(state, challenge, acr("phishing_resistant"), oauth2.SetAuthURLParam("prompt", "none")))
			if got := r.cb.Last(); got.Get("error") != "interaction_required" || got.Get("state") != state {
				t.Fatalf("acr_values=phishing_resistant, prompt=none: the application got %v", got)
			}

			tok := r.tokens(r.signIn(b, u.UserPrincipalName, "", acr("mfa")))
			idt, err := r.provider.Verifier(&gooidc.Config{ClientID: r.app.ClientID}).Verify(t.Context(), tok.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			var c struct {
				Acr string `json:"acr"`
			}
			if err := idt.Claims(&c); err != nil || c.Acr != "mfa" {
				t.Fatalf("acr_values=mfa with a pass session: acr %q (%v)", c.Acr, err)
			}
		})
	}
}
