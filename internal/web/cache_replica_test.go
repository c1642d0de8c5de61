package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestCachedPolicyAndApplicationChangesSeenAtOnceOnTheOtherReplica: replica B
// keeps the passkey policy and the calling application in memory once it has
// used them; a change made through replica A applies to B's very next
// request, with nothing in between (no wait, no request to A).
func TestCachedPolicyAndApplicationChangesSeenAtOnceOnTheOtherReplica(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			envs := testenv.Replicas(t, backend, 2, testenv.Options{})
			a, b := envs[0], envs[1]
			a.EnablePassPolicy(t)
			a.CreateUser(t, "ada@example.com")
			p := issuePass(t, a, "ada@example.com", false)
			key := newSoftKey(t, a.Issuer)
			setup := newBrowser(t, a)
			setup.signInWithPass("ada@example.com", p.Code)
			setup.registerPasskey(key, "Laptop")

			// B signs in with the policy as it is (and keeps it).
			wantStatus(t, "passkey sign-in on B", newBrowser(t, b).signInWithPasskey(key, "ada@example.com"), http.StatusOK)
			if uv := userVerificationOn(t, b); uv != "required" {
				t.Fatalf("B asks for userVerification %q, want required", uv)
			}

			setFido2Policy(t, a, func(p *domain.Fido2Policy) { p.UserVerification = "preferred" })
			if uv := userVerificationOn(t, b); uv != "preferred" {
				t.Errorf("right after A changed the policy, B asks for userVerification %q, want preferred", uv)
			}
			setFido2Policy(t, a, func(p *domain.Fido2Policy) { p.State = domain.StateDisabled })
			if r := newBrowser(t, b).signInWithPasskey(key, "ada@example.com"); r.Status != http.StatusUnauthorized || r.cookie() != nil {
				t.Errorf("passkey sign-in on B right after A disabled passkeys: %d %s", r.Status, r.Body)
			}
			setFido2Policy(t, a, func(p *domain.Fido2Policy) { p.State = domain.StateEnabled })
			wantStatus(t, "passkey sign-in on B right after A enabled passkeys again", newBrowser(t, b).signInWithPasskey(key, "ada@example.com"), http.StatusOK)

			// An application calling the API on B, changed and then deleted through A.
			app, secret := a.RegisterApp(t, domain.Application{Permissions: []domain.Permission{domain.PermUserReadAll}})
			token := a.ClientCredentialsToken(t, app.ClientID, secret)
			if got := graphGet(t, b, token); got != http.StatusOK {
				t.Fatalf("GET /v1.0/users on B: %d", got)
			}
			ctx := context.Background()
			if _, err := a.Dir.UpdateApplication(ctx, domain.SystemActor(), app.ID, func(x *domain.Application) error {
				x.Permissions = []domain.Permission{}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := graphGet(t, b, token); got != http.StatusForbidden {
				t.Errorf("GET /v1.0/users on B right after A withdrew the permission: %d, want 403", got)
			}
			if err := a.Dir.DeleteApplication(ctx, domain.SystemActor(), app.ID); err != nil {
				t.Fatal(err)
			}
			if got := graphGet(t, b, token); got != http.StatusUnauthorized {
				t.Errorf("GET /v1.0/users on B right after A deleted the application: %d, want 401", got)
			}
		})
	}
}

// userVerificationOn begins a passkey sign-in and returns what it asks of
// the authenticator.
func userVerificationOn(t *testing.T, env *testenv.Env) string {
	t.Helper()
	begin := newBrowser(t, env).json("/webauthn/login/begin", map[string]any{"username": "ada@example.com"})
	wantStatus(t, "login/begin", begin, http.StatusOK)
	opts, _ := begin.JSON["options"].(map[string]any)
	pk, _ := opts["publicKey"].(map[string]any)
	uv, _ := pk["userVerification"].(string)
	return uv
}

func graphGet(t *testing.T, env *testenv.Env, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimRight(env.URL, "/")+"/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
