package oidc_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// unfollowed answers a GET without following its redirect, as an attacker's
// script reads a Location header.
func unfollowed(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// The code of an approved sign-in request goes only to the browser that
// approved it. The request's id is no secret (it is in the sign-in page's URL),
// so an attacker who starts a request, has a signed-in person open its sign-in
// link and then asks for the result by id must get nothing: there is no
// callback that issues codes by request id.
func TestCodeGoesOnlyToTheApprovingBrowser(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := newSignedIn(t, be, domain.Application{})
			e, r, victim := s.e, s.r, s.b

			// The attacker starts a request of their own and reads where it leads.
			state, verifier := randomState(t), oauth2.GenerateVerifier()
			resp := unfollowed(t, r.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("request") == "" {
				t.Fatalf("authorize answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			id := loc.Query().Get("request")
			lure := e.URL + loc.Path + "?" + loc.RawQuery
			byID := e.Issuer + "/oauth/authorize/callback?id=" + url.QueryEscape(id)
			if got := unfollowed(t, byID); got.StatusCode != http.StatusNotFound {
				t.Fatalf("the request's result by id answered %d %s, want 404", got.StatusCode, got.Header.Get("Location"))
			}
			// Without the person's session, the lure only leads to the sign-in page.
			if got := unfollowed(t, lure); got.StatusCode != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/login?") {
				t.Fatalf("the sign-in link without a session answered %d %s", got.StatusCode, got.Header.Get("Location"))
			}

			// The person opens the link: their browser, and only it, carries the code
			// to the application's registered redirect URI.
			p := victim.visit(t, lure)
			cb := r.cb.Last()
			if cb == nil || cb.Get("state") != state || cb.Get("code") == "" || p.visited("/oauth/authorize/callback") {
				t.Fatalf("the person's browser brought %v to the application (via %v)", cb, p.hops)
			}
			for _, probe := range []string{byID, lure} {
				got := unfollowed(t, probe)
				if strings.Contains(got.Header.Get("Location"), "code=") {
					t.Fatalf("after the approval, %s gave a code to a browser without the session: %s", probe, got.Header.Get("Location"))
				}
			}
		})
	}
}

// response_mode=form_post: the approving browser gets a page that posts the code
// and state to the application, with a policy that lets it do exactly that.
func TestFormPostResponse(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	r, b := s.r, s.b

	state, verifier := randomState(t), oauth2.GenerateVerifier()
	resp, err := b.Get(r.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_mode", "form_post")))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="`+r.cb.URL+`"`) ||
		!strings.Contains(body, `name="state" value="`+state+`"`) || !strings.Contains(body, "document.forms[0].submit()") {
		t.Fatalf("form_post page %d:\n%s", resp.StatusCode, body)
	}
	cb, _ := url.Parse(r.cb.URL)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action "+cb.Scheme+"://"+cb.Host+";") || !strings.Contains(csp, "script-src 'unsafe-inline'") ||
		!strings.Contains(csp, "default-src 'none'") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("form_post page headers: CSP %q, Cache-Control %q", csp, resp.Header.Get("Cache-Control"))
	}
	i := strings.Index(body, `name="code" value="`)
	if i < 0 {
		t.Fatalf("no code on the form_post page:\n%s", body)
	}
	code := body[i+len(`name="code" value="`):]
	code = html.UnescapeString(code[:strings.Index(code, `"`)])
	if _, err := (flow{code: code, verifier: verifier, cfg: r.cfg}).exchange(t.Context()); err != nil {
		t.Fatalf("exchanging the form_post code: %v", err)
	}
}
