package web_test

import (
	"net/http"
	"testing"

	"github.com/firstkey/firstkey/internal/testenv"
)

// TestPasskeyCeremonyAcrossReplicas: behind a load balancer a ceremony may begin
// on one replica and finish on another; it still finishes only once.
func TestPasskeyCeremonyAcrossReplicas(t *testing.T) {
	t.Parallel()
	envs := testenv.NewReplicas(t, 2, testenv.Options{})
	a, b := envs[0], envs[1]
	a.EnablePassPolicy(t)
	a.CreateUser(t, "ada@example.com")
	p := issuePass(t, a, "ada@example.com", false)
	key := newSoftKey(t, a.Issuer)

	onA := newBrowser(t, a)
	onA.signInWithPass("ada@example.com", p.Code)
	onB := onA.via(b)

	// Registration: begun on A, finished on B with the session from A.
	token := onA.csrf()
	begin := onA.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token)
	wantStatus(t, "register/begin on A", begin, http.StatusOK)
	finish := map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "name": "Laptop", "credential": key.register(t, options(t, begin))}
	wantStatus(t, "register/finish on B", onB.json("/webauthn/register/finish", finish, "X-CSRF-Token", token), http.StatusCreated)
	if r := onA.json("/webauthn/register/finish", finish, "X-CSRF-Token", token); r.Status != http.StatusBadRequest || r.errorMessage() == "" {
		t.Errorf("register/finish again on A: %d %s", r.Status, r.Body)
	}

	// Sign-in: begun on B, finished on A; the answer does not work twice.
	for _, upn := range []string{"ada@example.com", ""} {
		fresh := newBrowser(t, b)
		begin = fresh.json("/webauthn/login/begin", map[string]any{"username": upn})
		wantStatus(t, "login/begin on B", begin, http.StatusOK)
		answer := map[string]any{"ceremonyId": begin.JSON["ceremonyId"], "credential": key.assert(t, options(t, begin))}
		r := fresh.via(a).json("/webauthn/login/finish", answer)
		if r.Status != http.StatusOK || r.cookie() == nil {
			t.Fatalf("login/finish on A (username %q): %d %s", upn, r.Status, r.Body)
		}
		wantStatus(t, "My Security Info on B with the session from A", fresh.get("/mysecurityinfo"), http.StatusOK)
		if r := newBrowser(t, b).json("/webauthn/login/finish", answer); r.Status != http.StatusUnauthorized || r.cookie() != nil {
			t.Errorf("login/finish again on B (username %q): %d %s", upn, r.Status, r.Body)
		}
	}
}
