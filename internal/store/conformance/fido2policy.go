package conformance

import (
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var fido2PolicyTests = []test{
	{"Fido2Policy/DefaultAndUpdate", testFido2Policy},
	{"Concurrency/FirstFido2PolicyUpdates", testFido2PolicyRace},
}

func testFido2Policy(t *testing.T, s store.Store) {
	p, err := s.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultFido2Policy())

	// A failed first update saves nothing, not even the default.
	_, err = s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		p.State = domain.StateDisabled
		return p, errRefused
	})
	wantErr(t, err, errRefused)
	p, err = s.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultFido2Policy())

	// Saving the default unchanged gives back exactly the default.
	p, err = s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) { return p, nil })
	must(t, err)
	wantEqual(t, p, domain.DefaultFido2Policy())

	// Every field differs from the default.
	createTargetGroups(t, s)
	want := domain.Fido2Policy{
		State: domain.StateDisabled,
		IncludeTargets: []domain.Target{
			{ID: "g1", TargetType: "group", IsRegistrationRequired: true}, {ID: "g2", TargetType: "group"},
		},
		ExcludeTargets:                   []domain.Target{{ID: "g3", TargetType: "group"}},
		IsSelfServiceRegistrationAllowed: false,
		IsAttestationEnforced:            true,
		KeyRestrictions: domain.KeyRestrictions{
			IsEnforced: true, EnforcementType: "allow",
			AAGUIDs: []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8", "ee882879-721c-4913-9775-3dfcce97072a"},
		},
		UserVerification:         "preferred",
		RevokePassOnFirstPasskey: true,
		LastModifiedDateTime:     at(0),
	}
	got, err := s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		wantEqual(t, p, domain.DefaultFido2Policy())
		w := want
		w.LastModifiedDateTime = t0
		return w, nil
	})
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, got, want)

	// The next update starts from the saved policy; nil lists come back empty.
	got, err = s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		wantEqual(t, p, want)
		p.ExcludeTargets, p.KeyRestrictions.AAGUIDs = nil, nil
		p.KeyRestrictions.EnforcementType = "block"
		return p, nil
	})
	must(t, err)
	want.ExcludeTargets, want.KeyRestrictions.AAGUIDs = []domain.Target{}, []string{}
	want.KeyRestrictions.EnforcementType = "block"
	wantEqual(t, got, want)
	// The TAP policy is a separate thing.
	tap, err := s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, tap, domain.DefaultTAPPolicy())
}

// testFido2PolicyRace starts from no saved policy, where there is no row to lock yet.
func testFido2PolicyRace(t *testing.T, s store.Store) {
	errs := race(s, s, func(i int, s store.Store) error {
		_, err := s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
			p.IncludeTargets = append(p.IncludeTargets, domain.Target{ID: "g", TargetType: "group"})
			return p, nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	p, err := s.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, len(p.IncludeTargets), len(domain.DefaultFido2Policy().IncludeTargets)+racers)
}

// testFido2PolicyTwoStores is the first-update race between two processes.
func testFido2PolicyTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	other := reopen(t)
	errs := race(s, other, func(i int, s store.Store) error {
		_, err := s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
			p.KeyRestrictions.AAGUIDs = append(p.KeyRestrictions.AAGUIDs, "cb69481e-8ff7-4039-93ec-0a2729a154a8")
			return p, nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	p, err := other.GetFido2Policy(ctx)
	must(t, err)
	wantEqual(t, len(p.KeyRestrictions.AAGUIDs), racers)
}
