package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The endpoints a single-page application calls from its own origin (discovery,
// JWKS, token, userinfo, revocation) answer CORS, preflights included, for the
// origins of registered spa redirect URIs, and for no other origin.
func TestCORSForSinglePageApplications(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			cb := testenv.NewCallback(t)
			const spaOrigin = "https://dash.example.com"
			r := newRP(t, e, domain.Application{PublicClient: true, RedirectURIs: []string{},
				SPARedirectURIs: []string{cb.URL, spaOrigin + "/callback"}})
			r.cb, r.cfg.RedirectURL = cb, cb.URL
			// A web application's redirect URI is no CORS origin.
			newRP(t, e, domain.Application{RedirectURIs: []string{"https://web.example.com/cb"}})

			b := newBrowser(t)
			tok := r.tokens(r.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false)))
			endpoints := map[string]string{"discovery": e.Issuer + "/.well-known/openid-configuration",
				"jwks": r.endpoint("jwks_uri"), "token": r.cfg.Endpoint.TokenURL, "userinfo": r.endpoint("userinfo_endpoint"),
				"revocation": r.endpoint("revocation_endpoint")}
			methods := map[string]string{"discovery": "GET", "jwks": "GET", "token": "POST", "userinfo": "GET", "revocation": "POST"}

			for _, origin := range []string{spaOrigin, testOrigin(cb.URL), "https://web.example.com", "https://evil.example.com", "null"} {
				allowed := origin == spaOrigin || origin == testOrigin(cb.URL)
				for name, ep := range endpoints {
					req, _ := http.NewRequest(http.MethodOptions, ep, nil)
					req.Header.Set("Origin", origin)
					req.Header.Set("Access-Control-Request-Method", methods[name])
					req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
					a := send(t, req)
					if a.status != http.StatusNoContent {
						t.Fatalf("preflight of %s from %s: %d %s", name, origin, a.status, a.raw)
					}
					h := a.header
					if !allowed {
						for k := range h {
							if strings.HasPrefix(k, "Access-Control-") {
								t.Fatalf("preflight of %s from %s: %s: %s", name, origin, k, h.Get(k))
							}
						}
						continue
					}
					if h.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(h.Get("Access-Control-Allow-Methods"), methods[name]) ||
						!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
						h.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
						t.Fatalf("preflight of %s from %s: %v", name, origin, h)
					}
				}

				// The actual requests: the answer carries the origin only for a registered one.
				check := func(what string, req *http.Request, wantStatus int) {
					t.Helper()
					req.Header.Set("Origin", origin)
					a := send(t, req)
					if a.status != wantStatus {
						t.Fatalf("%s from %s: %d %s", what, origin, a.status, a.raw)
					}
					got := a.header.Get("Access-Control-Allow-Origin")
					if (allowed && got != origin) || (!allowed && got != "") {
						t.Fatalf("%s from %s: Access-Control-Allow-Origin %q", what, origin, got)
					}
				}
				req, _ := http.NewRequest(http.MethodGet, endpoints["discovery"], nil)
				check("discovery", req, http.StatusOK)
				req, _ = http.NewRequest(http.MethodGet, endpoints["jwks"], nil)
				check("jwks", req, http.StatusOK)
				req, _ = http.NewRequest(http.MethodGet, endpoints["userinfo"], nil)
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				check("userinfo", req, http.StatusOK)
				req, _ = http.NewRequest(http.MethodPost, endpoints["token"], strings.NewReader(url.Values{"grant_type": {"refresh_token"},
					"refresh_token": {"not-a-token"}, "client_id": {r.app.ClientID}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				check("a refused refresh", req, http.StatusBadRequest)
			}
			// A real refresh and revocation from the application's page.
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {r.app.ClientID}}
			req, _ := http.NewRequest(http.MethodPost, endpoints["token"], strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", spaOrigin)
			a := send(t, req)
			a.wantOK(t, "refresh from the application's origin")
			if a.header.Get("Access-Control-Allow-Origin") != spaOrigin {
				t.Fatalf("refresh: %v", a.header)
			}
			req, _ = http.NewRequest(http.MethodPost, endpoints["revocation"], strings.NewReader(url.Values{
				"token": {a.body["refresh_token"].(string)}, "client_id": {r.app.ClientID}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", spaOrigin)
			a = send(t, req)
			a.wantOK(t, "revocation from the application's origin")
			if a.header.Get("Access-Control-Allow-Origin") != spaOrigin {
				t.Fatalf("revocation: %v", a.header)
			}
		})
	}
}

// A single-page application signs in with PKCE only: a request for one of its
// redirect URIs without a code challenge goes back to it as invalid_request.
func TestSinglePageApplicationNeedsPKCE(t *testing.T) {
	e := testenv.New(t, storetest.Backends()[0])
	cb := testenv.NewCallback(t)
	r := newRP(t, e, domain.Application{PublicClient: true, RedirectURIs: []string{}, SPARedirectURIs: []string{cb.URL}})
	r.cb, r.cfg.RedirectURL = cb, cb.URL
	b := newBrowser(t)
	state := randomState(t)
	b.visit(t, r.cfg.AuthCodeURL(state))
	got := cb.Last()
	if got.Get("error") != "invalid_request" || got.Get("state") != state || !strings.Contains(got.Get("error_description"), "PKCE") {
		t.Fatalf("without PKCE the application got %v", got)
	}
	if p := b.visit(t, r.cfg.AuthCodeURL(randomState(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))); p.url.Path != "/login" {
		t.Fatalf("with PKCE the browser is at %d %s, want the sign-in page", p.status, p.url)
	}
}

// testOrigin is the origin of a loopback test server's URL.
func testOrigin(u string) string { return domain.Origin(u) }
