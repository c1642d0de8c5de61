package browsertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// scimCall sends one SCIM request with a provisioning token and decodes the answer.
func scimCall(t *testing.T, env *testenv.Env, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, env.URL+"/scim/v2"+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("SCIM %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		t.Fatalf("SCIM %s %s: status %d, want %d: %v", method, path, resp.StatusCode, want, out)
	}
	return out
}

// TestProvisionedJoinerSignsIn is the onboarding chain with an HR system in
// front: the HR system creates the joiner over SCIM, an administrator's
// automation issues a one-time pass, the joiner signs in with it in the browser
// and registers a passkey. When the HR system later deactivates them, their
// browser session ends.
func TestProvisionedJoinerSignsIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		const upn = "new.joiner@example.com"
		appID, _ := env.CreateApp(t, domain.PermProvisioningReadWriteAll)
		_, token, err := env.Dir.IssueProvisioningToken(context.Background(), domain.SystemActor(), appID)
		if err != nil {
			t.Fatal(err)
		}
		created := scimCall(t, env, token, http.MethodPost, "/Users", map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName":   upn,
			"externalId": "hr-4711",
			"name":       map[string]any{"givenName": "New", "familyName": "Joiner"},
			"emails":     []any{map[string]any{"value": upn, "type": "work", "primary": true}},
			"active":     true,
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"employeeNumber": "4711", "department": "Sales"},
			"urn:ietf:params:scim:schemas:extension:firstkey:2.0:User":   map[string]any{"employeeHireDate": "2026-09-01"},
		}, http.StatusCreated)
		id, _ := created["id"].(string)

		pass := issuePass(t, env, upn, true)
		ctx := newTab(t)
		signInWithPass(t, ctx, env, upn, pass.Code)
		if who := text(t, ctx, ".account-upn"); who != upn {
			t.Errorf("signed in as %q", who)
		}
		addPasskey(t, ctx, "First day laptop")
		if got := text(t, ctx, "#passkey-list .method-name"); got != "First day laptop" {
			t.Errorf("registered passkey is listed as %q", got)
		}
		log := signIns(t, env)
		if n := count(log, func(s signInRecord) bool {
			return s.Status.ErrorCode == 0 && s.UserPrincipalName == upn && s.method() == domain.MethodTemporaryAccess
		}); n != 1 {
			t.Errorf("%d pass sign-ins of the provisioned user logged: %+v", n, log)
		}

		// Deactivated by HR, as Entra ID sends it: the session ends.
		scimCall(t, env, token, http.MethodPatch, "/Users/"+id, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}},
		}, http.StatusOK)
		do(t, ctx, "reload My Security Info",
			chromedp.Navigate(env.URL+"/mysecurityinfo"),
			chromedp.WaitVisible(chromedp.CSS("#username")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/login") {
			t.Errorf("a deactivated user's browser is at %s", loc)
		}
	})
}
