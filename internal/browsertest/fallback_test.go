package browsertest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/testenv"
)

// withoutJSONHelpers removes WebAuthn level 3's JSON helpers from every page the
// tab opens, as in browsers that predate them, so that passkey.js must encode and
// decode base64url itself.
const withoutJSONHelpers = `
delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;
`

// TestPasskeysWithoutJSONHelpers registers a passkey and signs in with it in a
// browser without the JSON helpers.
func TestPasskeysWithoutJSONHelpers(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "hedy@example.com"
		env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, true)
		ctx := newTab(t)
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: withoutJSONHelpers}); err != nil {
			t.Fatal(err)
		}
		signInWithPass(t, ctx, env, upn, pass.Code)
		if has, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`"parseCreationOptionsFromJSON" in PublicKeyCredential || "toJSON" in PublicKeyCredential.prototype`)); has {
			t.Fatal("the JSON helpers are still there")
		}
		do(t, ctx, "add a passkey",
			emptyField("#passkey-name"),
			chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Old browser"),
			chromedp.Click(chromedp.CSS("#add-passkey-button")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		signOut(t, ctx)
		do(t, ctx, "sign in with the passkey",
			chromedp.Navigate(env.URL+"/login?username="+url.QueryEscape(upn)),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
			chromedp.Click(chromedp.CSS("[data-passkey-signin]")),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		if got := text(t, ctx, "#passkey-list .method-name"); !strings.Contains(got, "Old browser") {
			t.Errorf("listed passkey: %q", got)
		}
	})
}
