package browsertest_test

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestSignInPagesAccessible scans the pages everyone sees, the sign-in pages and
// My Security Info, with axe-core in light and dark mode.
func TestSignInPagesAccessible(t *testing.T) {
	needBrowser(t)
	axeSource(t)
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	env.EnablePassPolicy(t)
	const upn = "grace@example.com"
	env.CreateUser(t, upn)
	pass := issuePass(t, env, upn, false)
	ctx := newTab(t)
	for _, dark := range []bool{false, true} {
		colorScheme(t, ctx, dark)
		mode := map[bool]string{false: "light", true: "dark"}[dark]
		do(t, ctx, "open the sign-in page", chromedp.Navigate(env.URL+"/login?login_hint="+url.QueryEscape(upn)), chromedp.WaitVisible(chromedp.CSS("#username")))
		if v := scanA11y(t, ctx); v != "" {
			t.Errorf("the sign-in page in %s mode breaks accessibility rules:\n%s", mode, v)
		}
		if dark {
			screenshot(t, ctx, "signin-dark")
		}
	}
	colorScheme(t, ctx, false)
	signInWithPass(t, ctx, env, upn, pass.Code)
	for _, dark := range []bool{false, true} {
		colorScheme(t, ctx, dark)
		if v := scanA11y(t, ctx); v != "" {
			t.Errorf("My Security Info (dark %v) breaks accessibility rules:\n%s", dark, v)
		}
		if dark {
			screenshot(t, ctx, "mysecurityinfo-dark")
		}
	}
}
