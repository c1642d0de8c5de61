package browsertest_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Helpers for the admin console's browser tests (console_*_test.go).

// consoleAdmin creates upn holding roles, gives them a passkey in a browser
// context of their own, and signs them in to the console with it: the tab is
// left on /admin.
func consoleAdmin(t *testing.T, env *testenv.Env, upn string, roles ...domain.Role) (context.Context, domain.User) {
	t.Helper()
	u := env.CreateUser(t, upn, roles...)
	ctx := newTab(t)
	givePasskey(t, ctx, env, upn)
	signInToConsole(t, ctx, env, upn)
	return ctx, u
}

// givePasskey signs upn in with a fresh multi-use pass and registers a passkey
// in the tab's virtual authenticator, leaving the tab on My Security Info.
func givePasskey(t *testing.T, ctx context.Context, env *testenv.Env, upn string) {
	t.Helper()
	pass := issuePass(t, env, upn, false)
	signInWithPass(t, ctx, env, upn, pass.Code)
	do(t, ctx, "add a passkey for "+upn,
		fill("#passkey-name", "Console key"),
		press("#add-passkey-button"),
		chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
}

// signInToConsole opens the console, is sent to sign in, signs in with the
// tab's passkey and lands back in the console.
func signInToConsole(t *testing.T, ctx context.Context, env *testenv.Env, upn string) {
	t.Helper()
	do(t, ctx, "sign in to the console with a passkey",
		chromedp.Navigate(env.URL+"/login?next=%2Fadmin&login_hint="+url.QueryEscape(upn)),
		chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
		press("[data-passkey-signin]"),
		chromedp.WaitVisible(chromedp.CSS(".console-nav")))
}

// open navigates the tab to a console path and waits for its main content.
func open(t *testing.T, ctx context.Context, env *testenv.Env, path, waitFor string) {
	t.Helper()
	do(t, ctx, "open "+path, chromedp.Navigate(env.URL+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// consoleShots saves the page as artifacts/screenshots/console-NAME.png at
// desktop width and console-NAME-390px.png at a phone's, and fails when the
// page is wider than the phone's screen.
func consoleShots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, "console-"+name)
	do(t, ctx, "narrow the window", chromedp.EmulateViewport(390, 844))
	screenshot(t, ctx, "console-"+name+"-390px")
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("console page %s is %dpx wide in a 390px window", name, w)
	}
	do(t, ctx, "widen the window", chromedp.EmulateViewport(1280, 900))
}

// shots is whether this run of a test on several backends saves screenshots:
// one set (SQLite's) is enough.
func shots(t *testing.T) bool { return strings.Contains(t.Name(), "/sqlite") }

// forged is what a form post made outside the page got back.
type forged struct {
	Status   int
	Location string
	Body     string
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// forgePost posts form to a console path from outside the browser, with the
// tab's session cookie and the CSRF token of the page the tab shows: a person
// making up a request the page did not offer them.
func forgePost(t *testing.T, ctx context.Context, env *testenv.Env, path string, form url.Values) forged {
	t.Helper()
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	m := csrfInput.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("the page has no CSRF token")
	}
	form.Set("csrf", m[1])
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{env.URL}})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("post %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return forged{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body)}
}

// runJS is a browser step that runs a script for its effect.
func runJS(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[any](`(() => { `+expr+`; return null })()`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// waitJS waits until a script's expression is true, across page loads,
// failing the test after stepTimeout.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("wait for %s: %v\n%s", what, err, strings.TrimSpace(body))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// press clicks the element in the page's script: unlike a mouse click at the
// element's place, it cannot miss while the page still moves under load.
func press(css string) chromedp.Action[chromedp.Void] {
	return runJS(`document.querySelector(` + jsString(css) + `).click()`)
}

// fill sets a form field's value as typing would, with its input event.
func fill(css, value string) chromedp.Action[chromedp.Void] {
	return runJS(`const f = document.querySelector(` + jsString(css) + `); f.value = ` + jsString(value) +
		`; f.dispatchEvent(new Event("input", {bubbles: true}))`)
}
