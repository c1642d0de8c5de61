package store

import (
	"context"
	"errors"
)

// A Dumper copies a whole database out and in, table by table, so that a
// backup taken on one backend restores onto the other. The tables come from
// the database's own schema, so a table added by a migration is included
// without anyone listing it.
//
// Cells cross the boundary in portable forms: nil, string, int64, bool and
// []byte. A time is int64 microseconds since the Unix epoch (UTC), a JSON
// document its text; Load converts each cell to its target column's type.
type Dumper interface {
	// Dump runs fn inside one read-only snapshot of the whole database: every
	// table fn reads shows the same instant, while writers carry on.
	Dump(ctx context.Context, fn func(Snapshot) error) error
	// Load runs fn inside one transaction on this database, which it first
	// empties when replace is set (otherwise it must already be empty: Load
	// returns ErrNotEmpty). Nothing of a failed Load stays.
	Load(ctx context.Context, replace bool, fn func(Loader) error) error
	// Backend names the database kind ("sqlite", "postgres").
	Backend() string
}

// TableInfo describes one table of the schema.
type TableInfo struct {
	Name    string
	Columns []ColumnInfo
	Rows    int64 // in a Snapshot: the rows it holds
}

// ColumnInfo is one column: its name and the backend's own type name.
type ColumnInfo struct {
	Name string
	Type string
}

// Snapshot is a consistent read view of a database.
type Snapshot interface {
	// MigrationLevel is the highest schema migration applied.
	MigrationLevel() int
	// Tables lists every table but the migrations' own, parents before the
	// tables that refer to them.
	Tables() []TableInfo
	// Rows calls fn with every row of table, cells in Tables' column order.
	Rows(ctx context.Context, table string, fn func(row []any) error) error
}

// Loader writes rows into an emptied database.
type Loader interface {
	MigrationLevel() int
	Tables() []TableInfo
	// Insert adds one row; cols names the cells of row, a subset of the
	// table's columns (the others take their defaults). Call it for parent
	// tables first, in the order Tables gives.
	Insert(ctx context.Context, table string, cols []string, row []any) error
}

// ErrNotEmpty is returned by Load when the target holds data and replace is off.
var ErrNotEmpty = errors.New("the database is not empty")

// A Resealer rewrites one column of sealed values in place, for a master-key
// rotation.
type Resealer interface {
	// ResealColumn calls fn with the key columns (read as text) and the value
	// of every row of table whose column is not NULL; where fn returns a value
	// other than nil it replaces the old one, provided the row still holds the
	// old one (a row changed meanwhile is left to the next pass). It returns
	// how many rows it changed.
	ResealColumn(ctx context.Context, table, column string, keys []string, fn func(keys []string, value any) (any, error)) (int, error)
}
