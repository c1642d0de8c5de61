package directory_test

import (
	"context"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func signingKey(id string, created time.Time) domain.SigningKey {
	return domain.SigningKey{ID: id, Algorithm: "RS256", PrivateKeySealed: []byte("sealed " + id), PublicKeyJWK: []byte(`{}`),
		CreatedDateTime: created, NotAfter: created.Add(90 * 24 * time.Hour), RetireAfter: created.Add(90*24*time.Hour + time.Hour)}
}

// Adding a key retires the one still signing (it stays published for the
// overlap), purges keys past retirement and writes one audit record; people and
// applications may not do it, whatever their roles.
func TestAddSigningKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		now := f.clock.Now()
		old := signingKey("old", now.Add(-100*24*time.Hour)) // retired before now
		cur := signingKey("cur", now.Add(-time.Hour))
		ec := signingKey("ec", now.Add(-time.Hour))
		ec.Algorithm = "ES256"
		for _, k := range []domain.SigningKey{old, cur, ec} {
			if err := f.st.CreateSigningKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		// Only a Global Administrator (in the console) and the operator may; no
		// other role, and no application.
		admin := f.user(t, "root@example.com", domain.RolePrivilegedAuthenticationAdministrator)
		adminActor, err := f.dir.UserActor(ctx, admin.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		app := domain.Actor{Type: domain.ActorApp, AppID: "a", Permissions: []domain.Permission{domain.PermApplicationReadWriteAll}}
		for name, a := range map[string]domain.Actor{"Privileged Authentication Administrator": adminActor, "application": app} {
			err := f.dir.AddSigningKeys(ctx, a, []domain.SigningKey{signingKey("evil", now)}, true, time.Hour, domain.KeyReasonRotation)
			if domain.KindOf(err) != domain.KindForbidden {
				t.Fatalf("%s adds a signing key: %v, want forbidden", name, err)
			}
		}
		if keys, _ := f.st.ListSigningKeys(ctx); len(keys) != 3 {
			t.Fatalf("a refused key change left %d keys, want the 3 there were", len(keys))
		}

		const overlap = time.Hour + 5*time.Minute
		if err := f.dir.AddSigningKeys(ctx, sys, []domain.SigningKey{signingKey("new", now)}, true, overlap, domain.KeyReasonRotation); err != nil {
			t.Fatal(err)
		}
		keys, err := f.st.ListSigningKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]domain.SigningKey{}
		for _, k := range keys {
			byID[k.ID] = k
		}
		if _, ok := byID["old"]; ok || len(keys) != 3 {
			t.Fatalf("keys after adding: %v, want cur, ec and new, the retired key purged", byID)
		}
		// Only keys of the new key's algorithm are replaced.
		if k, ok := domain.SignerAt(keys, "ES256", now); !ok || k.ID != "ec" || !k.NotAfter.Equal(ec.NotAfter) {
			t.Fatalf("the ES256 signer after adding an RS256 key is %q, until %v; want ec, untouched", k.ID, k.NotAfter)
		}
		if c := byID["cur"]; !c.NotAfter.Equal(now) || !c.RetireAfter.Equal(now.Add(overlap)) || c.SignsAt(now) || !c.VerifiesAt(now.Add(overlap-time.Second)) {
			t.Fatalf("the replaced key signs until %v and is published until %v; want now and now+%v", c.NotAfter, c.RetireAfter, overlap)
		}
		if k, ok := domain.SignerAt(keys, "RS256", now); !ok || k.ID != "new" {
			t.Fatalf("the signer is %q", k.ID)
		}

		audits, _, err := f.dir.ListAudits(ctx, sys, store.ListOptions{Top: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []domain.AuditRecord
		for _, a := range audits {
			if a.ActivityDisplayName == domain.ActivityAddSigningKey {
				got = append(got, a)
			}
		}
		if len(got) != 1 {
			t.Fatalf("%d key audit records, want 1 (refused attempts write none)", len(got))
		}
		a := got[0]
		if a.Category != domain.CategoryKeyManagement || a.InitiatedBy.Type != domain.ActorSystem || len(a.TargetResources) != 2 ||
			a.TargetResources[0].ID != "new" || a.TargetResources[1].ID != "cur" {
			t.Fatalf("audit record %+v", a)
		}
		details := map[string]string{}
		for _, kv := range a.AdditionalDetails {
			details[kv.Key] = kv.Value
		}
		if details["Reason"] != domain.KeyReasonRotation || details["PurgedRetiredKeys"] != "old" {
			t.Fatalf("audit details %v", details)
		}
	})
}

// A rotation adds a key of each algorithm at once and retires the signing key
// of each; two keys of one algorithm at once are refused.
func TestAddSigningKeysRotatesEachAlgorithm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		now := f.clock.Now()
		rsaKey, ecKey := signingKey("rsa1", now.Add(-time.Hour)), signingKey("ec1", now.Add(-time.Hour))
		ecKey.Algorithm = "ES256"
		for _, k := range []domain.SigningKey{rsaKey, ecKey} {
			if err := f.st.CreateSigningKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		twice := []domain.SigningKey{signingKey("x", now), signingKey("y", now)}
		if err := f.dir.AddSigningKeys(ctx, sys, twice, true, time.Hour, domain.KeyReasonRotation); err == nil {
			t.Fatal("two RS256 keys at once were accepted")
		}
		rsa2, ec2 := signingKey("rsa2", now), signingKey("ec2", now)
		ec2.Algorithm = "ES256"
		if err := f.dir.AddSigningKeys(ctx, sys, []domain.SigningKey{rsa2, ec2}, true, time.Hour, domain.KeyReasonRotation); err != nil {
			t.Fatal(err)
		}
		keys, err := f.st.ListSigningKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 4 {
			t.Fatalf("%d keys, want the two replaced ones and the two new ones", len(keys))
		}
		for alg, want := range map[string]string{"RS256": "rsa2", "ES256": "ec2"} {
			if k, ok := domain.SignerAt(keys, alg, now); !ok || k.ID != want {
				t.Fatalf("%s signer %q, want %s", alg, k.ID, want)
			}
		}
		for _, k := range keys {
			if (k.ID == "rsa1" || k.ID == "ec1") && (k.SignsAt(now) || !k.VerifiesAt(now)) {
				t.Fatalf("replaced key %s: signs %v, verifies %v; want verifying only", k.ID, k.SignsAt(now), k.VerifiesAt(now))
			}
		}
	})
}
