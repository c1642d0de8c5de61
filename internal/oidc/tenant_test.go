package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// getJSON fetches a URL and decodes its JSON answer.
func getJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %s", u, resp.StatusCode, raw)
	}
	return resp.StatusCode, body
}

// The Entra-style authority /{tenant} answers for the tenant id (in any case),
// organizations and common, with Entra's endpoint layout and the tenant issuer,
// the same on every replica; any other tenant gets a JSON invalid_tenant on
// every path of the authority.
func TestEntraAuthorityDiscovery(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			envs := testenv.Replicas(t, be, 2, testenv.Options{})
			e := envs[0]
			tid := e.App.Provider().TenantID()
			if _, err := uuid.Parse(tid); err != nil {
				t.Fatalf("tenant id %q is not a GUID", tid)
			}
			if other := envs[1].App.Provider().TenantID(); other != tid {
				t.Fatalf("replicas disagree on the tenant id: %s and %s", tid, other)
			}
			issuer := e.Issuer + "/" + tid + "/v2.0"
			for _, tenant := range []string{tid, strings.ToUpper(tid), "organizations", "common", "Common"} {
				for _, replica := range envs {
					status, doc := getJSON(t, replica.URL+"/"+tenant+"/v2.0/.well-known/openid-configuration")
					if status != http.StatusOK || doc["issuer"] != issuer {
						t.Fatalf("discovery of %s: %d, issuer %v, want %s", tenant, status, doc["issuer"], issuer)
					}
					name := strings.ToLower(tenant)
					base := e.Issuer + "/" + name
					for field, want := range map[string]string{
						"authorization_endpoint":        base + "/oauth2/v2.0/authorize",
						"token_endpoint":                base + "/oauth2/v2.0/token",
						"jwks_uri":                      base + "/discovery/v2.0/keys",
						"userinfo_endpoint":             base + "/oidc/userinfo",
						"end_session_endpoint":          base + "/oauth2/v2.0/logout",
						"device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
					} {
						if doc[field] != want {
							t.Errorf("discovery of %s: %s = %v, want %s", tenant, field, doc[field], want)
						}
					}
					if _, ok := doc["introspection_endpoint"]; ok {
						t.Errorf("discovery of %s names an introspection endpoint, which Entra's does not", tenant)
					}
				}
			}
			// go-oidc, given the tenant issuer, finds the document and accepts it.
			if _, err := gooidc.NewProvider(t.Context(), issuer); err != nil {
				t.Fatalf("go-oidc with the tenant issuer: %v", err)
			}
			_, plainKeys := getJSON(t, e.URL+"/keys")
			status, tenantKeys := getJSON(t, e.URL+"/"+tid+"/discovery/v2.0/keys")
			if a, b := mustJSON(t, plainKeys), mustJSON(t, tenantKeys); status != http.StatusOK || a != b {
				t.Errorf("tenant keys: %d %s, want the plain ones %s", status, b, a)
			}

			for _, tenant := range []string{uuid.NewString(), "consumers", "contoso.onmicrosoft.com", "%2e%2e"} {
				for _, c := range []struct{ method, path string }{
					{http.MethodGet, "/v2.0/.well-known/openid-configuration"},
					{http.MethodGet, "/discovery/v2.0/keys"},
					{http.MethodGet, "/oauth2/v2.0/authorize?client_id=x&response_type=code"},
					{http.MethodPost, "/oauth2/v2.0/token"},
				} {
					req, _ := http.NewRequest(c.method, e.URL+"/"+tenant+c.path, strings.NewReader("grant_type=client_credentials"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					var body map[string]string
					if json.Unmarshal(raw, &body) != nil || resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_tenant" ||
						!strings.Contains(body["error_description"], tid) {
						t.Errorf("%s /%s%s: %d %s, want 400 invalid_tenant naming the tenant id", c.method, tenant, c.path, resp.StatusCode, raw)
					}
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An application gets a token for the API at the Entra-style token endpoint
// as MSAL asks for one: client_secret_post, MSAL's correlation id in the URL,
// Graph's .default scope (by URL or application id, or the API's own) with
// OpenID Connect's scopes beside it. The token carries the tenant issuer and
// the claims Entra's app-only tokens carry, and the API accepts it.
func TestEntraAuthorityClientCredentials(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			tid := e.App.Provider().TenantID()
			app, sec := e.RegisterApp(t, domain.Application{Permissions: []domain.Permission{domain.PermUserReadAll}})
			tokenURL := e.URL + "/" + tid + "/oauth2/v2.0/token?client-request-id=" + uuid.NewString()
			for _, scope := range []string{
				"https://graph.microsoft.com/.default openid offline_access profile",
				"00000003-0000-0000-c000-000000000000/.default",
				"api://firstkey/.default",
				"HTTPS://graph.microsoft.com/.default",
			} {
				status, body := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
					"client_id": {app.ClientID}, "client_secret": {sec}}, "", "")
				tok, _ := body["access_token"].(string)
				if status != http.StatusOK || tok == "" {
					t.Fatalf("scope %q: %d %v", scope, status, body)
				}
				c := jwtClaims(t, tok)
				want := map[string]any{"iss": e.Issuer + "/" + tid + "/v2.0", "tid": tid, "appid": app.ClientID, "azp": app.ClientID,
					"oid": app.ID, "idtyp": "app", "sub": app.ClientID}
				for k, v := range want {
					if c[k] != v {
						t.Errorf("scope %q: claim %s = %v, want %v", scope, k, c[k], v)
					}
				}
				if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != string(domain.PermUserReadAll) {
					t.Errorf("roles = %v", c["roles"])
				}
				wantBearerStatus(t, "an app token from the tenant authority", e.URL+"/v1.0/users", tok, http.StatusOK)
			}

			// The plain endpoint's tokens keep the plain issuer, and carry tid.
			plain := jwtClaims(t, e.ClientCredentialsToken(t, app.ClientID, sec))
			if plain["iss"] != e.Issuer || plain["tid"] != tid {
				t.Errorf("plain endpoint's token: iss %v tid %v", plain["iss"], plain["tid"])
			}

			// Only the correlation id is let through in the URL: a secret there is refused.
			status, body := postForm(t, tokenURL+"&client_secret="+url.QueryEscape(sec), url.Values{"grant_type": {"client_credentials"},
				"client_id": {app.ClientID}, "client_secret": {sec}}, "", "")
			if status != http.StatusBadRequest || body["error"] != "invalid_request" {
				t.Errorf("a secret in the token URL: %d %v, want 400 invalid_request", status, body)
			}
			for _, scope := range []string{"User.Read", "https://graph.microsoft.com/User.Read", "api://someone-else/.default"} {
				status, body := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, app.ClientID, sec)
				if status != http.StatusBadRequest || body["error"] != "invalid_scope" {
					t.Errorf("scope %q: %d %v, want 400 invalid_scope", scope, status, body)
				}
			}
		})
	}
}

// A relying party configured with the tenant issuer, as an Entra-era
// configuration is once its host is changed, signs a person in through the
// Entra-style authorize and token endpoints: go-oidc verifies the ID token
// against the tenant issuer, the access token carries tid, oid, azp, appid and
// scp and the API accepts it, and refresh and userinfo work there too.
func TestEntraAuthoritySignIn(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			tid := e.App.Provider().TenantID()
			issuer := e.Issuer + "/" + tid + "/v2.0"
			cb := testenv.NewCallback(t)
			app, _ := e.RegisterApp(t, domain.Application{PublicClient: true, RedirectURIs: []string{cb.URL}})
			provider, err := gooidc.NewProvider(t.Context(), issuer)
			if err != nil {
				t.Fatalf("discovery of the tenant issuer: %v", err)
			}
			ep := provider.Endpoint()
			if ep.TokenURL != e.Issuer+"/"+tid+"/oauth2/v2.0/token" {
				t.Fatalf("token endpoint %s", ep.TokenURL)
			}
			ep.AuthStyle = oauth2.AuthStyleInParams
			r := &rp{t: t, e: e, app: app, cb: cb, provider: provider, cfg: oauth2.Config{ClientID: app.ClientID, Endpoint: ep,
				RedirectURL: cb.URL, Scopes: []string{"openid", "profile", "offline_access", "https://graph.microsoft.com/.default"}}}
			b := newBrowser(t)
			tok := r.tokens(r.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false)))

			raw, _ := tok.Extra("id_token").(string)
			idt, err := provider.Verifier(&gooidc.Config{ClientID: app.ClientID}).Verify(t.Context(), raw)
			if err != nil {
				t.Fatalf("go-oidc refuses the ID token: %v", err)
			}
			var idClaims map[string]any
			_ = idt.Claims(&idClaims)
			if idClaims["tid"] != tid || idClaims["oid"] != u.ID {
				t.Errorf("ID token tid %v oid %v", idClaims["tid"], idClaims["oid"])
			}
			c := jwtClaims(t, tok.AccessToken)
			for k, v := range map[string]any{"iss": issuer, "tid": tid, "oid": u.ID, "azp": app.ClientID, "appid": app.ClientID, "idtyp": "user"} {
				if c[k] != v {
					t.Errorf("access token claim %s = %v, want %v", k, c[k], v)
				}
			}
			if scp, _ := c["scp"].(string); !slices.Contains(strings.Fields(scp), "https://graph.microsoft.com/.default") {
				t.Errorf("scp = %q", scp)
			}
			wantBearerStatus(t, "a person's token from the tenant authority", e.URL+"/v1.0/me", tok.AccessToken, http.StatusOK)
			wantBearerStatus(t, "userinfo of the tenant authority", e.URL+"/"+tid+"/oidc/userinfo", tok.AccessToken, http.StatusOK)

			next, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh at the tenant token endpoint: %v", err)
			}
			if iss := jwtClaims(t, next.AccessToken)["iss"]; iss != issuer {
				t.Errorf("refreshed token's issuer %v", iss)
			}

			// The tenant's logout endpoint takes the tenant's ID token as proof and
			// signs the browser out without asking.
			p := b.visit(t, r.endpoint("end_session_endpoint")+"?"+url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {cb.URL}}.Encode())
			if p.status != http.StatusOK || p.url.Scheme+"://"+p.url.Host+p.url.Path != cb.URL {
				t.Fatalf("logout at the tenant authority ended at %d %s, want the application's %s", p.status, p.url, cb.URL)
			}
			p = b.visit(t, r.cfg.AuthCodeURL(randomState(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")))
			if got := cb.Last(); got.Get("error") != "login_required" {
				t.Errorf("after logout, prompt=none got %v at %s, want login_required", got, p.url)
			}

			// A device asks for a code at the tenant's devicecode endpoint and is
			// sent to firstkey's own device page.
			status, dev := postForm(t, r.endpoint("device_authorization_endpoint"),
				url.Values{"client_id": {app.ClientID}, "scope": {"openid https://graph.microsoft.com/.default"}}, "", "")
			if status != http.StatusOK || dev["device_code"] == nil || dev["verification_uri"] != e.Issuer+"/device" {
				t.Errorf("device authorization at the tenant authority: %d %v", status, dev)
			}
		})
	}
}
