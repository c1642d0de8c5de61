package browsertest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestConsoleAccess is who gets into the console: nobody signed out (sent to
// sign in, and back), nobody signed in with a pass (asked for a passkey),
// nobody without a directory role (403), and a role holder with a passkey.
func TestConsoleAccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		// Signed out: to the sign-in page, which comes back to the page asked for.
		ctx := newTab(t)
		do(t, ctx, "open the console signed out",
			chromedp.Navigate(env.URL+"/admin/people?q=ada"),
			chromedp.WaitVisible(chromedp.CSS("#username")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if u, _ := url.Parse(loc); u.Path != "/login" || u.Query().Get("next") != "/admin/people?q=ada" {
			t.Errorf("signed out, the console sent the browser to %s", loc)
		}

		// Signed in with a pass: a Global Administrator is asked for a passkey.
		const gaUPN = "grace@example.com"
		env.CreateUser(t, gaUPN, domain.RoleGlobalAdministrator)
		pass := issuePass(t, env, gaUPN, false)
		signInWithPass(t, ctx, env, gaUPN, pass.Code)
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(env.URL+"/admin"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden {
			t.Errorf("a pass session opening the console got %d, want 403", resp.Status)
		}
		do(t, ctx, "see the passkey request", chromedp.WaitVisible(chromedp.CSS("#need-passkey")))
		if shots(t) {
			consoleShots(t, ctx, "need-passkey")
		}
		for _, path := range []string{"/admin/people", "/admin/people/new"} {
			if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(env.URL+path)); err != nil {
				t.Fatal(err)
			}
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#need-passkey").length`)); n != 1 {
				t.Errorf("a pass session opened %s", path)
			}
		}
		// A forged form post of the pass session is refused too.
		if got := forgePost(t, ctx, env, "/admin/people/new", url.Values{"upn": {"mallory@example.com"}, "displayName": {"Mallory"}}); got.Status != http.StatusForbidden {
			t.Errorf("a pass session's form post got %d, want 403", got.Status)
		}
		if _, err := env.Dir.ResolveUser(t.Context(), "mallory@example.com"); err == nil {
			t.Error("a pass session created a user")
		}

		// Registering a passkey and signing in with it opens the console.
		do(t, ctx, "go to register a passkey", press("#register-passkey-link"), chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
		do(t, ctx, "add a passkey",
			fill("#passkey-name", "Grace's laptop"),
			press("#add-passkey-button"),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		do(t, ctx, "back to the console, then to passkey sign-in",
			chromedp.Navigate(env.URL+"/admin"),
			chromedp.WaitVisible(chromedp.CSS("#passkey-signin-link")),
			press("#passkey-signin-link"),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
			press("[data-passkey-signin]"),
			chromedp.WaitVisible(chromedp.CSS(".console-nav")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/admin") {
			t.Errorf("passkey sign-in from the console landed on %s", loc)
		}
		if nav := text(t, ctx, ".console-nav"); !strings.Contains(nav, "People") {
			t.Errorf("a Global Administrator's nav is %q", nav)
		}
		if shots(t) {
			consoleShots(t, ctx, "overview")
		}

		// No directory role: 403, in words.
		const noRole = "nora@example.com"
		env.CreateUser(t, noRole)
		nctx := newTab(t)
		givePasskey(t, nctx, env, noRole)
		do(t, nctx, "sign in with the passkey and open the console",
			chromedp.Navigate(env.URL+"/login?next=%2Fadmin&login_hint="+url.QueryEscape(noRole)),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
			press("[data-passkey-signin]"),
			chromedp.WaitVisible(chromedp.CSS("#no-role")))
		resp, err = chromedp.RunResponse(nctx, chromedp.Navigate(env.URL+"/admin/people"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden {
			t.Errorf("a person without a role got %d, want 403", resp.Status)
		}
		if shots(t) {
			consoleShots(t, nctx, "no-role")
		}
	})
}
