// Package conformance is the one test suite every store backend must pass. A
// backend calls RunTests from its own _test.go; a backend is correct when the
// suite passes, whatever it does inside.
package conformance

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/store"
)

// NewStore opens a store on a fresh, empty database. It also returns reopen,
// which opens another, independent store on the same database (its own
// connections, as a second process would), so that the suite can race two
// processes. Stores are closed when the test that opened them ends.
type NewStore func(t testing.TB) (s store.Store, reopen func(t testing.TB) store.Store)

type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// multiTest needs a second store on the same database.
type multiTest struct {
	name string
	run  func(t *testing.T, s store.Store, reopen func(t testing.TB) store.Store)
}

// RunTests runs the whole suite, each subtest on a fresh database.
func RunTests(t *testing.T, newStore NewStore) {
	groups := [][]test{
		userTests, groupTests, roleTests, applicationTests, passTests, policyTests,
		settingTests, auditTests, signInTests, sessionTests, signingKeyTests,
		filterTests, keysetTests, txTests, concurrencyTests,
		passkeyTests, ceremonyTests, fido2PolicyTests, throttleTests,
		authRequestTests, grantTests, deviceTests, textTests, deliveryTests,
		dumpTests, reportTests,
	}
	for _, tests := range groups {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s, _ := newStore(t)
				tc.run(t, s)
			})
		}
	}
	for _, tc := range multiTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, reopen := newStore(t)
			tc.run(t, s, reopen)
		})
	}
}

var multiTests = []multiTest{
	{"Reopen/KeepsDataAndMigrationsAreNoOp", testReopen},
	{"Concurrency/ConsumePassTwoStores", testConsumePassTwoStores},
	{"Concurrency/RecordPassFailureTwoStores", testRecordPassFailureTwoStores},
	{"Concurrency/UpdateUserTwoStores", testUpdateUserTwoStores},
	{"Concurrency/PutSettingIfAbsentTwoStores", testPutSettingTwoStores},
	{"Concurrency/TakeCeremonyTwoStores", testTakeCeremonyTwoStores},
	{"Concurrency/FirstFido2PolicyUpdatesTwoStores", testFido2PolicyTwoStores},
	{"Concurrency/UpdateThrottleTwoStores", testUpdateThrottleTwoStores},
	{"Concurrency/SignInAgainstPassDeletionTwoStores", testSignInAgainstPassDeletion},
	{"Concurrency/RedeemAuthCodeTwoStores", testRedeemAuthCodeTwoStores},
	{"Concurrency/UseRefreshTokenTwoStores", testUseRefreshTokenTwoStores},
	{"Concurrency/ClaimDeliveriesTwoStores", testClaimDeliveriesTwoStores},
	{"CacheVersion/MovesWithWhatIsCachedSeenByAnotherStore", testCacheVersion},
}

// t0 has nanoseconds and a zone other than UTC, so that tests see the store
// truncate to microseconds and convert to UTC.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600))

// at returns t0 plus d, as the store returns it.
func at(d time.Duration) time.Time { return norm(t0.Add(d)) }

// norm is a time as every store returns it: UTC, microseconds.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

var ctx = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func wantEqual[T any](t testing.TB, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

// idsOf lists the ids of items, in order.
func idsOf[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func wantIDs(t testing.TB, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got ids %v, want %v", got, want)
	}
}

// wantUnsupported checks that err is ErrUnsupportedFilter and names what.
func wantUnsupported(t testing.TB, err error, what string) {
	t.Helper()
	wantErr(t, err, store.ErrUnsupportedFilter)
	if !strings.Contains(err.Error(), what) {
		t.Fatalf("error %q does not name %q", err, what)
	}
}
