package directory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// A preview applies the rules of the update and changes nothing; the console's
// confirm step shows its changes before saving.
func TestPreviewPolicy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		before, _ := f.dir.GetTAPPolicy(ctx, sys)

		_, err := f.dir.PreviewTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error { p.MaximumLifetimeInMinutes = 50000; return nil })
		if err == nil || !strings.Contains(err.Error(), "between 10 and 43200") {
			t.Fatalf("out-of-range preview: %v", err)
		}
		pc, err := f.dir.PreviewTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error { p.MaximumLifetimeInMinutes = 600; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(pc.Changes) != 1 || pc.Changes[0].DisplayName != "maximumLifetimeInMinutes" || pc.Changes[0].OldValue != "480" || pc.Changes[0].NewValue != "600" {
			t.Errorf("changes = %+v", pc.Changes)
		}
		if after, _ := f.dir.GetTAPPolicy(ctx, sys); !after.LastModifiedDateTime.Equal(before.LastModifiedDateTime) || after.MaximumLifetimeInMinutes != 480 {
			t.Errorf("a preview changed the policy: %+v", after)
		}
		if _, err := f.dir.PreviewTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error {
			p.ExcludeTargets = append(p.ExcludeTargets, domain.Target{ID: "00000000-0000-0000-0000-000000000001", TargetType: "group"})
			return nil
		}); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("a missing group: %v", err)
		}
		fc, err := f.dir.PreviewFido2Policy(ctx, sys, func(p *domain.Fido2Policy) error { p.UserVerification = "preferred"; return nil })
		if err != nil || len(fc.Changes) != 1 || fc.Changes[0].DisplayName != "userVerification" {
			t.Errorf("passkey preview: %+v, %v", fc.Changes, err)
		}

		reader := f.user(t, "reader@example.com", domain.RoleReportsReader)
		actor := domain.Actor{Type: domain.ActorUser, UserID: reader.ID, Roles: []domain.Role{domain.RoleReportsReader}}
		if _, err := f.dir.PreviewTAPPolicy(ctx, actor, func(*domain.TAPPolicy) error { return nil }); domain.KindOf(err) != domain.KindForbidden {
			t.Errorf("a Reports Reader's preview: %v", err)
		}
		if err := directory.UnchangedSince(before.LastModifiedDateTime, before.LastModifiedDateTime.Add(1)); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("UnchangedSince: %v", err)
		}
	})
}
