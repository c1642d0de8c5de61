package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

func TestLoginPages(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		issuePass(t, env, "ada@example.com", true)
		b := newBrowser(t, env)

		first := b.get("/login?login_hint=ada%40example.com")
		wantStatus(t, "first step", first, http.StatusOK)
		for _, want := range []string{`value="ada@example.com"`, `data-passkey-signin`, `<label for="username">`, `src="/static/passkey.js"`} {
			if !strings.Contains(first.Body, want) {
				t.Errorf("first step lacks %s", want)
			}
		}
		if csp := first.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		if strings.Contains(first.Body, "<script>") || strings.Contains(first.Body, " style=") || strings.Contains(first.Body, " onclick=") {
			t.Error("a page carries inline script or style, which the CSP forbids")
		}

		// Step two offers both methods to everyone: an account with a pass, one
		// without, and nobody at all look the same.
		env.CreateUser(t, "bob@example.com")
		var pages []string
		for _, upn := range []string{"ada@example.com", "bob@example.com", "nobody@example.com"} {
			r := b.get("/login?username=" + url.QueryEscape(upn))
			wantStatus(t, "methods of "+upn, r, http.StatusOK)
			if !strings.Contains(r.Body, "Use a passkey") || !strings.Contains(r.Body, "Use a Temporary Access Pass") {
				t.Errorf("methods page for %s does not offer both methods", upn)
			}
			pages = append(pages, strings.ReplaceAll(r.Body, html.EscapeString(url.QueryEscape(upn)), "U"))
		}
		for i := range pages {
			pages[i] = strings.NewReplacer("ada@example.com", "U", "bob@example.com", "U", "nobody@example.com", "U").Replace(pages[i])
		}
		if pages[0] != pages[1] || pages[1] != pages[2] {
			t.Error("the methods page differs between an account with a pass, one without, and an unknown name")
		}

		if r := b.get("/login?username=+"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Enter your username") {
			t.Errorf("empty username: %d", r.Status)
		}
		pass := b.get("/login/pass?username=ada%40example.com")
		if pass.Status != http.StatusOK || !strings.Contains(pass.Body, `type="password"`) || !strings.Contains(pass.Body, `name="username" value="ada@example.com"`) {
			t.Errorf("pass prompt: %d", pass.Status)
		}
		if r := b.get("/login/pass"); r.Status != http.StatusSeeOther || r.location() != "/login" {
			t.Errorf("pass prompt without a username: %d → %q", r.Status, r.location())
		}
		if r := b.get("/static/app.css"); r.Status != http.StatusOK || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("stylesheet: %d", r.Status)
		}
		if r := b.get("/static/"); r.Status != http.StatusNotFound {
			t.Errorf("static folder listing: %d", r.Status)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther || r.location() != "/mysecurityinfo" {
			t.Errorf("/: %d → %q", r.Status, r.location())
		}
	})
}

func TestPassSignIn(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		env.CreateUser(t, "bob@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		b := newBrowser(t, env)

		// Every failure says the same, whatever the reason.
		for _, c := range []struct{ upn, code string }{
			{"ada@example.com", "WRONGPASS"},
			{"bob@example.com", "WRONGPASS"}, // no pass at all
			{"nobody@example.com", p.Code},   // no such account
		} {
			r := b.form("/login/tap", url.Values{"username": {c.upn}, "pass": {c.code}})
			if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, html.EscapeString(directory.ErrSignInFailed.Message)) || r.cookie() != nil {
				t.Errorf("sign-in as %s with a bad pass: %d", c.upn, r.Status)
			}
			if !strings.Contains(r.Body, `role="alert"`) || !strings.Contains(r.Body, `aria-invalid="true"`) {
				t.Errorf("the failure is not announced to assistive technology")
			}
		}
		if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Enter your Temporary Access Pass") {
			t.Errorf("missing pass: %d", r.Status)
		}
		if r := b.form("/login/tap", url.Values{"pass": {p.Code}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Enter your username") {
			t.Errorf("missing username: %d", r.Status)
		}

		ok := b.signInWithPass("ada@example.com", p.Code)
		c := ok.cookie()
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("session cookie flags: HttpOnly %v, SameSite %v, Path %q, Secure %v (want no Secure over http)", c.HttpOnly, c.SameSite, c.Path, c.Secure)
		}
		// A browser-session cookie: closing the browser forgets it.
		if c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("session cookie is persistent: Max-Age %d, Expires %v", c.MaxAge, c.Expires)
		}
		page := b.get("/mysecurityinfo")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "you can only register a passkey, for the next 10 minutes") {
			t.Errorf("My Security Info after a one-time pass: %d", page.Status)
		}
		if strings.Contains(page.Body, p.Code) {
			t.Error("My Security Info shows the pass")
		}
		if strings.Contains(env.Logs(), p.Code) {
			t.Error("the log contains the pass")
		}
	})
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		// The same pages as deployed behind a TLS-terminating proxy at an https URL.
		mux := http.NewServeMux()
		web.New(web.Config{Directory: env.Dir, BaseURL: "https://id.example.com"}).Mount(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			PostForm(srv.URL+"/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var c *http.Cookie
		for _, x := range resp.Cookies() {
			if x.Name == web.SessionCookie {
				c = x
			}
		}
		if resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly {
			t.Fatalf("sign-in behind https: %d, cookie %+v", resp.StatusCode, c)
		}
	})
}

func TestSignOut(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		token := b.csrf()

		if r := b.form("/logout", url.Values{}); r.Status != http.StatusForbidden {
			t.Errorf("sign-out without the CSRF token: %d", r.Status)
		}
		if r := b.form("/logout", url.Values{"csrf": {"forged"}}); r.Status != http.StatusForbidden {
			t.Errorf("sign-out with a wrong CSRF token: %d", r.Status)
		}
		if r := b.form("/logout", url.Values{"csrf": {token}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
			t.Errorf("cross-site sign-out: %d", r.Status)
		}
		if r := b.get("/mysecurityinfo"); r.Status != http.StatusOK {
			t.Fatalf("refused sign-outs ended the session: %d", r.Status)
		}
		r := b.form("/logout", url.Values{"csrf": {token}})
		if r.Status != http.StatusSeeOther || r.location() != "/login?m=signedout" || r.cookie() == nil || r.cookie().MaxAge >= 0 {
			t.Fatalf("sign-out: %d → %q", r.Status, r.location())
		}
		if r := b.get("/login?m=signedout"); !strings.Contains(r.Body, "You have signed out.") {
			t.Error("the sign-in page does not confirm the sign-out")
		}
		if r := b.get("/mysecurityinfo"); r.Status != http.StatusSeeOther || r.location() != "/login" {
			t.Errorf("after sign-out: %d → %q", r.Status, r.location())
		}
		// Without a session, sign-out only clears the cookie.
		if r := b.form("/logout", url.Values{}); r.Status != http.StatusSeeOther {
			t.Errorf("sign-out without a session: %d", r.Status)
		}
	})
}

// TestSigningInAgainEndsThePreviousSession: a browser that signs in again leaves
// no live session behind.
func TestSigningInAgainEndsThePreviousSession(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		first := b.signInWithPass("ada@example.com", p.Code).cookie().Value
		second := b.signInWithPass("ada@example.com", p.Code).cookie().Value
		if first == second {
			t.Fatal("a second sign-in reused the session id")
		}
		if _, err := env.Dir.Session(t.Context(), first); err == nil {
			t.Error("the first session is still live after signing in again")
		}
		if _, err := env.Dir.Session(t.Context(), second); err != nil {
			t.Errorf("the new session: %v", err)
		}
	})
}

// TestLockOut: five wrong passes from one address lock that address out for the
// name; the right pass from there is then refused with the locked message (and
// logged as 50053) until the lock ends.
func TestLockOut(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		for i := range domain.SourceLockout.Threshold {
			if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONG" + string(rune('A'+i))}}); r.Status != http.StatusUnauthorized {
				t.Fatalf("wrong pass %d: %d", i+1, r.Status)
			}
		}
		r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}})
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, html.EscapeString(directory.ErrAccountLocked.Message)) || r.cookie() != nil {
			t.Fatalf("right pass while locked: %d\n%s", r.Status, r.Body)
		}
		locked, wrong := 0, 0
		for _, s := range signInLog(t, env) {
			switch s.ErrorCode {
			case domain.SignInAccountLocked:
				locked++
			case domain.SignInPassInvalid:
				wrong++
			}
		}
		if locked != 1 || wrong != domain.SourceLockout.Threshold {
			t.Errorf("sign-in log: %d locked-out attempts (want 1, code %d), %d wrong passes (want %d)", locked, domain.SignInAccountLocked, wrong, domain.SourceLockout.Threshold)
		}
		env.Clock.Advance(domain.SourceLockout.Base + time.Second)
		b.signInWithPass("ada@example.com", p.Code)
	})
}

// TestPassRevokedAfterHundredFailures: guesses against one pass, however slow,
// end with the pass revoked. Each round of wrong guesses, one short of the
// lock-out, ends with a right sign-in, which resets the lock-out but not the
// pass's count.
func TestPassRevokedAfterHundredFailures(t *testing.T) {
	manyAttempts := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1000, Per: time.Minute} }
	eachBackend(t, manyAttempts, func(t *testing.T, env *testenv.Env) {
		u := env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		failures := 0
		for failures < domain.MaxPassFailures {
			for i := 0; i < domain.SourceLockout.Threshold-1 && failures < domain.MaxPassFailures; i++ {
				if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONGPASS"}}); r.Status != http.StatusUnauthorized {
					t.Fatalf("wrong pass after %d failures: %d", failures, r.Status)
				}
				failures++
			}
			if failures < domain.MaxPassFailures {
				b.signInWithPass("ada@example.com", p.Code)
			}
		}
		if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("the right pass after %d failures: %d, want it revoked", failures, r.Status)
		}
		if passes, err := env.Dir.OwnPasses(t.Context(), u.ID); err != nil || len(passes) != 0 {
			t.Errorf("passes after the cap: %v, %v", passes, err)
		}
		audits, _, err := env.Dir.ListAudits(t.Context(), domain.SystemActor(), store.ListOptions{Top: 500})
		if err != nil {
			t.Fatal(err)
		}
		revoked := false
		for _, a := range audits {
			for _, d := range a.AdditionalDetails {
				if strings.Contains(d.Value, "Revoked after 100 failed sign-in attempts") {
					revoked = true
				}
			}
		}
		if !revoked {
			t.Error("the revocation is not in the audit log")
		}
	})
}

// Someone who types the right pass after it was used or expired is told so,
// and to ask for a new one; anyone who types a wrong pass for the same account
// still hears only that the name and pass did not work.
func TestRightPassThatNoLongerWorks(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		once := issuePass(t, env, "ada@example.com", true)
		b := newBrowser(t, env)
		wantStatus(t, "sign-in with the one-time pass", b.signInWithPass("ada@example.com", once.Code), http.StatusSeeOther)

		r := newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {once.Code}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, html.EscapeString(directory.ErrPassUsed.Message)) {
			t.Fatalf("the used pass again: %d\n%s", r.Status, r.Body)
		}
		r = newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONGPASS1"}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, html.EscapeString(directory.ErrSignInFailed.Message)) ||
			strings.Contains(r.Body, "already been used") {
			t.Fatalf("a wrong pass: %d\n%s", r.Status, r.Body)
		}

		multi := issuePass(t, env, "ada@example.com", false)
		env.Clock.Advance(time.Duration(multi.LifetimeInMinutes+1) * time.Minute)
		r = newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {multi.Code}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, html.EscapeString(directory.ErrPassExpired.Message)) {
			t.Fatalf("the expired pass: %d\n%s", r.Status, r.Body)
		}
	})
}
