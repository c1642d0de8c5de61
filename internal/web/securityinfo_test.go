package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/testenv"
)

var passkeyIDInPage = regexp.MustCompile(`/mysecurityinfo/passkeys/([0-9a-f-]{36})/delete`)
var passIDInPage = regexp.MustCompile(`/mysecurityinfo/pass/([0-9a-f-]{36})/delete`)

func TestSecurityInfoNeedsASession(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		if r := b.get("/mysecurityinfo"); r.Status != http.StatusSeeOther || r.location() != "/login" {
			t.Errorf("without a cookie: %d → %q", r.Status, r.location())
		}
		b.signInWithPass("ada@example.com", p.Code)

		// Idle for longer than the idle timeout: sent to sign in, told why, cookie gone.
		env.Clock.Advance(directory.SessionIdleTimeout + time.Minute)
		r := b.get("/mysecurityinfo")
		if r.Status != http.StatusSeeOther || r.location() != "/login?m=ended" || r.cookie() == nil || r.cookie().MaxAge >= 0 {
			t.Fatalf("expired session: %d → %q", r.Status, r.location())
		}
		if r := b.get("/login?m=ended"); !strings.Contains(r.Body, "Your session has ended") {
			t.Error("the sign-in page does not say the session ended")
		}
		// A form posted with a dead session goes the same way.
		if r := b.form("/mysecurityinfo/passkeys/00000000-0000-0000-0000-000000000000/rename", url.Values{"name": {"x"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
			t.Errorf("form with an ended session: %d → %q", r.Status, r.location())
		}
	})
}

// TestRegistrationOnlySession: a one-time pass session sees My Security Info and
// may register a passkey (see TestPasskeyRegistrationAndSignIn) and sign out, but
// change nothing else.
func TestRegistrationOnlySession(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		key := newSoftKey(t, env.URL)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(key, "Work laptop")
		page := b.get("/mysecurityinfo")
		if strings.Contains(page.Body, "Rename or delete") || strings.Contains(page.Body, "Delete pass") {
			t.Error("a one-time pass session is offered changes it may not make")
		}
		token := b.csrf()
		keyID := keyIDOf(t, env, "ada@example.com")
		for _, path := range []string{
			"/mysecurityinfo/passkeys/" + keyID + "/rename",
			"/mysecurityinfo/passkeys/" + keyID + "/delete",
			"/mysecurityinfo/pass/" + p.ID + "/delete",
		} {
			r := b.form(path, url.Values{"csrf": {token}, "name": {"Renamed"}, "confirm": {"1"}})
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "only lets you add a passkey") {
				t.Errorf("%s in a one-time pass session: %d", path, r.Status)
			}
		}
		after := b.get("/mysecurityinfo")
		if !strings.Contains(after.Body, "Work laptop") || strings.Contains(after.Body, "Renamed") || !strings.Contains(after.Body, "One-time pass") {
			t.Error("a refused change happened")
		}
		if r := b.form("/logout", url.Values{"csrf": {token}}); r.Status != http.StatusSeeOther {
			t.Errorf("sign-out from a one-time pass session: %d", r.Status)
		}
	})
}

func keyIDOf(t *testing.T, env *testenv.Env, upn string) string {
	t.Helper()
	u, err := env.Dir.ResolveUser(t.Context(), upn)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := env.Dir.OwnPasskeys(t.Context(), u.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("passkeys of %s: %v, %v", upn, keys, err)
	}
	return keys[0].ID
}

func TestManagePasskeys(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		key := newSoftKey(t, env.URL)
		setup := newBrowser(t, env)
		setup.signInWithPass("ada@example.com", p.Code)
		setup.registerPasskey(key, "Work laptop")

		// A full session, from the passkey.
		b := newBrowser(t, env)
		if r := b.signInWithPasskey(key, "ada@example.com"); r.Status != http.StatusOK {
			t.Fatalf("passkey sign-in: %d %s", r.Status, r.Body)
		}
		page := b.get("/mysecurityinfo")
		m := passkeyIDInPage.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no delete form on My Security Info:\n%s", page.Body)
		}
		id := m[1]
		token := b.csrf()

		// Rename: CSRF checked, name checked, then done.
		if r := b.form("/mysecurityinfo/passkeys/"+id+"/rename", url.Values{"name": {"Blue key"}}); r.Status != http.StatusForbidden {
			t.Errorf("rename without CSRF token: %d", r.Status)
		}
		if r := b.form("/mysecurityinfo/passkeys/"+id+"/rename", url.Values{"csrf": {token}, "name": {"Blue key"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
			t.Errorf("cross-site rename: %d", r.Status)
		}
		if r := b.form("/mysecurityinfo/passkeys/"+id+"/rename", url.Values{"csrf": {token}, "name": {strings.Repeat("x", 65)}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "at most 64 characters") {
			t.Errorf("rename to a long name: %d", r.Status)
		}
		if r := b.form("/mysecurityinfo/passkeys/00000000-0000-0000-0000-000000000000/rename", url.Values{"csrf": {token}, "name": {"x"}}); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "no longer exists") {
			t.Errorf("rename an unknown passkey: %d", r.Status)
		}
		r := b.form("/mysecurityinfo/passkeys/"+id+"/rename", url.Values{"csrf": {token}, "name": {"Blue <key>"}})
		if r.Status != http.StatusSeeOther || r.location() != "/mysecurityinfo?done=renamed" {
			t.Fatalf("rename: %d → %q", r.Status, r.location())
		}
		if page := b.get("/mysecurityinfo?done=renamed"); !strings.Contains(page.Body, "Blue &lt;key&gt;") || !strings.Contains(page.Body, "Your passkey was renamed.") {
			t.Error("the new name (escaped) or the confirmation is missing")
		}

		// Deleting the last passkey with no usable pass (the one-time pass is used)
		// asks first.
		r = b.form("/mysecurityinfo/passkeys/"+id+"/delete", url.Values{"csrf": {token}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, html.EscapeString(directory.ErrLastPasskey.Message)) ||
			!strings.Contains(r.Body, `name="confirm" value="1"`) || !strings.Contains(r.Body, "Blue &lt;key&gt;") {
			t.Fatalf("delete the last passkey: %d\n%s", r.Status, r.Body)
		}
		if keyIDOf(t, env, "ada@example.com") != id {
			t.Fatal("the passkey was deleted before confirmation")
		}
		r = b.form("/mysecurityinfo/passkeys/"+id+"/delete", url.Values{"csrf": {token}, "confirm": {"1"}})
		if r.Status != http.StatusSeeOther || r.location() != "/mysecurityinfo?done=deleted" {
			t.Fatalf("confirmed delete: %d → %q", r.Status, r.location())
		}
		if page := b.get("/mysecurityinfo?done=deleted"); strings.Contains(page.Body, "Blue &lt;key&gt;") || !strings.Contains(page.Body, "You have no passkeys yet") {
			t.Error("the deleted passkey is still listed")
		}
	})
}

// TestDeletePass: with a usable pass a person's last passkey goes without
// question; deleting the pass their session came from signs them out.
func TestDeletePass(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		key := newSoftKey(t, env.URL)
		key.Synced = true
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(key, "Phone")
		page := b.get("/mysecurityinfo")
		if !strings.Contains(page.Body, "Synced passkey") || !strings.Contains(page.Body, "Multi-use pass") || !strings.Contains(page.Body, "Active") {
			t.Errorf("My Security Info:\n%s", page.Body)
		}
		token := b.csrf()
		m := passIDInPage.FindStringSubmatch(page.Body)
		if m == nil || m[1] != p.ID {
			t.Fatalf("no delete form for the pass")
		}
		if r := b.form("/mysecurityinfo/pass/"+p.ID+"/delete", url.Values{"csrf": {"wrong"}}); r.Status != http.StatusForbidden {
			t.Errorf("delete the pass with a wrong CSRF token: %d", r.Status)
		}
		if r := b.form("/mysecurityinfo/passkeys/"+keyIDOf(t, env, "ada@example.com")+"/delete", url.Values{"csrf": {token}}); r.Status != http.StatusSeeOther {
			t.Errorf("delete the last passkey while a usable pass exists: %d, want no confirmation", r.Status)
		}
		r := b.form("/mysecurityinfo/pass/"+p.ID+"/delete", url.Values{"csrf": {token}})
		if r.Status != http.StatusSeeOther || r.location() != "/login?m=passdeleted" || r.cookie() == nil || r.cookie().MaxAge >= 0 {
			t.Fatalf("delete the session's own pass: %d → %q", r.Status, r.location())
		}
		if r := b.get("/mysecurityinfo"); r.Status != http.StatusSeeOther {
			t.Errorf("the session outlived its pass: %d", r.Status)
		}
		if r := newBrowser(t, env).form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}}); r.Status != http.StatusUnauthorized {
			t.Errorf("the deleted pass still signs in: %d", r.Status)
		}
	})
}
