package browsertest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// tokenStatus asks the token endpoint for a client-credentials token and
// returns the status it answered.
func tokenStatus(t *testing.T, env *testenv.Env, clientID, secret string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, _ := http.NewRequest(http.MethodPost, env.TokenEndpoint(t), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := env.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConsoleApplications registers a web application in the console (a bad
// redirect URI is refused at the field), takes its secret from the one page
// that shows it, replaces the secret (the new one works at the token
// endpoint, the old one not), deletes the secret and the application; a
// Reports Reader's forged rotation is refused. Then the signing keys are
// rotated and JWKS publishes the new key beside the old.
func TestConsoleApplications(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)
		open(t, ctx, env, "/admin/applications", "#new-app")
		do(t, ctx, "register with an http redirect URI",
			chromedp.Click(chromedp.CSS("#new-app")),
			chromedp.WaitVisible(chromedp.CSS("#displayName")),
			chromedp.SendKeys(chromedp.CSS("#displayName"), "Payroll"),
			chromedp.SendKeys(chromedp.CSS("#redirectUris"), "http://payroll.example.com/callback"),
			chromedp.Click(chromedp.CSS(`input[name=permissions][value="User.Read.All"]`)),
			chromedp.Click(chromedp.CSS("#register-app")),
			chromedp.WaitVisible(chromedp.CSS("#redirectUris-error")))
		if got := text(t, ctx, "#redirectUris-error"); !strings.Contains(got, "https") {
			t.Errorf("the refused redirect URI says %q", got)
		}
		if shots(t) {
			consoleShots(t, ctx, "application-new-refused")
		}
		do(t, ctx, "fix the redirect URI and register",
			emptyField("#redirectUris"),
			chromedp.SendKeys(chromedp.CSS("#redirectUris"), "https://payroll.example.com/callback"),
			chromedp.Click(chromedp.CSS("#register-app")),
			chromedp.WaitVisible(chromedp.CSS("#secret-value")))
		secret1, clientID := text(t, ctx, "#secret-value"), text(t, ctx, "#client-id")
		if shots(t) {
			consoleShots(t, ctx, "application-secret")
		}
		if strings.Contains(env.Logs(), secret1) {
			t.Fatal("the client secret is in the server log")
		}
		if got := tokenStatus(t, env, clientID, secret1); got != http.StatusOK {
			t.Fatalf("the new application's secret got %d at the token endpoint", got)
		}
		do(t, ctx, "reload the secret's page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#secret-gone")))
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#secret-value").length`)); n != 0 {
			t.Error("a reload shows the secret again")
		}
		appPath, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#delete-app").getAttribute("href").replace(/\/delete$/, "")`))

		// A Reports Reader forges a rotation.
		reader, _ := consoleAdmin(t, env, "rita@example.com", domain.RoleReportsReader)
		if got := forgePost(t, reader, env, appPath+"/secret", url.Values{}); got.Status != http.StatusForbidden {
			t.Errorf("a Reports Reader's forged rotation got %d, want 403", got.Status)
		}

		do(t, ctx, "replace the secret", chromedp.Click(chromedp.CSS("#rotate-secret")), chromedp.WaitVisible(chromedp.CSS("#secret-value")))
		secret2 := text(t, ctx, "#secret-value")
		if secret2 == secret1 {
			t.Fatal("the rotation showed the old secret")
		}
		if got := tokenStatus(t, env, clientID, secret2); got != http.StatusOK {
			t.Errorf("the new secret got %d at the token endpoint", got)
		}
		if got := tokenStatus(t, env, clientID, secret1); got == http.StatusOK {
			t.Error("the replaced secret still gets tokens")
		}
		if shots(t) {
			open(t, ctx, env, appPath, "#secrets")
			consoleShots(t, ctx, "application")
		}
		open(t, ctx, env, appPath, "#delete-secret")
		do(t, ctx, "delete the secret", chromedp.Click(chromedp.CSS("#delete-secret")), chromedp.WaitVisible(chromedp.CSS("#no-secret")))
		if got := tokenStatus(t, env, clientID, secret2); got == http.StatusOK {
			t.Error("a deleted secret still gets tokens")
		}
		do(t, ctx, "delete the application",
			chromedp.Click(chromedp.CSS("#delete-app")),
			chromedp.WaitVisible(chromedp.CSS("#confirm-delete")))
		if shots(t) {
			consoleShots(t, ctx, "application-delete")
		}
		do(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm-delete")), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if _, err := env.Dir.ResolveApplication(t.Context(), clientID); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("the deleted application is still there: %v", err)
		}
		if shots(t) {
			consoleShots(t, ctx, "applications")
		}

		// Signing keys.
		open(t, ctx, env, "/admin/keys", "#keys-table")
		signing := func() string {
			kid, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#keys-table tr:has(.badge.ok)") || {}).dataset?.kid || ""`))
			return kid
		}
		old := signing()
		if old == "" {
			t.Fatal("no key is marked as signing")
		}
		do(t, ctx, "rotate the keys", chromedp.Click(chromedp.CSS("#rotate-keys")), chromedp.WaitVisible(chromedp.CSS("#flash")))
		now := signing()
		if now == "" || now == old {
			t.Fatalf("after rotating, the signing key is %q (was %q)", now, old)
		}
		if shots(t) {
			consoleShots(t, ctx, "keys")
		}
		resp, err := env.HTTPClient().Get(env.URL + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var jwks struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
			t.Fatal(err)
		}
		kids := map[string]bool{}
		for _, k := range jwks.Keys {
			kids[k.Kid] = true
		}
		if !kids[old] || !kids[now] {
			t.Errorf("JWKS publishes %v, want both the new key %s and the old %s", kids, now, old)
		}
		// A Reports Reader cannot rotate.
		if got := forgePost(t, reader, env, "/admin/keys/rotate", url.Values{}); got.Status != http.StatusForbidden {
			t.Errorf("a Reports Reader's forged key rotation got %d, want 403", got.Status)
		}
	})
}
