package browsertest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// oidcClientTS is oidc-client-ts's own browser build, which
// scripts/install-test-deps installs with npm (spa/package-lock.json).
var oidcClientTS = filepath.Join("spa", "node_modules", "oidc-client-ts", "dist", "browser", "oidc-client-ts.min.js")

// spaApp is a single-page application on its own origin (another loopback
// port than firstkey's) built on the unmodified oidc-client-ts: it fetches
// discovery itself, signs in with the code flow and PKCE, renews with its
// refresh token, loads userinfo and signs out, all from the browser, so every
// call to firstkey is a cross-origin fetch that CORS must allow.
const spaApp = `(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('config').textContent);
  var mgr = new oidc.UserManager({
    authority: cfg.authority, client_id: cfg.clientId,
    redirect_uri: location.origin + '/callback', post_logout_redirect_uri: location.origin + '/',
    response_type: 'code', scope: 'openid profile email offline_access',
    loadUserInfo: true, automaticSilentRenew: false,
    revokeTokensOnSignout: true, revokeTokenTypes: ['refresh_token'],
    userStore: new oidc.WebStorageStateStore({ store: window.localStorage })
  });
  function set(id, text) { document.getElementById(id).textContent = text; }
  function state(s) { document.body.setAttribute('data-state', s); }
  function fail(e) { set('error', String(e && (e.message || e))); state('error'); }
  function render(user) {
    set('who', user ? (user.profile.preferred_username || '') : '');
    set('email', user ? (user.profile.email || '') : '');
    set('token', user ? '…' + user.access_token.slice(-12) : ''); // never the whole token on screen
    set('refresh', user && user.refresh_token ? 'yes' : 'no');
  }
  document.getElementById('login').onclick = function () { mgr.signinRedirect().catch(fail); };
  document.getElementById('renew').onclick = function () {
    mgr.signinSilent().then(function (u) { render(u); state('renewed'); }).catch(fail);
  };
  document.getElementById('logout').onclick = function () { mgr.signoutRedirect({ state: 'bye' }).catch(fail); };
  if (location.pathname === '/callback') {
    mgr.signinRedirectCallback().then(function (u) { history.replaceState(null, '', '/'); render(u); state('signed-in'); }).catch(fail);
  } else if (new URLSearchParams(location.search).has('state')) {
    mgr.signoutRedirectCallback().then(function () { render(null); state('signed-out'); }).catch(fail);
  } else {
    mgr.getUser().then(function (u) { render(u); state(u ? 'signed-in' : 'ready'); }).catch(fail);
  }
})();
`

const spaPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard (single-page app)</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#eef2f7;color:#222}
header{background:#5b3fd1;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:720px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 3px #0002}
dd{margin:0 0 8px;font-family:monospace;word-break:break-all}#error{color:#a00}
</style>
<script id="config" type="application/json">CONFIG</script>
<script src="/oidc-client-ts.min.js"></script>
<script src="/app.js" defer></script>
</head>
<body data-state="loading"><header>Dashboard — a single-page app using oidc-client-ts</header><main>
<p><button id="login">Sign in with firstkey</button> <button id="renew">Renew tokens</button> <button id="logout">Sign out</button></p>
<dl><dt>Signed in as</dt><dd id="who"></dd><dt>Email (from userinfo)</dt><dd id="email"></dd>
<dt>Refresh token</dt><dd id="refresh"></dd><dt>Access token (its end)</dt><dd id="token"></dd></dl>
<p id="error"></p>
</main></body></html>`

// newSPA serves the application on 127.0.0.1 (firstkey is at localhost: another
// origin) and registers it as Graph's spa platform does.
func newSPA(t *testing.T, env *testenv.Env) (origin string, app domain.Application) {
	t.Helper()
	lib, err := os.ReadFile(oidcClientTS)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("oidc-client-ts is not installed: %v (scripts/install-test-deps installs it)", err)
		}
		t.Skipf("oidc-client-ts is not installed (run scripts/install-test-deps): %v", err)
	}
	var page string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc-client-ts.min.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(lib)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(spaApp))
	})
	serve := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}
	mux.HandleFunc("GET /{$}", serve)
	mux.HandleFunc("GET /callback", serve)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	origin = srv.URL
	app, _ = env.RegisterApp(t, domain.Application{DisplayName: "Dashboard", PublicClient: true,
		SPARedirectURIs: []string{origin + "/callback", origin + "/"}})
	cfg, _ := json.Marshal(map[string]string{"authority": env.Issuer, "clientId": app.ClientID})
	page = strings.Replace(spaPage, "CONFIG", string(cfg), 1)
	return origin, app
}

// waitState waits until the application shows state (or an error) and fails
// the test with the application's error.
func waitState(t *testing.T, ctx context.Context, what, state string) {
	t.Helper()
	do(t, ctx, what, chromedp.WaitVisible(chromedp.CSS(`body[data-state="`+state+`"] main, body[data-state="error"] main`)))
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.getAttribute("data-state")`)); got != state {
		t.Fatalf("%s: the application says: %s (at %s)", what, text(t, ctx, "#error"), location(t, ctx))
	}
}

// An unmodified oidc-client-ts application on another origin signs in (code
// and PKCE through firstkey's pages, with a pass), renews with its refresh
// token, reads userinfo and signs out, with discovery fetched by the library.
func TestSinglePageAppWithOIDCClientTS(t *testing.T) {
	needBrowser(t)
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	env.EnablePassPolicy(t)
	upn := "ada@example.com"
	env.CreateUser(t, upn)
	origin, _ := newSPA(t, env)
	pass := issuePass(t, env, upn, false)
	ctx := newTab(t)

	do(t, ctx, "open the application", chromedp.Navigate(origin+"/"))
	waitState(t, ctx, "the application is ready", "ready")
	do(t, ctx, "sign in with firstkey",
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	if got := text(t, ctx, "#signin-app"); got != "to continue to Dashboard" {
		t.Errorf("the sign-in page says %q, want it to name the application", got)
	}
	do(t, ctx, "enter the username and the pass",
		chromedp.SendKeys(chromedp.CSS("#username"), upn),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#use-pass")),
		chromedp.Click(chromedp.CSS("#use-pass")),
		chromedp.WaitVisible(chromedp.CSS("#pass")),
		chromedp.SendKeys(chromedp.CSS("#pass"), pass.Code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	waitState(t, ctx, "back at the application, signed in", "signed-in")
	if loc := location(t, ctx); !strings.HasPrefix(loc, origin+"/") {
		t.Fatalf("signed in, but at %s", loc)
	}
	if who, email, refresh := text(t, ctx, "#who"), text(t, ctx, "#email"), text(t, ctx, "#refresh"); who != upn || email != upn || refresh != "yes" {
		t.Fatalf("the application shows %q, %q, refresh token %q", who, email, refresh)
	}
	first := text(t, ctx, "#token")
	screenshot(t, ctx, "spa-signed-in")

	do(t, ctx, "renew silently", chromedp.Click(chromedp.CSS("#renew")))
	waitState(t, ctx, "renewed", "renewed")
	if renewed := text(t, ctx, "#token"); renewed == "" || renewed == first {
		t.Fatalf("the renewal brought no new access token")
	}

	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#logout")))
	waitState(t, ctx, "back at the application, signed out", "signed-out")
	if who := text(t, ctx, "#who"); who != "" {
		t.Errorf("after signing out the application shows %q", who)
	}
	screenshot(t, ctx, "spa-signed-out")
	// firstkey's own session ended too.
	do(t, ctx, "open My Security Info", chromedp.Navigate(env.URL+"/mysecurityinfo"), chromedp.WaitVisible(chromedp.CSS("#username")))
}
