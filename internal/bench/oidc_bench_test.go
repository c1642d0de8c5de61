package bench_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// oidcScope is what the OpenID Connect benchmarks ask for: an ID token and a
// refresh token, as an application that keeps a person signed in does.
const oidcScope = "openid offline_access"

// signedIn is a public application (PKCE, no secret) and a person signed in to
// firstkey in a browser: everything that happens before the application's back
// end calls the token endpoint.
type signedIn struct {
	e        *testenv.Env
	app      domain.Application
	browser  *http.Client // cookie jar, follows redirects to the callback
	verifier string       // one PKCE verifier for every code: each request carries its challenge
	first    string       // the code of the sign-in itself
}

// signIn runs a code flow with a multi-use pass on the sign-in pages, as
// internal/oidc/codeflow_test.go does, and keeps the browser's session.
func signIn(b *testing.B, e *testenv.Env) *signedIn {
	b.Helper()
	e.EnablePassPolicy(b)
	u := e.CreateUser(b, "ada@example.com")
	pass := e.IssuePass(b, u.ID, false)
	cb := testenv.NewCallback(b)
	app, _ := e.RegisterApp(b, domain.Application{PublicClient: true, RedirectURIs: []string{cb.URL}})
	s := &signedIn{e: e, app: app, browser: testenv.Browser(b), verifier: oauth2.GenerateVerifier()}

	resp, err := s.browser.Get(s.authorizeURL(""))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
		b.Fatalf("authorize led to %d %s, want the sign-in page", resp.StatusCode, resp.Request.URL.Path)
	}
	resp = e.SignInWithPass(b, s.browser, u.UserPrincipalName, pass, resp.Request.URL.Query().Get("next"))
	s.first = callbackCode(b, resp)
	return s
}

// authorizeURL is the application's authorization request; prompt is "" or "none".
func (s *signedIn) authorizeURL(prompt string) string {
	q := url.Values{
		"client_id":             {s.app.ClientID},
		"redirect_uri":          {s.app.RedirectURIs[0]},
		"response_type":         {"code"},
		"scope":                 {oidcScope},
		"state":                 {"st4te"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(s.verifier)},
		"code_challenge_method": {"S256"},
	}
	if prompt != "" {
		q.Set("prompt", prompt)
	}
	return s.e.Issuer + "/oauth/authorize?" + q.Encode()
}

// codes runs n more authorization requests in the signed-in browser with
// prompt=none: the session approves each without a page, and the browser lands
// on the callback with a fresh code. Codes expire by e.Clock, which stands still.
func (s *signedIn) codes(b *testing.B, n int) []string {
	b.Helper()
	out := make([]string, n)
	for i := range out {
		resp, err := s.browser.Get(s.authorizeURL("none"))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		out[i] = callbackCode(b, resp)
	}
	return out
}

// callbackCode reads the code from the callback a browser ended on.
func callbackCode(b *testing.B, resp *http.Response) string {
	b.Helper()
	q := resp.Request.URL.Query()
	if resp.Request.URL.Path != "/cb" || q.Get("code") == "" || q.Get("state") != "st4te" {
		// The path and the error code only, never the query: it may hold a code.
		b.Fatalf("browser ended at %d %s, error %q, want the callback with a code",
			resp.StatusCode, resp.Request.URL.Path, q.Get("error"))
	}
	return q.Get("code")
}

// tokens is the part of a token response the benchmarks use.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// token posts form to the token endpoint as a public client (client_id in the
// form, no secret) and decodes the answer; it fails on anything but 200 with a
// refresh token.
func token(b *testing.B, c *http.Client, e *testenv.Env, form url.Values) tokens {
	req, err := http.NewRequest(http.MethodPost, e.URL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		tokens
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		b.Fatalf("token %s: status %d, body not JSON: %v", form.Get("grant_type"), resp.StatusCode, err)
	}
	// Only the status and the error code: the body of a success holds tokens.
	if resp.StatusCode != http.StatusOK || out.RefreshToken == "" || out.AccessToken == "" {
		b.Fatalf("token %s: status %d, error %q", form.Get("grant_type"), resp.StatusCode, out.Error)
	}
	return out.tokens
}

// exchange is the application's back end redeeming a code.
func (s *signedIn) exchange(b *testing.B, c *http.Client, code string) tokens {
	return token(b, c, s.e, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {s.app.RedirectURIs[0]},
		"client_id":     {s.app.ClientID},
		"code_verifier": {s.verifier},
	})
}

// BenchmarkRefreshRotation is POST /oauth/token grant_type=refresh_token by a
// public client with its current refresh token; the answer's new refresh token
// is the next op's (rotation: the old one is marked used, a new one stored, an
// access token and an ID token signed). Every op writes.
func BenchmarkRefreshRotation(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			s := signIn(b, e)
			c := client()
			rt := s.exchange(b, c, s.first).RefreshToken
			for b.Loop() {
				rt = token(b, c, e, url.Values{
					"grant_type":    {"refresh_token"},
					"refresh_token": {rt},
					"client_id":     {s.app.ClientID},
				}).RefreshToken
			}
		})
	}
}

// codeBatch is how many codes BenchmarkCodeExchange prepares at a time.
const codeBatch = 100

// BenchmarkCodeExchange is what an application's back end does per sign-in:
// POST /oauth/token grant_type=authorization_code with a fresh code and its PKCE
// verifier (code consumed, grant checked, refresh token stored, access token and
// ID token signed). Codes are single use, so they are made in batches with the
// timer stopped, by the signed-in browser with prompt=none (three requests and
// two writes each, not measured).
func BenchmarkCodeExchange(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			s := signIn(b, e)
			c := client()
			codes := []string{s.first}
			for b.Loop() {
				if len(codes) == 0 {
					b.StopTimer()
					codes = s.codes(b, codeBatch)
					b.StartTimer()
				}
				sink = s.exchange(b, c, codes[0])
				codes = codes[1:]
			}
		})
	}
}

// BenchmarkUserinfo is GET /userinfo with a person's access token: RS256 verify,
// grant lookup (still active?), user lookup, claims as JSON.
func BenchmarkUserinfo(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			s := signIn(b, e)
			c := client()
			at := s.exchange(b, c, s.first).AccessToken
			for b.Loop() {
				get(b, c, e.URL+"/userinfo", at, http.StatusOK)
			}
		})
	}
}
