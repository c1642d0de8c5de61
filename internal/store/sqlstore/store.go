package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/safetext"
	"github.com/firstkey/firstkey/internal/store"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is store.Store over a database/sql handle. The zero value is not usable;
// call New.
type Store struct {
	db *sql.DB
	d  Dialect
	q  querier
	tx *sql.Tx // set when the Store is bound to a transaction
	n  *counts // shared by a Store and the transaction-bound Stores it begins
}

// Counts are how many statements and transactions a Store has sent to its
// database since it was opened: tests hold hot paths to a number of round trips.
type Counts struct {
	Statements   int64 // statements other than BEGIN and COMMIT
	Transactions int64 // transactions begun
}

type counts struct{ statements, transactions atomic.Int64 }

// Counts returns the statements and transactions sent so far.
func (s *Store) Counts() Counts {
	return Counts{Statements: s.n.statements.Load(), Transactions: s.n.transactions.Load()}
}

var _ store.Store = (*Store)(nil)

// New returns a Store over db, which must already be migrated. The Store owns db:
// Close closes it.
func New(db *sql.DB, d Dialect) *Store {
	return &Store{db: db, d: d, q: db, n: &counts{}}
}

// DB returns the underlying handle, for backend-specific work such as backups.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database handle.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("close: a transaction-bound store cannot be closed; close the store that began it")
	}
	return s.db.Close()
}

// InTx runs fn inside one transaction. A Store already bound to a transaction
// runs fn in it, so nested calls join the outer transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.inTx(ctx, func(tx *Store) error { return fn(tx) })
}

func (s *Store) inTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	s.n.transactions.Add(1)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("begin transaction", err)
	}
	committed := false
	defer func() {
		if !committed {
			// The error that made us roll back matters more than a failed rollback.
			_ = tx.Rollback()
		}
	}()
	if err := fn(&Store{db: s.db, d: s.d, q: tx, tx: tx, n: s.n}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail("commit transaction", err)
	}
	committed = true
	return nil
}

// Every statement goes through exec, query or queryRow, which hold both
// backends to one rule about text (see storableArgs): a write with text that is
// not valid UTF-8 or holds a NUL is refused with store.ErrInvalidText, and a
// read keyed by such text finds nothing, since no stored row can hold it.
// PostgreSQL would fail the statement and SQLite store the bytes.

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !storableArgs(args) {
		if isDelete(query) {
			return deletedNone{}, nil // its conditions match no stored row
		}
		return nil, store.ErrInvalidText
	}
	s.n.statements.Add(1)
	return s.q.ExecContext(ctx, s.d.rebind(query), args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !storableArgs(args) {
		return nil, fmt.Errorf("a key that is not valid text: %w", store.ErrNotFound)
	}
	s.n.statements.Add(1)
	return s.q.QueryContext(ctx, s.d.rebind(query), args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if !storableArgs(args) {
		return noRow{}
	}
	s.n.statements.Add(1)
	return s.q.QueryRowContext(ctx, s.d.rebind(query), args...)
}

func isDelete(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) >= 6 && strings.EqualFold(q[:6], "DELETE")
}

// deletedNone is the result of a DELETE no stored row can match.
type deletedNone struct{}

func (deletedNone) LastInsertId() (int64, error) { return 0, errors.New("no row inserted") }
func (deletedNone) RowsAffected() (int64, error) { return 0, nil }

// noRow is the answer to a lookup no stored row can match.
type noRow struct{}

func (noRow) Scan(...any) error { return sql.ErrNoRows }

// storableArgs reports whether every text argument is valid UTF-8 without NUL,
// and every JSON argument also free of the \u0000 escape jsonb refuses.
func storableArgs(args []any) bool {
	for _, a := range args {
		switch v := a.(type) {
		case nil, []byte, bool, int, int64, float64, time.Time:
		case string:
			if !safetext.Storable(v) {
				return false
			}
		case jsonValue:
			if safetext.CheckJSON([]byte(v)) != nil {
				return false
			}
		case sql.NullString:
			if !safetext.Storable(v.String) {
				return false
			}
		default:
			// Named string types (domain.Permission, …) are text too.
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String && !safetext.Storable(rv.String()) {
				return false
			}
		}
	}
	return true
}

// execOne runs a statement that must touch one row; none means ErrNotFound.
func (s *Store) execOne(ctx context.Context, what string, query string, args ...any) error {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return s.fail(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// execCount runs a statement and returns how many rows it touched.
func (s *Store) execCount(ctx context.Context, what string, query string, args ...any) (int, error) {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, s.fail(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return int(n), nil
}

// fail wraps a database error with what we were doing, translating the errors
// callers act on into the store's sentinels, and a database that did not answer
// in time into domain.ErrUnavailable (the cause stays in the chain for the log).
func (s *Store) fail(what string, err error) error {
	switch {
	case errors.Is(err, domain.ErrUnavailable):
		return fmt.Errorf("%s: %w", what, err)
	case s.unavailable(err):
		return fmt.Errorf("%s: %w: %w", what, domain.ErrUnavailable, err)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case s.d.IsUniqueViolation(err):
		return fmt.Errorf("%s: %w", what, store.ErrAlreadyExists)
	case s.d.IsForeignKeyViolation(err):
		// Inserting a row that refers to a missing one: the missing one is not found.
		return fmt.Errorf("%s: a referenced object does not exist: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (s *Store) unavailable(err error) bool {
	return unavailable(err) || (s.d.IsUnavailable != nil && s.d.IsUnavailable(err))
}

// unavailable recognises a request that ran out of time, whichever backend it
// waited for; domain.ErrUnavailable already in the chain counts too.
func unavailable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, domain.ErrUnavailable)
}

// scanAll collects every row of rows with scan.
func scanAll[T any](rows *sql.Rows, what string, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, scanFailure(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, scanFailure(what, err)
	}
	return out, nil
}

// scanFailure wraps an error met while reading rows; a deadline that ran out
// mid-read is the database not answering in time like any other.
func scanFailure(what string, err error) error {
	if unavailable(err) && !errors.Is(err, domain.ErrUnavailable) {
		return fmt.Errorf("%s: %w: %w", what, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
