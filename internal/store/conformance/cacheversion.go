package conformance

import (
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// testCacheVersion: every change to a policy, an application, a signing key, or the set of
// groups moves the counter, as another process reads it; a failed change and
// changes to anything else do not.
func testCacheVersion(t *testing.T, s store.Store, reopen func(t testing.TB) store.Store) {
	other := reopen(t)
	last, err := other.CacheVersion(ctx)
	must(t, err)
	moved := func(what string, want bool) {
		t.Helper()
		v, err := other.CacheVersion(ctx)
		must(t, err)
		if got := v != last; got != want {
			t.Errorf("after %s the cache version went %d → %d; want moved=%v", what, last, v, want)
		}
		last = v
	}

	must(t, s.CreateUser(ctx, newUser("u1", "ada@example.com")))
	must(t, s.CreateGroup(ctx, domain.Group{ID: "g1", DisplayName: "Staff", CreatedDateTime: t0}))
	moved("creating a user and a group", false)

	must(t, s.CreateApplication(ctx, newApp("a1", "client-1", "Payroll")))
	moved("creating an application", true)
	_, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.DisplayName = "Payroll 2"
		return a, nil
	})
	must(t, err)
	moved("renaming an application", true)
	_, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) { return a, errRefused })
	wantErr(t, err, errRefused)
	moved("a refused application change", false)
	must(t, s.DeleteApplication(ctx, "a1"))
	moved("deleting an application", true)

	_, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		p.State = domain.StateEnabled
		return p, nil
	})
	must(t, err)
	moved("changing the pass policy", true)
	_, err = s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		p.UserVerification = "preferred"
		return p, nil
	})
	must(t, err)
	moved("changing the passkey policy", true)
	_, err = s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) { return p, errRefused })
	wantErr(t, err, errRefused)
	moved("a refused passkey policy change", false)

	key := domain.SigningKey{ID: "k1", Algorithm: "ES256", PrivateKeySealed: []byte{1},
		PublicKeyJWK: []byte(`{"kty":"EC"}`), CreatedDateTime: t0, NotAfter: t0.Add(time.Hour), RetireAfter: t0.Add(2 * time.Hour)}
	must(t, s.CreateSigningKey(ctx, key))
	moved("adding a signing key", true)
	must(t, s.DeleteSigningKey(ctx, "k1"))
	moved("deleting a signing key", true)

	must(t, s.DeleteGroup(ctx, "g1"))
	moved("deleting a group", true)
	must(t, s.DeleteUser(ctx, "u1"))
	moved("deleting a user", false)
}
