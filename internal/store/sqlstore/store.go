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

// Store is store.Store over database/sql handles. The zero value is not usable;
// call New or NewPools.
type Store struct {
	db *sql.DB // writes and transactions
	d  Dialect
	tx *sql.Tx // set when the Store is bound to a transaction
	// unprepared collects, in a transaction, the queries not yet in the
	// statement cache: the transaction holds the writer's one connection, so
	// they are prepared after it ends.
	unprepared *[]string
	*shared
}

// shared is what a Store and the transaction-bound Stores it begins have in common.
type shared struct {
	readDB *sql.DB // reads outside a transaction; db itself without a read pool
	// writer admits one write at a time when the backend has one writer
	// connection (SQLite), waiting at most gateWait: a request queued behind
	// other writes fails like one that waited for the file lock. nil: no gate.
	writer   chan struct{}
	gateWait time.Duration
	// Prepared statements, per handle, when the driver does not cache them
	// itself (pgx does; SQLite's driver does not).
	stmts, readStmts *stmtCache
	n                counts
}

// Pools configures NewPools.
type Pools struct {
	// Read, when set, serves every read outside a transaction; Write serves the
	// rest. WAL lets SQLite's readers run beside its one writer.
	Read *sql.DB
	// OneWriter means Write holds a single connection: writes queue in the
	// Store, at most WriteWait, instead of sleeping in SQLite's busy handler.
	OneWriter bool
	WriteWait time.Duration
	// Prepare caches a prepared statement per query text and connection.
	Prepare bool
}

var _ store.Store = (*Store)(nil)

// New returns a Store over db, which must already be migrated. The Store owns db:
// Close closes it.
func New(db *sql.DB, d Dialect) *Store { return NewPools(db, d, Pools{}) }

// NewPools returns a Store over write (and p.Read), which must already be
// migrated; Close closes both.
func NewPools(write *sql.DB, d Dialect, p Pools) *Store {
	sh := &shared{readDB: write}
	if p.Read != nil {
		sh.readDB = p.Read
	}
	if p.OneWriter {
		sh.writer = make(chan struct{}, 1)
		sh.gateWait = p.WriteWait
	}
	if p.Prepare {
		sh.stmts = newStmtCache(write)
		sh.readStmts = sh.stmts
		if p.Read != nil {
			sh.readStmts = newStmtCache(p.Read)
		}
	}
	return &Store{db: write, d: d, shared: sh}
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

// DB returns the underlying (write) handle, for backend-specific work such as backups.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database handles.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("close: a transaction-bound store cannot be closed; close the store that began it")
	}
	s.stmts.close()
	if s.readDB != s.db {
		s.readStmts.close()
		_ = s.readDB.Close()
	}
	return s.db.Close()
}

// errWriterBusy is a write that waited its turn for longer than the backend's
// lock wait: the database is as unavailable as a locked file.
var errWriterBusy = errors.New("other writes kept the database busy")

// acquireWriter waits for the one-writer gate, if there is one; release
// gives it back.
func (s *Store) acquireWriter(ctx context.Context) (release func(), err error) {
	if s.writer == nil || s.tx != nil {
		return func() {}, nil
	}
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	default:
	}
	t := time.NewTimer(s.gateWait)
	defer t.Stop()
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", domain.ErrUnavailable, ctx.Err())
	case <-t.C:
		return nil, fmt.Errorf("%w: %w", domain.ErrUnavailable, errWriterBusy)
	}
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
	release, err := s.acquireWriter(ctx)
	if err != nil {
		return s.fail("begin transaction", err)
	}
	defer release()
	// Runs after the rollback below and before release: the connection is free.
	var unprepared []string
	defer func() {
		if s.stmts != nil {
			for _, q := range unprepared {
				s.stmts.get(ctx, q)
			}
		}
	}()
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
	if err := fn(&Store{db: s.db, d: s.d, tx: tx, unprepared: &unprepared, shared: s.shared}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail("commit transaction", err)
	}
	committed = true
	return nil
}

// txStmt is the cached statement for query bound to the transaction, or nil
// (run it unprepared; it is prepared once the transaction ends).
func (s *Store) txStmt(ctx context.Context, query string) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	st := s.stmts.lookup(query)
	if st == nil {
		*s.unprepared = append(*s.unprepared, query)
		return nil
	}
	return s.tx.StmtContext(ctx, st)
}

// Every statement goes through exec, query or queryRow, which hold both
// backends to one rule about text (see storableArgs): a write with text that is
// not valid UTF-8 or holds a NUL is refused with store.ErrInvalidText, and a
// read keyed by such text finds nothing, since no stored row can hold it.
// PostgreSQL would fail the statement and SQLite store the bytes.
//
// They also pick the handle: a transaction's own; the read pool for a SELECT
// outside one; the writer, through its gate, for the rest.

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !storableArgs(args) {
		if isDelete(query) {
			return deletedNone{}, nil // its conditions match no stored row
		}
		return nil, store.ErrInvalidText
	}
	s.n.statements.Add(1)
	query = s.d.rebind(query)
	if s.tx != nil {
		if st := s.txStmt(ctx, query); st != nil {
			return st.ExecContext(ctx, args...)
		}
		return s.tx.ExecContext(ctx, query, args...)
	}
	release, err := s.acquireWriter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if st := s.stmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.db.ExecContext(ctx, query, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !storableArgs(args) {
		return nil, fmt.Errorf("a key that is not valid text: %w", store.ErrNotFound)
	}
	s.n.statements.Add(1)
	query = s.d.rebind(query)
	switch {
	case s.tx != nil:
		if st := s.txStmt(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
		return s.tx.QueryContext(ctx, query, args...)
	case isSelect(query):
		if st := s.readStmts.get(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
		return s.readDB.QueryContext(ctx, query, args...)
	}
	// A write that returns rows holds the writer until the rows are read; none
	// of ours does (they return one row, through queryRow).
	return nil, fmt.Errorf("query: %q is not a SELECT; use queryRow or exec", firstWord(query))
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if !storableArgs(args) {
		return noRow{}
	}
	s.n.statements.Add(1)
	query = s.d.rebind(query)
	switch {
	case s.tx != nil:
		if st := s.txStmt(ctx, query); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
		return s.tx.QueryRowContext(ctx, query, args...)
	case isSelect(query):
		if st := s.readStmts.get(ctx, query); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
		return s.readDB.QueryRowContext(ctx, query, args...)
	}
	release, err := s.acquireWriter(ctx)
	if err != nil {
		return errRow{err}
	}
	var row *sql.Row
	if st := s.stmts.get(ctx, query); st != nil {
		row = st.QueryRowContext(ctx, args...)
	} else {
		row = s.db.QueryRowContext(ctx, query, args...)
	}
	return releasingRow{row, release}
}

// releasingRow gives the writer back once its one row is read.
type releasingRow struct {
	row     *sql.Row
	release func()
}

func (r releasingRow) Scan(dest ...any) error {
	defer r.release()
	return r.row.Scan(dest...)
}

// errRow is a row that could not be asked for.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func isSelect(query string) bool { return strings.EqualFold(firstWord(query), "SELECT") }

func firstWord(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	if i := strings.IndexAny(q, " \t\r\n("); i >= 0 {
		return q[:i]
	}
	return q
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
