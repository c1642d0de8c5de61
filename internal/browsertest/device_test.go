package browsertest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The device authorization grant (RFC 8628) as a person meets it: a device being
// set up (x/oauth2, in the test) shows a code and a URL, the person opens the
// URL in Chromium, signs in there with a pass or a passkey, sees which
// application is asking and answers; the device, polling all along, gets tokens
// or is told access_denied.

// device is a device being set up that signs in to app through firstkey, as
// x/oauth2 does: discovery, then DeviceAuth and DeviceAccessToken.
type device struct {
	env      *testenv.Env
	app      domain.Application
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	config   oauth2.Config
}

func newDevice(t *testing.T, env *testenv.Env, app domain.Application) *device {
	t.Helper()
	app.PublicClient = true
	app, _ = env.RegisterApp(t, app)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	provider, err := gooidc.NewProvider(ctx, env.Issuer)
	if err != nil {
		t.Fatalf("device discovery: %v", err)
	}
	var meta struct {
		DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil || meta.DeviceAuthorizationEndpoint == "" {
		t.Fatalf("discovery has no device_authorization_endpoint: %v", err)
	}
	ep := provider.Endpoint()
	ep.DeviceAuthURL = meta.DeviceAuthorizationEndpoint
	ep.AuthStyle = oauth2.AuthStyleInParams // a public client sends only its client_id
	return &device{
		env: env, app: app, provider: provider,
		verifier: provider.Verifier(&gooidc.Config{ClientID: app.ClientID}),
		config:   oauth2.Config{ClientID: app.ClientID, Endpoint: ep, Scopes: []string{gooidc.ScopeOpenID, "profile", "email"}},
	}
}

// start asks firstkey for a device code, as the device does when it is switched on.
func (d *device) start(t *testing.T) *oauth2.DeviceAuthResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	da, err := d.config.DeviceAuth(ctx)
	if err != nil {
		t.Fatalf("device authorization: %v", err)
	}
	if da.UserCode == "" || da.DeviceCode == "" || da.VerificationURI != d.env.Issuer+"/device" ||
		!strings.HasPrefix(da.VerificationURIComplete, da.VerificationURI+"?") {
		t.Fatalf("device authorization answer: %+v", da)
	}
	return da
}

// devicePolling is a device's DeviceAccessToken running in the background, over
// testenv's DevicePoller: firstkey's clock moves by the poll interval before each
// token poll, so the device waits only a real second, and every answer is noted.
type devicePolling struct {
	*testenv.DevicePoller

	done chan struct{} // closed when DeviceAccessToken returned
	tok  *oauth2.Token
	err  error
}

// poll starts the device's polling and waits until it has been told
// authorization_pending at least once. It stops by the end of the test.
func (d *device) poll(t *testing.T, da *oauth2.DeviceAuthResponse) *devicePolling {
	t.Helper()
	p := &devicePolling{DevicePoller: d.env.NewDevicePoller(d.config.Endpoint.TokenURL), done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: p.DevicePoller})
	fast := *da
	fast.Interval = 1 // x/oauth2 counts whole seconds
	go func() {
		defer close(p.done)
		p.tok, p.err = d.config.DeviceAccessToken(ctx, &fast)
	}()
	t.Cleanup(func() { cancel(); <-p.done })
	select {
	case <-p.Pending():
	case <-p.done:
		t.Fatalf("the device stopped polling before anyone answered: %v (answers %v)", p.err, p.Seen())
	case <-time.After(time.Minute):
		t.Fatal("the device was never told authorization_pending")
	}
	return p
}

// result waits for the device's polling to end.
func (p *devicePolling) result(t *testing.T) (*oauth2.Token, error) {
	t.Helper()
	select {
	case <-p.done:
		return p.tok, p.err
	case <-time.After(time.Minute):
		t.Fatalf("the device is still polling a minute after the answer (answers %v)", p.Seen())
		return nil, nil
	}
}

// stillPending waits for the device's next poll and checks that the device has
// been told nothing but authorization_pending so far.
func (p *devicePolling) stillPending(t *testing.T) {
	t.Helper()
	before := len(p.Seen())
	deadline := time.Now().Add(30 * time.Second)
	for len(p.Seen()) == before {
		select {
		case <-p.done:
			t.Fatalf("the device stopped polling: %v, %v (answers %v)", p.tok, p.err, p.Seen())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the device did not poll again within 30 seconds")
		}
	}
	for _, a := range p.Seen() {
		if a != "authorization_pending" {
			t.Fatalf("the device was answered %v, want only authorization_pending while nobody approved", p.Seen())
		}
	}
}

// signedIn checks that polling ended with tokens after only authorization_pending.
func (p *devicePolling) signedIn(t *testing.T) *oauth2.Token {
	t.Helper()
	tok, err := p.result(t)
	if err != nil || tok == nil {
		t.Fatalf("the device's poll after approval: %v (answers %v)", err, p.Seen())
	}
	answers := p.Seen()
	last := len(answers) - 1
	if answers[last] != "ok" {
		t.Fatalf("the device was answered %v, want tokens last", answers)
	}
	for _, a := range answers[:last] {
		if a != "authorization_pending" {
			t.Fatalf("the device was answered %v, want authorization_pending until its tokens", answers)
		}
	}
	return tok
}

// verify checks the device's ID token with go-oidc (signature, issuer,
// audience, expiry, at_hash) and its access token at /userinfo, and returns
// the ID token's claims.
func (d *device) verify(t *testing.T, tok *oauth2.Token, u domain.User) idClaims {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("the device's token response has no ID token")
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify the device's ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("the access token does not match the ID token's at_hash: %v", err)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != u.ID || c.Email != u.UserPrincipalName || !c.EmailVerified || c.Name != u.DisplayName || c.PreferredUsername != u.UserPrincipalName {
		t.Errorf("the device's ID token is about sub %s %+v, want %s (%s)", idt.Subject, c, u.ID, u.UserPrincipalName)
	}
	info, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != u.ID || info.Email != u.UserPrincipalName {
		t.Errorf("userinfo with the device's access token: %+v, %v", info, err)
	}
	return c
}

func signedInWithPass(c idClaims) bool {
	return slices.Contains(c.Amr, domain.AMRTap) && slices.Contains(c.Amr, domain.AMRMFA) &&
		!slices.Contains(c.Amr, domain.AMRHwk) && !slices.Contains(c.Amr, domain.AMRSwk) && c.Acr == "mfa"
}

func signedInWithPasskey(c idClaims) bool {
	return (slices.Contains(c.Amr, domain.AMRHwk) || slices.Contains(c.Amr, domain.AMRSwk)) && slices.Contains(c.Amr, domain.AMRMFA) &&
		!slices.Contains(c.Amr, domain.AMRTap) && c.Acr == "phishing_resistant"
}

// load runs browser steps that end in a page load and returns the page's HTTP
// status (after redirects).
func load(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, steps...)
	t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\n(at %s)\n%s", what, err, location(t, ctx), strings.TrimSpace(body))
	}
	return resp.Status
}

// present counts the elements on the page that match a CSS selector.
func present(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(css)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", css, err)
	}
	return n
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// openVerificationURI opens a URL a device shows while signed out: firstkey asks
// to sign in first and will continue to the device page.
func openVerificationURI(t *testing.T, ctx context.Context, env *testenv.Env, uri, wantNext string) {
	t.Helper()
	do(t, ctx, "open the device's URL", chromedp.Navigate(uri), chromedp.WaitVisible(chromedp.CSS("#username")))
	loc, _ := url.Parse(location(t, ctx))
	if loc.Scheme+"://"+loc.Host+loc.Path != env.URL+"/login" || loc.Query().Get("next") != wantNext {
		t.Errorf("the device's URL led to %s, want the sign-in page continuing to %s", loc, wantNext)
	}
	if lead := text(t, ctx, ".lead"); lead != "Use your work account to continue." {
		t.Errorf("the sign-in page reached from the device's URL says %q", lead)
	}
}

// passSignInHere signs in with a pass from the sign-in page the browser is on
// and returns the status of the page the sign-in continues to.
func passSignInHere(t *testing.T, ctx context.Context, upn, code string) int64 {
	t.Helper()
	do(t, ctx, "give the username",
		chromedp.SendKeys(chromedp.CSS("#username"), upn),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#use-pass")))
	do(t, ctx, "choose the pass", chromedp.Click(chromedp.CSS("#use-pass")), chromedp.WaitVisible(chromedp.CSS("#pass")))
	return load(t, ctx, "sign in with the pass",
		chromedp.SendKeys(chromedp.CSS("#pass"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
}

// checkApprovalPage checks the page that asks whether to sign in on the device:
// it names the application and the code, and offers approve and deny.
func checkApprovalPage(t *testing.T, ctx context.Context, app domain.Application, da *oauth2.DeviceAuthResponse) {
	t.Helper()
	do(t, ctx, "see the approval page", chromedp.WaitVisible(chromedp.CSS("#device-approve")))
	if loc, _ := url.Parse(location(t, ctx)); loc.Path != "/device" || directory.NormalizeUserCode(loc.Query().Get("user_code")) != directory.NormalizeUserCode(da.UserCode) {
		t.Errorf("the approval page is at %s", loc)
	}
	if title, _ := chromedp.Run(ctx, chromedp.Title()); !strings.HasPrefix(title, "Sign in on a device") {
		t.Errorf("the approval page's title is %q", title)
	}
	if got := text(t, ctx, "#device-app"); got != app.DisplayName {
		t.Errorf("the approval page names the application %q, want %q", got, app.DisplayName)
	}
	// The person compares the code on the page with the one the device shows,
	// so it is written the same way, dash included.
	if shown := text(t, ctx, "#device-code"); shown != da.UserCode {
		t.Errorf("the approval page shows the code %q, the device %q", shown, da.UserCode)
	}
	if got := text(t, ctx, "#device-approve"); got != "Sign in on the device" {
		t.Errorf("the approve button says %q", got)
	}
	if got := text(t, ctx, "#device-deny"); got != "Deny" {
		t.Errorf("the deny button says %q", got)
	}
	if present(t, ctx, "#user_code") != 0 {
		t.Error("the approval page still asks for the code")
	}
}

// approve presses "Sign in on the device" and checks the page that follows.
func approve(t *testing.T, ctx context.Context) {
	t.Helper()
	if status := load(t, ctx, "approve", chromedp.Click(chromedp.CSS("#device-approve"))); status != http.StatusOK {
		t.Errorf("approving answered %d", status)
	}
	if got := text(t, ctx, "main .alert.success"); got != "You're signed in on your device. You can close this window." {
		t.Errorf("after approving, the page says %q", got)
	}
	if present(t, ctx, "#device-approve, #device-deny") != 0 {
		t.Error("the page after approving still offers to answer")
	}
}

// TestDeviceSignInInBrowser: a person sets up a device three times. First at
// the plain verification URI: signed in with a pass, they type the code (once
// wrong, then right, in lower case), see the application and approve. Then, with
// a passkey registered but still signed in with the pass, at a device whose
// application requires a passkey: verification_uri_complete shows the step-up
// page, and the passkey takes them to the approval. Last, signed out, at
// verification_uri_complete: a passkey sign-in leads straight to the approval.
// Each device gets tokens whose verified ID token says how the person signed in.
func TestDeviceSignInInBrowser(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		shots := strings.HasSuffix(t.Name(), "/sqlite")
		const upn = "ada@example.com"
		u := env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, false)
		tv := newDevice(t, env, domain.Application{DisplayName: "Meeting room display"})
		ctx := newTab(t)

		// 1. The plain verification URI and a pass.
		da := tv.start(t)
		polling := tv.poll(t, da)
		openVerificationURI(t, ctx, env, da.VerificationURI, "/device")
		before := env.Clock.Now()
		if status := passSignInHere(t, ctx, upn, pass.Code); status != http.StatusOK {
			t.Errorf("the code-entry page after signing in answered %d", status)
		}
		signedInAt := [2]time.Time{before, env.Clock.Now()}
		do(t, ctx, "see the code-entry page", chromedp.WaitVisible(chromedp.CSS("#user_code")))
		if loc, _ := url.Parse(location(t, ctx)); loc.Path != "/device" || loc.Query().Get("user_code") != "" {
			t.Errorf("after signing in, the browser is at %s, want /device", loc)
		}
		if lead := text(t, ctx, ".lead"); lead != "Enter the code your device shows." {
			t.Errorf("the code-entry page says %q", lead)
		}
		if who := text(t, ctx, ".account-upn"); who != upn {
			t.Errorf("the code-entry page shows %q signed in", who)
		}
		if present(t, ctx, "#device-approve, #page-error") != 0 {
			t.Error("the code-entry page offers approval or shows an error before a code was typed")
		}
		if shots {
			screenshot(t, ctx, "device-code-entry")
		}

		// A wrong code: a clear error, the form again, nothing approved.
		wrong := "bcdf-ghjk"
		if directory.NormalizeUserCode(da.UserCode) == "BCDFGHJK" {
			wrong = "zxwv-tsrq"
		}
		status := load(t, ctx, "type a wrong code",
			chromedp.SendKeys(chromedp.CSS("#user_code"), wrong),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")))
		if status != http.StatusNotFound {
			t.Errorf("a wrong code answered %d, want 404", status)
		}
		do(t, ctx, "see the error", chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, ctx, "#page-error"); got != directory.ErrDeviceCodeNotFound.Message {
			t.Errorf("a wrong code: the page says %q", got)
		}
		if role, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#page-error").getAttribute("role")`)); role != "alert" {
			t.Errorf("the error is not announced (role %q)", role)
		}
		if present(t, ctx, "#device-approve, #device-deny, #device-app") != 0 {
			t.Error("a wrong code offers to approve")
		}
		if body := text(t, ctx, "main"); strings.Contains(body, tv.app.DisplayName) {
			t.Errorf("a wrong code's page names an application: %q", body)
		}
		if present(t, ctx, "#user_code") != 1 {
			t.Error("after a wrong code the page does not ask for the code again")
		}
		// The field keeps what was typed, to correct, and is marked as the problem.
		field, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(f => [f.value, f.getAttribute("aria-invalid"), f.getAttribute("aria-describedby")])(document.querySelector("#user_code"))`))
		if err != nil || len(field) != 3 || field[0] != wrong || field[1] != "true" || field[2] != "page-error" {
			t.Errorf("after a wrong code the field is [value aria-invalid aria-describedby] %q (%v), want [%s true page-error]", field, err, wrong)
		}
		if shots {
			screenshot(t, ctx, "device-code-wrong")
		}
		polling.stillPending(t)

		// The right code, typed as people do: lower case.
		status = load(t, ctx, "type the code",
			chromedp.Clear(chromedp.CSS("#user_code")),
			chromedp.SendKeys(chromedp.CSS("#user_code"), strings.ToLower(da.UserCode)),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")))
		if status != http.StatusOK {
			t.Errorf("the approval page answered %d", status)
		}
		checkApprovalPage(t, ctx, tv.app, da)
		if shots {
			screenshot(t, ctx, "device-approve")
		}
		approve(t, ctx)
		c := tv.verify(t, polling.signedIn(t), u)
		if !signedInWithPass(c) {
			t.Errorf("the device's ID token after a pass sign-in: amr %v, acr %q, want [tap mfa] and mfa", c.Amr, c.Acr)
		}
		if at := time.Unix(c.AuthTime, 0); at.Before(signedInAt[0].Truncate(time.Second)) || at.After(signedInAt[1]) {
			t.Errorf("auth_time %v, want the pass sign-in's time (between %v and %v)", at, signedInAt[0], signedInAt[1])
		}

		// 2. A passkey, registered with the pass session, and a device whose
		// application requires one: the pass session is stepped up.
		do(t, ctx, "open My Security Info", chromedp.Navigate(env.URL+"/mysecurityinfo"), chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
		addPasskey(t, ctx, "Work laptop")
		vault := newDevice(t, env, domain.Application{DisplayName: "Vault console", RequiredStrength: domain.StrengthPhishingResistant})
		da = vault.start(t)
		polling = vault.poll(t, da)
		if status := load(t, ctx, "open verification_uri_complete", chromedp.Navigate(da.VerificationURIComplete)); status != http.StatusForbidden {
			t.Errorf("the device page for a pass session and an application that requires a passkey answered %d, want 403", status)
		}
		do(t, ctx, "see the step-up page", chromedp.WaitVisible(chromedp.CSS("#stepup-reason")))
		if reason := text(t, ctx, "#stepup-reason"); !strings.Contains(reason, "Vault console requires a passkey") {
			t.Errorf("the step-up reason is %q", reason)
		}
		if present(t, ctx, "#device-approve") != 0 {
			t.Error("the step-up page offers to approve")
		}
		polling.stillPending(t)
		before = env.Clock.Now()
		do(t, ctx, "step up with the passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
		checkApprovalPage(t, ctx, vault.app, da)
		signedInAt = [2]time.Time{before, env.Clock.Now()}
		approve(t, ctx)
		c = vault.verify(t, polling.signedIn(t), u)
		if !signedInWithPasskey(c) {
			t.Errorf("the device's ID token after stepping up with a passkey: amr %v, acr %q", c.Amr, c.Acr)
		}
		if at := time.Unix(c.AuthTime, 0); at.Before(signedInAt[0].Truncate(time.Second)) || at.After(signedInAt[1]) {
			t.Errorf("auth_time %v, want the passkey sign-in's time (between %v and %v)", at, signedInAt[0], signedInAt[1])
		}

		// 3. Signed out, verification_uri_complete and the passkey: no code to type.
		signOut(t, ctx)
		da = tv.start(t)
		polling = tv.poll(t, da)
		openVerificationURI(t, ctx, env, da.VerificationURIComplete, "/device?user_code="+directory.NormalizeUserCode(da.UserCode))
		do(t, ctx, "sign in with the passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
		checkApprovalPage(t, ctx, tv.app, da)
		approve(t, ctx)
		c = tv.verify(t, polling.signedIn(t), u)
		if !signedInWithPasskey(c) {
			t.Errorf("the device's ID token after a passkey sign-in: amr %v, acr %q", c.Amr, c.Acr)
		}

		// The used code is gone: opening the URL again says so.
		if status := load(t, ctx, "open the used verification_uri_complete", chromedp.Navigate(da.VerificationURIComplete)); status != http.StatusNotFound {
			t.Errorf("a used code's page answered %d, want 404", status)
		}
		if got := text(t, ctx, "#page-error"); got != directory.ErrDeviceCodeNotFound.Message || present(t, ctx, "#device-approve") != 0 {
			t.Errorf("a used code's page says %q", got)
		}
	})
}

// TestDeviceDenyInBrowser: the person did not start the sign-in on a device in
// front of them and presses Deny; the device's polling ends with access_denied
// and no tokens, and the code cannot be approved afterwards.
func TestDeviceDenyInBrowser(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "grace@example.com"
		env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, false)
		kiosk := newDevice(t, env, domain.Application{DisplayName: "Lobby kiosk"})
		ctx := newTab(t)

		da := kiosk.start(t)
		polling := kiosk.poll(t, da)
		openVerificationURI(t, ctx, env, da.VerificationURIComplete, "/device?user_code="+directory.NormalizeUserCode(da.UserCode))
		if status := passSignInHere(t, ctx, upn, pass.Code); status != http.StatusOK {
			t.Errorf("the approval page after signing in answered %d", status)
		}
		checkApprovalPage(t, ctx, kiosk.app, da)
		polling.stillPending(t)

		if status := load(t, ctx, "deny", chromedp.Click(chromedp.CSS("#device-deny"))); status != http.StatusOK {
			t.Errorf("denying answered %d", status)
		}
		if got := text(t, ctx, "main .alert.success"); got != "You denied the sign-in. The device will not be signed in." {
			t.Errorf("after denying, the page says %q", got)
		}
		tok, err := polling.result(t)
		if !isOAuthError(err, "access_denied") || tok != nil {
			t.Fatalf("the device's polling after the denial ended with %v, %v (answers %v), want access_denied", tok, err, polling.Seen())
		}
		if answers := polling.Seen(); answers[len(answers)-1] != "access_denied" || slices.Contains(answers, "ok") {
			t.Errorf("the device was answered %v", answers)
		}

		if status := load(t, ctx, "open the denied code's URL again", chromedp.Navigate(da.VerificationURIComplete)); status != http.StatusNotFound {
			t.Errorf("a denied code's page answered %d, want 404", status)
		}
		if got := text(t, ctx, "#page-error"); got != directory.ErrDeviceCodeNotFound.Message || present(t, ctx, "#device-approve") != 0 {
			t.Errorf("a denied code's page says %q", got)
		}
	})
}

// TestDeviceOneTimePassOnlyRegisters: a new joiner sets up a device with the
// one-time pass they were given. That session may only register a passkey: the
// device page says so, offers to register one instead, and never the approval;
// cancelling there denies the device's request, so it stops waiting. Once a
// passkey is registered, the same page offers to sign in with it, and that
// sign-in approves a new device request without signing out first.
func TestDeviceOneTimePassOnlyRegisters(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		shots := strings.HasSuffix(t.Name(), "/sqlite")
		const upn = "linus@example.com"
		u := env.CreateUser(t, upn)
		pass := issuePass(t, env, upn, true)
		laptop := newDevice(t, env, domain.Application{DisplayName: "Laptop setup"})
		ctx := newTab(t)

		da := laptop.start(t)
		polling := laptop.poll(t, da)
		openVerificationURI(t, ctx, env, da.VerificationURIComplete, "/device?user_code="+directory.NormalizeUserCode(da.UserCode))
		if status := passSignInHere(t, ctx, upn, pass.Code); status != http.StatusForbidden {
			t.Errorf("the device page for a one-time pass session answered %d, want 403", status)
		}
		registrationOnly := func(when string) {
			t.Helper()
			do(t, ctx, "see the registration-only page", chromedp.WaitVisible(chromedp.CSS("main .alert.warning")))
			msg := text(t, ctx, "main .alert.warning")
			if !strings.Contains(msg, "one-time Temporary Access Pass") || !strings.Contains(msg, "only be used to register a passkey, not to sign in to Laptop setup") {
				t.Errorf("%s: the page says %q", when, msg)
			}
			if present(t, ctx, "#device-approve, #device-deny, #stepup-reason") != 0 {
				t.Errorf("%s: a one-time pass session is offered the approval", when)
			}
			if title, _ := chromedp.Run(ctx, chromedp.Title()); !strings.HasPrefix(title, "Sign in with a passkey to continue") {
				t.Errorf("%s: the page's title is %q", when, title)
			}
		}
		registrationOnly("after signing in")
		if present(t, ctx, "[data-passkey-signin]") != 0 {
			t.Error("without a passkey, the page offers a passkey sign-in")
		}
		if href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#register-passkey").getAttribute("href")`)); !strings.HasPrefix(href, "/mysecurityinfo?next=%2fdevice%3fuser_code%3d") {
			t.Errorf("the page links to %q, want /mysecurityinfo carrying the device page along", href)
		}
		if shots {
			screenshot(t, ctx, "device-registration-only")
		}
		polling.stillPending(t)

		// Cancel denies the device's request: the device stops waiting.
		if status := load(t, ctx, "cancel", chromedp.Click(chromedp.CSS("#stepup-cancel"))); status != http.StatusOK {
			t.Errorf("cancelling answered %d", status)
		}
		if got := text(t, ctx, "main .alert.success"); got != "You denied the sign-in. The device will not be signed in." {
			t.Errorf("after cancelling, the page says %q", got)
		}
		if tok, err := polling.result(t); !isOAuthError(err, "access_denied") || tok != nil {
			t.Fatalf("the device's polling after cancelling ended with %v, %v (answers %v), want access_denied", tok, err, polling.Seen())
		}

		// The device asks again; the code typed on the device page gets the same answer.
		da = laptop.start(t)
		polling = laptop.poll(t, da)
		do(t, ctx, "open the device page", chromedp.Navigate(env.URL+"/device"), chromedp.WaitVisible(chromedp.CSS("#user_code")))
		status := load(t, ctx, "type the new code",
			chromedp.SendKeys(chromedp.CSS("#user_code"), da.UserCode),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")))
		if status != http.StatusForbidden {
			t.Errorf("typing the code with a one-time pass session answered %d, want 403", status)
		}
		registrationOnly("after typing the code")
		polling.stillPending(t)

		// Register a passkey as the page suggests; the pass session still may not
		// approve, but the page now offers the passkey, which may.
		do(t, ctx, "go to register a passkey", chromedp.Click(chromedp.CSS("#register-passkey")), chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
		addPasskey(t, ctx, "New laptop")
		if status := load(t, ctx, "open verification_uri_complete", chromedp.Navigate(da.VerificationURIComplete)); status != http.StatusForbidden {
			t.Errorf("the device page for the one-time pass session after registering answered %d, want 403", status)
		}
		registrationOnly("after registering a passkey")
		if b := text(t, ctx, "[data-passkey-signin]"); b != "Sign in with a passkey" {
			t.Errorf("after registering, the page's passkey button says %q", b)
		}
		if shots {
			screenshot(t, ctx, "device-registration-only-has-passkey")
		}
		polling.stillPending(t)

		do(t, ctx, "sign in with the new passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
		checkApprovalPage(t, ctx, laptop.app, da)
		approve(t, ctx)
		c := laptop.verify(t, polling.signedIn(t), u)
		if !signedInWithPasskey(c) {
			t.Errorf("the device's ID token after the passkey sign-in: amr %v, acr %q", c.Amr, c.Acr)
		}
	})
}
