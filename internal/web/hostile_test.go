package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// hostileText is what a form field or header may carry that no name, code or
// id can be: a NUL, overlong and truncated UTF-8, bytes that are never UTF-8,
// and control characters. PostgreSQL refuses the first ones in text columns.
var hostileText = []string{"\x00", "ada\x00@example.com", "ad\xc0\xaea@example.com", "\xff\xfe", "ada@example.com\xe2\x82", "ada\x1b[2J@example.com"}

// The sign-in pages answer hostile input with the form and its error (4xx),
// never a 500, and keep it out of storage.
func TestHostileFormInput(t *testing.T) {
	plenty := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1000, Per: time.Minute} }
	eachBackend(t, plenty, func(t *testing.T, env *testenv.Env) {
		ada := env.CreateUser(t, "ada@example.com")
		pass := issuePass(t, env, "ada@example.com", false)
		signedIn := newBrowser(t, env)
		signedIn.signInWithPass("ada@example.com", pass.Code)
		csrf := signedIn.csrf()

		for _, bad := range hostileText {
			anon := newBrowser(t, env)
			checks := []struct {
				what string
				r    response
			}{
				{"login username", anon.get("/login?username=" + url.QueryEscape(bad))},
				{"login hint", anon.get("/login?login_hint=" + url.QueryEscape(bad))},
				{"login next", anon.get("/login?next=" + url.QueryEscape("/device?user_code="+bad))},
				{"pass page", anon.get("/login/pass?username=" + url.QueryEscape(bad))},
				{"pass username", anon.form("/login/tap", url.Values{"username": {bad}, "pass": {"whatever"}})},
				{"pass code", anon.form("/login/tap", url.Values{"username": {"nobody@example.com"}, "pass": {bad}})},
				{"pass next", anon.form("/login/tap", url.Values{"username": {"nobody@example.com"}, "pass": {"x"}, "next": {"/authorize/continue?request=" + bad}})},
				{"continue", anon.get("/authorize/continue?request=" + url.QueryEscape(bad))},
				{"passkey begin", anon.json("/webauthn/login/begin", []byte(`{"username":"`+jsonEscape(bad)+`"}`))},
				{"passkey finish", anon.json("/webauthn/login/finish", []byte(`{"ceremonyId":"`+jsonEscape(bad)+`","username":"x","credential":{"id":"`+jsonEscape(bad)+`"}}`))},
				{"device code", signedIn.get("/device?user_code=" + url.QueryEscape(bad))},
				{"device answer", signedIn.form("/device", url.Values{"user_code": {bad}, "action": {"approve"}, "csrf": {csrf}})},
				{"rename passkey", signedIn.form("/mysecurityinfo/passkeys/"+url.PathEscape(bad)+"/rename", url.Values{"name": {"Key"}, "csrf": {csrf}})},
				{"delete passkey", signedIn.form("/mysecurityinfo/passkeys/"+url.PathEscape(bad)+"/delete", url.Values{"csrf": {csrf}})},
				{"delete pass", signedIn.form("/mysecurityinfo/pass/"+url.PathEscape(bad)+"/delete", url.Values{"csrf": {csrf}})},
				{"csrf", signedIn.form("/mysecurityinfo/pass/"+pass.ID+"/delete", url.Values{"csrf": {bad}})},
			}
			for _, c := range checks {
				if c.r.Status >= 500 {
					t.Errorf("%s %q: status %d: %s", c.what, bad, c.r.Status, c.r.Body)
				}
			}
		}

		// A passkey's name is text a person reads in lists: not UTF-8 or with a
		// control character, it is refused with the form's error, on rename and
		// on registration.
		keyID := signedIn.registerPasskey(newSoftKey(t, env.Issuer), "Blue key")
		for _, bad := range append(hostileText, "Key\x1b[2J") {
			r := signedIn.form("/mysecurityinfo/passkeys/"+keyID+"/rename", url.Values{"name": {bad}, "csrf": {csrf}})
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "passkey name") {
				t.Errorf("rename to %q: %d, want 400 naming the passkey name", bad, r.Status)
			}
		}
		for _, bad := range []string{"Key\x00", "Key\x1b[2J"} {
			r := signedIn.tryRegisterPasskey(newSoftKey(t, env.Issuer), bad)
			if r.Status != http.StatusBadRequest || r.errorCode() != "badRequest" {
				t.Errorf("register a passkey named %q: %d %s, want 400 badRequest", bad, r.Status, r.Body)
			}
		}

		// The pass form names the problem on the form itself.
		r := newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada\x00@example.com"}, "pass": {pass.Code}})
		wantStatus(t, "NUL in the username", r, http.StatusBadRequest)
		if !strings.Contains(r.Body, "characters no username can have") || !strings.Contains(r.Body, `<form`) {
			t.Errorf("NUL in the username: the answer is not the form with its error:\n%s", r.Body)
		}

		// A User-Agent that is not UTF-8 does not stop a sign-in, and what the
		// sign-in log keeps of it is valid text without control characters.
		// (Go's server itself refuses other control characters in a header
		// with a 400; a tab and bytes from 0x80 up get through.)
		ua := "Mozilla/5.0 \xff\xfe\xc0\xae (X11;\tLinux)\xed\xa0\x80" + strings.Repeat("é", 600)
		ok := newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {pass.Code}}, "User-Agent", ua)
		if ok.Status != http.StatusSeeOther || ok.cookie() == nil {
			t.Fatalf("sign-in with a hostile User-Agent: %d %s", ok.Status, ok.Body)
		}
		bad := newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"wrong-pass"}}, "User-Agent", ua)
		if bad.Status >= 500 {
			t.Fatalf("failed sign-in with a hostile User-Agent: %d %s", bad.Status, bad.Body)
		}
		var hostileUA int
		for _, rec := range signInLog(t, env) {
			if !utf8.ValidString(rec.UserAgent) || strings.IndexFunc(rec.UserAgent, unicode.IsControl) >= 0 ||
				!utf8.ValidString(rec.UserPrincipalName) || strings.IndexFunc(rec.UserPrincipalName, unicode.IsControl) >= 0 {
				t.Errorf("sign-in record %+v holds text that is not clean", rec)
			}
			if !strings.HasPrefix(rec.UserAgent, "Mozilla/5.0 ") {
				continue
			}
			hostileUA++
			if rec.UserID != ada.ID {
				t.Errorf("sign-in record for %q, want ada", rec.UserPrincipalName)
			}
			if !strings.Contains(rec.UserAgent, "(X11; Linux)") {
				t.Errorf("stored User-Agent %q lost the readable part", rec.UserAgent)
			}
			if len(rec.UserAgent) > 512 {
				t.Errorf("stored User-Agent is %d bytes, want at most 512", len(rec.UserAgent))
			}
		}
		if hostileUA != 2 {
			t.Errorf("the sign-in log has %d records with the hostile User-Agent, want 2", hostileUA)
		}
		if strings.Contains(env.Logs(), `"status":500`) {
			t.Errorf("a request ended in 500")
		}
		if !utf8.ValidString(env.Logs()) {
			t.Errorf("the server log is not valid UTF-8")
		}
	})
}

// jsonEscape writes s inside a JSON string as it is, except for the characters
// JSON itself needs escaped, so that invalid UTF-8 reaches the server raw.
func jsonEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
