package seed_test

import (
	"context"
	"io"
	"testing"

	"github.com/firstkey/firstkey/internal/bench/seed"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// TestSeededUsersAreValid seeds users on both databases and reads them back
// through the store as firstkey would: every one is listed and counted, found
// by userPrincipalName in any case, enabled, and pages after the last one
// seeded are empty. A seed that wrote rows the store cannot read (a time in
// the wrong unit, a missing key) fails here, not in a benchmark.
func TestSeededUsersAreValid(t *testing.T) {
	ctx := context.Background()
	const n = 1234
	for _, tc := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"sqlite", func(t *testing.T) store.Store {
			path := storetest.SQLitePath(t)
			if err := seed.SQLite(ctx, path, n, "s", io.Discard); err != nil {
				t.Fatal(err)
			}
			return storetest.OpenSQLite(t, path)
		}},
		{"postgres", func(t *testing.T) store.Store {
			dsn := storetest.PostgresDSN(t)
			if err := seed.Postgres(ctx, dsn, n, "s", io.Discard); err != nil {
				t.Fatal(err)
			}
			return storetest.OpenPostgres(t, dsn)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.open(t)
			var positions [][]byte
			users, total, err := s.ListUsers(ctx, store.ListOptions{Top: 2000, Count: true, Positions: &positions})
			if err != nil || total != n || len(users) != n {
				t.Fatalf("listed %d of %d users (%v), want %d", len(users), total, err, n)
			}
			if users[0].UserPrincipalName != seed.UPN("s", 0) || users[n-1].UserPrincipalName != seed.UPN("s", n-1) {
				t.Errorf("order: first %s, last %s", users[0].UserPrincipalName, users[n-1].UserPrincipalName)
			}
			rest, _, err := s.ListUsers(ctx, store.ListOptions{After: positions[n-1]})
			if err != nil || len(rest) != 0 {
				t.Errorf("after the last user: %d users, %v", len(rest), err)
			}
			u, err := s.GetUserByUPN(ctx, "S0000007@SEED.example")
			if err != nil {
				t.Fatal(err)
			}
			if !u.AccountEnabled || u.DisplayName != "Seed User 0000007" || u.Version != 1 || u.CreatedDateTime.IsZero() ||
				!u.LastModifiedDateTime.Equal(u.CreatedDateTime) || len(u.ID) != 36 {
				t.Errorf("seeded user %+v", u)
			}
			if err := domain.ValidateUPN(u.UserPrincipalName); err != nil {
				t.Errorf("seeded userPrincipalName: %v", err)
			}
		})
	}
}
