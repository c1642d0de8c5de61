package browsertest_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// relyingParty is a small web application that signs people in with firstkey as
// a real one does, with go-oidc and x/oauth2: /login sends the browser to
// firstkey with state, nonce and PKCE S256; /cb checks the state, exchanges the
// code with the verifier and verifies the ID token and its nonce; /refresh
// refreshes the tokens; /logout signs out at firstkey's end-session endpoint,
// which sends the browser back to /signedout. It keeps what it got for the
// test to inspect.
type relyingParty struct {
	URL        string
	App        domain.Application
	provider   *gooidc.Provider
	verifier   *gooidc.IDTokenVerifier
	config     oauth2.Config
	endSession string

	mu          sync.Mutex
	pending     map[string]pendingLogin // by state
	session     *rpSession              // the latest sign-in or refresh
	logoutState string                  // of the logout under way
	signedOut   bool                    // firstkey came back from a logout with its state
	failure     error                   // the latest error a page showed
}

// pendingLogin is what the application remembers between /login and /cb.
type pendingLogin struct {
	nonce, verifier string
}

// rpSession is a sign-in at the application: the tokens and the verified ID token.
type rpSession struct {
	Token      *oauth2.Token
	RawIDToken string
	IDToken    *gooidc.IDToken
	Claims     idClaims
	Refreshed  bool
}

// idClaims are the ID token's claims the tests look at.
type idClaims struct {
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	Nonce             string   `json:"nonce"`
	Acr               string   `json:"acr"`
	Amr               []string `json:"amr"`
	AuthTime          int64    `json:"auth_time"`
	Sid               string   `json:"sid"`
}

// rpCookie carries the state from /login to /cb in the browser, so that a
// callback another browser started is refused.
const rpCookie = "rp_state"

// newRelyingParty starts the application on loopback and registers it with
// firstkey as a public client whose redirect URIs are its /cb and /signedout.
func newRelyingParty(t *testing.T, env *testenv.Env, app domain.Application) *relyingParty {
	t.Helper()
	rp := &relyingParty{pending: map[string]pendingLogin{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", rp.login)
	mux.HandleFunc("GET /cb", rp.callback)
	mux.HandleFunc("GET /refresh", rp.refreshPage)
	mux.HandleFunc("GET /logout", rp.logout)
	mux.HandleFunc("GET /signedout", rp.signedOutPage)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rp.URL = srv.URL

	app.PublicClient = true
	app.RedirectURIs = []string{rp.URL + "/cb", rp.URL + "/signedout"}
	rp.App, _ = env.RegisterApp(t, app)

	ctx := t.Context()
	provider, err := gooidc.NewProvider(ctx, env.Issuer)
	if err != nil {
		t.Fatalf("relying party discovery: %v", err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil || meta.EndSession == "" {
		t.Fatalf("discovery has no end_session_endpoint: %v", err)
	}
	rp.provider, rp.endSession = provider, meta.EndSession
	rp.verifier = provider.Verifier(&gooidc.Config{ClientID: rp.App.ClientID})
	rp.config = oauth2.Config{
		ClientID:    rp.App.ClientID,
		Endpoint:    provider.Endpoint(),
		RedirectURL: rp.URL + "/cb",
		Scopes:      []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess},
	}
	return rp
}

func (rp *relyingParty) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	rp.mu.Lock()
	rp.pending[state] = pendingLogin{nonce: nonce, verifier: verifier}
	rp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: rpCookie, Value: state, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, rp.config.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)), http.StatusFound)
}

func (rp *relyingParty) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(rpCookie)
	if err != nil || state == "" || c.Value != state {
		rp.fail(w, errors.New("the state does not match the one this browser was sent with"))
		return
	}
	rp.mu.Lock()
	p, ok := rp.pending[state]
	delete(rp.pending, state)
	rp.mu.Unlock()
	if !ok {
		rp.fail(w, errors.New("no sign-in is pending with this state"))
		return
	}
	if e := q.Get("error"); e != "" {
		rp.fail(w, fmt.Errorf("firstkey answered %s: %s", e, q.Get("error_description")))
		return
	}
	tok, err := rp.config.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		rp.fail(w, fmt.Errorf("exchange the code: %w", err))
		return
	}
	s, err := rp.verify(r.Context(), tok)
	if err != nil {
		rp.fail(w, err)
		return
	}
	if s.Claims.Nonce != p.nonce {
		rp.fail(w, fmt.Errorf("the ID token's nonce %q is not the one sent", s.Claims.Nonce))
		return
	}
	rp.mu.Lock()
	rp.session = s
	rp.mu.Unlock()
	rp.show(w, s)
}

// verify checks the ID token of a token response as go-oidc does for any
// application: signature, issuer, audience, expiry, and the access token's hash.
func (rp *relyingParty) verify(ctx context.Context, tok *oauth2.Token) (*rpSession, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("the token response has no ID token")
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify the ID token: %w", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		return nil, fmt.Errorf("verify the access token against the ID token's at_hash: %w", err)
	}
	s := &rpSession{Token: tok, RawIDToken: raw, IDToken: idt}
	if err := idt.Claims(&s.Claims); err != nil {
		return nil, fmt.Errorf("read the ID token's claims: %w", err)
	}
	return s, nil
}

// refresh gets new tokens with oauth2's TokenSource, as an application does
// when its access token has expired (the expiry is put in the past to force it),
// and verifies the new ID token.
func (rp *relyingParty) refresh(ctx context.Context, cur *rpSession) (*rpSession, error) {
	expired := *cur.Token
	expired.Expiry = time.Now().Add(-time.Minute)
	tok, err := rp.config.TokenSource(ctx, &expired).Token()
	if err != nil {
		return nil, err
	}
	s, err := rp.verify(ctx, tok)
	if err != nil {
		return nil, err
	}
	if s.IDToken.Subject != cur.IDToken.Subject {
		return nil, fmt.Errorf("the refreshed ID token is about %s, not %s", s.IDToken.Subject, cur.IDToken.Subject)
	}
	s.Refreshed = true
	return s, nil
}

func (rp *relyingParty) refreshPage(w http.ResponseWriter, r *http.Request) {
	cur := rp.current()
	if cur == nil {
		rp.fail(w, errors.New("nobody is signed in"))
		return
	}
	s, err := rp.refresh(r.Context(), cur)
	if err != nil {
		rp.fail(w, fmt.Errorf("refresh: %w", err))
		return
	}
	rp.mu.Lock()
	rp.session = s
	rp.mu.Unlock()
	rp.show(w, s)
}

// logout signs the person out of the application and sends the browser to
// firstkey's end-session endpoint with the ID token as proof of who it was
// (OpenID Connect RP-Initiated Logout).
func (rp *relyingParty) logout(w http.ResponseWriter, r *http.Request) {
	rp.mu.Lock()
	cur := rp.session
	rp.session = nil
	state := rand.Text()
	rp.logoutState = state
	rp.mu.Unlock()
	if cur == nil {
		rp.fail(w, errors.New("nobody is signed in"))
		return
	}
	q := url.Values{"id_token_hint": {cur.RawIDToken}, "post_logout_redirect_uri": {rp.URL + "/signedout"}, "state": {state}}
	http.Redirect(w, r, rp.endSession+"?"+q.Encode(), http.StatusFound)
}

func (rp *relyingParty) signedOutPage(w http.ResponseWriter, r *http.Request) {
	rp.mu.Lock()
	ok := rp.logoutState != "" && r.URL.Query().Get("state") == rp.logoutState
	rp.signedOut = rp.signedOut || ok
	rp.mu.Unlock()
	if !ok {
		rp.fail(w, errors.New("the logout came back without its state"))
		return
	}
	rp.render(w, http.StatusOK, rpView{Title: "Signed out"})
}

// current is the latest sign-in, or nil.
func (rp *relyingParty) current() *rpSession {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.session
}

// lastFailure is the latest error a page of the application showed.
func (rp *relyingParty) lastFailure() error {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.failure
}

func (rp *relyingParty) wasSignedOut() bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.signedOut
}

func (rp *relyingParty) fail(w http.ResponseWriter, err error) {
	rp.mu.Lock()
	rp.failure = err
	rp.mu.Unlock()
	rp.render(w, http.StatusBadRequest, rpView{Title: "Sign-in failed", Error: err.Error()})
}

func (rp *relyingParty) show(w http.ResponseWriter, s *rpSession) {
	title := "Signed in"
	if s.Refreshed {
		title = "Tokens refreshed"
	}
	c := s.Claims
	rp.render(w, http.StatusOK, rpView{Title: title, Claims: [][2]string{
		{"sub", s.IDToken.Subject},
		{"email", c.Email},
		{"name", c.Name},
		{"preferred_username", c.PreferredUsername},
		{"amr", strings.Join(c.Amr, " ")},
		{"acr", c.Acr},
		{"auth_time", time.Unix(c.AuthTime, 0).UTC().Format(time.RFC3339)},
		{"sid", c.Sid},
		{"nonce", c.Nonce},
		{"ID token expires", s.IDToken.Expiry.UTC().Format(time.RFC3339)},
	}})
}

type rpView struct {
	Title  string
	Error  string
	Claims [][2]string
}

var rpPage = template.Must(template.New("rp").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · Example app</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f1ea;color:#222}
header{background:#1f6f50;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:720px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 3px #0002}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:600}dd{margin:0;font-family:monospace;word-break:break-all}
.error{color:#a00}
</style></head>
<body><header>Example app (relying party)</header><main>
<h1 id="rp-title">{{.Title}}</h1>
{{with .Error}}<p class="error" id="rp-error">{{.}}</p>{{end}}
{{with .Claims}}<p>The ID token was verified with go-oidc. Its claims:</p>
<dl id="rp-claims">{{range .}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
<p><a href="/refresh">Refresh tokens</a> · <a href="/logout" id="rp-logout">Sign out</a></p>{{end}}
{{if not .Claims}}{{if not .Error}}<p id="rp-signed-out">You have signed out of the app and of firstkey.</p>{{end}}{{end}}
<p><a href="/login">Sign in with firstkey</a></p>
</main></body></html>
`))

func (rp *relyingParty) render(w http.ResponseWriter, status int, v rpView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = rpPage.Execute(w, v)
}

// TestOIDCSignInWithPasskey is a person signing in to an application through
// firstkey: first with a multi-use pass, then, after registering a passkey, with
// the passkey. The application gets a verified ID token that says how.
func TestOIDCSignInWithPasskey(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		shots := strings.HasSuffix(t.Name(), "/sqlite")
		const upn = "ada@example.com"
		u := env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, false)
		rp := newRelyingParty(t, env, domain.Application{DisplayName: "Expenses"})
		ctx := newTab(t)

		first := signInToAppWithPass(t, ctx, env, rp, upn, pass.Code)
		if !slices.Contains(first.Claims.Amr, domain.AMRTap) || first.Claims.Acr != "mfa" || first.IDToken.Subject != u.ID {
			t.Errorf("pass sign-in: sub %s, claims %+v", first.IDToken.Subject, first.Claims)
		}

		do(t, ctx, "open My Security Info", chromedp.Navigate(env.URL+"/mysecurityinfo"), chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
		addPasskey(t, ctx, "Work laptop")
		signOut(t, ctx)

		do(t, ctx, "open the application, which sends the browser to firstkey",
			chromedp.Navigate(rp.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")))
		if loc, _ := url.Parse(location(t, ctx)); loc.Scheme+"://"+loc.Host+loc.Path != env.URL+"/login" || !strings.HasPrefix(loc.Query().Get("next"), "/authorize/continue?request=") {
			t.Errorf("the application led to %s, want firstkey's sign-in page continuing to the request", loc)
		}
		// The page is about the application the person came from, not My Security Info.
		if lead := text(t, ctx, ".lead"); lead != "to continue to "+rp.App.DisplayName {
			t.Errorf("the sign-in page reached from the application says %q", lead)
		}
		if shots {
			screenshot(t, ctx, "oidc-signin-from-app")
		}
		s := landOnApp(t, ctx, rp, "sign in with the passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
		if shots {
			screenshot(t, ctx, "oidc-app-signed-in")
		}
		c := s.Claims
		if s.IDToken.Subject != u.ID {
			t.Errorf("sub = %s, want %s", s.IDToken.Subject, u.ID)
		}
		if !slices.Contains(c.Amr, domain.AMRHwk) && !slices.Contains(c.Amr, domain.AMRSwk) || !slices.Contains(c.Amr, domain.AMRMFA) {
			t.Errorf("amr = %v, want a passkey (hwk or swk) and mfa", c.Amr)
		}
		if c.Acr != "phishing_resistant" {
			t.Errorf("acr = %q, want phishing_resistant", c.Acr)
		}
		if c.AuthTime != env.Clock.Now().Unix() {
			t.Errorf("auth_time = %d, want the sign-in's time %d", c.AuthTime, env.Clock.Now().Unix())
		}
		if c.Sid == "" || c.Sid == first.Claims.Sid {
			t.Errorf("sid = %q (the pass session's was %q): want the new session's own", c.Sid, first.Claims.Sid)
		}
		if c.Email != upn || !c.EmailVerified || c.Name != u.DisplayName || c.PreferredUsername != upn {
			t.Errorf("person claims: %+v", c)
		}
		if shown := text(t, ctx, "#rp-claims"); !strings.Contains(shown, "phishing_resistant") || !strings.Contains(shown, upn) {
			t.Errorf("the application shows %q", shown)
		}
	})
}

// TestOIDCRefresh: an application whose access token has expired refreshes it;
// firstkey rotates the refresh token and sends a new ID token about the same
// sign-in. The used refresh token is then refused, and the whole family with it.
func TestOIDCRefresh(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "grace@example.com"
		u := env.CreateUser(t, upn)
		rp := newRelyingParty(t, env, domain.Application{DisplayName: "Timesheets"})
		ctx := newTab(t)
		before := signInToAppWithPasskey(t, ctx, env, rp, u)

		s := landOnApp(t, ctx, rp, "refresh the tokens", chromedp.Navigate(rp.URL+"/refresh"))
		if strings.HasSuffix(t.Name(), "/sqlite") {
			screenshot(t, ctx, "oidc-app-refreshed")
		}
		if got := text(t, ctx, "#rp-title"); got != "Tokens refreshed" {
			t.Errorf("the application says %q after refreshing", got)
		}
		if !s.Refreshed || s == before {
			t.Fatal("the application kept its old tokens")
		}
		if s.Token.AccessToken == "" || s.Token.AccessToken == before.Token.AccessToken {
			t.Error("refreshing gave no new access token")
		}
		if s.Token.RefreshToken == "" || s.Token.RefreshToken == before.Token.RefreshToken {
			t.Error("the refresh token was not rotated")
		}
		if s.RawIDToken == before.RawIDToken {
			t.Error("refreshing gave no new ID token")
		}
		b, a := before.Claims, s.Claims
		if a.Sid != b.Sid || a.AuthTime != b.AuthTime || a.Acr != b.Acr || !slices.Equal(a.Amr, b.Amr) || a.Email != b.Email {
			t.Errorf("the refreshed ID token describes another sign-in: before %+v, after %+v", b, a)
		}
		if info, err := rp.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(s.Token)); err != nil || info.Email != upn {
			t.Errorf("userinfo with the new access token: %+v, %v", info, err)
		}

		// The used refresh token again: refused, and the rotated one with it.
		if _, err := rp.refresh(t.Context(), before); !isInvalidGrant(err) {
			t.Errorf("reusing the used refresh token: %v, want invalid_grant", err)
		}
		if _, err := rp.refresh(t.Context(), s); !isInvalidGrant(err) {
			t.Errorf("the rotated refresh token after its predecessor was replayed: %v, want invalid_grant", err)
		}
	})
}

// TestOIDCLogout: the application signs the person out at firstkey's
// end-session endpoint with the ID token as proof. The browser comes back to the
// application with its state, firstkey's session is gone, and the tokens firstkey
// gave the application no longer work.
func TestOIDCLogout(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "hedy@example.com"
		u := env.CreateUser(t, upn)
		rp := newRelyingParty(t, env, domain.Application{DisplayName: "Wiki"})
		ctx := newTab(t)
		before := signInToAppWithPass(t, ctx, env, rp, upn, env.IssuePass(t, u.ID, false))
		if _, err := rp.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(before.Token)); err != nil {
			t.Fatalf("userinfo before logout: %v", err)
		}

		do(t, ctx, "sign out of the application",
			chromedp.Click(chromedp.CSS("#rp-logout")),
			chromedp.WaitVisible(chromedp.CSS("#rp-title")))
		if err := rp.lastFailure(); err != nil {
			t.Fatalf("logout: the application says %v", err)
		}
		loc, _ := url.Parse(location(t, ctx))
		rp.mu.Lock()
		state := rp.logoutState
		rp.mu.Unlock()
		if loc.Scheme+"://"+loc.Host+loc.Path != rp.URL+"/signedout" || loc.Query().Get("state") != state || !rp.wasSignedOut() {
			t.Errorf("logout came back to %s, want %s/signedout with state %s", loc, rp.URL, state)
		}
		if strings.HasSuffix(t.Name(), "/sqlite") {
			screenshot(t, ctx, "oidc-app-signed-out")
		}

		cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{env.URL + "/"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cookies.Cookies {
			if c.Name == web.SessionCookie {
				t.Errorf("firstkey's session cookie is still set after logout")
			}
		}
		do(t, ctx, "open My Security Info",
			chromedp.Navigate(env.URL+"/mysecurityinfo"),
			chromedp.WaitVisible(chromedp.CSS("#username")))
		if loc, _ := url.Parse(location(t, ctx)); loc.Path != "/login" {
			t.Errorf("My Security Info after logout led to %s, want the sign-in page", loc)
		}

		if _, err := rp.refresh(t.Context(), before); !isInvalidGrant(err) {
			t.Errorf("refresh after logout: %v, want invalid_grant", err)
		}
		if _, err := rp.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(before.Token)); err == nil {
			t.Error("userinfo still answers the access token after logout")
		}
	})
}

// TestOIDCStepUp: an application that requires a passkey refuses a pass
// session with a page that offers the passkey, and the passkey takes the person
// on to the application. A one-time pass session, which may only register a
// passkey, gets a page that says so from any application.
func TestOIDCStepUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		shots := strings.HasSuffix(t.Name(), "/sqlite")
		const upn = "grace@example.com"
		u := env.CreateUser(t, upn)
		pass := env.IssuePass(t, u.ID, false)
		strong := newRelyingParty(t, env, domain.Application{DisplayName: "Payroll", RequiredStrength: domain.StrengthPhishingResistant})
		ctx := newTab(t)
		signInWithPass(t, ctx, env, upn, pass)
		addPasskey(t, ctx, "Work laptop")

		// Still signed in with the pass, which is not enough for Payroll.
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(strong.URL+"/login"))
		if err != nil {
			t.Fatalf("open Payroll: %v", err)
		}
		do(t, ctx, "see the step-up page", chromedp.WaitVisible(chromedp.CSS("#stepup-reason")))
		if resp.Status != http.StatusForbidden {
			t.Errorf("step-up page status %d, want 403", resp.Status)
		}
		if title, _ := chromedp.Run(ctx, chromedp.Title()); !strings.HasPrefix(title, "A stronger sign-in is needed") {
			t.Errorf("step-up page title %q", title)
		}
		if reason := text(t, ctx, "#stepup-reason"); !strings.Contains(reason, "Payroll requires a passkey") {
			t.Errorf("step-up reason %q", reason)
		}
		if b := text(t, ctx, "[data-passkey-signin]"); b != "Sign in with a passkey" {
			t.Errorf("the step-up page's button says %q", b)
		}
		if shots {
			screenshot(t, ctx, "oidc-stepup")
		}
		s := landOnApp(t, ctx, strong, "step up with the passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
		if s.IDToken.Subject != u.ID || s.Claims.Acr != "phishing_resistant" || !slices.Contains(s.Claims.Amr, domain.AMRMFA) ||
			!slices.Contains(s.Claims.Amr, domain.AMRHwk) && !slices.Contains(s.Claims.Amr, domain.AMRSwk) {
			t.Errorf("after step-up: sub %s, claims %+v", s.IDToken.Subject, s.Claims)
		}

		// A one-time pass session, at an application that requires nothing and at
		// one that requires a passkey.
		const joiner = "linus@example.com"
		j := env.CreateUser(t, joiner)
		oneTime := env.IssuePass(t, j.ID, true)
		plain := newRelyingParty(t, env, domain.Application{DisplayName: "Wiki"})
		ctx2 := newTab(t)
		signInWithPass(t, ctx2, env, joiner, oneTime)
		for _, rp := range []*relyingParty{plain, strong} {
			resp, err := chromedp.Run(ctx2, chromedp.NavigateResponse(rp.URL+"/login"))
			if err != nil {
				t.Fatalf("open %s: %v", rp.App.DisplayName, err)
			}
			if resp.Status != http.StatusForbidden {
				t.Errorf("%s with a one-time pass session: status %d, want 403", rp.App.DisplayName, resp.Status)
			}
			msg := text(t, ctx2, "main .alert.warning")
			if !strings.Contains(msg, "one-time Temporary Access Pass") || !strings.Contains(msg, "only be used to register a passkey, not to sign in to "+rp.App.DisplayName) {
				t.Errorf("%s with a one-time pass session: the page says %q", rp.App.DisplayName, msg)
			}
			if n, _ := chromedp.Run(ctx2, chromedp.Evaluate[int](`document.querySelectorAll("#stepup-reason, [data-passkey-signin]").length`)); n != 0 {
				t.Errorf("%s: the registration-only page offers a passkey sign-in", rp.App.DisplayName)
			}
			if href, _ := chromedp.Run(ctx2, chromedp.Evaluate[string](`document.querySelector("main a.button").getAttribute("href")`)); !strings.HasPrefix(href, "/mysecurityinfo?next=%2fauthorize%2fcontinue%3frequest%3d") {
				t.Errorf("%s: the registration-only page links to %q, want /mysecurityinfo carrying the sign-in along", rp.App.DisplayName, href)
			}
			if shots && rp == plain {
				screenshot(t, ctx2, "oidc-registration-only")
			}
		}
		// Cancelling goes back to the application with access_denied, and it gets no tokens.
		do(t, ctx2, "cancel", chromedp.Click(chromedp.CSS("#stepup-cancel")), chromedp.WaitVisible(chromedp.CSS("#rp-error")))
		if err := strong.lastFailure(); err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Errorf("after cancelling, the application has %v, want access_denied", err)
		}
		if plain.current() != nil {
			t.Error("a one-time pass session got tokens for an application")
		}
	})
}

// signInToAppWithPass goes from the application to firstkey, signs in with a
// pass there, and comes back to the application.
func signInToAppWithPass(t *testing.T, ctx context.Context, env *testenv.Env, rp *relyingParty, upn, code string) *rpSession {
	t.Helper()
	do(t, ctx, "open the application, which sends the browser to firstkey",
		chromedp.Navigate(rp.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	if loc := location(t, ctx); !strings.HasPrefix(loc, env.URL+"/login?") {
		t.Fatalf("the application led to %s, want firstkey's sign-in page", loc)
	}
	do(t, ctx, "give the username",
		chromedp.SendKeys(chromedp.CSS("#username"), upn),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#use-pass")))
	// Changing the username must not lose the application's request.
	change, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".identity-change").href`))
	if cu, perr := url.Parse(change); err != nil || perr != nil || !strings.HasPrefix(cu.Query().Get("next"), "/authorize/continue?request=") {
		t.Errorf("the methods page's Change link is %q (%v): it drops the application's request", change, err)
	}
	do(t, ctx, "choose the pass",
		chromedp.Click(chromedp.CSS("#use-pass")),
		chromedp.WaitVisible(chromedp.CSS("#pass")))
	return landOnApp(t, ctx, rp, "sign in with the pass",
		chromedp.SendKeys(chromedp.CSS("#pass"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
}

// signInToAppWithPasskey gives a new person a passkey (a pass sign-in on
// firstkey, then My Security Info), signs out, and signs in to the application
// with the passkey.
func signInToAppWithPasskey(t *testing.T, ctx context.Context, env *testenv.Env, rp *relyingParty, u domain.User) *rpSession {
	t.Helper()
	signInWithPass(t, ctx, env, u.UserPrincipalName, env.IssuePass(t, u.ID, false))
	addPasskey(t, ctx, "Work laptop")
	signOut(t, ctx)
	do(t, ctx, "open the application, which sends the browser to firstkey",
		chromedp.Navigate(rp.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")))
	return landOnApp(t, ctx, rp, "sign in with the passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
}

// addPasskey registers a passkey on My Security Info.
func addPasskey(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	do(t, ctx, "add a passkey",
		emptyField("#passkey-name"),
		chromedp.SendKeys(chromedp.CSS("#passkey-name"), name),
		chromedp.Click(chromedp.CSS("#add-passkey-button")),
		chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
}

// landOnApp runs steps that end on the application's page and returns the
// sign-in it verified; the test fails if the application refused it.
func landOnApp(t *testing.T, ctx context.Context, rp *relyingParty, what string, steps ...chromedp.Action[chromedp.Void]) *rpSession {
	t.Helper()
	do(t, ctx, what, append(steps, chromedp.WaitVisible(chromedp.CSS("#rp-title")))...)
	if err := rp.lastFailure(); err != nil {
		t.Fatalf("%s: the application says: %v", what, err)
	}
	if loc := location(t, ctx); !strings.HasPrefix(loc, rp.URL+"/") {
		t.Fatalf("%s: ended at %s, not at the application", what, loc)
	}
	s := rp.current()
	if s == nil {
		t.Fatalf("%s: the application has no sign-in", what)
	}
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("read the location: %v", err)
	}
	return loc
}

// isInvalidGrant reports whether the token endpoint refused with invalid_grant.
func isInvalidGrant(err error) bool { return isOAuthError(err, "invalid_grant") }

// isOAuthError reports whether the token endpoint refused with that error code.
func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}
