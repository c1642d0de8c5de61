package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestPasskeyRegistrationAndSignIn runs both ceremonies over HTTP with a software
// authenticator: a one-time pass session registers a passkey, which then signs
// in by username and without one.
func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		u := env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		key := newSoftKey(t, env.URL)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(key, "Work laptop")

		page := b.get("/mysecurityinfo?done=added")
		if !strings.Contains(page.Body, "Work laptop") || !strings.Contains(page.Body, "Device-bound passkey") || !strings.Contains(page.Body, "Your passkey was added") {
			t.Errorf("My Security Info after registering:\n%s", page.Body)
		}

		for _, upn := range []string{"ada@example.com", ""} {
			fresh := newBrowser(t, env)
			r := fresh.signInWithPasskey(key, upn)
			if r.Status != http.StatusOK || r.JSON["redirect"] != "/mysecurityinfo" || r.cookie() == nil {
				t.Fatalf("passkey sign-in (username %q): %d %s", upn, r.Status, r.Body)
			}
			if c := r.cookie(); !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("passkey session cookie flags: %+v", c)
			}
			page := fresh.get("/mysecurityinfo")
			if page.Status != http.StatusOK || strings.Contains(page.Body, "you can only register a passkey") || !strings.Contains(page.Body, "Rename or delete") {
				t.Errorf("My Security Info in a passkey session (username %q): %d", upn, page.Status)
			}
		}
		n := 0
		for _, s := range signInLog(t, env) {
			if s.Succeeded && s.AuthenticationMethod == domain.MethodPasskey && s.UserID == u.ID {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d passkey sign-ins logged, want 2", n)
		}
	})
}

func TestPasskeySignInFailures(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		key := newSoftKey(t, env.URL)
		setup := newBrowser(t, env)
		setup.signInWithPass("ada@example.com", p.Code)
		setup.registerPasskey(key, "Work laptop")
		b := newBrowser(t, env)

		// An unknown name gets a ceremony like anyone's.
		if r := b.json("/webauthn/login/begin", map[string]any{"username": "nobody@example.com"}); r.Status != http.StatusOK || r.JSON["ceremonyId"] == "" {
			t.Errorf("begin for an unknown name: %d %s", r.Status, r.Body)
		}

		// A credential nobody registered.
		stranger := newSoftKey(t, env.URL)
		stranger.UserHandle = []byte("someone")
		if r := b.signInWithPasskey(stranger, ""); r.Status != http.StatusUnauthorized || r.errorMessage() != directory.ErrPasskeyFailed.Message || r.cookie() != nil {
			t.Errorf("unregistered passkey: %d %s", r.Status, r.Body)
		}

		// A ceremony answers once.
		begin := b.json("/webauthn/login/begin", map[string]any{"username": "ada@example.com"})
		cred := key.assert(t, options(t, begin))
		first := b.json("/webauthn/login/finish", map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "credential": cred})
		if first.Status != http.StatusOK {
			t.Fatalf("first answer: %d %s", first.Status, first.Body)
		}
		if r := newBrowser(t, env).json("/webauthn/login/finish", map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "credential": cred}); r.Status != http.StatusUnauthorized || r.cookie() != nil {
			t.Errorf("replayed answer: %d %s", r.Status, r.Body)
		}

		// A tampered signature.
		begin = b.json("/webauthn/login/begin", map[string]any{})
		bad := strings.Replace(string(key.assert(t, options(t, begin))), `"signature":"`, `"signature":"AAAA`, 1)
		if r := b.json("/webauthn/login/finish", []byte(`{"ceremonyId":"`+begin.JSON["ceremonyId"].(string)+`","credential":`+bad+`}`)); r.Status != http.StatusUnauthorized {
			t.Errorf("tampered signature: %d %s", r.Status, r.Body)
		}

		// Malformed requests.
		if r := b.json("/webauthn/login/finish", map[string]any{"ceremonyId": "x"}); r.Status != http.StatusBadRequest || r.errorCode() != "badRequest" {
			t.Errorf("finish without a credential: %d %s", r.Status, r.Body)
		}
		if r := b.json("/webauthn/login/begin", []byte("{not json")); r.Status != http.StatusBadRequest {
			t.Errorf("begin with broken JSON: %d", r.Status)
		}
		if r := b.do(http.MethodPost, "/webauthn/login/begin", strings.NewReader("username=ada"), "Content-Type", "application/x-www-form-urlencoded"); r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("begin as a form: %d", r.Status)
		}
		if r := b.json("/webauthn/login/begin", map[string]any{}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden || r.errorCode() != "crossOriginRequest" {
			t.Errorf("cross-site begin: %d %s", r.Status, r.Body)
		}
	})
}

// TestPasskeyNotBlockedByPassLockout: wrong passes, from one address or many,
// never keep the owner from signing in with their passkey (SPEC §4).
func TestPasskeyNotBlockedByPassLockout(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		key := newSoftKey(t, env.URL)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(key, "Work laptop")
		for range domain.AccountLockout.Threshold + 2 {
			b.form("/login/tap", map[string][]string{"username": {"ada@example.com"}, "pass": {"WRONGPASS"}})
		}
		if r := b.form("/login/tap", map[string][]string{"username": {"ada@example.com"}, "pass": {p.Code}}); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the pass is not locked out: %d", r.Status)
		}
		if r := newBrowser(t, env).signInWithPasskey(key, "ada@example.com"); r.Status != http.StatusOK {
			t.Errorf("passkey sign-in after pass failures: %d %s", r.Status, r.Body)
		}
	})
}

func TestPasskeyRegistrationGuards(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		key := newSoftKey(t, env.URL)
		b := newBrowser(t, env)

		if r := b.json("/webauthn/register/begin", map[string]any{}); r.Status != http.StatusUnauthorized || r.errorCode() != "sessionEnded" {
			t.Errorf("register without a session: %d %s", r.Status, r.Body)
		}
		b.signInWithPass("ada@example.com", p.Code)
		token := b.csrf()
		if r := b.json("/webauthn/register/begin", map[string]any{}); r.Status != http.StatusForbidden || r.errorCode() != "csrfTokenInvalid" {
			t.Errorf("register without the CSRF header: %d %s", r.Status, r.Body)
		}
		if r := b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token+"x"); r.Status != http.StatusForbidden {
			t.Errorf("register with a wrong CSRF header: %d", r.Status)
		}
		if r := b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden || r.errorCode() != "crossOriginRequest" {
			t.Errorf("cross-site register: %d %s", r.Status, r.Body)
		}
		if r := b.do(http.MethodPost, "/webauthn/register/begin", strings.NewReader("{}"), "Content-Type", "text/plain", "X-CSRF-Token", token); r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("register as text/plain: %d", r.Status)
		}

		// A name is required, and checked before the ceremony is spent.
		begin := b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token)
		wantStatus(t, "register/begin", begin, http.StatusOK)
		cred := key.register(t, options(t, begin))
		r := b.json("/webauthn/register/finish", map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "name": "  ", "credential": cred}, "X-CSRF-Token", token)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.errorMessage(), "Give the passkey a name") {
			t.Errorf("nameless passkey: %d %s", r.Status, r.Body)
		}
		if r := b.json("/webauthn/register/finish", map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "name": "Laptop"}, "X-CSRF-Token", token); r.Status != http.StatusBadRequest {
			t.Errorf("finish without a credential: %d", r.Status)
		}
		if r := b.json("/webauthn/register/finish", map[string]any{"ceremonyId": "00000000-0000-0000-0000-000000000000", "name": "Laptop", "credential": cred}, "X-CSRF-Token", token); r.Status != http.StatusBadRequest {
			t.Errorf("finish for an unknown ceremony: %d %s", r.Status, r.Body)
		}

		// Eleven minutes after a one-time pass sign-in the session is over.
		env.Clock.Advance(11 * time.Minute)
		r = b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token)
		if r.Status != http.StatusUnauthorized || r.errorCode() != "sessionEnded" || r.cookie() == nil || r.cookie().MaxAge >= 0 {
			t.Errorf("register 11 minutes after a one-time pass sign-in: %d %s", r.Status, r.Body)
		}
	})
}
