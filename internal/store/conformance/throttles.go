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

var throttleTests = []test{
	{"Throttle/DefaultUpdateDelete", testThrottle},
	{"Throttle/DeleteExpired", testThrottleExpiry},
	{"Throttle/ListDeleteByPrefix", testThrottlePrefix},
}

var testRule = domain.LockoutRule{Threshold: 3, Base: time.Minute, Max: time.Hour, Memory: time.Hour}

func testThrottle(t *testing.T, s store.Store) {
	got, err := s.GetThrottle(ctx, "k1")
	must(t, err)
	wantEqual(t, got, domain.Throttle{Key: "k1"})

	// A refused first update records nothing.
	_, err = s.UpdateThrottle(ctx, "k1", func(th domain.Throttle) (domain.Throttle, error) {
		th.Count = 7
		return th, errRefused
	})
	wantErr(t, err, errRefused)
	got, err = s.GetThrottle(ctx, "k1")
	must(t, err)
	wantEqual(t, got, domain.Throttle{Key: "k1"})

	// The first update starts from the zero state; the key cannot change.
	want := domain.Throttle{Key: "k1", Count: 12, LockedUntil: at(4 * time.Minute), ExpiresDateTime: at(time.Hour)}
	got, err = s.UpdateThrottle(ctx, "k1", func(th domain.Throttle) (domain.Throttle, error) {
		wantEqual(t, th, domain.Throttle{Key: "k1"})
		return domain.Throttle{Key: "k2", Count: 12, LockedUntil: t0.Add(4 * time.Minute), ExpiresDateTime: t0.Add(time.Hour)}, nil
	})
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.GetThrottle(ctx, "k1")
	must(t, err)
	wantEqual(t, got, want)
	if got.LockedUntil.Location() != time.UTC {
		t.Fatalf("locked until in %v, want UTC", got.LockedUntil.Location())
	}
	got, err = s.GetThrottle(ctx, "k2")
	must(t, err)
	wantEqual(t, got, domain.Throttle{Key: "k2"})

	// Keys are compared exactly: they are hashes, and a case-folded or trimmed
	// match would merge two people's counters.
	got, err = s.GetThrottle(ctx, "K1")
	must(t, err)
	wantEqual(t, got, domain.Throttle{Key: "K1"})

	must(t, s.DeleteThrottle(ctx, "k1"))
	must(t, s.DeleteThrottle(ctx, "k1"))
	got, err = s.GetThrottle(ctx, "k1")
	must(t, err)
	wantEqual(t, got, domain.Throttle{Key: "k1"})
}

func testThrottleExpiry(t *testing.T, s store.Store) {
	for i, key := range []string{"old", "edge", "new"} {
		_, err := s.UpdateThrottle(ctx, key, func(th domain.Throttle) (domain.Throttle, error) {
			th.Count, th.ExpiresDateTime = 1, t0.Add(time.Duration(i)*time.Hour)
			return th, nil
		})
		must(t, err)
	}
	n, err := s.DeleteExpiredThrottles(ctx, t0.Add(time.Hour))
	must(t, err)
	wantEqual(t, n, 1)
	for key, count := range map[string]int{"old": 0, "edge": 1, "new": 1} {
		got, err := s.GetThrottle(ctx, key)
		must(t, err)
		wantEqual(t, got.Count, count)
	}
}

// testUpdateThrottleTwoStores reserves attempts from two processes at once,
// starting with no row: exactly Threshold of them may pass, whatever the
// concurrency, and none may be lost.
func testUpdateThrottleTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	const n = 40
	counts := make([]int, n)
	passed := make([]bool, n)
	errs := raceN(n, s, reopen(t), func(i int, s store.Store) error {
		th, err := s.UpdateThrottle(ctx, "burst", func(th domain.Throttle) (domain.Throttle, error) {
			th, passed[i] = testRule.Reserve(th, t0)
			return th, nil
		})
		counts[i] = th.Count
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if got := len(slices.DeleteFunc(slices.Clone(passed), func(ok bool) bool { return !ok })); got != testRule.Threshold {
		t.Fatalf("%d attempts reserved, want exactly %d", got, testRule.Threshold)
	}
	th, err := s.GetThrottle(ctx, "burst")
	must(t, err)
	wantEqual(t, th.Count, testRule.Threshold)
	wantEqual(t, th.LockedUntil, at(testRule.Base))
}

func testThrottlePrefix(t *testing.T, s store.Store) {
	// Keys hold base64url hashes and LIKE's wildcards: the prefix is compared
	// exactly, case and "_" and "%" included.
	for i, key := range []string{"a:x_1", "a:x_2", "a:X_3", "a:xy", "a:x%", "b:x_1"} {
		_, err := s.UpdateThrottle(ctx, key, func(th domain.Throttle) (domain.Throttle, error) {
			th.Count, th.ExpiresDateTime = i+1, t0.Add(time.Hour)
			return th, nil
		})
		must(t, err)
	}
	keys := func(ts []domain.Throttle) []string {
		var out []string
		for _, th := range ts {
			out = append(out, th.Key)
		}
		return out
	}
	got, err := s.ListThrottles(ctx, "a:x_")
	must(t, err)
	wantEqual(t, keys(got), []string{"a:x_1", "a:x_2"})
	wantEqual(t, got[1], domain.Throttle{Key: "a:x_2", Count: 2, ExpiresDateTime: at(time.Hour), LockedUntil: time.Time{}.UTC()})
	got, err = s.ListThrottles(ctx, "a:x%")
	must(t, err)
	wantEqual(t, keys(got), []string{"a:x%"})
	got, err = s.ListThrottles(ctx, "none")
	must(t, err)
	wantEqual(t, len(got), 0)

	n, err := s.DeleteThrottles(ctx, "a:x_")
	must(t, err)
	wantEqual(t, n, 2)
	if _, err := s.DeleteThrottles(ctx, ""); err == nil {
		t.Fatal("DeleteThrottles with an empty prefix did not fail")
	}
	got, err = s.ListThrottles(ctx, "")
	must(t, err)
	wantEqual(t, keys(got), []string{"a:X_3", "a:x%", "a:xy", "b:x_1"})
}
