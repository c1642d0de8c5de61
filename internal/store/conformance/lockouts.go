package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// errRefused is what test update functions return to abort a change.
var errRefused = errors.New("refused")

var lockoutTests = []test{
	{"Lockout/DefaultAndUpdate", testLockout},
}

func testLockout(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	for _, id := range []string{"u1", "ghost"} {
		l, err := s.GetLockout(ctx, id)
		must(t, err)
		wantEqual(t, l, domain.Lockout{UserID: id})
	}

	// A refused first update records nothing.
	_, err := s.UpdateLockout(ctx, "u1", func(l domain.Lockout) (domain.Lockout, error) {
		return l.AfterFailure(t0), errRefused
	})
	wantErr(t, err, errRefused)

	// The first update starts from the zero state; the user id cannot change.
	got, err := s.UpdateLockout(ctx, "u1", func(l domain.Lockout) (domain.Lockout, error) {
		wantEqual(t, l, domain.Lockout{UserID: "u1"})
		return domain.Lockout{UserID: "u2", Failures: 12, LockedUntil: t0.Add(4 * time.Minute)}, nil
	})
	must(t, err)
	want := domain.Lockout{UserID: "u1", Failures: 12, LockedUntil: at(4 * time.Minute)}
	wantEqual(t, got, want)
	got, err = s.GetLockout(ctx, "u1")
	must(t, err)
	wantEqual(t, got, want)
	if got.LockedUntil.Location() != time.UTC {
		t.Fatalf("locked until in %v, want UTC", got.LockedUntil.Location())
	}
	got, err = s.GetLockout(ctx, "u2")
	must(t, err)
	wantEqual(t, got, domain.Lockout{UserID: "u2"})

	// A success resets to the zero state, which reads back as zero.
	got, err = s.UpdateLockout(ctx, "u1", func(l domain.Lockout) (domain.Lockout, error) {
		wantEqual(t, l, want)
		return domain.Lockout{}, nil
	})
	must(t, err)
	wantEqual(t, got, domain.Lockout{UserID: "u1"})
	got, err = s.GetLockout(ctx, "u1")
	must(t, err)
	wantEqual(t, got, domain.Lockout{UserID: "u1"})

	_, err = s.UpdateLockout(ctx, "ghost", func(l domain.Lockout) (domain.Lockout, error) {
		return l.AfterFailure(t0), nil
	})
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetLockout(ctx, "ghost")
	must(t, err)
	wantEqual(t, got, domain.Lockout{UserID: "ghost"})
}

// testUpdateLockoutTwoStores counts failures from two processes at once, starting
// with no row: none may be lost, and each caller sees its own count.
func testUpdateLockoutTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	const n = 40
	createUsers(t, s, newUser("u1", "a@example.com"))
	counts := make([]int, n)
	errs := raceN(n, s, reopen(t), func(i int, s store.Store) error {
		l, err := s.UpdateLockout(ctx, "u1", func(l domain.Lockout) (domain.Lockout, error) {
			return l.AfterFailure(t0), nil
		})
		counts[i] = l.Failures
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts returned %v, want 1..%d once each", counts, n)
		}
	}
	l, err := s.GetLockout(ctx, "u1")
	must(t, err)
	want := domain.Lockout{UserID: "u1"}
	for range n {
		want = want.AfterFailure(t0)
	}
	want.LockedUntil = norm(want.LockedUntil)
	wantEqual(t, l, want)
}
