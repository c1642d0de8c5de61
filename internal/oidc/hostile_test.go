package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// hostileValues are parameter values no client id, code or token can be: a NUL,
// overlong and truncated UTF-8, bytes that are never UTF-8, and a control
// character. PostgreSQL refuses the first ones in text columns, which once made
// the token endpoint answer 500 to anyone.
var hostileValues = []string{"\x00", "abc\x00def", "\xc0\xae", "\xff\xfe", "\xe2\x82", "x\x1by"}

// Every OAuth endpoint answers hostile parameters with an RFC 6749 error: a 4xx
// and a JSON body naming the error, never a 500, and nothing is issued or spent.
func TestHostileParametersGetOAuthErrors(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := newSignedIn(t, be, domain.Application{})
			e, r := s.e, s.r
			conf, sec := e.RegisterApp(t, domain.Application{Permissions: []domain.Permission{domain.PermUserReadAll}})
			token, introspect, revoke, device := r.endpoint("token_endpoint"), r.endpoint("introspection_endpoint"),
				r.endpoint("revocation_endpoint"), r.endpoint("device_authorization_endpoint")

			type post struct {
				name     string
				endpoint string
				form     url.Values
				id, sec  string // HTTP Basic client authentication, when id is set
			}
			var posts []post
			for _, bad := range hostileValues {
				posts = append(posts,
					post{"code", token, url.Values{"grant_type": {"authorization_code"}, "code": {bad}, "client_id": {r.app.ClientID}, "redirect_uri": {r.cfg.RedirectURL}, "code_verifier": {strings.Repeat("a", 43)}}, "", ""},
					post{"code's client_id", token, url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}, "client_id": {bad}, "redirect_uri": {r.cfg.RedirectURL}}, "", ""},
					post{"code's redirect_uri", token, url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}, "client_id": {r.app.ClientID}, "redirect_uri": {bad}}, "", ""},
					post{"refresh_token", token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {bad}, "client_id": {r.app.ClientID}}, "", ""},
					post{"refresh's client_id", token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.tok.RefreshToken}, "client_id": {bad}}, "", ""},
					post{"refresh's scope", token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.tok.RefreshToken}, "client_id": {r.app.ClientID}, "scope": {"openid " + bad}}, "", ""},
					post{"client_credentials Basic id", token, url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}, bad, sec},
					post{"client_credentials Basic secret", token, url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}, conf.ClientID, bad},
					post{"client_credentials body", token, url.Values{"grant_type": {"client_credentials"}, "client_id": {bad}, "client_secret": {bad}}, "", ""},
					post{"client_credentials scope", token, url.Values{"grant_type": {"client_credentials"}, "scope": {bad}}, conf.ClientID, sec},
					post{"device_code", token, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {bad}, "client_id": {r.app.ClientID}}, "", ""},
					post{"device_code's client_id", token, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"abc"}, "client_id": {bad}}, "", ""},
					post{"grant_type", token, url.Values{"grant_type": {bad}}, "", ""},
					post{"introspect token", introspect, url.Values{"token": {bad}}, conf.ClientID, sec},
					post{"introspect Basic id", introspect, url.Values{"token": {"abc"}}, bad, "x"},
					post{"revoke token", revoke, url.Values{"token": {bad}, "client_id": {r.app.ClientID}}, "", ""},
					post{"revoke client_id", revoke, url.Values{"token": {s.tok.RefreshToken}, "client_id": {bad}}, "", ""},
					post{"revoke hint", revoke, url.Values{"token": {s.tok.RefreshToken}, "client_id": {r.app.ClientID}, "token_type_hint": {bad}}, "", ""},
					post{"devicecode client_id", device, url.Values{"client_id": {bad}}, "", ""},
					post{"devicecode scope", device, url.Values{"client_id": {r.app.ClientID}, "scope": {"openid " + bad}}, "", ""},
					post{"devicecode Basic id", device, url.Values{}, bad, "x"},
				)
			}
			for _, p := range posts {
				status, body := postForm(t, p.endpoint, p.form, p.id, p.sec)
				if status != http.StatusBadRequest || body["error"] != "invalid_request" {
					t.Errorf("%s %q: %d %v, want 400 invalid_request", p.name, p.form, status, body)
				}
			}

			// The authorization endpoint, as a browser reaches it, with each
			// parameter hostile in turn: refused, and no code issued.
			base := url.Values{"client_id": {r.app.ClientID}, "redirect_uri": {r.cfg.RedirectURL}, "response_type": {"code"},
				"scope": {"openid"}, "state": {"s1"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}}
			for _, bad := range hostileValues {
				for _, param := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "login_hint",
					"prompt", "code_challenge", "acr_values", "response_mode", "max_age", "ui_locales", "id_token_hint"} {
					q := url.Values{}
					for k, v := range base {
						q[k] = v
					}
					q.Set(param, bad)
					before := r.cb.Last()
					p := s.b.visit(t, r.endpoint("authorization_endpoint")+"?"+q.Encode())
					if p.status != http.StatusBadRequest || !strings.Contains(p.body, `"error":"invalid_request"`) {
						t.Errorf("authorize with hostile %s %q: %d %s, want 400 invalid_request", param, bad, p.status, p.body)
					}
					if got := r.cb.Last(); got != nil && got.Get("code") != "" && (before == nil || got.Get("code") != before.Get("code")) {
						t.Errorf("authorize with hostile %s %q issued a code", param, bad)
					}
				}
				// Logout and userinfo take parameters too.
				for _, u := range []string{
					r.endpoint("userinfo_endpoint") + "?" + url.Values{"access_token": {bad}}.Encode(),
					r.endpoint("end_session_endpoint") + "?" + url.Values{"id_token_hint": {bad}}.Encode(),
					r.endpoint("end_session_endpoint") + "?" + url.Values{"client_id": {bad}, "post_logout_redirect_uri": {"https://x.example/" + bad}, "state": {bad}}.Encode(),
				} {
					p := newBrowser(t).visit(t, u)
					if p.status != http.StatusBadRequest || !strings.Contains(p.body, `"error":"invalid_request"`) {
						t.Errorf("GET %s: %d %s, want 400 invalid_request", u, p.status, p.body)
					}
				}
			}

			// The signed-in person's refresh token was never spent or revoked.
			if _, err := r.refresh(s.tok.RefreshToken); err != nil {
				t.Errorf("the refresh token after the hostile requests: %v", err)
			}
			if strings.Contains(e.Logs(), `"status":500`) {
				t.Errorf("a request ended in 500:\n%s", e.Logs())
			}
		})
	}
}

// A malformed chunked body or one over the limit is the client's error.
func TestBrokenTokenRequestBodies(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := newSignedIn(t, be, domain.Application{})
			token := s.r.endpoint("token_endpoint")
			big := "grant_type=refresh_token&refresh_token=" + strings.Repeat("a", 128<<10)
			req, _ := http.NewRequest(http.MethodPost, token, strings.NewReader(big))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_request" {
				t.Errorf("oversized token request: %d %s", resp.StatusCode, raw)
			}
			if strings.Contains(s.e.Logs(), `"status":500`) {
				t.Errorf("a request ended in 500:\n%s", s.e.Logs())
			}
		})
	}
}

// A refresh request for a scope the grant does not hold is refused with
// invalid_scope before the refresh token is spent, so the application keeps it.
func TestRefreshForAnUngrantedScopeKeepsTheToken(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := newSignedIn(t, be, domain.Application{})
			r := s.r
			for _, scope := range []string{"openid nosuchscope", "Directory.ReadWrite.All", "openid  profile"} {
				status, body := postForm(t, r.endpoint("token_endpoint"), url.Values{"grant_type": {"refresh_token"},
					"refresh_token": {s.tok.RefreshToken}, "client_id": {r.app.ClientID}, "scope": {scope}}, "", "")
				if status != http.StatusBadRequest || body["error"] != "invalid_scope" {
					t.Errorf("refresh for %q: %d %v, want 400 invalid_scope", scope, status, body)
				}
			}
			tok, err := r.refresh(s.tok.RefreshToken)
			if err != nil {
				t.Fatalf("the refresh token after refused scopes: %v", err)
			}
			// Fewer scopes than granted are fine, and spend the (new) token as usual.
			status, body := postForm(t, r.endpoint("token_endpoint"), url.Values{"grant_type": {"refresh_token"},
				"refresh_token": {tok.RefreshToken}, "client_id": {r.app.ClientID}, "scope": {"openid"}}, "", "")
			if status != http.StatusOK || body["access_token"] == nil {
				t.Errorf("refresh for fewer scopes: %d %v", status, body)
			}
		})
	}
}
