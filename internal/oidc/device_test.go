package oidc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The device flow (RFC 8628) over real HTTP: golang.org/x/oauth2 is the device,
// a cookie-jar client is the person's phone or laptop. firstkey enforces the
// poll interval and the code lifetime on e.Clock, so the device "waits" by
// advancing that clock, never by sleeping.

const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// deviceRig is one running firstkey with a person who holds a multi-use pass.
type deviceRig struct {
	t        *testing.T
	e        *testenv.Env
	provider *gooidc.Provider
	endpoint oauth2.Endpoint // with DeviceAuthURL from discovery
	user     domain.User
	pass     string
}

func newDeviceRig(t *testing.T, b storetest.Backend) *deviceRig {
	t.Helper()
	e := testenv.New(t, b)
	e.EnablePassPolicy(t)
	u := e.CreateUser(t, "grace@example.com")
	pass := e.IssuePass(t, u.ID, false)
	provider, err := gooidc.NewProvider(context.Background(), e.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var disco struct {
		DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	}
	if err := provider.Claims(&disco); err != nil {
		t.Fatal(err)
	}
	if disco.DeviceAuthorizationEndpoint != e.Issuer+"/oauth/devicecode" {
		t.Fatalf("device_authorization_endpoint %q", disco.DeviceAuthorizationEndpoint)
	}
	ep := provider.Endpoint()
	ep.DeviceAuthURL = disco.DeviceAuthorizationEndpoint
	return &deviceRig{t: t, e: e, provider: provider, endpoint: ep, user: u, pass: pass}
}

// in returns the rig for a subtest, whose failures must go to the subtest.
func (r *deviceRig) in(t *testing.T) *deviceRig {
	c := *r
	c.t = t
	return &c
}

// config is the device's OAuth configuration for app. A public client sends its
// client_id in the body; a confidential one authenticates with HTTP Basic.
func (r *deviceRig) config(app domain.Application, secret string, scopes ...string) oauth2.Config {
	ep := r.endpoint
	ep.AuthStyle = oauth2.AuthStyleInParams
	if secret != "" {
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	if len(scopes) == 0 {
		scopes = []string{gooidc.ScopeOpenID, "profile", "email"}
	}
	return oauth2.Config{ClientID: app.ClientID, ClientSecret: secret, Endpoint: ep, Scopes: scopes}
}

var deviceUserCodeRE = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// start asks for a device code as the device does, and checks the answer.
func (r *deviceRig) start(cfg oauth2.Config) *oauth2.DeviceAuthResponse {
	r.t.Helper()
	da, err := cfg.DeviceAuth(context.Background())
	if err != nil {
		r.t.Fatalf("device authorization: %v", err)
	}
	if !deviceUserCodeRE.MatchString(da.UserCode) {
		r.t.Fatalf("user code %q is not 8 base-20 characters with a dash", da.UserCode)
	}
	if da.DeviceCode == "" || da.Interval != int64(domain.DevicePollInterval/time.Second) || da.Expiry.IsZero() {
		r.t.Fatalf("device authorization answer: %+v", da)
	}
	if da.VerificationURI != r.e.Issuer+"/device" ||
		da.VerificationURIComplete != da.VerificationURI+"?user_code="+da.UserCode {
		r.t.Fatalf("verification URIs %q, %q", da.VerificationURI, da.VerificationURIComplete)
	}
	return da
}

// devicePollAnswer is what the token endpoint said to one poll.
type devicePollAnswer struct {
	status int
	body   map[string]any
	raw    string
}

func (a devicePollAnswer) errCode() string { s, _ := a.body["error"].(string); return s }

// poll makes one raw token request for the device code: client_id in the body,
// or HTTP Basic when secret is set.
func (r *deviceRig) poll(clientID, secret, deviceCode string) devicePollAnswer {
	r.t.Helper()
	a, err := devicePoll(r.endpoint.TokenURL, clientID, secret, deviceCode, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

// devicePoll is poll without testing.T, for goroutines. extra adds form fields.
func devicePoll(tokenURL, clientID, secret, deviceCode string, extra url.Values) (devicePollAnswer, error) {
	form := url.Values{"grant_type": {deviceGrantType}, "device_code": {deviceCode}}
	if secret == "" {
		form.Set("client_id", clientID)
	}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return devicePollAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return devicePollAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return devicePollAnswer{}, err
	}
	a := devicePollAnswer{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a, nil
}

// wantPollError asserts a poll was refused with the OAuth error code.
func wantPollError(t *testing.T, a devicePollAnswer, status int, code string) {
	t.Helper()
	if a.status != status || a.errCode() != code {
		t.Fatalf("poll answered %d %s, want %d %s", a.status, a.raw, status, code)
	}
	if _, ok := a.body["access_token"]; ok {
		t.Fatalf("refused poll carries an access token: %s", a.raw)
	}
}

type deviceResult struct {
	tok *oauth2.Token
	err error
}

// pollInBackground runs x/oauth2's DeviceAccessToken, which polls until the
// person answers. The device waits one real second between polls (x/oauth2
// counts whole seconds) while the poller moves firstkey's clock by the full
// interval, so the server sees a device that honours the interval.
func (r *deviceRig) pollInBackground(cfg oauth2.Config, da *oauth2.DeviceAuthResponse) (*testenv.DevicePoller, <-chan deviceResult) {
	p := r.e.NewDevicePoller(r.endpoint.TokenURL)
	ctx, cancel := context.WithTimeout(r.t.Context(), 2*time.Minute)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: p})
	fast := *da
	fast.Interval = 1
	out := make(chan deviceResult, 1)
	go func() {
		defer cancel()
		tok, err := cfg.DeviceAccessToken(ctx, &fast)
		out <- deviceResult{tok, err}
	}()
	return p, out
}

// waitPending waits until the background device was told authorization_pending.
func (r *deviceRig) waitPending(p *testenv.DevicePoller, out <-chan deviceResult) {
	r.t.Helper()
	select {
	case <-p.Pending():
	case res := <-out:
		r.t.Fatalf("device stopped polling before the person answered: %v (answers %v)", res.err, p.Seen())
	case <-time.After(time.Minute):
		r.t.Fatal("device never got authorization_pending")
	}
}

func (r *deviceRig) result(out <-chan deviceResult) deviceResult {
	r.t.Helper()
	select {
	case res := <-out:
		return res
	case <-time.After(time.Minute):
		r.t.Fatal("device never finished polling")
		return deviceResult{}
	}
}

// browserPage is a page the person's browser ended on.
type browserPage struct {
	status int
	url    *url.URL
	body   string
}

func (r *deviceRig) get(b *http.Client, u string) browserPage {
	r.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return browserPage{status: resp.StatusCode, url: resp.Request.URL, body: string(body)}
}

func (r *deviceRig) postDevice(b *http.Client, form url.Values) browserPage {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.e.URL+"/device", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return browserPage{status: resp.StatusCode, url: resp.Request.URL, body: string(body)}
}

// signIn opens the verification URI a device shows in a new browser, which is
// sent to sign in first and continues to the device page with the user code.
// It returns the browser, signed in with the pass.
func (r *deviceRig) signIn(da *oauth2.DeviceAuthResponse, upn, pass string) *http.Client {
	r.t.Helper()
	b := testenv.Browser(r.t)
	pg := r.get(b, da.VerificationURIComplete)
	if pg.status != http.StatusOK || pg.url.Path != "/login" {
		r.t.Fatalf("verification URI led to %d %s, want the sign-in page", pg.status, pg.url)
	}
	next := pg.url.Query().Get("next")
	if want := "/device?user_code=" + strings.ReplaceAll(da.UserCode, "-", ""); next != want {
		r.t.Fatalf("sign-in continues to %q, want %q", next, want)
	}
	resp := r.e.SignInWithPass(r.t, b, upn, pass, next)
	if resp.Request.URL.Path != "/device" {
		r.t.Fatalf("pass sign-in ended on %d %s, want the device page", resp.StatusCode, resp.Request.URL)
	}
	return b
}

var deviceCSRFRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func deviceCSRF(t *testing.T, body string) string {
	t.Helper()
	m := deviceCSRFRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on the page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// devicePage shows the device page for the code and checks it names the app.
func (r *deviceRig) devicePage(b *http.Client, userCode string, app domain.Application) browserPage {
	r.t.Helper()
	pg := r.get(b, r.e.URL+"/device?"+url.Values{"user_code": {userCode}}.Encode())
	if pg.status != http.StatusOK || !strings.Contains(pg.body, `id="device-app">`+html.EscapeString(app.DisplayName)+`<`) ||
		!strings.Contains(pg.body, `id="device-approve"`) {
		r.t.Fatalf("device page %d does not offer to sign in to %q:\n%s", pg.status, app.DisplayName, pg.body)
	}
	return pg
}

// answer approves or denies on the device page as the person does.
func (r *deviceRig) answer(b *http.Client, userCode string, app domain.Application, action string) {
	r.t.Helper()
	pg := r.devicePage(b, userCode, app)
	m := regexp.MustCompile(`name="user_code" value="([^"]*)"`).FindStringSubmatch(pg.body)
	if m == nil {
		r.t.Fatalf("no user_code field on the device page:\n%s", pg.body)
	}
	got := r.postDevice(b, url.Values{"csrf": {deviceCSRF(r.t, pg.body)}, "user_code": {html.UnescapeString(m[1])}, "action": {action}})
	want := "You&#39;re signed in on your device"
	if action == "deny" {
		want = "You denied the sign-in"
	}
	if got.status != http.StatusOK || !strings.Contains(got.body, want) {
		r.t.Fatalf("POST /device %s answered %d:\n%s", action, got.status, got.body)
	}
}

// accessClaims decodes an access token's payload (its signature is checked by
// /userinfo in the tests that use it).
func accessClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkTokens verifies the ID token with go-oidc and uses the access token at
// /userinfo, as a device would.
func (r *deviceRig) checkTokens(app domain.Application, tok *oauth2.Token) *gooidc.IDToken {
	r.t.Helper()
	ctx := context.Background()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.provider.Verifier(&gooidc.Config{ClientID: app.ClientID}).Verify(ctx, raw)
	if err != nil {
		r.t.Fatalf("verify ID token: %v", err)
	}
	var c struct {
		Email, Acr string
		Amr        []string
		AuthTime   int64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil {
		r.t.Fatal(err)
	}
	if idt.Subject != r.user.ID || c.Email != r.user.UserPrincipalName || !slices.Contains(c.Amr, "tap") ||
		c.Acr != "mfa" || c.AuthTime == 0 {
		r.t.Fatalf("ID token claims: sub %s %+v", idt.Subject, c)
	}
	at := accessClaims(r.t, tok.AccessToken)
	if jti, _ := at["jti"].(string); at["sub"] != r.user.ID || at["idtyp"] != "user" || !strings.HasPrefix(jti, "g.") {
		r.t.Fatalf("access token claims %v", at)
	}
	info, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		r.t.Fatalf("userinfo with the device's access token: %v", err)
	}
	if info.Subject != r.user.ID || info.Email != r.user.UserPrincipalName {
		r.t.Fatalf("userinfo %+v", info)
	}
	return idt
}

// A device starts, polls while the person has not answered (and is told to
// slow down when it polls too fast), the person signs in with a pass on another
// screen and approves, and the device's next poll gets tokens.
func TestDeviceFlowApproved(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true, DisplayName: "Lobby TV <kiosk>"})
			cfg := r.config(app, "", gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess)
			da := r.start(cfg)

			// Raw polls: the first is pending; one without waiting the interval
			// is slow_down, and so is one that waits less than the interval.
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "slow_down")
			r.e.Clock.Advance(domain.DevicePollInterval - time.Second)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "slow_down")
			r.e.Clock.Advance(domain.DevicePollInterval)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")

			// x/oauth2 keeps polling while the person signs in and approves.
			poller, out := r.pollInBackground(cfg, da)
			r.waitPending(poller, out)
			br := r.signIn(da, r.user.UserPrincipalName, r.pass)
			r.answer(br, da.UserCode, app, "approve")
			res := r.result(out)
			if res.err != nil {
				t.Fatalf("device poll: %v (answers %v)", res.err, poller.Seen())
			}
			answers := poller.Seen()
			if answers[len(answers)-1] != "ok" || slices.Contains(answers, "slow_down") {
				t.Fatalf("device was answered %v, want authorization_pending until tokens", answers)
			}
			for _, a := range answers[:len(answers)-1] {
				if a != "authorization_pending" {
					t.Fatalf("device was answered %v before its tokens", answers)
				}
			}
			r.checkTokens(app, res.tok)
			if res.tok.RefreshToken == "" {
				t.Fatal("no refresh token for offline_access")
			}

			// The code gave its tokens: the device page no longer knows it.
			pg := r.get(br, da.VerificationURIComplete)
			if pg.status != http.StatusNotFound || !strings.Contains(pg.body, "That code is not valid or has expired") {
				t.Fatalf("device page for a used code: %d\n%s", pg.status, pg.body)
			}

			// The sign-in log names the application the device signed in to.
			logs, _, err := r.e.Store.ListSignIns(context.Background(), store.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range logs {
				if l.AppID == app.ClientID && l.UserID == r.user.ID && l.Succeeded && l.AuthenticationMethod == domain.MethodTemporaryAccess {
					found = true
				}
			}
			if !found {
				t.Fatalf("no sign-in log entry for the application in %+v", logs)
			}
			if strings.Contains(r.e.Logs(), da.DeviceCode) || strings.Contains(r.e.Logs(), res.tok.RefreshToken) {
				t.Fatal("the logs hold the device code or the refresh token")
			}
		})
	}
}

// The person denies: the device's next poll is access_denied, and stays so.
func TestDeviceFlowDenied(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
			cfg := r.config(app, "")
			da := r.start(cfg)
			poller, out := r.pollInBackground(cfg, da)
			r.waitPending(poller, out)
			br := r.signIn(da, r.user.UserPrincipalName, r.pass)
			r.answer(br, da.UserCode, app, "deny")
			res := r.result(out)
			var re *oauth2.RetrieveError
			if !errors.As(res.err, &re) || re.ErrorCode != "access_denied" || res.tok != nil {
				t.Fatalf("device poll after denial: %v %v (answers %v)", res.tok, res.err, poller.Seen())
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "access_denied")

			// A denied code cannot be approved afterwards.
			pg := r.get(br, da.VerificationURIComplete)
			if pg.status != http.StatusNotFound || !strings.Contains(pg.body, "That code is not valid or has expired") {
				t.Fatalf("device page for a denied code: %d\n%s", pg.status, pg.body)
			}
			csrf := deviceCSRF(t, pg.body)
			got := r.postDevice(br, url.Values{"csrf": {csrf}, "user_code": {da.UserCode}, "action": {"approve"}})
			if got.status != http.StatusNotFound {
				t.Fatalf("approving a denied code answered %d:\n%s", got.status, got.body)
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "access_denied")
		})
	}
}

// Nobody answers within the code's lifetime: the device gets expired_token and
// the device page says the code is not valid.
func TestDeviceFlowExpired(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
			da := r.start(r.config(app, ""))
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")
			r.e.Clock.Advance(domain.DeviceCodeLifetime + time.Second)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "expired_token")

			br := testenv.Browser(t)
			pg := r.get(br, da.VerificationURIComplete)
			resp := r.e.SignInWithPass(t, br, r.user.UserPrincipalName, r.pass, pg.url.Query().Get("next"))
			if resp.StatusCode != http.StatusNotFound || resp.Request.URL.Path != "/device" {
				t.Fatalf("device page for an expired code: %d %s", resp.StatusCode, resp.Request.URL)
			}
			pg = r.get(br, da.VerificationURIComplete)
			if pg.status != http.StatusNotFound || !strings.Contains(pg.body, "That code is not valid or has expired") ||
				strings.Contains(pg.body, `id="device-approve"`) {
				t.Fatalf("device page for an expired code: %d\n%s", pg.status, pg.body)
			}
			got := r.postDevice(br, url.Values{"csrf": {deviceCSRF(t, pg.body)}, "user_code": {da.UserCode}, "action": {"approve"}})
			if got.status != http.StatusNotFound || !strings.Contains(got.body, "That code is not valid or has expired") {
				t.Fatalf("approving an expired code answered %d:\n%s", got.status, got.body)
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "expired_token")
		})
	}
}

// Once approved, of ten polls racing for the code exactly one gets tokens; the
// others, and every later poll, are refused.
func TestDeviceFlowTokensExactlyOnce(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
			da := r.start(r.config(app, ""))
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")
			br := r.signIn(da, r.user.UserPrincipalName, r.pass)
			r.answer(br, da.UserCode, app, "approve")
			r.e.Clock.Advance(domain.DevicePollInterval)

			const n = 10
			answers := make([]devicePollAnswer, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					answers[i], errs[i] = devicePoll(r.endpoint.TokenURL, app.ClientID, "", da.DeviceCode, nil)
				})
			}
			close(start)
			wg.Wait()
			var winners int
			for i, a := range answers {
				if errs[i] != nil {
					t.Fatalf("poll %d: %v", i, errs[i])
				}
				switch {
				case a.status == http.StatusOK:
					if tok, _ := a.body["access_token"].(string); tok == "" {
						t.Fatalf("poll %d: 200 without an access token: %s", i, a.raw)
					}
					winners++
				case a.status == http.StatusBadRequest && a.errCode() != "" && a.errCode() != "authorization_pending":
					if _, ok := a.body["access_token"]; ok {
						t.Fatalf("poll %d: refused with a token: %s", i, a.raw)
					}
				default:
					t.Fatalf("poll %d answered %d %s, want tokens or an OAuth error", i, a.status, a.raw)
				}
			}
			if winners != 1 {
				t.Fatalf("%d of %d racing polls got tokens, want exactly one: %+v", winners, n, answers)
			}
			for range 2 {
				r.e.Clock.Advance(domain.DevicePollInterval)
				a := r.poll(app.ClientID, "", da.DeviceCode)
				if a.status != http.StatusBadRequest || a.errCode() == "" || a.errCode() == "authorization_pending" {
					t.Fatalf("poll after the tokens were issued answered %d %s", a.status, a.raw)
				}
			}
		})
	}
}

// The person types the code: a wrong one gets a 404 page saying so and
// approves nothing; the right one in lower case without the dash works.
func TestDeviceUserCodeEntry(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true, DisplayName: "Conference room display"})
			da := r.start(r.config(app, ""))
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")

			// Signed in at the plain verification URI, the page asks for the code.
			br := testenv.Browser(t)
			pg := r.get(br, da.VerificationURI)
			resp := r.e.SignInWithPass(t, br, r.user.UserPrincipalName, r.pass, pg.url.Query().Get("next"))
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/device" {
				t.Fatalf("sign-in from the verification URI ended on %d %s", resp.StatusCode, resp.Request.URL)
			}
			pg = r.get(br, da.VerificationURI)
			if pg.status != http.StatusOK || !strings.Contains(pg.body, `name="user_code"`) || strings.Contains(pg.body, `id="device-approve"`) {
				t.Fatalf("device page without a code: %d\n%s", pg.status, pg.body)
			}
			csrf := deviceCSRF(t, pg.body)

			wrong := "BCDF-GHJK"
			if strings.ReplaceAll(da.UserCode, "-", "") == "BCDFGHJK" {
				wrong = "ZXWV-TSRQ"
			}
			for _, code := range []string{wrong, "not a code!", strings.Repeat("B", 300)} {
				pg = r.get(br, r.e.URL+"/device?"+url.Values{"user_code": {code}}.Encode())
				if pg.status != http.StatusNotFound || !strings.Contains(pg.body, "That code is not valid or has expired") ||
					strings.Contains(pg.body, `id="device-approve"`) || strings.Contains(pg.body, app.DisplayName) {
					t.Fatalf("device page for wrong code %q: %d\n%s", code, pg.status, pg.body)
				}
				got := r.postDevice(br, url.Values{"csrf": {csrf}, "user_code": {code}, "action": {"approve"}})
				if got.status != http.StatusNotFound || !strings.Contains(got.body, "That code is not valid or has expired") {
					t.Fatalf("approving wrong code %q answered %d:\n%s", code, got.status, got.body)
				}
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")

			typed := strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))
			r.devicePage(br, typed, app)
			got := r.postDevice(br, url.Values{"csrf": {csrf}, "user_code": {" " + typed + " "}, "action": {"approve"}})
			if got.status != http.StatusOK || !strings.Contains(got.body, "You&#39;re signed in on your device") {
				t.Fatalf("approving the typed code answered %d:\n%s", got.status, got.body)
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			a := r.poll(app.ClientID, "", da.DeviceCode)
			if a.status != http.StatusOK || a.body["access_token"] == nil {
				t.Fatalf("poll after approval answered %d %s", a.status, a.raw)
			}
		})
	}
}

// Approval is refused to a one-time-pass session (registration only), to a
// pass session for an application that requires a passkey, and to a form
// without the session's CSRF token; the device stays pending in each case.
func TestDeviceApprovalRefused(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rig := newDeviceRig(t, b)
			pending := func(t *testing.T, r *deviceRig, app domain.Application, da *oauth2.DeviceAuthResponse) {
				t.Helper()
				r.e.Clock.Advance(domain.DevicePollInterval)
				wantPollError(t, r.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "authorization_pending")
			}

			t.Run("one-time pass", func(t *testing.T) {
				r := rig.in(t)
				app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
				da := r.start(r.config(app, ""))
				u := r.e.CreateUser(t, "newhire@example.com")
				once := r.e.IssuePass(t, u.ID, true)
				br := testenv.Browser(t)
				pg := r.get(br, da.VerificationURIComplete)
				resp := r.e.SignInWithPass(t, br, u.UserPrincipalName, once, pg.url.Query().Get("next"))
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("one-time pass sign-in to the device page ended on %d %s", resp.StatusCode, resp.Request.URL)
				}
				pg = r.get(br, da.VerificationURIComplete)
				if pg.status != http.StatusForbidden || !strings.Contains(pg.body, "can only be used to register a passkey") ||
					strings.Contains(pg.body, `id="device-approve"`) {
					t.Fatalf("device page for a one-time pass session: %d\n%s", pg.status, pg.body)
				}
				got := r.postDevice(br, url.Values{"csrf": {deviceCSRF(t, pg.body)}, "user_code": {da.UserCode}, "action": {"approve"}})
				if got.status != http.StatusForbidden || !strings.Contains(got.body, "one-time Temporary Access Pass") {
					t.Fatalf("approval by a one-time pass session answered %d:\n%s", got.status, got.body)
				}
				pending(t, r, app, da)
			})

			t.Run("phishing-resistant app", func(t *testing.T) {
				r := rig.in(t)
				app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true, DisplayName: "Vault console",
					RequiredStrength: "phishing_resistant"})
				da := r.start(r.config(app, ""))
				br := testenv.Browser(t)
				pg := r.get(br, da.VerificationURIComplete)
				resp := r.e.SignInWithPass(t, br, r.user.UserPrincipalName, r.pass, pg.url.Query().Get("next"))
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("pass sign-in to a phishing-resistant app's device page ended on %d %s", resp.StatusCode, resp.Request.URL)
				}
				pg = r.get(br, da.VerificationURIComplete)
				if pg.status != http.StatusForbidden || !strings.Contains(pg.body, "A stronger sign-in is needed") ||
					!strings.Contains(pg.body, `id="stepup-reason"`) || !strings.Contains(pg.body, "requires a passkey") ||
					strings.Contains(pg.body, `id="device-approve"`) {
					t.Fatalf("device page for a pass session and a phishing-resistant app: %d\n%s", pg.status, pg.body)
				}
				got := r.postDevice(br, url.Values{"csrf": {deviceCSRF(t, pg.body)}, "user_code": {da.UserCode}, "action": {"approve"}})
				if got.status != http.StatusForbidden || !strings.Contains(got.body, "requires a stronger sign-in") {
					t.Fatalf("approval by a pass session for a phishing-resistant app answered %d:\n%s", got.status, got.body)
				}
				pending(t, r, app, da)
			})

			t.Run("no csrf", func(t *testing.T) {
				r := rig.in(t)
				app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
				da := r.start(r.config(app, ""))
				br := r.signIn(da, r.user.UserPrincipalName, r.pass)
				pg := r.devicePage(br, da.UserCode, app)
				for _, csrf := range []string{"", strings.ToUpper(deviceCSRF(t, pg.body)) + "x"} {
					form := url.Values{"user_code": {da.UserCode}, "action": {"approve"}}
					if csrf != "" {
						form.Set("csrf", csrf)
					}
					got := r.postDevice(br, form)
					if got.status != http.StatusForbidden || !strings.Contains(got.body, "This form has expired or did not come from this page") {
						t.Fatalf("approval with csrf %q answered %d:\n%s", csrf, got.status, got.body)
					}
				}
				pending(t, r, app, da)
				// The page itself still works for the person.
				r.answer(br, da.UserCode, app, "approve")
			})
		})
	}
}

// A confidential client authenticates its polls; a public client sends only
// its client_id; no client may poll another's device code.
func TestDeviceClientAuthentication(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			conf, sec := r.e.RegisterApp(t, domain.Application{DisplayName: "Build agent"})
			other, otherSec := r.e.RegisterApp(t, domain.Application{DisplayName: "Other agent"})
			pub, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true, DisplayName: "Phone app"})
			if sec == "" || otherSec == "" {
				t.Fatal("confidential applications got no secret")
			}
			br := testenv.Browser(t)
			resp := r.e.SignInWithPass(t, br, r.user.UserPrincipalName, r.pass, "")
			resp.Body.Close()

			// The confidential client's code: polls without the secret, with a
			// wrong one, or by other clients are refused and change nothing.
			cfg := r.config(conf, sec)
			da := r.start(cfg)
			r.answer(br, da.UserCode, conf, "approve")
			for _, p := range []struct {
				name, id, secret string
				status           int
				code             string
			}{
				{"no secret", conf.ClientID, "", http.StatusUnauthorized, "invalid_client"},
				{"wrong secret", conf.ClientID, otherSec, http.StatusUnauthorized, "invalid_client"},
				{"another confidential client", other.ClientID, otherSec, http.StatusBadRequest, "access_denied"},
				{"a public client", pub.ClientID, "", http.StatusBadRequest, "access_denied"},
			} {
				r.e.Clock.Advance(domain.DevicePollInterval)
				a := r.poll(p.id, p.secret, da.DeviceCode)
				if a.status != p.status || a.errCode() != p.code || a.body["access_token"] != nil {
					t.Fatalf("poll with %s answered %d %s, want %d %s", p.name, a.status, a.raw, p.status, p.code)
				}
			}
			// A secret in the body that is wrong is refused the same way.
			r.e.Clock.Advance(domain.DevicePollInterval)
			a, err := devicePoll(r.endpoint.TokenURL, conf.ClientID, "", da.DeviceCode, url.Values{"client_secret": {otherSec}})
			if err != nil {
				t.Fatal(err)
			}
			wantPollError(t, a, http.StatusUnauthorized, "invalid_client")
			r.e.Clock.Advance(domain.DevicePollInterval)
			a = r.poll(conf.ClientID, sec, da.DeviceCode)
			if a.status != http.StatusOK || a.body["access_token"] == nil {
				t.Fatalf("the confidential client's authenticated poll answered %d %s", a.status, a.raw)
			}

			// With client_secret_post, as discovery offers, and through x/oauth2.
			post := r.start(cfg)
			r.answer(br, post.UserCode, conf, "approve")
			r.e.Clock.Advance(domain.DevicePollInterval)
			a, err = devicePoll(r.endpoint.TokenURL, conf.ClientID, "", post.DeviceCode, url.Values{"client_secret": {sec}})
			if err != nil {
				t.Fatal(err)
			}
			if a.status != http.StatusOK || a.body["access_token"] == nil {
				t.Fatalf("poll with client_secret_post answered %d %s", a.status, a.raw)
			}
			viaLib := r.start(cfg)
			poller, out := r.pollInBackground(cfg, viaLib)
			r.waitPending(poller, out)
			r.answer(br, viaLib.UserCode, conf, "approve")
			if res := r.result(out); res.err != nil {
				t.Fatalf("x/oauth2 with the client secret: %v (answers %v)", res.err, poller.Seen())
			} else {
				r.checkTokens(conf, res.tok)
			}

			// The public client's code: client_id alone works; another client,
			// even with its secret, cannot take it.
			pda := r.start(r.config(pub, ""))
			r.answer(br, pda.UserCode, pub, "approve")
			r.e.Clock.Advance(domain.DevicePollInterval)
			if a := r.poll(conf.ClientID, sec, pda.DeviceCode); a.status != http.StatusBadRequest || a.errCode() == "" {
				t.Fatalf("another client polling the public client's code answered %d %s", a.status, a.raw)
			}
			r.e.Clock.Advance(domain.DevicePollInterval)
			if a := r.poll(pub.ClientID, "", pda.DeviceCode); a.status != http.StatusOK || a.body["access_token"] == nil {
				t.Fatalf("the public client's poll answered %d %s", a.status, a.raw)
			}
		})
	}
}

// Tokens a device got through a pass sign-in end with the pass; until then
// the offline_access refresh token rotates on every use.
func TestDeviceTokensEndWithPass(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := newDeviceRig(t, b)
			ctx := context.Background()
			passes, err := r.e.Store.ListUserPasses(ctx, r.user.ID)
			if err != nil || len(passes) != 1 {
				t.Fatalf("passes %v %v", passes, err)
			}
			passEnd := passes[0].End()
			app, _ := r.e.RegisterApp(t, domain.Application{PublicClient: true})
			cfg := r.config(app, "", gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess)
			da := r.start(cfg)
			poller, out := r.pollInBackground(cfg, da)
			r.waitPending(poller, out)
			br := r.signIn(da, r.user.UserPrincipalName, r.pass)
			r.answer(br, da.UserCode, app, "approve")
			res := r.result(out)
			if res.err != nil {
				t.Fatalf("device poll: %v (answers %v)", res.err, poller.Seen())
			}
			issuedAt := r.e.Clock.Now() // the poller moves the clock only before a poll
			idt := r.checkTokens(app, res.tok)
			if exp, _ := accessClaims(t, res.tok.AccessToken)["exp"].(float64); int64(exp) > passEnd.Unix() {
				t.Fatalf("access token expires %v, after the pass (%v)", time.Unix(int64(exp), 0), passEnd)
			}
			if life, left := idt.Expiry.Sub(idt.IssuedAt), passEnd.Sub(issuedAt); life > left+time.Second {
				t.Fatalf("ID token lives %v, the pass only %v more", life, left)
			}

			// The refresh token rotates on every use.
			rt := res.tok.RefreshToken
			for range 2 {
				r.e.Clock.Advance(time.Minute)
				tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				if tok.RefreshToken == "" || tok.RefreshToken == rt || tok.AccessToken == "" {
					t.Fatalf("refresh did not rotate the refresh token")
				}
				if exp, _ := accessClaims(t, tok.AccessToken)["exp"].(float64); int64(exp) > passEnd.Unix() {
					t.Fatalf("refreshed access token expires %v, after the pass (%v)", time.Unix(int64(exp), 0), passEnd)
				}
				rt = tok.RefreshToken
				res.tok = tok
			}

			// Past the pass's end the grant is over.
			r.e.Clock.Set(passEnd.Add(time.Second))
			_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Fatalf("refresh after the pass ended: %v, want invalid_grant", err)
			}
			if _, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(res.tok)); err == nil {
				t.Fatal("userinfo accepted an access token after its pass ended")
			}
		})
	}
}
