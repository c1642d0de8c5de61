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
}

func hasCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}

// Open connects to the database named by dsn (a postgres:// URL or key=value
// string) and brings its schema up to date. Tables live in the first schema of
// the DSN's search_path (default: public), which must exist.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included; ours does not.
		return nil, errors.New("open postgres database: the connection string cannot be parsed")
	}
	db := stdlib.OpenDB(*cfg)
	// A bounded pool queues bursts instead of exhausting the server's
	// max_connections, which several replicas share.
	db.SetMaxOpenConns(25)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres database %s/%s: %w", cfg.Host, cfg.Database, err)
	}
	return &Store{sqlstore.New(db, dialect)}, nil
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
