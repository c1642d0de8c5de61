package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

func get(t *testing.T, u string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return answer{status: resp.StatusCode, header: resp.Header, ctype: resp.Header.Get("Content-Type"), raw: b.String()}
}

// wantPage checks a branded error page: HTML in the sign-in pages' layout,
// with the status, saying each of the phrases.
func (a answer) wantPage(t *testing.T, what string, status int, phrases ...string) {
	t.Helper()
	if a.status != status || !strings.HasPrefix(a.ctype, "text/html") || !strings.Contains(a.raw, `class="topbar"`) ||
		!strings.Contains(a.raw, "/static/app.css") || a.header.Get("Content-Security-Policy") == "" {
		t.Fatalf("%s: %d %s, want a %d firstkey page:\n%s", what, a.status, a.ctype, status, a.raw)
	}
	for _, p := range phrases {
		if !strings.Contains(a.raw, p) {
			t.Errorf("%s: the page does not say %q:\n%s", what, p, a.raw)
		}
	}
	if strings.Contains(a.raw, "ErrorType=") || strings.Contains(a.raw, "Parent=") {
		t.Errorf("%s: the page shows zitadel's internal error: %s", what, a.raw)
	}
}

// Errors a person meets at /oauth/authorize and at logout, where the
// application cannot be told, are pages that say what went wrong and what to do.
func TestAuthorizeAndLogoutErrorPages(t *testing.T) {
	e := testenv.New(t, storetest.Backends()[0])
	cb := testenv.NewCallback(t)
	app, _ := e.RegisterApp(t, domain.Application{DisplayName: "Payroll", PublicClient: true, RedirectURIs: []string{cb.URL}})
	authorize := e.Issuer + "/oauth/authorize?"
	q := func(kv ...string) string {
		v := url.Values{"response_type": {"code"}, "scope": {"openid"}, "state": {"s1"}, "code_challenge_method": {"S256"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v.Encode()
	}
	get(t, authorize+q("redirect_uri", cb.URL)).wantPage(t, "no client_id", http.StatusBadRequest, "no client_id", "Go back to the application")
	get(t, authorize+q("client_id", "3f1c9a5e-0000-4000-8000-000000000000", "redirect_uri", cb.URL)).
		wantPage(t, "an unknown client", http.StatusBadRequest, "not registered", "3f1c9a5e-0000-4000-8000-000000000000", "firstkey app create")
	get(t, authorize+q("client_id", app.ClientID)).
		wantPage(t, "no redirect_uri", http.StatusBadRequest, "Payroll", "redirect_uri", "administrator")
	get(t, authorize+q("client_id", app.ClientID, "redirect_uri", "https://evil.example.com/cb")).
		wantPage(t, "an unregistered redirect_uri", http.StatusBadRequest, "Payroll", "https://evil.example.com/cb", "not registered", "register the address")
	// What zitadel refuses for a registered redirect URI goes back to the application.
	if a := get(t, authorize+q("client_id", app.ClientID, "redirect_uri", cb.URL, "prompt", "none login")); a.status != http.StatusFound ||
		!strings.HasPrefix(a.header.Get("Location"), cb.URL+"?error=invalid_request") {
		t.Fatalf("prompt=none with another prompt: %d %v", a.status, a.header)
	}
	if cb.Last() != nil {
		t.Fatalf("the application was called: %v", cb.Last())
	}

	// At logout: a post_logout_redirect_uri that is not the application's, an
	// unknown application, a broken id_token_hint.
	logout := e.Issuer + "/oauth/logout?"
	get(t, logout+url.Values{"client_id": {app.ClientID}, "post_logout_redirect_uri": {"https://evil.example.com/bye"}}.Encode()).
		wantPage(t, "an unregistered post_logout_redirect_uri", http.StatusBadRequest, "Payroll", "https://evil.example.com/bye", "not signed out", "Sign out")
	get(t, logout+url.Values{"client_id": {"3f1c9a5e-0000-4000-8000-000000000000"}, "post_logout_redirect_uri": {cb.URL}}.Encode()).
		wantPage(t, "an unknown client at logout", http.StatusBadRequest, "not registered", "Sign out")
	get(t, logout+url.Values{"id_token_hint": {"not-a-token"}}.Encode()).
		wantPage(t, "a broken id_token_hint", http.StatusBadRequest, "could not be understood", "Sign out")
	if a := get(t, logout+url.Values{"client_id": {app.ClientID}, "post_logout_redirect_uri": {cb.URL}}.Encode()); a.status != http.StatusFound {
		t.Fatalf("a registered post_logout_redirect_uri: %d %s", a.status, a.raw)
	}
}

// A response_type other than code goes back to a registered redirect URI as
// unsupported_response_type, in the response mode the application asked for:
// an Express middleware's default (id_token with form_post) gets a form that
// posts the error to it, never a page about http redirect URIs.
func TestUnsupportedResponseType(t *testing.T) {
	e := testenv.New(t, storetest.Backends()[0])
	cb := testenv.NewCallback(t)
	app, _ := e.RegisterApp(t, domain.Application{DisplayName: "Express app", RedirectURIs: []string{cb.URL}})
	authorize := func(v url.Values) answer {
		v.Set("client_id", app.ClientID)
		v.Set("redirect_uri", cb.URL)
		v.Set("scope", "openid")
		v.Set("state", "st-1")
		v.Set("nonce", "n-1")
		return get(t, e.Issuer+"/oauth/authorize?"+v.Encode())
	}

	a := authorize(url.Values{"response_type": {"id_token"}, "response_mode": {"form_post"}})
	if a.status != http.StatusOK || !strings.Contains(a.raw, `action="`+cb.URL+`"`) || !strings.Contains(a.raw, `value="unsupported_response_type"`) ||
		!strings.Contains(a.raw, `value="st-1"`) || strings.Contains(a.raw, "is http and is not allowed") {
		t.Fatalf("id_token with form_post: %d %s", a.status, a.raw)
	}
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action "+testOrigin(cb.URL)) {
		t.Fatalf("the form_post page's policy %q does not let it post to the application", csp)
	}

	for _, c := range []struct {
		v    url.Values
		mode string // where the error is: query or fragment
		code string
	}{
		{url.Values{"response_type": {"id_token"}}, "fragment", "unsupported_response_type"},
		{url.Values{"response_type": {"code id_token"}}, "fragment", "unsupported_response_type"},
		{url.Values{"response_type": {"token"}, "response_mode": {"query"}}, "query", "unsupported_response_type"},
		{url.Values{"response_type": {"device_code"}}, "query", "unsupported_response_type"},
		{url.Values{}, "query", "invalid_request"},
	} {
		rt := c.v.Get("response_type")
		a := authorize(c.v)
		loc, err := url.Parse(a.header.Get("Location"))
		if a.status != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), cb.URL) {
			t.Fatalf("response_type %q: %d to %q", rt, a.status, a.header.Get("Location"))
		}
		got := loc.Query()
		if c.mode == "fragment" {
			got, _ = url.ParseQuery(loc.EscapedFragment())
		}
		if got.Get("error") != c.code || got.Get("state") != "st-1" || got.Get("error_description") == "" {
			t.Fatalf("response_type %q: %s", rt, loc)
		}
	}
}
