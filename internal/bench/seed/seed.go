// Package seed writes many valid users straight into a firstkey database, fast,
// for measuring what a large directory costs (internal/bench/cmd/seed and
// scripts/bench). It opens the store once so that the schema is current, then
// writes rows into it: PostgreSQL by COPY (pgx CopyFrom), SQLite by batched
// inserts in large transactions. The users are what the directory would have
// made: a UUID id, a userPrincipalName and its lower-cased key, a display name,
// enabled, version 1. No audit records are written: this is a bulk load, not a
// sequence of administrator actions.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlite"
)

// UPN is the userPrincipalName of the i-th seeded user.
func UPN(prefix string, i int) string { return fmt.Sprintf("%s%07d@seed.example", prefix, i) }

// user is one generated row.
type user struct {
	id, upn, display, given, surname string
	created                          time.Time
}

// gen makes the i-th user. Creation times step back a second per user, so that
// ordering by createdDateTime differs from ordering by userPrincipalName.
func gen(prefix string, base time.Time, i int) user {
	n := fmt.Sprintf("%07d", i)
	return user{
		id:      uuid.NewString(),
		upn:     UPN(prefix, i),
		display: "Seed User " + n,
		given:   "Seed",
		surname: "User " + n,
		created: base.Add(-time.Duration(i) * time.Second),
	}
}

var columns = []string{"id", "user_principal_name", "upn_key", "display_name", "given_name", "surname",
	"mail", "mail_nickname", "account_enabled", "created_at", "version", "last_modified_at"}

// Postgres adds n users to the database at dsn (its search_path schema),
// reporting progress to progress.
func Postgres(ctx context.Context, dsn string, n int, prefix string, progress io.Writer) error {
	st, err := postgres.Open(ctx, dsn) // brings the schema up to date
	if err != nil {
		return err
	}
	st.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return errors.New("connect to postgres: the connection failed (the DSN is not repeated here)")
	}
	defer conn.Close(ctx)
	base := time.Now().UTC().Truncate(time.Microsecond)
	i := 0
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		u := gen(prefix, base, i)
		i++
		if i%100000 == 0 {
			fmt.Fprintf(progress, "  %d rows\n", i)
		}
		return []any{u.id, u.upn, strings.ToLower(u.upn), u.display, u.given, u.surname,
			u.upn, prefix, true, u.created, 1, u.created}, nil
	})
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{"users"}, columns, rows)
	if err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE users"); err != nil {
		return fmt.Errorf("analyze users: %w", err)
	}
	if int(copied) != n {
		return fmt.Errorf("copied %d users, want %d", copied, n)
	}
	return nil
}

// sqliteBatch is how many users one transaction inserts.
const sqliteBatch = 20000

// SQLite adds n users to the database file at path, reporting progress to
// progress.
func SQLite(ctx context.Context, path string, n int, prefix string, progress io.Writer) error {
	st, err := sqlite.Open(ctx, path) // creates the file and brings the schema up to date
	if err != nil {
		return err
	}
	st.Close()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	insert := "INSERT INTO users (" + strings.Join(columns, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	base := time.Now().UTC().Truncate(time.Microsecond)
	for done := 0; done < n; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, insert)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("prepare: %w", err)
		}
		for end := min(done+sqliteBatch, n); done < end; done++ {
			u := gen(prefix, base, done)
			us := u.created.UnixMicro() // SQLite keeps times as Unix microseconds
			if _, err := stmt.ExecContext(ctx, u.id, u.upn, strings.ToLower(u.upn), u.display, u.given, u.surname,
				u.upn, prefix, true, us, 1, us); err != nil {
				tx.Rollback()
				return fmt.Errorf("insert user %d: %w", done, err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		if done%100000 == 0 {
			fmt.Fprintf(progress, "  %d rows\n", done)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
