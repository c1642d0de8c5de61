package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The discovery document has what oauth2-proxy, Grafana and go-oidc read, and
// every endpoint it names answers.
func TestDiscoveryDocument(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			resp, err := http.Get(e.URL + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("discovery: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var d struct {
				Issuer                            string   `json:"issuer"`
				ResponseTypesSupported            []string `json:"response_types_supported"`
				SubjectTypesSupported             []string `json:"subject_types_supported"`
				IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
				ScopesSupported                   []string `json:"scopes_supported"`
				CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
				GrantTypesSupported               []string `json:"grant_types_supported"`
				ClaimsSupported                   []string `json:"claims_supported"`
				TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
				JWKSURI                           string   `json:"jwks_uri"`
			}
			var raw map[string]any
			body := json.NewDecoder(resp.Body)
			if err := body.Decode(&raw); err != nil {
				t.Fatalf("discovery is not JSON: %v", err)
			}
			b, _ := json.Marshal(raw)
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("discovery fields have the wrong types: %v", err)
			}
			if d.Issuer != e.Issuer {
				t.Fatalf("issuer %q, want %q", d.Issuer, e.Issuer)
			}

			// Every endpoint is an absolute URL under the issuer, and answers.
			for _, name := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
				"end_session_endpoint", "revocation_endpoint", "introspection_endpoint", "device_authorization_endpoint"} {
				s, _ := raw[name].(string)
				u, err := url.Parse(s)
				if err != nil || !u.IsAbs() || !strings.HasPrefix(s, e.Issuer+"/") {
					t.Fatalf("%s %q is not an absolute URL under the issuer", name, s)
				}
				status := endpointStatus(t, http.MethodGet, s)
				if status == http.StatusMethodNotAllowed {
					status = endpointStatus(t, http.MethodPost, s)
				}
				if status == http.StatusNotFound || status >= 500 {
					t.Fatalf("%s %s answers %d", name, s, status)
				}
				t.Logf("%s answers %d", name, status)
			}

			if !slices.Contains(d.ResponseTypesSupported, "code") {
				t.Fatalf("response_types_supported %v lacks code", d.ResponseTypesSupported)
			}
			if !slices.Contains(d.SubjectTypesSupported, "public") {
				t.Fatalf("subject_types_supported %v lacks public", d.SubjectTypesSupported)
			}
			// OpenID Connect Discovery 1.0 §3: "The algorithm RS256 MUST be included."
			if !slices.Contains(d.IDTokenSigningAlgValuesSupported, "RS256") {
				t.Fatalf("id_token_signing_alg_values_supported %v lacks RS256", d.IDTokenSigningAlgValuesSupported)
			}
			for _, s := range []string{"openid", "profile", "email", "offline_access"} {
				if !slices.Contains(d.ScopesSupported, s) {
					t.Fatalf("scopes_supported %v lacks %s", d.ScopesSupported, s)
				}
			}
			if !slices.Equal(d.CodeChallengeMethodsSupported, []string{"S256"}) {
				t.Fatalf("code_challenge_methods_supported %v, want exactly [S256]", d.CodeChallengeMethodsSupported)
			}
			for _, g := range []string{"authorization_code", "refresh_token", "client_credentials",
				"urn:ietf:params:oauth:grant-type:device_code"} {
				if !slices.Contains(d.GrantTypesSupported, g) {
					t.Fatalf("grant_types_supported %v lacks %s", d.GrantTypesSupported, g)
				}
			}
			for _, c := range []string{"sub", "email", "name", "preferred_username", "amr", "acr", "auth_time", "sid"} {
				if !slices.Contains(d.ClaimsSupported, c) {
					t.Fatalf("claims_supported %v lacks %s", d.ClaimsSupported, c)
				}
			}
			for _, m := range []string{"client_secret_basic", "client_secret_post", "none"} {
				if !slices.Contains(d.TokenEndpointAuthMethodsSupported, m) {
					t.Fatalf("token_endpoint_auth_methods_supported %v lacks %s", d.TokenEndpointAuthMethodsSupported, m)
				}
			}

			// JWKS publishes the ES256 key access tokens are signed with (and the
			// RS256 key of ID tokens).
			jr, err := http.Get(d.JWKSURI)
			if err != nil {
				t.Fatal(err)
			}
			var jwks jose.JSONWebKeySet
			err = json.NewDecoder(jr.Body).Decode(&jwks)
			jr.Body.Close()
			if err != nil || len(jwks.Keys) == 0 {
				t.Fatalf("JWKS: %v, %d keys", err, len(jwks.Keys))
			}
			tok := e.AppToken(t, domain.PermUserReadAll)
			kid, _ := jwtSegment(t, tok, 0)["kid"].(string)
			keys := jwks.Key(kid)
			if len(keys) != 1 || keys[0].Algorithm != "ES256" || !keys[0].IsPublic() || keys[0].Use != "sig" {
				t.Fatalf("JWKS has no public ES256 signing key %q: %+v", kid, keys)
			}
			if _, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256}); err != nil {
				t.Fatalf("an access token is not ES256: %v", err)
			}
			if !slices.Contains(d.IDTokenSigningAlgValuesSupported, "ES256") {
				t.Fatalf("id_token_signing_alg_values_supported %v lacks ES256", d.IDTokenSigningAlgValuesSupported)
			}
			for _, k := range jwks.Keys {
				if !k.IsPublic() {
					t.Fatalf("JWKS publishes a private key %q", k.KeyID)
				}
			}

			// go-oidc accepts the document and verifies tokens with the keys.
			provider, err := gooidc.NewProvider(t.Context(), e.Issuer)
			if err != nil {
				t.Fatalf("go-oidc refuses the discovery document: %v", err)
			}
			if provider.Endpoint().AuthURL != raw["authorization_endpoint"] || provider.Endpoint().TokenURL != raw["token_endpoint"] ||
				provider.UserInfoEndpoint() != raw["userinfo_endpoint"] {
				t.Fatalf("go-oidc read endpoints %+v %s", provider.Endpoint(), provider.UserInfoEndpoint())
			}
			if _, err := provider.Verifier(&gooidc.Config{ClientID: "api://firstkey"}).Verify(t.Context(), tok); err != nil {
				t.Fatalf("go-oidc cannot verify a token with the published keys: %v", err)
			}
		})
	}
}

// endpointStatus returns the status an endpoint gives a bare request, redirects not followed.
func endpointStatus(t *testing.T, method, u string) int {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
