package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// racers is how many goroutines each race uses.
const racers = 50

var concurrencyTests = []test{
	{"Concurrency/ConsumePass", func(t *testing.T, s store.Store) { raceConsumePass(t, s, s) }},
	{"Concurrency/RecordPassFailure", func(t *testing.T, s store.Store) { raceRecordPassFailure(t, s, s) }},
	{"Concurrency/UpdateUser", func(t *testing.T, s store.Store) { raceUpdateUser(t, s, s) }},
	{"Concurrency/FirstPolicyUpdates", testPolicyRace},
	{"Concurrency/CreatePassForOneUser", testCreatePassRace},
}

// race runs fn(i, store) on racers goroutines at once, alternating between
// stores a and b, and returns each call's error.
func race(a, b store.Store, fn func(i int, s store.Store) error) []error {
	return raceN(racers, a, b, fn)
}

// raceN is race with n goroutines.
func raceN(n int, a, b store.Store, fn func(i int, s store.Store) error) []error {
	// Warm up first, so that the racers find open connections and really
	// overlap, rather than the first finishing while the others still connect.
	runAll(n, a, b, func(i int, s store.Store) error { _, err := s.GetSetting(ctx, "warm-up"); return err })
	return runAll(n, a, b, fn)
}

// runAll releases n goroutines at once and waits for them all.
func runAll(n int, a, b store.Store, fn func(i int, s store.Store) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i, s)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func raceConsumePass(t *testing.T, a, b store.Store) {
	createUsers(t, a, newUser("u1", "a@example.com"))
	must(t, a.CreatePass(ctx, newPass("p1", "u1")))
	errs := race(a, b, func(i int, s store.Store) error {
		return s.ConsumePass(ctx, "p1", t0.Add(time.Duration(i)*time.Second))
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("calls %d and %d both consumed the pass", winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("call %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no call consumed the pass")
	}
	p, err := a.GetPass(ctx, "p1")
	must(t, err)
	// The recorded use is the winner's.
	wantEqual(t, *p.UsedDateTime, at(time.Duration(winner)*time.Second))
}

func raceRecordPassFailure(t *testing.T, a, b store.Store) {
	createUsers(t, a, newUser("u1", "a@example.com"))
	must(t, a.CreatePass(ctx, newPass("p1", "u1")))
	counts := make([]int, racers)
	errs := race(a, b, func(i int, s store.Store) error {
		n, err := s.RecordPassFailure(ctx, "p1")
		counts[i] = n
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// Every call saw a different count: none was lost or doubled.
	slices.Sort(counts)
	for i, n := range counts {
		if n != i+1 {
			t.Fatalf("counts returned %v, want 1..%d once each", counts, racers)
		}
	}
	p, err := a.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, p.FailedAttempts, racers)
}

func raceUpdateUser(t *testing.T, a, b store.Store) {
	u := newUser("u1", "a@example.com")
	u.JobTitle = "0"
	createUsers(t, a, u)
	errs := race(a, b, func(i int, s store.Store) error {
		_, err := s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
			n, err := strconv.Atoi(u.JobTitle)
			if err != nil {
				return u, err
			}
			u.JobTitle = strconv.Itoa(n + 1)
			return u, nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	got, err := a.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, got.JobTitle, strconv.Itoa(racers))
}

// testPolicyRace starts from no saved policy, where there is no row to lock yet.
func testPolicyRace(t *testing.T, s store.Store) {
	errs := race(s, s, func(i int, s store.Store) error {
		_, err := s.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
			p.MaximumLifetimeInMinutes++
			return p, nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	p, err := s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, p.MaximumLifetimeInMinutes, domain.DefaultTAPPolicy().MaximumLifetimeInMinutes+racers)
}

func testCreatePassRace(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	errs := race(s, s, func(i int, s store.Store) error {
		return s.CreatePass(ctx, newPass(fmt.Sprintf("p%d", i), "u1"))
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, store.ErrAlreadyExists):
			t.Fatalf("create %d: got %v, want nil or ErrAlreadyExists", i, err)
		}
	}
	wantEqual(t, created, 1)
	passes, err := s.ListUserPasses(ctx, "u1")
	must(t, err)
	wantEqual(t, len(passes), 1)
}

func testConsumePassTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	raceConsumePass(t, s, reopen(t))
}

func testRecordPassFailureTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	raceRecordPassFailure(t, s, reopen(t))
}

func testUpdateUserTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	raceUpdateUser(t, s, reopen(t))
}

func testPutSettingTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	other := reopen(t)
	errs := race(s, other, func(i int, s store.Store) error {
		return s.PutSetting(ctx, "initialized", strconv.Itoa(i), true)
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("calls %d and %d both put the setting", winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrAlreadyExists):
			t.Fatalf("call %d: got %v, want nil or ErrAlreadyExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no call put the setting")
	}
	for _, st := range []store.Store{s, other} {
		v, err := st.GetSetting(ctx, "initialized")
		must(t, err)
		wantEqual(t, v, strconv.Itoa(winner))
	}
}

// testReopen opens the database again: migrations must find nothing to do and
// the data must be there, written through one store and read through the other.
func testReopen(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.PutSetting(ctx, "k", "v", true))
	other := reopen(t)
	third := reopen(t)
	for _, st := range []store.Store{other, third} {
		u, err := st.GetUser(ctx, "u1")
		must(t, err)
		wantEqual(t, u, stored(newUser("u1", "a@example.com")))
		v, err := st.GetSetting(ctx, "k")
		must(t, err)
		wantEqual(t, v, "v")
	}
	createUsers(t, other, newUser("u2", "b@example.com"))
	_, err := s.GetUser(ctx, "u2")
	must(t, err)
	wantErr(t, third.CreateUser(ctx, newUser("u3", "B@example.com")), store.ErrAlreadyExists)
}

// testSignInAgainstPassDeletion races sign-ins (use the pass, then create a
// session from it, in one transaction) against deletions of the pass (delete it,
// then end its sessions, in one transaction) from two processes: whichever order
// the database picks, no session of a deleted pass may survive.
func testSignInAgainstPassDeletion(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	const rounds = 20
	other := reopen(t)
	for r := range rounds {
		uid, pid := fmt.Sprintf("u%d", r), fmt.Sprintf("p%d", r)
		createUsers(t, s, newUser(uid, uid+"@example.com"))
		p := newPass(pid, uid)
		p.IsUsableOnce = r%2 == 0
		must(t, s.CreatePass(ctx, p))
		errs := runAll(6, s, other, func(i int, st store.Store) error {
			if i == 0 {
				return st.InTx(ctx, func(tx store.Store) error {
					if err := tx.DeletePass(ctx, pid); err != nil {
						return err
					}
					_, err := tx.DeleteSessionsByPass(ctx, pid)
					return err
				})
			}
			err := st.InTx(ctx, func(tx store.Store) error {
				use := tx.TouchPass
				if p.IsUsableOnce {
					use = tx.ConsumePass
				}
				if err := use(ctx, pid, t0); err != nil {
					return err
				}
				sess := newSession(fmt.Sprintf("s%d-%d", r, i), uid)
				sess.PassID = pid
				return tx.CreateSession(ctx, sess)
			})
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
				return nil // the deletion (or another sign-in with a one-time pass) came first
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, call %d: %v", r, i, err)
			}
		}
		if n, err := s.DeleteSessionsByPass(ctx, pid); err != nil || n != 0 {
			t.Fatalf("round %d: %d sessions of the deleted pass survived (%v)", r, n, err)
		}
	}
}
