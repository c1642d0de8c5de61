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
		for _, k := range []domain.SigningKey{old, cur} {
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
			err := f.dir.AddSigningKey(ctx, a, signingKey("evil", now), true, time.Hour, domain.KeyReasonRotation)
			if domain.KindOf(err) != domain.KindForbidden {
				t.Fatalf("%s adds a signing key: %v, want forbidden", name, err)
			}
		}
		if keys, _ := f.st.ListSigningKeys(ctx); len(keys) != 2 {
			t.Fatalf("a refused key change left %d keys, want the 2 there were", len(keys))
		}

		const overlap = time.Hour + 5*time.Minute
		if err := f.dir.AddSigningKey(ctx, sys, signingKey("new", now), true, overlap, domain.KeyReasonRotation); err != nil {
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
		if _, ok := byID["old"]; ok || len(keys) != 2 {
			t.Fatalf("keys after adding: %v, want cur and new, the retired key purged", byID)
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
