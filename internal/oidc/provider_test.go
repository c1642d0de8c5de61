package oidc

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestDiscovery(t *testing.T) {
	for _, path := range []string{"", "/idp"} {
		t.Run("issuer path "+path, func(t *testing.T) {
			e := newEnv(t, envOptions{path: path})
			r := e.get(DiscoveryPath)
			if r.status != http.StatusOK {
				t.Fatalf("discovery: %d %s", r.status, r.raw)
			}
			want := map[string]string{
				"issuer":         e.base,
				"token_endpoint": e.base + "/oauth/token",
				"jwks_uri":       e.base + "/keys",
			}
			for k, v := range want {
				if r.body[k] != v {
					t.Errorf("%s = %v, want %s", k, r.body[k], v)
				}
			}
			if e.p.Issuer() != e.base || e.p.TokenURL() != e.base+"/oauth/token" {
				t.Errorf("Issuer() = %s, TokenURL() = %s", e.p.Issuer(), e.p.TokenURL())
			}
			assertList(t, r.body, "token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post")
			assertList(t, r.body, "grant_types_supported", "client_credentials")
			assertList(t, r.body, "id_token_signing_alg_values_supported", "RS256", "ES256")
			// Every advertised endpoint lives under the issuer and is really served.
			for _, k := range []string{"authorization_endpoint", "userinfo_endpoint", "device_authorization_endpoint",
				"end_session_endpoint", "revocation_endpoint", "introspection_endpoint"} {
				v, _ := r.body[k].(string)
				if !strings.HasPrefix(v, e.base+"/") {
					t.Errorf("%s = %q, want a URL under %s", k, v, e.base)
					continue
				}
				// end_session redirects to the sign-in pages, which this bare provider lacks.
				if got := e.get(strings.TrimPrefix(v, e.base)); got.status == http.StatusNotFound && k != "end_session_endpoint" {
					t.Errorf("%s answers GET with %d", k, got.status)
				}
			}
			if grants := r.body["grant_types_supported"].([]any); slices.Contains(grants, any("implicit")) {
				t.Error("discovery advertises the implicit grant")
			}
			// The advertised endpoints are really served.
			if jwks := e.get("/keys"); jwks.status != http.StatusOK {
				t.Errorf("jwks_uri answers %d", jwks.status)
			}
		})
	}
}

func assertList(t *testing.T, body map[string]any, key string, want ...string) {
	t.Helper()
	list, _ := body[key].([]any)
	for _, w := range want {
		if !slices.Contains(list, any(w)) {
			t.Errorf("%s = %v, missing %s", key, list, w)
		}
	}
}

func TestProviderDoesNotClaimOtherPaths(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/", "/healthz", "/ready", "/authorize", "/v1.0/users"} {
		if r := e.get(path); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404 from the bare mux", path, r.status)
		}
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.get(KeysPath)
	if r.status != http.StatusOK {
		t.Fatalf("jwks: %d %s", r.status, r.raw)
	}
	keys, _ := r.body["keys"].([]any)
	if len(keys) != 2 {
		t.Fatalf("jwks has %d keys, want 2 (ES256 for access tokens, RS256 for ID tokens): %s", len(keys), r.raw)
	}
	byAlg := map[string]map[string]any{}
	for _, k := range keys {
		k := k.(map[string]any)
		byAlg[k["alg"].(string)] = k
	}
	for alg, fields := range map[string]map[string]string{
		"RS256": {"kty": "RSA", "e": "AQAB", "use": "sig"},
		"ES256": {"kty": "EC", "crv": "P-256", "use": "sig"},
	} {
		k := byAlg[alg]
		if k == nil {
			t.Fatalf("jwks has no %s key: %s", alg, r.raw)
		}
		for field, want := range fields {
			if k[field] != want {
				t.Errorf("%s key: %s = %v, want %s", alg, field, k[field], want)
			}
		}
	}
	k := byAlg["RS256"]
	for _, field := range []string{"kid", "n"} {
		if s, _ := k[field].(string); s == "" {
			t.Errorf("%s missing", field)
		}
	}
	if n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string)); len(n)*8 < 2048 {
		t.Errorf("the RSA modulus has %d bits, want at least 2048", len(n)*8)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Fatalf("JWKS publishes the private key (%s)", private)
		}
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false, domain.PermUserReadAll, domain.PermAuditLogReadAll)
	kids := e.jwksKids()

	cases := []struct {
		name  string
		form  url.Values
		basic bool
	}{
		{"basic, graph scope", url.Values{"grant_type": {"client_credentials"}, "scope": {ScopeGraphDefault}}, true},
		{"basic, no scope", url.Values{"grant_type": {"client_credentials"}}, true},
		{"post, api scope", url.Values{"grant_type": {"client_credentials"}, "scope": {ScopeAPIDefault},
			"client_id": {app.ClientID}, "client_secret": {sec}}, false},
		{"post, no scope", url.Values{"grant_type": {"client_credentials"},
			"client_id": {app.ClientID}, "client_secret": {sec}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r response
			if c.basic {
				r = e.postToken(c.form, app.ClientID, sec)
			} else {
				r = e.postToken(c.form, "", "")
			}
			if r.status != http.StatusOK {
				t.Fatalf("token: %d %s", r.status, r.raw)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if r.body["token_type"] != "Bearer" {
				t.Errorf("token_type = %v", r.body["token_type"])
			}
			if exp, _ := r.body["expires_in"].(float64); exp < 3500 || exp > 3600 {
				t.Errorf("expires_in = %v, want about an hour", r.body["expires_in"])
			}
			if _, ok := r.body["refresh_token"]; ok {
				t.Error("client credentials returned a refresh token")
			}
			tok := r.body["access_token"].(string)

			h := jwtPart(t, tok, 0)
			if h["alg"] != "ES256" || !slices.Contains(kids, h["kid"].(string)) {
				t.Errorf("header %v: want ES256 and a kid from JWKS %v", h, kids)
			}
			p := jwtPart(t, tok, 1)
			for claim, want := range map[string]any{"iss": e.base, "sub": app.ClientID, "aud": Audience,
				"appid": app.ClientID, "azp": app.ClientID, "idtyp": "app", "oid": app.ID} {
				got := p[claim]
				if list, ok := got.([]any); ok && len(list) == 1 {
					got = list[0]
				}
				if got != want {
					t.Errorf("claim %s = %v, want %v", claim, p[claim], want)
				}
			}
			for _, claim := range []string{"exp", "iat", "nbf", "jti"} {
				if _, ok := p[claim]; !ok {
					t.Errorf("claim %s missing", claim)
				}
			}

			claims, err := e.p.VerifyAccessToken(context.Background(), tok)
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			want := []string{"AuditLog.Read.All", "User.Read.All"}
			if !slices.Equal(claims.Roles, want) {
				t.Errorf("roles = %v, want %v", claims.Roles, want)
			}
			if claims.Subject != app.ClientID || claims.AppID != app.ClientID || claims.ClientID != app.ClientID ||
				claims.ObjectID != app.ID || claims.IDType != IDTypeApp || claims.TokenID == "" {
				t.Errorf("claims = %+v", claims)
			}
			if d := claims.Expiry.Sub(e.clock.Now()); d < 59*time.Minute || d > time.Hour {
				t.Errorf("expiry %v is %v away, want the one-hour lifetime", claims.Expiry, d)
			}
		})
	}
}

func TestClientCredentialsWithoutPermissions(t *testing.T) {
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false)
	claims, err := e.p.VerifyAccessToken(context.Background(), e.token(app.ClientID, sec))
	if err != nil {
		t.Fatal(err)
	}
	if len(claims.Roles) != 0 {
		t.Fatalf("roles = %v, want none", claims.Roles)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	// zitadel logs to the default logger: collect it too, to prove no secret lands there.
	defaultLogs := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(defaultLogs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	app, sec := createApp(t, e.st, false, domain.PermUserReadAll)
	public, _ := createApp(t, e.st, true)
	const wrong = "wrong-secret-Zq8Xv2Lp9Rt4"
	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		code       string
	}{
		{"wrong secret, basic", cc(), app.ClientID, wrong, 401, "invalid_client"},
		{"wrong secret, post", cc("client_id", app.ClientID, "client_secret", wrong), "", "", 401, "invalid_client"},
		{"no secret", cc("client_id", app.ClientID), "", "", 401, "invalid_client"},
		{"unknown client", cc("client_id", randomID(t), "client_secret", wrong), "", "", 401, "invalid_client"},
		{"public client with a secret", cc(), public.ClientID, wrong, 401, "invalid_client"},
		{"public client without a secret", cc("client_id", public.ClientID), "", "", 401, "invalid_client"},
		{"no client at all", cc(), "", "", 401, "invalid_client"},
		{"missing grant_type", url.Values{"client_id": {app.ClientID}, "client_secret": {sec}}, "", "", 400, "invalid_request"},
		{"password grant", url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, app.ClientID, sec, 400, "unsupported_grant_type"},
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, app.ClientID, sec, 400, "invalid_grant"},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, app.ClientID, sec, 400, "invalid_grant"},
		{"jwt-bearer not yet", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"x"}}, "", "", 400, "unsupported_grant_type"},
		// zitadel answers every failed device-code lookup with access_denied.
		{"unknown device code", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"x"}}, app.ClientID, sec, 400, "access_denied"},
		{"unknown scope", cc("scope", "openid User.Read"), app.ClientID, sec, 400, "invalid_scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.postToken(c.form, c.user, c.pass)
			if r.status != c.status || r.body["error"] != c.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, c.status, c.code)
			}
			if _, ok := r.body["access_token"]; ok {
				t.Fatal("error response carries a token")
			}
			if challenge := r.header.Get("WWW-Authenticate"); (c.status == 401 && c.user != "") != (challenge != "") {
				t.Errorf("WWW-Authenticate = %q on a %d answer to basic=%v", challenge, c.status, c.user != "")
			}
			if strings.Contains(r.raw, wrong) || strings.Contains(r.raw, sec) {
				t.Fatal("error response echoes a secret")
			}
		})
	}

	t.Run("secret in the URL", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.base+TokenPath+"?client_secret="+url.QueryEscape(sec),
			strings.NewReader(cc("client_id", app.ClientID).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := e.do(req)
		if r.status != 400 || r.body["error"] != "invalid_request" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("GET is not a token request", func(t *testing.T) {
		q := cc("client_id", app.ClientID, "client_secret", sec).Encode()
		if r := e.get(TokenPath + "?" + q); r.status != http.StatusMethodNotAllowed {
			t.Fatalf("GET token = %d %s", r.status, r.raw)
		}
	})

	for name, logs := range map[string]string{"provider log": e.logs.String(), "default log": defaultLogs.String()} {
		if strings.Contains(logs, wrong) || strings.Contains(logs, sec) {
			t.Errorf("%s contains a client secret", name)
		}
	}
	if !strings.Contains(e.logs.String(), "wrong client secret") {
		t.Errorf("failed client authentication not logged with its reason: %s", e.logs.String())
	}
	// The right secret still works after all that.
	if r := e.postToken(cc(), app.ClientID, sec); r.status != 200 {
		t.Fatalf("right secret refused: %d %s", r.status, r.raw)
	}
}

func TestIssuerValidation(t *testing.T) {
	ctx := context.Background()
	sealer := newSealer(t)
	st := storetest.SQLite(t)
	cases := map[string]bool{
		"https://id.example.com":        true,
		"https://id.example.com/tenant": true,
		"http://127.0.0.1:8080":         true,
		"http://localhost:8080":         true,
		"http://[::1]:8080":             true,
		"http://id.example.com":         false,
		"http://10.0.0.5:8080":          false,
		"ftp://id.example.com":          false,
		"https://id.example.com?x=1":    false,
		"https://id.example.com#frag":   false,
		"/relative":                     false,
		"":                              false,
	}
	for issuer, ok := range cases {
		t.Run(issuer, func(t *testing.T) {
			_, err := New(ctx, Config{Issuer: issuer, Store: st, Directory: testDirectory(t, st, domain.SystemClock{}), Sealer: sealer})
			if (err == nil) != ok {
				t.Fatalf("New(%q) err = %v, want ok=%v", issuer, err, ok)
			}
		})
	}
	if _, err := New(ctx, Config{Issuer: "https://id.example.com", Sealer: sealer}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}
