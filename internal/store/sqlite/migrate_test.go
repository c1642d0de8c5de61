package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/sqlstore"
)

func migrationNames(t *testing.T) []string {
	t.Helper()
	ms, err := sqlstore.Migrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if len(names) == 0 {
		t.Fatal("no migrations embedded")
	}
	return names
}

// Stores opening a new file at once: one migrates, the others wait for it and
// then find nothing to do; every migration is recorded once.
func TestMigrationsConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "firstkey.db")
	want := migrationNames(t)
	stores := make([]*Store, 4)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for _, s := range stores {
		got, err := sqlstore.AppliedMigrations(ctx, s.DB())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("schema_migrations lists %v, want %v", got, want)
		}
	}
	// Opening again is a no-op.
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := sqlstore.AppliedMigrations(ctx, s.DB())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after reopening, schema_migrations lists %v, want %v", got, want)
	}
}

// A migration that fails leaves nothing of itself behind and is not recorded;
// the ones before it stay applied.
func TestMigrationFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
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
	if err := sqlstore.Migrate(ctx, db, dialect, ms); err == nil {
		t.Fatal("a failing migration reported success")
	}
	got, err := sqlstore.AppliedMigrations(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"0001_a.sql"}) {
		t.Fatalf("applied %v, want only 0001_a.sql", got)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table b of the failed migration exists (count %d, err %v)", n, err)
	}
}

// The SQLite lower() is replaced by a Unicode-aware one on our connections.
func TestLowerFoldsUnicode(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got string
	if err := s.DB().QueryRow("SELECT lower('ÉLODIE Ünal')").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "élodie ünal" {
		t.Fatalf("lower gave %q", got)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// A database created before passkeys existed (at migration 0001, with a user
// holding a pass) is brought up to date on open: the old rows survive and work
// with the new tables.
func TestMigrateFrom0001(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlstore.Migrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, db, dialect, sqlstore.MigrationsUpTo(ms, 1)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'passkeys'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the 0001 database has a passkeys table (count %d, err %v)", n, err)
	}
	created := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, user_principal_name, upn_key, display_name, account_enabled, created_at)
			VALUES ('u1', 'Ada@Example.com', 'ada@example.com', 'Ada', 1, ?)`,
		`INSERT INTO groups (id, display_name, created_at) VALUES ('g1', 'Old group', ?)`,
		`INSERT INTO temporary_access_passes (id, user_id, hash, created_at, start_at, end_at,
			lifetime_minutes, usable_once) VALUES ('p1', 'u1', 'hash', ?1, ?1, ?1 + 3600000000, 60, 1)`,
	} {
		if _, err := db.Exec(q, created.UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkMigratedFrom0001(t, s, created)
}

func checkMigratedFrom0001(t *testing.T, s *Store, created time.Time) {
	t.Helper()
	ctx := context.Background()
	got, err := sqlstore.AppliedMigrations(ctx, s.DB())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, migrationNames(t)) || len(got) < 2 {
		t.Fatalf("applied %v, want %v", got, migrationNames(t))
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
