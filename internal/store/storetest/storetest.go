// Package storetest opens real, empty stores for tests: a SQLite file in the
// test's temporary directory, and a PostgreSQL schema of its own on the server
// named by FIRSTKEY_TEST_POSTGRES. Both are closed (and the schema dropped) when
// the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlite"
)

// PostgresEnv names the environment variable holding the test server's DSN.
const PostgresEnv = "FIRSTKEY_TEST_POSTGRES"

// Backend is a store implementation tests can run against.
type Backend struct {
	Name string
	Open func(t testing.TB) store.Store
}

// Backends lists every backend: SQLite, and PostgreSQL (which skips the test
// when no server is configured, except in CI).
func Backends() []Backend {
	return []Backend{{Name: "sqlite", Open: SQLite}, {Name: "postgres", Open: Postgres}}
}

// SQLite returns a store on a fresh database file in t.TempDir().
func SQLite(t testing.TB) store.Store {
	t.Helper()
	return OpenSQLite(t, SQLitePath(t))
}

// SQLitePath returns the path of a database file that does not exist yet, in
// t.TempDir(); OpenSQLite creates it.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "firstkey.db")
}

// OpenSQLite opens a store on the SQLite file at path, closed when t ends.
// Opening one path twice gives two independent stores on one database.
func OpenSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite store: %v", err)
		}
	})
	return s
}

// Postgres returns a store on a fresh schema of the test server.
func Postgres(t testing.TB) store.Store {
	t.Helper()
	return OpenPostgres(t, PostgresDSN(t))
}

// OpenPostgres opens a store on dsn, closed when t ends.
func OpenPostgres(t testing.TB, dsn string) store.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	// Tests run in parallel, and other packages' tests share the server.
	s.DB().SetMaxOpenConns(8)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close postgres store: %v", err)
		}
	})
	return s
}

// RequirePostgres returns the test server's DSN from FIRSTKEY_TEST_POSTGRES. When
// it is unset the test is skipped, or fails if CI is set, so that CI cannot
// silently skip PostgreSQL.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must test PostgreSQL", PostgresEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable", PostgresEnv)
	}
	return dsn
}

// PostgresDSN creates an empty schema fk_<random> on the server named by
// FIRSTKEY_TEST_POSTGRES and returns a DSN whose search_path is that schema. The
// schema is dropped when t ends. Without the variable, see RequirePostgres.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresEnv)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "fk_" + hex.EncodeToString(b)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
