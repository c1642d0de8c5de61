package conformance

import (
	"errors"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var policyTests = []test{
	{"Policy/DefaultAndUpdate", testPolicy},
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
