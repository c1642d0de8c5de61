package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// TestSignInRateLimit: one address gets a burst of attempts, then 429 with
// Retry-After on every sign-in endpoint, as a page for forms and JSON for the
// script, until its allowance refills.
func TestSignInRateLimit(t *testing.T) {
	three := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 3, Per: time.Minute} }
	eachBackend(t, three, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		for i := range 3 {
			if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONGPASS"}}); r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.Status)
			}
		}
		r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}})
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" || !strings.Contains(r.Body, "Too many sign-in attempts") || r.cookie() != nil {
			t.Fatalf("fourth attempt: %d, Retry-After %q\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		for _, path := range []string{"/webauthn/login/begin", "/webauthn/login/finish"} {
			r := b.json(path, map[string]any{})
			if r.Status != http.StatusTooManyRequests || r.errorCode() != "tooManyRequests" || r.Header.Get("Retry-After") == "" {
				t.Errorf("%s over the limit: %d %s", path, r.Status, r.Body)
			}
		}
		// Pages that do not sign in are not limited.
		if r := b.get("/login"); r.Status != http.StatusOK {
			t.Errorf("sign-in page over the limit: %d", r.Status)
		}
		logs := env.Logs()
		if !strings.Contains(logs, "sign-in rate limit reached") {
			t.Error("the refusal is not logged")
		}
		if strings.Contains(logs, p.Code) {
			t.Error("the log contains the pass")
		}

		// Twenty seconds later one attempt is back, and it works.
		env.Clock.Advance(20 * time.Second)
		b.signInWithPass("ada@example.com", p.Code)
		if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}}); r.Status != http.StatusTooManyRequests {
			t.Errorf("second attempt after the refill: %d", r.Status)
		}
	})
}
