package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var ceremonyTests = []test{
	{"Ceremony/TakeOnce", testCeremonyTakeOnce},
	{"Ceremony/DeleteExpired", testCeremonyDeleteExpired},
	{"Ceremony/GetLeavesIt", testCeremonyGetLeavesIt},
}

func newCeremony(id, userID string, expires time.Time) domain.Ceremony {
	return domain.Ceremony{
		ID: id, UserID: userID, Kind: "registration",
		Data:            []byte(`{"challenge":"c2VjcmV0","user_id":"dTE","expires":"x"}` + "\x00\xff"),
		ExpiresDateTime: expires,
	}
}

func testCeremonyTakeOnce(t *testing.T, s store.Store) {
	reg := newCeremony("c1", "u1", t0.Add(domain.CeremonyLifetime))
	login := newCeremony("c2", "", t0.Add(domain.CeremonyLifetime))
	login.Kind = "login"
	must(t, s.CreateCeremony(ctx, reg))
	must(t, s.CreateCeremony(ctx, login))
	wantErr(t, s.CreateCeremony(ctx, newCeremony("c1", "u2", t0)), store.ErrAlreadyExists)

	got, err := s.TakeCeremony(ctx, "c1")
	must(t, err)
	reg.ExpiresDateTime = norm(reg.ExpiresDateTime)
	wantEqual(t, got, reg)
	_, err = s.TakeCeremony(ctx, "c1")
	wantErr(t, err, store.ErrNotFound)

	// Usernameless: no user, and the other ceremony was left alone by the first take.
	got, err = s.TakeCeremony(ctx, "c2")
	must(t, err)
	login.ExpiresDateTime = norm(login.ExpiresDateTime)
	wantEqual(t, got, login)
	_, err = s.TakeCeremony(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound)

	// A take inside a transaction that rolls back leaves the ceremony to be taken again.
	must(t, s.CreateCeremony(ctx, newCeremony("c3", "u1", t0)))
	err = s.InTx(ctx, func(tx store.Store) error {
		if _, err := tx.TakeCeremony(ctx, "c3"); err != nil {
			return err
		}
		return errRefused
	})
	wantErr(t, err, errRefused)
	_, err = s.TakeCeremony(ctx, "c3")
	must(t, err)
}

func testCeremonyDeleteExpired(t *testing.T, s store.Store) {
	for i, d := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute} {
		must(t, s.CreateCeremony(ctx, newCeremony(fmt.Sprintf("c%d", i), "", t0.Add(d))))
	}
	n, err := s.DeleteExpiredCeremonies(ctx, t0)
	must(t, err)
	wantEqual(t, n, 0)
	// Expiring exactly at `before` is not "before".
	n, err = s.DeleteExpiredCeremonies(ctx, t0.Add(5*time.Minute))
	must(t, err)
	wantEqual(t, n, 1)
	n, err = s.DeleteExpiredCeremonies(ctx, t0.Add(5*time.Minute+time.Microsecond))
	must(t, err)
	wantEqual(t, n, 1)
	for id, want := range map[string]error{"c0": store.ErrNotFound, "c1": store.ErrNotFound, "c2": nil} {
		_, err := s.TakeCeremony(ctx, id)
		if !errors.Is(err, want) {
			t.Fatalf("take %s: got %v, want %v", id, err, want)
		}
	}
}

// testTakeCeremonyTwoStores races takes of one ceremony from two processes.
func testTakeCeremonyTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	must(t, s.CreateCeremony(ctx, newCeremony("c1", "u1", t0)))
	must(t, s.CreateCeremony(ctx, newCeremony("c2", "u1", t0)))
	got := make([]domain.Ceremony, 30)
	errs := raceN(30, s, reopen(t), func(i int, s store.Store) error {
		c, err := s.TakeCeremony(ctx, "c1")
		got[i] = c
		return err
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("takes %d and %d both got the ceremony", winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("take %d: got %v, want nil or ErrNotFound", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no take got the ceremony")
	}
	want := newCeremony("c1", "u1", norm(t0))
	wantEqual(t, got[winner], want)
	_, err := s.TakeCeremony(ctx, "c2")
	must(t, err)
}

// testCeremonyGetLeavesIt: reading a ceremony does not take it.
func testCeremonyGetLeavesIt(t *testing.T, s store.Store) {
	c := newCeremony("c1", "", t0.Add(domain.CeremonyLifetime))
	c.Kind = "login"
	must(t, s.CreateCeremony(ctx, c))
	c.ExpiresDateTime = norm(c.ExpiresDateTime)
	for range 2 {
		got, err := s.GetCeremony(ctx, "c1")
		must(t, err)
		wantEqual(t, got, c)
	}
	got, err := s.TakeCeremony(ctx, "c1")
	must(t, err)
	wantEqual(t, got, c)
	_, err = s.GetCeremony(ctx, "c1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetCeremony(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound)
}
