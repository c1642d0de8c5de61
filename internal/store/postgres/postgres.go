// Package postgres is firstkey's store for several replicas: PostgreSQL through
// pgx's database/sql driver. Every replica sees every change at once, and races
// between replicas (consuming a pass, counting failures) are settled by the
// database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/firstkey/firstkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	*sqlstore.Store
}

var dialect = sqlstore.Dialect{
	Name:                  "postgres",
	NumberedPlaceholders:  true,
	ForUpdate:             " FOR UPDATE",
	Time:                  func(t time.Time) any { return t },
	IsUniqueViolation:     func(err error) bool { return hasCode(err, "23505") },
	IsForeignKeyViolation: func(err error) bool { return hasCode(err, "23503") },
	IsUnavailable:         unavailable,
	DayNumber:             func(col string) string { return "CAST(floor(extract(epoch FROM " + col + ") / 86400) AS BIGINT)" },
}

// unavailable recognises a database that could not answer in time: a
// statement cancelled (by statement_timeout or a deadline), a lock not granted
// within lock_timeout, a server that is full or starting, one that cannot be
// reached, or pgx's own timeout.
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	return hasCode(err, "57014") || hasCode(err, "55P03") || hasCode(err, "53300") || hasCode(err, "57P03") ||
		errors.As(err, &ce) || pgconn.Timeout(err)
}

func hasCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}

// Options bound how long one statement may run and wait. Zero fields take the
// defaults; a statement_timeout or lock_timeout in the DSN wins over both.
type Options struct {
	// StatementTimeout cancels a statement that runs longer (default 10s).
	StatementTimeout time.Duration
	// LockTimeout cancels a statement that waits longer for a lock on a table
	// or row (default 5s).
	LockTimeout time.Duration
}

// Defaults of Options: below the server's request deadline, so that a
// statement stuck behind a lock fails with a clear reason before the request
// runs out of time.
const (
	DefaultStatementTimeout = 10 * time.Second
	DefaultLockTimeout      = 5 * time.Second
)

// Open connects to the database named by dsn (a postgres:// URL or key=value
// string) with the default Options and brings its schema up to date. Tables
// live in the first schema of the DSN's search_path (default: public), which
// must exist.
func Open(ctx context.Context, dsn string) (*Store, error) { return OpenWith(ctx, dsn, Options{}) }

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, dsn string, o Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included; ours does not.
		return nil, errors.New("open postgres database: the connection string cannot be parsed")
	}
	// Every session gets timeouts, so that a locked table or a runaway query
	// fails one request instead of holding a pooled connection (and the
	// request) for as long as the lock lasts.
	setDefault(cfg.RuntimeParams, "statement_timeout", o.StatementTimeout, DefaultStatementTimeout)
	setDefault(cfg.RuntimeParams, "lock_timeout", o.LockTimeout, DefaultLockTimeout)
	// Each connection prepares a query the first time it runs it and reuses
	// it after (pgx's statement cache, keyed by the query text), so hot
	// queries are parsed and planned once per connection.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	if cfg.StatementCacheCapacity < 512 {
		cfg.StatementCacheCapacity = 512
	}
	db := stdlib.OpenDB(*cfg)
	// A bounded pool queues bursts instead of exhausting the server's
	// max_connections, which several replicas share. Idle connections stay
	// (and their prepared statements with them) up to the same bound.
	db.SetMaxOpenConns(PoolSize)
	db.SetMaxIdleConns(PoolSize)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres database %s/%s: %w", cfg.Host, cfg.Database, err)
	}
	return &Store{sqlstore.New(db, dialect)}, nil
}

// PoolSize is how many connections one firstkey holds at most.
const PoolSize = 20

// setDefault sets a timeout parameter, in milliseconds, unless the DSN set it.
func setDefault(params map[string]string, name string, d, def time.Duration) {
	if _, ok := params[name]; ok {
		return
	}
	if d <= 0 {
		d = def
	}
	params[name] = strconv.FormatInt(d.Milliseconds(), 10)
}

// migrate applies pending migrations while holding an advisory lock, so that
// replicas starting together migrate one after the other. The lock is per
// schema, so separate schemas (tests) migrate in parallel.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := sqlstore.Migrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if !schema.Valid {
		return errors.New("the search_path names no existing schema")
	}
	// A migration may rewrite a large table, and a replica waits here for
	// another's migration: neither is a request, so the session's timeouts are
	// lifted for as long as this connection migrates.
	if _, err := conn.ExecContext(ctx, "SET statement_timeout = 0; SET lock_timeout = 0"); err != nil {
		return fmt.Errorf("lift timeouts for migrations: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "RESET statement_timeout; RESET lock_timeout")
	}()
	const lockKey = "hashtext('firstkey migrations ' || current_schema())"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+lockKey+")"); err != nil {
		return fmt.Errorf("lock for migrations: %w", err)
	}
	defer func() {
		// Closing the connection releases the lock anyway; unlock so that a
		// pooled connection does not keep it.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+lockKey+")")
	}()
	return sqlstore.Migrate(ctx, conn, dialect, ms)
}
