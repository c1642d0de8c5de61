package directory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// TestPurgeExpiredPassesAuditsEachDeletion (issue #10 finding 12): every purged
// pass has its own audit record with the pass id and its holder, initiated by
// whoever purged: firstkey on its own, the operator, or an administrator, who
// purges only passes of people whose methods they may manage.
func TestPurgeExpiredPassesAuditsEachDeletion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		ann, bob := f.user(t, "ann@example.com"), f.user(t, "bob@example.com")
		admin := f.user(t, "ua@example.com", domain.RoleUserAdministrator)
		helpdesk := f.user(t, "helpdesk@example.com", domain.RoleAuthenticationAdministrator)
		expired := map[string]string{} // pass id → holder
		for _, u := range []domain.User{ann, bob, admin} {
			expired[f.issue(t, u, false).ID] = u.ID
		}
		f.clock.Advance(61 * time.Minute)
		live := f.issue(t, f.user(t, "cid@example.com"), false)

		purgeRecords := func() []domain.AuditRecord {
			t.Helper()
			all, _, err := f.st.ListAudits(ctx, store.ListOptions{Top: 999})
			if err != nil {
				t.Fatal(err)
			}
			var out []domain.AuditRecord
			for _, r := range all {
				if r.ActivityDisplayName == domain.ActivityAdminDeletedSecurityInfo && strings.Contains(detail(r, "Reason"), "expired") {
					out = append(out, r)
				}
			}
			return out
		}

		// An Authentication Administrator purges what they may manage: not the
		// User Administrator's pass.
		as, err := f.dir.UserActor(ctx, helpdesk.ID, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.dir.PurgeExpiredPasses(ctx, as)
		if err != nil || n != 2 {
			t.Fatalf("purge as an Authentication Administrator: %d, %v; want 2", n, err)
		}
		recs := purgeRecords()
		if len(recs) != 2 {
			t.Fatalf("%d purge records, want 2", len(recs))
		}
		for _, r := range recs {
			id := detail(r, "PassId")
			if holder, ok := expired[id]; !ok || r.TargetUserID() != holder || holder == admin.ID {
				t.Errorf("record for pass %q of %q: not one of the expired passes the actor may purge", id, r.TargetUserID())
			}
			if r.InitiatedBy.UPN != "helpdesk@example.com" || r.OperationType != "Delete" || r.LoggedByService != domain.ServiceAuthenticationMethods {
				t.Errorf("purge record %+v", r)
			}
			delete(expired, id)
		}

		// firstkey on its own purges the rest, and says so.
		if n, err := f.dir.PurgeExpiredPasses(ctx, domain.AutomaticActor()); err != nil || n != 1 {
			t.Fatalf("automatic purge: %d, %v; want 1", n, err)
		}
		recs = purgeRecords()
		if len(recs) != 3 {
			t.Fatalf("%d purge records, want 3", len(recs))
		}
		var rest domain.AuditRecord
		for _, r := range recs {
			if _, ok := expired[detail(r, "PassId")]; ok {
				rest = r
			}
		}
		if rest.TargetUserID() != admin.ID || rest.InitiatedBy.AppName != "firstkey" || rest.InitiatedBy.Type != domain.ActorSystem {
			t.Errorf("automatic purge record %+v", rest)
		}
		if n, err := f.dir.PurgeExpiredPasses(ctx, sys); err != nil || n != 0 {
			t.Fatalf("nothing left to purge: %d, %v", n, err)
		}
		if len(purgeRecords()) != 3 {
			t.Error("a purge with nothing to delete wrote audit records")
		}
		if _, err := f.st.GetPass(ctx, live.ID); err != nil {
			t.Errorf("a live pass was purged: %v", err)
		}
		assertNoSecret(t, f)
	})
}
