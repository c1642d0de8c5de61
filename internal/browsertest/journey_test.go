package browsertest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// eachBackend runs fn in parallel on SQLite and PostgreSQL, each with a firstkey
// whose issuer is http://localhost:PORT (passkeys need a host name).
func eachBackend(t *testing.T, fn func(t *testing.T, env *testenv.Env)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			needBrowser(t)
			env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true})
			env.EnablePassPolicy(t)
			fn(t, env)
		})
	}
}

// TestFromPassToPasskey is a new joiner's first morning: the administrator issues
// a one-time pass, the joiner signs in with it, registers a passkey, and from then
// on signs in with the passkey, by username and without one. The used pass no
// longer works, and the sign-in log tells the administrator all of it.
func TestFromPassToPasskey(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		shots := strings.HasSuffix(t.Name(), "/sqlite") // one set of screenshots is enough
		const upn = "ada@example.com"
		env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, true)
		ctx := newTab(t)

		// The pass: username first, then the method.
		do(t, ctx, "open the sign-in page",
			chromedp.Navigate(env.URL+"/login?login_hint="+url.QueryEscape(upn)),
			chromedp.WaitVisible(chromedp.CSS("#username")))
		if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#username"))); v != upn {
			t.Errorf("login_hint did not prefill the username: %q", v)
		}
		if shots {
			screenshot(t, ctx, "signin")
		}
		do(t, ctx, "go to the methods",
			chromedp.Click(chromedp.CSS("form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#use-pass")))
		if shots {
			screenshot(t, ctx, "signin-methods")
		}
		do(t, ctx, "choose the pass", chromedp.Click(chromedp.CSS("#use-pass")), chromedp.WaitVisible(chromedp.CSS("#pass")))
		if shots {
			screenshot(t, ctx, "pass-prompt")
		}
		do(t, ctx, "sign in with the pass",
			chromedp.SendKeys(chromedp.CSS("#pass"), pass.Code),
			chromedp.Click(chromedp.CSS("form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
		if banner := text(t, ctx, ".banner"); !strings.Contains(banner, "you can only register a passkey, for the next 10 minutes") {
			t.Errorf("one-time pass session banner = %q", banner)
		}

		// A passkey, named.
		do(t, ctx, "add a passkey",
			emptyField("#passkey-name"),
			chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Work laptop"),
			chromedp.Click(chromedp.CSS("#add-passkey-button")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		if got := text(t, ctx, "#passkey-list .method-name"); got != "Work laptop" {
			t.Errorf("registered passkey is listed as %q", got)
		}
		if got := text(t, ctx, ".alert.success"); !strings.Contains(got, "passkey was added") {
			t.Errorf("after registering, the page says %q", got)
		}
		if shots {
			screenshot(t, ctx, "mysecurityinfo")
		}
		signOut(t, ctx)

		// The passkey, by username.
		do(t, ctx, "sign in with the passkey by username",
			chromedp.Navigate(env.URL+"/login?username="+url.QueryEscape(upn)),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
			chromedp.Click(chromedp.CSS("[data-passkey-signin]")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".banner").length`)); n != 0 {
			t.Error("a passkey session is shown the one-time pass banner")
		}
		if last := text(t, ctx, "#passkey-list .meta"); strings.Contains(last, "Last used never") {
			t.Errorf("the passkey's last use is not shown after signing in with it: %q", last)
		}
		if shots {
			screenshot(t, ctx, "mysecurityinfo-passkey-session")
			// A phone-sized window: nothing may overflow sideways.
			do(t, ctx, "narrow the window", chromedp.EmulateViewport(400, 860))
			screenshot(t, ctx, "mysecurityinfo-400px")
			if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 400 {
				t.Errorf("My Security Info is %dpx wide in a 400px window", w)
			}
			do(t, ctx, "widen the window", chromedp.EmulateViewport(1280, 900))
		}
		signOut(t, ctx)

		// The passkey, without a username: the authenticator names the account.
		do(t, ctx, "sign in with a passkey without a username",
			chromedp.Click(chromedp.CSS("[data-passkey-signin]")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		if who := text(t, ctx, ".account-upn"); who != upn {
			t.Errorf("usernameless sign-in signed in %q", who)
		}
		signOut(t, ctx)

		// The used one-time pass is refused, and since it is the right pass,
		// the page says it was used and to ask for a new one.
		do(t, ctx, "try the used pass again",
			chromedp.Navigate(env.URL+"/login/pass?username="+url.QueryEscape(upn)),
			chromedp.WaitVisible(chromedp.CSS("#pass")),
			chromedp.SendKeys(chromedp.CSS("#pass"), pass.Code),
			chromedp.Click(chromedp.CSS("form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, ctx, "#page-error"); got != directory.ErrPassUsed.Message {
			t.Errorf("reused pass: the page says %q", got)
		}

		// The sign-in log, as an administrator reads it.
		log := signIns(t, env)
		passOK := count(log, func(s signInRecord) bool {
			return s.Status.ErrorCode == 0 && s.method() == domain.MethodTemporaryAccess && s.detail() == pass.ID
		})
		passkeyOK := count(log, func(s signInRecord) bool {
			return s.Status.ErrorCode == 0 && s.method() == domain.MethodPasskey && s.UserPrincipalName == upn
		})
		reused := count(log, func(s signInRecord) bool {
			return s.Status.ErrorCode == domain.SignInPassUsed && s.method() == domain.MethodTemporaryAccess && s.detail() == pass.ID
		})
		if passOK != 1 || passkeyOK != 2 || reused != 1 || len(log) != 4 {
			t.Errorf("sign-in log: %d pass successes (want 1), %d passkey successes (want 2), %d refused reuses (want 1), %d entries (want 4): %+v",
				passOK, passkeyOK, reused, len(log), log)
		}
	})
}

// TestMultiUsePassSignsInTwice: a multi-use pass works for as many sign-ins as a
// device set-up needs, and its session is a full one.
func TestMultiUsePassSignsInTwice(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "grace@example.com"
		env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, false)
		ctx := newTab(t)
		for i := range 2 {
			signInWithPass(t, ctx, env, upn, pass.Code)
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".banner").length`)); n != 0 {
				t.Errorf("sign-in %d: a multi-use pass session is shown the one-time banner", i+1)
			}
			if got := text(t, ctx, "section[aria-labelledby=pass-heading] .method-name"); !strings.Contains(got, "Multi-use pass") || !strings.Contains(got, "Active") {
				t.Errorf("sign-in %d: the pass is shown as %q", i+1, got)
			}
			signOut(t, ctx)
		}
		log := signIns(t, env)
		if n := count(log, func(s signInRecord) bool { return s.Status.ErrorCode == 0 && s.detail() == pass.ID }); n != 2 {
			t.Errorf("%d successful pass sign-ins logged, want 2: %+v", n, log)
		}
	})
}

// TestRegistrationWindowCloses: a one-time pass session may register a passkey
// for ten minutes only. The page, opened in time, shows the refusal when "Add a
// passkey" is pressed eleven minutes after sign-in, and nothing is registered.
func TestRegistrationWindowCloses(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "linus@example.com"
		u := env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, true)
		ctx := newTab(t)
		signInWithPass(t, ctx, env, upn, pass.Code)

		env.Clock.Advance(11 * time.Minute)
		do(t, ctx, "add a passkey too late",
			emptyField("#passkey-name"),
			chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Too late"),
			chromedp.Click(chromedp.CSS("#add-passkey-button")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-error:not(:empty)")))
		if strings.HasSuffix(t.Name(), "/sqlite") {
			screenshot(t, ctx, "registration-refused")
		}
		msg := text(t, ctx, "#passkey-error")
		if !strings.Contains(msg, "More than ten minutes have passed") || !strings.Contains(msg, "Sign in again") {
			t.Errorf("late registration: the page says %q", msg)
		}
		keys, err := env.Dir.OwnPasskeys(t.Context(), u.ID)
		if err != nil || len(keys) != 0 {
			t.Errorf("passkeys after a refused registration: %v, %v", keys, err)
		}
	})
}
