package conformance

import (
	"errors"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var policyTests = []test{
	{"Policy/DefaultAndUpdate", testPolicy},
	{"Policy/MissingTargetGroups", testPolicyMissingTargets},
}

var settingTests = []test{
	{"Setting/PutGet", testSettings},
}

func testPolicy(t *testing.T, s store.Store) {
	p, err := s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultTAPPolicy())

	// A failed first update saves nothing, not even the default.
	errVeto := errors.New("veto")
	_, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		p.State = domain.StateEnabled
		return p, errVeto
	})
	wantErr(t, err, errVeto)
	p, err = s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultTAPPolicy())

	// Saving the default unchanged gives back exactly the default, zero time included.
	p, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) { return p, nil })
	must(t, err)
	wantEqual(t, p, domain.DefaultTAPPolicy())
	p, err = s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultTAPPolicy())

	createTargetGroups(t, s)
	want := domain.TAPPolicy{
		State: domain.StateEnabled,
		IncludeTargets: []domain.Target{
			{ID: "g1", TargetType: "group", IsRegistrationRequired: true},
			{ID: "g2", TargetType: "group"},
		},
		ExcludeTargets:           []domain.Target{{ID: "g3", TargetType: "group"}},
		MinimumLifetimeInMinutes: 10, MaximumLifetimeInMinutes: 43200, DefaultLifetimeInMinutes: 120,
		DefaultLength: 12, IsUsableOnce: true, LastModifiedDateTime: at(0),
	}
	got, err := s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		wantEqual(t, p, domain.DefaultTAPPolicy())
		w := want
		w.LastModifiedDateTime = t0
		return w, nil
	})
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, got, want)

	// The next update starts from the saved policy; nil lists come back empty.
	got, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		wantEqual(t, p, want)
		p.ExcludeTargets = nil
		p.State = domain.StateDisabled
		return p, nil
	})
	must(t, err)
	want.ExcludeTargets, want.State = []domain.Target{}, domain.StateDisabled
	wantEqual(t, got, want)
	_, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		p.DefaultLength = 40
		return p, errVeto
	})
	wantErr(t, err, errVeto)
	got, err = s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, got, want)
}

// createTargetGroups creates the groups g1, g2 and g3 that policies in these
// tests name, so that their targets read back as present.
func createTargetGroups(t *testing.T, s store.Store) {
	t.Helper()
	for _, id := range []string{"g1", "g2", "g3"} {
		must(t, s.CreateGroup(ctx, newGroup(id, "Group "+id)))
	}
}

// testPolicyMissingTargets: both policies come back with Missing set on every
// target whose group does not exist (any more), and Missing is never stored.
func testPolicyMissingTargets(t *testing.T, s store.Store) {
	must(t, s.CreateGroup(ctx, newGroup("live", "Live")))
	must(t, s.CreateGroup(ctx, newGroup("doomed", "Doomed")))
	targets := func(ids ...string) []domain.Target {
		out := []domain.Target{}
		for _, id := range ids {
			// Missing as written is ignored: the store decides it on every read.
			out = append(out, domain.Target{ID: id, TargetType: "group", Missing: id == "live"})
		}
		return out
	}
	missing := func(ts []domain.Target) map[string]bool {
		out := map[string]bool{}
		for _, tg := range ts {
			out[tg.ID] = tg.Missing
		}
		return out
	}
	tap, err := s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		p.IncludeTargets, p.ExcludeTargets = targets(domain.AllUsers, "live", "never"), targets("doomed")
		return p, nil
	})
	must(t, err)
	wantEqual(t, missing(tap.IncludeTargets), map[string]bool{domain.AllUsers: false, "live": false, "never": true})
	wantEqual(t, missing(tap.ExcludeTargets), map[string]bool{"doomed": false})
	keys, err := s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		p.IncludeTargets, p.ExcludeTargets = targets("live"), targets("doomed", "never")
		return p, nil
	})
	must(t, err)
	wantEqual(t, missing(keys.ExcludeTargets), map[string]bool{"doomed": false, "never": true})

	must(t, s.DeleteGroup(ctx, "doomed"))
	tap, err = s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, missing(tap.IncludeTargets), map[string]bool{domain.AllUsers: false, "live": false, "never": true})
	wantEqual(t, missing(tap.ExcludeTargets), map[string]bool{"doomed": true})
	keys, err = s.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, missing(keys.IncludeTargets), map[string]bool{"live": false})
	wantEqual(t, missing(keys.ExcludeTargets), map[string]bool{"doomed": true, "never": true})
	// The update path sees the same, in its transaction.
	_, err = s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		wantEqual(t, missing(p.ExcludeTargets), map[string]bool{"doomed": true})
		return p, nil
	})
	must(t, err)
}

func testSettings(t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx, "init")
	wantErr(t, err, store.ErrNotFound)

	must(t, s.PutSetting(ctx, "init", "one", true))
	wantErr(t, s.PutSetting(ctx, "init", "two", true), store.ErrAlreadyExists)
	v, err := s.GetSetting(ctx, "init")
	must(t, err)
	wantEqual(t, v, "one")

	must(t, s.PutSetting(ctx, "init", "three", false))
	v, err = s.GetSetting(ctx, "init")
	must(t, err)
	wantEqual(t, v, "three")

	must(t, s.PutSetting(ctx, "other", "", false))
	v, err = s.GetSetting(ctx, "other")
	must(t, err)
	wantEqual(t, v, "")
	_, err = s.GetSetting(ctx, "INIT")
	wantErr(t, err, store.ErrNotFound)
}
