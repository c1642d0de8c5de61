package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Pages opened at another host than a local issuer's (127.0.0.1 for
// localhost) go to the issuer's address before anyone signs in there; what
// is no page (scripts, styles, form posts, the token service) is left alone.
func TestPagesGoToTheIssuersHost(t *testing.T) {
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	port := env.URL[strings.LastIndex(env.URL, ":")+1:]
	ip := "http://127.0.0.1:" + port
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/login?login_hint=ada%40example.com", "/mysecurityinfo", "/", "/login/pass?username=ada%40example.com"} {
		resp, err := hc.Get(ip + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.Issuer+path {
			t.Errorf("GET %s at 127.0.0.1: %d to %q, want 302 to %s", path, resp.StatusCode, resp.Header.Get("Location"), env.Issuer+path)
		}
	}
	for _, path := range []string{"/static/app.css", "/.well-known/openid-configuration", "/healthz"} {
		resp, err := hc.Get(ip + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s at 127.0.0.1: %d, want 200", path, resp.StatusCode)
		}
	}
	// The page at the issuer's address names it for the passkey script's message.
	resp, err := http.Get(env.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = bufCopy(buf, resp)
	if !strings.Contains(buf.String(), `data-issuer="`+env.Issuer+`"`) {
		t.Errorf("the page does not name the issuer:\n%s", buf)
	}
}

func bufCopy(b *strings.Builder, resp *http.Response) (int64, error) {
	var n int64
	p := make([]byte, 32<<10)
	for {
		k, err := resp.Body.Read(p)
		b.Write(p[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

// startSignIn makes an application's authorization request and returns the
// sign-in page's path it leads to (with next naming the request).
func startSignIn(t *testing.T, env *testenv.Env, b *browser, app domain.Application) string {
	t.Helper()
	q := url.Values{"client_id": {app.ClientID}, "redirect_uri": {app.RedirectURIs[0]}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "code_challenge_method": {"S256"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}
	r := b.get("/oauth/authorize?" + q.Encode())
	if r.Status != http.StatusFound || !strings.HasPrefix(r.location(), env.Issuer+"/authorize/continue?") {
		t.Fatalf("authorize: %d to %q\n%s", r.Status, r.location(), r.Body)
	}
	r = b.get(strings.TrimPrefix(r.location(), env.Issuer))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?") {
		t.Fatalf("continue: %d to %q", r.Status, r.location())
	}
	return r.location()
}

// The sign-in pages name the application the person signs in to; after a
// passkey is registered during that sign-in, My Security Info offers to
// continue to it.
func TestSignInNamesTheApplicationAndContinuesToIt(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		app, _ := env.RegisterApp(t, domain.Application{DisplayName: "Payroll", PublicClient: true, RedirectURIs: []string{"http://127.0.0.1:9/cb"}})
		pass := issuePass(t, env, "ada@example.com", true)
		b := newBrowser(t, env)
		login := startSignIn(t, env, b, app)
		next, _ := url.Parse(login)
		cont := next.Query().Get("next")

		for _, path := range []string{login, "/login?username=ada%40example.com&next=" + url.QueryEscape(cont),
			"/login/pass?username=ada%40example.com&next=" + url.QueryEscape(cont)} {
			r := b.get(path)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="signin-app"`) || !strings.Contains(r.Body, "<strong>Payroll</strong>") {
				t.Errorf("GET %s does not name the application: %d\n%s", path, r.Status, r.Body)
			}
		}
		if r := b.get("/login"); strings.Contains(r.Body, `id="signin-app"`) {
			t.Errorf("the plain sign-in page names an application")
		}
		if r := b.get("/login?next=" + url.QueryEscape("/authorize/continue?request=00000000-0000-0000-0000-000000000000")); strings.Contains(r.Body, `id="signin-app"`) {
			t.Errorf("a made-up request names an application")
		}

		// The one-time pass leads to the step-up page, whose link to register a
		// passkey carries the sign-in along.
		r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {pass.Code}, "next": {cont}})
		if r.Status != http.StatusSeeOther || r.location() != cont {
			t.Fatalf("pass sign-in: %d to %q", r.Status, r.location())
		}
		r = b.get(cont)
		m := regexp.MustCompile(`href="(/mysecurityinfo\?next=[^"]+)" id="register-passkey"`).FindStringSubmatch(r.Body)
		if r.Status != http.StatusForbidden || m == nil {
			t.Fatalf("step-up page: %d\n%s", r.Status, r.Body)
		}
		register := html.UnescapeString(m[1])
		if u, _ := url.Parse(register); u.Query().Get("next") != cont {
			t.Fatalf("the link to register a passkey %q does not carry the sign-in %q", register, cont)
		}
		r = b.get(register)
		if !strings.Contains(r.Body, `data-next="`+strings.ReplaceAll(cont, "&", "&amp;")+`"`) || !strings.Contains(r.Body, "then continue to Payroll") {
			t.Fatalf("My Security Info while signing in to Payroll:\n%s", r.Body)
		}

		key := newSoftKey(t, env.Issuer)
		token := b.csrf()
		begin := b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token)
		finish := b.json("/webauthn/register/finish", map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "name": "Chrome on Linux",
			"credential": key.register(t, options(t, begin)), "next": cont}, "X-CSRF-Token", token)
		want := "/mysecurityinfo?done=added&next=" + url.QueryEscape(cont)
		if finish.Status != http.StatusCreated || finish.JSON["redirect"] != want {
			t.Fatalf("register/finish: %d %s, want redirect %s", finish.Status, finish.Body, want)
		}
		r = b.get(want)
		if !strings.Contains(r.Body, `id="continue-app"`) || !strings.Contains(r.Body, "Continue to Payroll") ||
			!strings.Contains(r.Body, `href="`+strings.ReplaceAll(cont, "&", "&amp;")+`"`) {
			t.Fatalf("after registering, no way on to Payroll:\n%s", r.Body)
		}
		// A next that is no pending sign-in offers nothing.
		if r := b.get("/mysecurityinfo?done=added&next=" + url.QueryEscape("https://evil.example.com/")); strings.Contains(r.Body, `id="continue-app"`) {
			t.Fatal("an outside next is offered")
		}
	})
}
