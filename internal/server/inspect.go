package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlite"
	"github.com/firstkey/firstkey/internal/store/sqlstore"
)

// DatabaseState is what `firstkey doctor` learns of the configured database
// without changing it: no migration runs, nothing is written.
type DatabaseState struct {
	Kind    string // "sqlite" or "postgres"
	Where   string // the file, or the URL without its password
	Missing bool   // SQLite: there is no database file yet
	Applied []string
	Known   []string // the migrations this build has, in order
	// ServerTime is PostgreSQL's clock, read halfway through RoundTrip; zero
	// on SQLite, which has no clock of its own.
	ServerTime time.Time
	LocalTime  time.Time
	RoundTrip  time.Duration
}

// Pending is how many of this build's migrations the database lacks.
func (d DatabaseState) Pending() int {
	have := map[string]bool{}
	for _, n := range d.Applied {
		have[n] = true
	}
	n := 0
	for _, k := range d.Known {
		if !have[k] {
			n++
		}
	}
	return n
}

// Unknown are the applied migrations this build does not have: a newer
// firstkey migrated the database.
func (d DatabaseState) Unknown() []string {
	known := map[string]bool{}
	for _, k := range d.Known {
		known[k] = true
	}
	var out []string
	for _, n := range d.Applied {
		if !known[n] {
			out = append(out, n)
		}
	}
	return out
}

// InspectDatabase connects to the configured database read-only and reports
// its migrations and, on PostgreSQL, its clock. An error means it could not
// be reached or read.
func InspectDatabase(ctx context.Context, cfg Config) (DatabaseState, error) {
	c := cfg.withDefaults()
	kind, dsn, err := c.backend()
	if err != nil {
		return DatabaseState{}, err
	}
	st := DatabaseState{Kind: kind, Where: redactURL(dsn)}
	var db *sql.DB
	var ms []sqlstore.Migration
	switch kind {
	case "sqlite":
		if ms, err = sqlite.Migrations(); err != nil {
			return st, err
		}
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			st.Missing = true
			st.Known = names(ms)
			return st, nil
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "query_only(1)")
		if db, err = sql.Open("sqlite", dsn+"?"+q.Encode()); err != nil {
			return st, fmt.Errorf("open SQLite database %s: %w", dsn, err)
		}
	case "postgres":
		if ms, err = postgres.Migrations(); err != nil {
			return st, err
		}
		pc, err := pgx.ParseConfig(dsn)
		if err != nil {
			return st, errors.New("the PostgreSQL connection string cannot be parsed")
		}
		pc.RuntimeParams["default_transaction_read_only"] = "on"
		db = stdlib.OpenDB(*pc)
	}
	defer db.Close()
	st.Known = names(ms)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return st, fmt.Errorf("connect to %s: %w", st.Where, err)
	}
	if kind == "postgres" {
		start := time.Now()
		var now time.Time
		if err := db.QueryRowContext(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
			return st, fmt.Errorf("read the database clock: %w", err)
		}
		st.RoundTrip = time.Since(start)
		st.LocalTime, st.ServerTime = start.Add(st.RoundTrip/2), now
	}
	exists, err := migrationsTable(ctx, db, kind)
	if err != nil || !exists {
		return st, err
	}
	st.Applied, err = sqlstore.AppliedMigrations(ctx, db)
	return st, err
}

func migrationsTable(ctx context.Context, db *sql.DB, kind string) (bool, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if kind == "postgres" {
		q = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
	}
	var n int
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("look for schema_migrations: %w", err)
	}
	return n > 0, nil
}

func names(ms []sqlstore.Migration) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// VerifyMasterKey reports whether key is the master key the database was
// initialised with (seal.ErrKeyMismatch if not, seal.ErrNoKeyCheck if it never
// saw one). Call it only on a database without pending migrations: opening
// the store migrates.
func VerifyMasterKey(ctx context.Context, cfg Config, key []byte) error {
	c := cfg.withDefaults()
	kind, dsn, err := c.backend()
	if err != nil {
		return err
	}
	var st store.Store
	switch kind {
	case "sqlite":
		s, err := sqlite.OpenWith(ctx, dsn, sqlite.Options{BusyTimeout: c.LockTimeout})
		if err != nil {
			return fmt.Errorf("open SQLite database %s: %w", dsn, err)
		}
		st = s
	case "postgres":
		s, err := postgres.OpenWith(ctx, dsn, postgres.Options{LockTimeout: c.LockTimeout})
		if err != nil {
			return fmt.Errorf("open PostgreSQL database %s: %w", redactURL(dsn), err)
		}
		st = s
	}
	defer st.Close()
	sealer, err := seal.New(key)
	if err != nil {
		return err
	}
	return seal.VerifyKey(ctx, st, sealer)
}
