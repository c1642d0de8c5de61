package browsertest_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// lockedBuffer collects what a command running in another goroutine writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The first ten minutes, as a new user spends them: `firstkey serve` refuses
// the IP address they give as issuer and says what to use; with that, it
// prints the bootstrap pass; the person opens firstkey at the IP address
// anyway and is sent to the issuer's address before signing in, signs in with
// the pass, and registers a passkey under the name suggested for their browser.
// On a phone-sized screen the header keeps "Sign out" on one line.
func TestFirstStartFromTheCommandLine(t *testing.T) {
	needBrowser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	data := t.TempDir()

	var out, errs lockedBuffer
	code := cli.Run(t.Context(), []string{"serve", "--data", data, "--listen", addr, "--issuer", "http://127.0.0.1:" + port}, strings.NewReader(""), &out, &errs)
	msg := errs.String()
	fix := regexp.MustCompile(`--issuer (http://localhost:\d+)`).FindStringSubmatch(msg)
	if code != cli.ExitUsage || fix == nil || !strings.Contains(msg, "passkeys") {
		t.Fatalf("serve with an IP-address issuer: exit %d, %q", code, msg)
	}
	t.Logf("serve refused the IP-address issuer: %s", strings.TrimSpace(msg))

	// Start it as the message says.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	out, errs = lockedBuffer{}, lockedBuffer{}
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--data", data, "--listen", addr, "--issuer", fix[1]}, strings.NewReader(""), &out, &errs)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != cli.ExitOK {
			t.Errorf("serve exited with %d: %s", code, errs.String())
		}
	})
	waitHealthy(t, fix[1], done, &errs)
	boot := out.String()
	pass := regexp.MustCompile(`Temporary Access Pass:\s+(\S+)`).FindStringSubmatch(boot)
	signInAt := regexp.MustCompile(`Sign in at:\s+(\S+)`).FindStringSubmatch(boot)
	if pass == nil || signInAt == nil || signInAt[1] != fix[1]+"/mysecurityinfo" || !strings.Contains(boot, "10 minutes to register a passkey") {
		t.Fatalf("the bootstrap block:\n%s", boot)
	}

	tab := newTab(t)
	do(t, tab, "open firstkey at its IP address",
		chromedp.Navigate("http://127.0.0.1:"+port+"/mysecurityinfo"),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	if loc := location(t, tab); !strings.HasPrefix(loc, fix[1]+"/login") {
		t.Fatalf("opened at the IP address, the browser is at %s, want %s", loc, fix[1]+"/login")
	}
	screenshot(t, tab, "first-start-sent-to-issuer")
	signInWithPass(t, tab, fixEnv(fix[1]), "admin@firstkey.local", pass[1])
	suggested, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#passkey-name").value`))
	if suggested != "Chrome on Linux" {
		t.Errorf("the suggested passkey name is %q, want Chrome on Linux", suggested)
	}
	screenshot(t, tab, "first-start-register-passkey")
	do(t, tab, "add the passkey under the suggested name",
		chromedp.Click(chromedp.CSS("#add-passkey-button")),
		chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
	if name := text(t, tab, "#passkey-list .method-name"); name != "Chrome on Linux" {
		t.Errorf("the passkey is called %q", name)
	}
	// Times are in the reader's time zone, which the page names.
	if when := text(t, tab, "#passkey-list time"); !regexp.MustCompile(`\d:\d\d\s?(AM|PM)? (UTC|GMT[+-]?\d*|[A-Z]{2,5})$`).MatchString(when) {
		t.Errorf("a time on the page reads %q, without its time zone", when)
	}

	// A phone: 390 CSS pixels wide.
	do(t, tab, "narrow the window to a phone's", chromedp.EmulateViewport(390, 844), chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(".account")))
	layout, err := chromedp.Run(tab, chromedp.Evaluate[map[string]any](`(() => {
		const b = document.querySelector('.account button'), r = document.createRange();
		r.selectNodeContents(b);
		const name = document.querySelector('.account-display'), upn = document.querySelector('.account-upn');
		return {signOutLines: new Set([...r.getClientRects()].map(x => Math.round(x.top))).size,
			name: name.textContent, nameShown: name.getBoundingClientRect().width > 0,
			upnShown: upn.getBoundingClientRect().width > 0,
			overflow: document.documentElement.scrollWidth > window.innerWidth};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if layout["signOutLines"] != float64(1) || layout["nameShown"] != true || layout["upnShown"] != true || layout["overflow"] != false {
		t.Errorf("the header at 390 px: %v", layout)
	}
	screenshot(t, tab, "first-start-phone-header")
}

// fixEnv is enough of a testenv.Env for the sign-in helpers: where firstkey is.
func fixEnv(issuer string) *testenv.Env { return &testenv.Env{URL: issuer, Issuer: issuer} }

// waitHealthy waits for serve to answer, or fails with what it said.
func waitHealthy(t *testing.T, base string, done chan int, errs *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited with %d: %s", code, errs.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not answer: %s", errs.String())
}

// Signing in to an application: the sign-in pages name it; a person with a
// one-time pass registers a passkey on the way and is offered "Continue to
// <app>", which ends at the application, signed in with the new passkey.
func TestSignInToAnApplicationNamesItAndContinues(t *testing.T) {
	needBrowser(t)
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	env.EnablePassPolicy(t)
	upn := "grace@example.com"
	env.CreateUser(t, upn)
	rp := newRelyingParty(t, env, domain.Application{DisplayName: "Expenses"})
	pass := issuePass(t, env, upn, true)
	ctx := newTab(t)

	do(t, ctx, "open the application's sign-in",
		chromedp.Navigate(rp.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	if got := text(t, ctx, "#signin-app"); got != "to continue to Expenses" {
		t.Errorf("the sign-in page says %q", got)
	}
	screenshot(t, ctx, "signin-names-the-application")
	do(t, ctx, "enter the username",
		chromedp.SendKeys(chromedp.CSS("#username"), upn),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#use-pass")))
	if got := text(t, ctx, "#signin-app"); got != "and continue to Expenses" {
		t.Errorf("the methods page says %q", got)
	}
	do(t, ctx, "sign in with the one-time pass",
		chromedp.Click(chromedp.CSS("#use-pass")),
		chromedp.WaitVisible(chromedp.CSS("#pass")),
		chromedp.SendKeys(chromedp.CSS("#pass"), pass.Code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#register-passkey")))
	do(t, ctx, "go to register a passkey",
		chromedp.Click(chromedp.CSS("#register-passkey")),
		chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
	if banner := text(t, ctx, ".banner"); !strings.Contains(banner, "then continue to Expenses") {
		t.Errorf("My Security Info's banner says %q", banner)
	}
	addPasskey(t, ctx, "Grace's laptop")
	if name := text(t, ctx, "#passkey-list .method-name"); name != "Grace's laptop" {
		t.Errorf("the passkey is called %q, want the name typed over the suggestion", name)
	}
	if got := text(t, ctx, "#continue-app"); got != "Continue to Expenses" {
		t.Fatalf("after registering, the page offers %q", got)
	}
	screenshot(t, ctx, "continue-to-the-application")
	do(t, ctx, "continue to the application",
		chromedp.Click(chromedp.CSS("#continue-app")),
		chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")))
	s := landOnApp(t, ctx, rp, "sign in with the new passkey", chromedp.Click(chromedp.CSS("[data-passkey-signin]")))
	if s.Claims.PreferredUsername != upn || !strings.Contains(strings.Join(s.Claims.Amr, " "), "hwk") && !strings.Contains(strings.Join(s.Claims.Amr, " "), "swk") {
		t.Fatalf("the application signed in %q with amr %v", s.Claims.PreferredUsername, s.Claims.Amr)
	}
}

// A sign-in link with a mistake a person cannot fix (an application firstkey
// does not know, a return address it does not have) shows a firstkey page
// saying what went wrong and what to do.
func TestAuthorizeProblemPages(t *testing.T) {
	needBrowser(t)
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	rp := newRelyingParty(t, env, domain.Application{DisplayName: "Expenses"})
	ctx := newTab(t)
	for name, c := range map[string]struct{ query, says string }{
		"authorize-unknown-application":   {"client_id=3f1c9a5e-0000-4000-8000-000000000000&redirect_uri=" + rp.URL + "/cb&response_type=code&scope=openid", "not registered"},
		"authorize-unregistered-redirect": {"client_id=" + rp.App.ClientID + "&redirect_uri=https://elsewhere.example.com/cb&response_type=code&scope=openid", "Expenses asked firstkey"},
	} {
		do(t, ctx, "open "+name, chromedp.Navigate(env.URL+"/oauth/authorize?"+c.query), chromedp.WaitVisible(chromedp.CSS("#advice")))
		if msg := text(t, ctx, "#page-error"); !strings.Contains(msg, c.says) {
			t.Errorf("%s: the page says %q", name, msg)
		}
		screenshot(t, ctx, name)
	}
}
