package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlstore"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// Replicas starting together on an empty schema: the advisory lock lets one
// migrate while the others wait; every migration is recorded once.
func TestMigrationsConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	ms, err := sqlstore.Migrations(postgres.MigrationFiles, "migrations")
	if err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %v (%d)", err, len(ms))
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, st := range append(stores, s) {
		got, err := sqlstore.AppliedMigrations(ctx, st.DB())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("schema_migrations lists %v, want %v", got, want)
		}
	}
}

// A migration that fails leaves nothing of itself behind and is not recorded.
func TestMigrationFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := sqlstore.Migrations(fstest.MapFS{
		"m/0001_a.sql": {Data: []byte("CREATE TABLE a (id INTEGER);")},
		"m/0002_b.sql": {Data: []byte("CREATE TABLE b (id INTEGER); INSERT INTO nowhere VALUES (1);")},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, db, postgres.TestDialect, ms); err == nil {
		t.Fatal("a failing migration reported success")
	}
	got, err := sqlstore.AppliedMigrations(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"0001_a.sql"}) {
		t.Fatalf("applied %v, want only 0001_a.sql", got)
	}
	var b sql.NullString
	if err := db.QueryRow("SELECT to_regclass('b')::text").Scan(&b); err != nil || b.Valid {
		t.Fatalf("table b of the failed migration exists (%v, err %v)", b, err)
	}
}

func TestOpenRejectsMissingSchema(t *testing.T) {
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", q.Get("search_path")+"_missing")
	u.RawQuery = q.Encode()
	_, err = postgres.Open(context.Background(), u.String())
	if err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("opening a DSN whose search_path names no schema: got %v, want an error naming search_path", err)
	}
}

func TestOpenHidesUnparsableDSN(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://user:s3cret@host:notaport/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v, want an error without the password", err)
	}
}

// A database created before passkeys existed (at migration 0001, with a user
// holding a pass) is brought up to date on open: the old rows survive and work
// with the new tables.
func TestMigrateFrom0001(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlstore.Migrations(postgres.MigrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, db, postgres.TestDialect, sqlstore.MigrationsUpTo(ms, 1)); err != nil {
		t.Fatal(err)
	}
	var passkeys sql.NullString
	if err := db.QueryRow("SELECT to_regclass('passkeys')::text").Scan(&passkeys); err != nil || passkeys.Valid {
		t.Fatalf("the 0001 database has a passkeys table (%v, err %v)", passkeys, err)
	}
	created := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, user_principal_name, upn_key, display_name, account_enabled, created_at)
			VALUES ('u1', 'Ada@Example.com', 'ada@example.com', 'Ada', true, $1)`,
		`INSERT INTO groups (id, display_name, created_at) VALUES ('g1', 'Old group', $1)`,
		`INSERT INTO temporary_access_passes (id, user_id, hash, created_at, start_at, end_at,
			lifetime_minutes, usable_once) VALUES ('p1', 'u1', 'hash', $1::timestamptz, $1::timestamptz, $1::timestamptz + interval '1 hour', 60, true)`,
	} {
		if _, err := db.Exec(q, created); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := sqlstore.AppliedMigrations(ctx, s.DB())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	if !slices.Equal(got, want) || len(got) < 2 {
		t.Fatalf("applied %v, want %v", got, want)
	}
	u, err := s.GetUserByUPN(ctx, "ada@example.com")
	if err != nil || u.ID != "u1" || !u.CreatedDateTime.Equal(created) {
		t.Fatalf("old user: %+v, %v", u, err)
	}
	// 0006: an old user or group is at version 1, last modified when created.
	if u.Version != 1 || !u.LastModifiedDateTime.Equal(created) || u.ExternalID != "" || u.EmployeeID != "" {
		t.Fatalf("old user after 0006: %+v", u)
	}
	if g, err := s.GetGroup(ctx, "g1"); err != nil || g.Version != 1 || !g.LastModifiedDateTime.Equal(created) || g.ExternalID != "" {
		t.Fatalf("old group after 0006: %+v, %v", g, err)
	}
	p, err := s.GetPass(ctx, "p1")
	if err != nil || p.UserID != "u1" || p.LifetimeInMinutes != 60 || !p.IsUsableOnce {
		t.Fatalf("old pass: %+v, %v", p, err)
	}
	if err := s.CreatePasskey(ctx, domain.Passkey{ID: "pk1", UserID: "u1", CredentialID: []byte{1}, PublicKey: []byte{2}, CreatedDateTime: created}); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchPass(ctx, "p1", created); err != nil { // a column added to an old table
		t.Fatal(err)
	}
	if _, err := s.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) { return p, nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCeremony(ctx, domain.Ceremony{ID: "c1", Kind: "login", Data: []byte("{}"), ExpiresDateTime: created}); err != nil {
		t.Fatal(err)
	}
	// The old user's new rows go with them.
	if err := s.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPasskey(ctx, "pk1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("passkey of a deleted user: %v", err)
	}
}
