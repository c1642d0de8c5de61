package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

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
