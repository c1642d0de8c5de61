package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Helpers shared by the HTTP-level tests of the code flow (negative_test.go,
// tokens_test.go, discovery_test.go). They drive firstkey the way a relying
// party built on go-oidc and x/oauth2, and a browser without JavaScript, do.

// scopeAPI asks for an access token firstkey's own API (/v1.0) accepts.
const scopeAPI = "api://firstkey/.default"

// rp is a relying party registered with a firstkey under test: its
// application, its callback server and an oauth2 configuration built from
// discovery.
type rp struct {
	t        *testing.T
	e        *testenv.Env
	app      domain.Application
	secret   string // "" for a public client
	cb       *testenv.Callback
	provider *gooidc.Provider
	cfg      oauth2.Config
}

// newRP registers app (with the callback as its redirect URI unless it names
// its own) and discovers the provider. With no scopes it asks for openid,
// profile, email and offline_access.
func newRP(t *testing.T, e *testenv.Env, app domain.Application, scopes ...string) *rp {
	t.Helper()
	cb := testenv.NewCallback(t)
	if len(app.RedirectURIs) == 0 {
		app.RedirectURIs = []string{cb.URL}
	}
	app, sec := e.RegisterApp(t, app)
	provider, err := gooidc.NewProvider(t.Context(), e.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}
	}
	ep := provider.Endpoint()
	// Never auto-detect: x/oauth2 would retry a refused exchange with the other
	// style, presenting the code a second time.
	ep.AuthStyle = oauth2.AuthStyleInParams
	if sec != "" {
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	return &rp{t: t, e: e, app: app, secret: sec, cb: cb, provider: provider,
		cfg: oauth2.Config{ClientID: app.ClientID, ClientSecret: sec, Endpoint: ep, RedirectURL: app.RedirectURIs[0], Scopes: scopes}}
}

// endpoint reads an endpoint's URL from the discovery document.
func (r *rp) endpoint(name string) string {
	r.t.Helper()
	var doc map[string]any
	if err := r.provider.Claims(&doc); err != nil {
		r.t.Fatalf("discovery document: %v", err)
	}
	u, _ := doc[name].(string)
	if u == "" {
		r.t.Fatalf("discovery has no %s", name)
	}
	return u
}

// withScopes returns a copy of the configuration asking for other scopes.
func (r *rp) withScopes(scopes ...string) oauth2.Config {
	c := r.cfg
	c.Scopes = scopes
	return c
}

// browser is a cookie-jar client that follows redirects, as a browser without
// JavaScript does, and remembers every URL it was redirected to.
type browser struct {
	*http.Client
	hops []*url.URL
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{}
	b.Client = &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			b.hops = append(b.hops, req.URL)
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}}
	return b
}

// page is where a browser ended up after following redirects.
type page struct {
	status int
	url    *url.URL
	body   string
	hops   []*url.URL // the redirects on the way
}

// visit loads u and follows its redirects.
func (b *browser) visit(t *testing.T, u string) page {
	t.Helper()
	b.hops = nil
	resp, err := b.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(body), hops: b.hops}
}

// visited reports whether the way to the page passed a URL with this path.
func (p page) visited(path string) bool {
	for _, u := range p.hops {
		if u.Path == path {
			return true
		}
	}
	return p.url.Path == path
}

// randomState returns a fresh OAuth state value.
func randomState(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signInPass signs in with a pass on the sign-in page p led to, continuing
// to where p's next parameter points, and returns where the browser ended up.
func (r *rp) signInPass(b *browser, p page, upn, pass string) page {
	r.t.Helper()
	if p.status != http.StatusOK || p.url.Path != "/login" {
		r.t.Fatalf("expected the sign-in page, got %d %s", p.status, p.url)
	}
	next := p.url.Query().Get("next")
	if next == "" {
		r.t.Fatalf("sign-in page %s has no next", p.url)
	}
	b.hops = nil
	resp, err := b.PostForm(r.e.URL+"/login/tap", url.Values{"username": {upn}, "pass": {pass}, "next": {next}})
	if err != nil {
		r.t.Fatalf("pass sign-in: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(body), hops: b.hops}
}

// flow is one code-flow authorization that reached the application's callback.
type flow struct {
	code     string
	verifier string // "" without PKCE
	cfg      oauth2.Config
}

// codeFlow runs authorize → (pass sign-in when the browser has no session) →
// callback with PKCE S256 and the given configuration, and returns the code.
// pass may be "" when the browser is expected to be signed in already.
func (r *rp) codeFlow(b *browser, cfg oauth2.Config, upn, pass string, opts ...oauth2.AuthCodeOption) flow {
	r.t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := r.authorizeCode(b, cfg, upn, pass, append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, opts...)...)
	return flow{code: code, verifier: verifier, cfg: cfg}
}

// authorizeCode runs the authorization with exactly the given options (no
// PKCE unless they add it) and returns the code the callback received.
func (r *rp) authorizeCode(b *browser, cfg oauth2.Config, upn, pass string, opts ...oauth2.AuthCodeOption) string {
	r.t.Helper()
	state := randomState(r.t)
	p := b.visit(r.t, cfg.AuthCodeURL(state, opts...))
	if p.url.Path == "/login" {
		if pass == "" {
			r.t.Fatalf("authorize asked to sign in, but the browser should have a session")
		}
		p = r.signInPass(b, p, upn, pass)
	}
	got := r.cb.Last()
	if got == nil || got.Get("state") != state || got.Get("code") == "" {
		r.t.Fatalf("callback got %v, want a code with state %q (browser at %d %s)", got, state, p.status, p.url)
	}
	return got.Get("code")
}

// signIn is codeFlow with the relying party's own configuration.
func (r *rp) signIn(b *browser, upn, pass string, opts ...oauth2.AuthCodeOption) flow {
	r.t.Helper()
	return r.codeFlow(b, r.cfg, upn, pass, opts...)
}

// exchange redeems the flow's code with its verifier.
func (f flow) exchange(ctx context.Context) (*oauth2.Token, error) {
	if f.verifier == "" {
		return f.cfg.Exchange(ctx, f.code)
	}
	return f.cfg.Exchange(ctx, f.code, oauth2.VerifierOption(f.verifier))
}

// tokens exchanges the flow's code and fails the test if that is refused.
func (r *rp) tokens(f flow) *oauth2.Token {
	r.t.Helper()
	tok, err := f.exchange(r.t.Context())
	if err != nil {
		r.t.Fatalf("code exchange: %v", err)
	}
	if tok.AccessToken == "" {
		r.t.Fatal("code exchange returned no access token")
	}
	return tok
}

// refresh uses a refresh token once.
func (r *rp) refresh(rt string) (*oauth2.Token, error) {
	return r.cfg.TokenSource(r.t.Context(), &oauth2.Token{RefreshToken: rt}).Token()
}

// wantOAuthError checks that a token request was refused with the HTTP status
// and OAuth error code, and that it issued no token.
func wantOAuthError(t *testing.T, what string, tok *oauth2.Token, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("%s: got token %v, error %v; want %d %s", what, tok != nil, err, status, code)
	}
	if re.Response.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("%s: got %d %q (%s), want %d %s", what, re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, status, code)
	}
	if tok != nil || strings.Contains(string(re.Body), "access_token") {
		t.Fatalf("%s: a refused request issued tokens: %s", what, re.Body)
	}
}

// bearer calls url with the access token (none when it is "") and returns
// the status, body and the WWW-Authenticate challenge.
func bearer(t *testing.T, method, u, token string) (status int, body, challenge string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header.Get("WWW-Authenticate")
}

// wantBearerStatus checks the status an endpoint answers for an access token.
func wantBearerStatus(t *testing.T, what, u, token string, want int) string {
	t.Helper()
	status, body, _ := bearer(t, http.MethodGet, u, token)
	if status != want {
		t.Fatalf("%s: GET %s answered %d, want %d: %s", what, u, status, want, body)
	}
	return body
}

// wantInvalidToken checks that /userinfo refuses a token as RFC 6750 §3.1
// asks: 401 with a Bearer challenge naming invalid_token.
func wantInvalidToken(t *testing.T, what, userinfo, token string) {
	t.Helper()
	status, body, challenge := bearer(t, http.MethodGet, userinfo, token)
	if status != http.StatusUnauthorized || !strings.HasPrefix(challenge, `Bearer error="invalid_token"`) {
		t.Fatalf("%s: userinfo answered %d with challenge %q, want 401 invalid_token: %s", what, status, challenge, body)
	}
}

// postForm posts a back-channel form, with HTTP Basic client authentication
// when clientID is set, and decodes the JSON answer.
func postForm(t *testing.T, u string, form url.Values, clientID, secret string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body
}

// jwtClaims decodes a compact JWT's payload without checking it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	return jwtSegment(t, tok, 1)
}

// jwtSegment decodes the header (0) or payload (1) of a compact JWT.
func jwtSegment(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decode JWT segment: %v", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("JWT segment is not JSON: %v", err)
	}
	return m
}

// grantIDOf returns the grant a person's access token belongs to: its jti is
// "g.<grant id>.<random>".
func grantIDOf(t *testing.T, accessToken string) string {
	t.Helper()
	jti, _ := jwtClaims(t, accessToken)["jti"].(string)
	parts := strings.Split(jti, ".")
	if len(parts) != 3 || parts[0] != "g" || parts[1] == "" {
		t.Fatalf("access token jti %q does not name a grant", jti)
	}
	return parts[1]
}

// wantGrantRevoked checks the stored grant was revoked for the reason.
func wantGrantRevoked(t *testing.T, e *testenv.Env, grantID, reason string) {
	t.Helper()
	g, err := e.Store.GetGrant(t.Context(), grantID)
	if err != nil {
		t.Fatalf("load grant: %v", err)
	}
	if g.RevokedDateTime.IsZero() || g.RevokedReason != reason {
		t.Fatalf("grant revoked at %v for %q, want revoked for %q", g.RevokedDateTime, g.RevokedReason, reason)
	}
}

// signedIn is a firstkey with one person and a public client the person's
// browser has signed in to once, with a multi-use pass.
type signedIn struct {
	e   *testenv.Env
	u   domain.User
	r   *rp
	b   *browser
	tok *oauth2.Token // from the first sign-in
}

func newSignedIn(t *testing.T, be storetest.Backend, app domain.Application) signedIn {
	t.Helper()
	e := testenv.New(t, be)
	e.EnablePassPolicy(t)
	u := e.CreateUser(t, "ada@example.com")
	app.PublicClient = true
	r := newRP(t, e, app)
	b := newBrowser(t)
	tok := r.tokens(r.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false)))
	return signedIn{e: e, u: u, r: r, b: b, tok: tok}
}
