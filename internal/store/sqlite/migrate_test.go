package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

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
