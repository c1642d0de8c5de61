package directory_test

import (
	"context"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
)

// TestGroupDeletionRacesPolicyChange: a group deletion and a policy change naming
// that group, racing, never leave the policy naming a group that is gone: the
// deletion checks the policy in its own transaction, under the policy's lock.
func TestGroupDeletionRacesPolicyChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		deleted, named := 0, 0
		for i := range 40 {
			g, err := f.dir.CreateGroup(ctx, sys, domain.Group{DisplayName: "Contractors"})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var delErr, polErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				delErr = f.dir.DeleteGroup(ctx, sys, g.ID)
			}()
			go func() {
				defer wg.Done()
				_, polErr = f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error {
					p.ExcludeTargets = []domain.Target{{ID: g.ID, TargetType: "group"}}
					return nil
				})
			}()
			wg.Wait()
			if (delErr == nil) == (polErr == nil) {
				t.Fatalf("round %d: deletion %v, policy change %v: exactly one must win", i, delErr, polErr)
			}
			p, err := f.dir.GetTAPPolicy(ctx, sys)
			if err != nil {
				t.Fatal(err)
			}
			_, getErr := f.dir.GetGroup(ctx, sys, g.ID)
			if p.TargetsGroup(g.ID) != "" {
				named++
				if getErr != nil {
					t.Fatalf("round %d: the policy names group %s, which is gone", i, g.ID)
				}
			} else {
				deleted++
			}
			// Start the next round from a policy that names no group.
			if _, err := f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error { p.ExcludeTargets = nil; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("deletion won %d rounds, policy change %d", deleted, named)
	})
}
