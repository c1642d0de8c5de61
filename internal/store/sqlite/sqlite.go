// Package sqlite is firstkey's embedded store: one SQLite file, opened with the
// pure-Go driver modernc.org/sqlite so that firstkey stays one static binary.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/firstkey/firstkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store on a SQLite file.
type Store struct {
	*sqlstore.Store
}

// dialect is SQLite's: `?` placeholders, integer microsecond times, and no row
// locks (transactions begin IMMEDIATE, taking the database's write lock up front,
// so read-modify-write transactions serialize).
var dialect = sqlstore.Dialect{
	Name: "sqlite",
	Time: func(t time.Time) any { return t.UnixMicro() },
	// Times are microseconds since the epoch, and reports ask for none before it.
	DayNumber: func(col string) string { return "(" + col + " / 86400000000)" },
	IsUniqueViolation: func(err error) bool {
		return hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	IsForeignKeyViolation: func(err error) bool { return hasCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
	IsUnavailable:         unavailable,
}

// unavailable recognises a database file another connection kept locked past
// the busy timeout, or a statement interrupted because its request ran out of
// time (extended codes included).
func unavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT:
		return true
	}
	return false
}

func hasCode(err error, codes ...int) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}

func init() {
	// SQLite's built-in lower() folds ASCII only. Filters compare text
	// case-insensitively (as Graph does, and as PostgreSQL's lower() does for all
	// of Unicode), so replace it for our connections with Go's.
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		case nil:
			return nil, nil
		default:
			return strings.ToLower(fmt.Sprint(v)), nil
		}
	})
}

// Options tune the connections; zero fields take the defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for another connection's write
	// lock on the file before failing (default 5s). A request's own deadline
	// ends the wait sooner.
	BusyTimeout time.Duration
}

// DefaultBusyTimeout is below the server's request deadline, so that a request
// stuck behind another writer fails with a clear reason while it can still
// answer.
const DefaultBusyTimeout = 5 * time.Second

// Open opens (creating if needed) the database file at path with the default
// Options and brings its schema up to date. Several Stores, in one process or
// several, may use one file at once.
func Open(ctx context.Context, path string) (*Store, error) { return OpenWith(ctx, path, Options{}) }

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite database %q: the path must be non-empty and contain no ? or #", path)
	}
	// The file holds password-equivalent hashes and sealed keys: create it
	// readable by its owner only. SQLite gives the -wal and -shm files the
	// database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	f.Close()
	// busy_timeout first: the other settings may need the lock another
	// connection holds. WAL lets readers run beside the one writer. PRAGMAs
	// run once per connection, and connections live as long as the Store.
	dsn := func(txlock string, extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)+")")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", txlock)
		return path + "?" + q.Encode()
	}
	// One writer connection: writers in this process queue in the store
	// instead of sleeping in SQLite's busy handler, which now only waits for
	// other processes on the same file. Its transactions begin IMMEDIATE.
	db, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	keep(db, 1)
	ms, err := sqlstore.Migrations(migrationFiles, "migrations")
	if err == nil {
		err = sqlstore.Migrate(ctx, db, dialect, ms)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	// A few readers, refused any write so that a misrouted one fails loudly.
	read, err := sql.Open("sqlite", dsn("deferred", "query_only(1)"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	keep(read, Readers)
	return &Store{sqlstore.NewPools(db, dialect, sqlstore.Pools{Read: read, OneWriter: true, WriteWait: o.BusyTimeout, Prepare: true})}, nil
}

// Readers is how many connections read outside transactions: two cores' worth
// of readers, and two more for those that wait on the disk.
const Readers = 4

// keep makes a pool of n connections that stay open: no churn, so each
// connection runs its PRAGMAs and reads the schema once.
func keep(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
}
