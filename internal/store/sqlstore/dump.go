package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/store"
)

var _ store.Dumper = (*Store)(nil)

// Backend names the database kind.
func (s *Store) Backend() string { return s.d.Name }

// table is a table's schema as the database describes it.
type table struct {
	store.TableInfo
	pk      []string // primary key columns
	refs    []string // tables its foreign keys point at
	selfRef []string // columns whose foreign key points at the table itself
}

// Dump runs fn in one read-only snapshot. On PostgreSQL that is a REPEATABLE
// READ transaction; on SQLite a deferred transaction on one connection, which
// in WAL mode reads one snapshot from its first read on and blocks no writer.
func (s *Store) Dump(ctx context.Context, fn func(store.Snapshot) error) error {
	if s.tx != nil {
		return errors.New("dump: a transaction-bound store cannot take a snapshot")
	}
	var q querier
	switch s.d.Name {
	case "postgres":
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return fmt.Errorf("dump: begin snapshot: %w", err)
		}
		defer tx.Rollback()
		q = tx
	default:
		// Every *sql.Tx on SQLite begins IMMEDIATE (a write lock); a snapshot
		// needs only BEGIN DEFERRED, issued by hand on one connection.
		// A reader connection: WAL lets it read one snapshot beside the one
		// writer connection, which the backup must not hold.
		conn, err := s.readDB.Conn(ctx)
		if err != nil {
			return fmt.Errorf("dump: connect: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
			return fmt.Errorf("dump: begin snapshot: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		q = conn
	}
	snap := &snapshot{d: s.d, q: q}
	var err error
	// The migration level is read first: on SQLite that read starts the snapshot.
	if snap.level, err = migrationLevel(ctx, q); err != nil {
		return err
	}
	if snap.tables, err = schemaTables(ctx, s.d, q); err != nil {
		return err
	}
	for i := range snap.tables {
		t := &snap.tables[i]
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t.Name)).Scan(&t.Rows); err != nil {
			return fmt.Errorf("dump: count rows of %s: %w", t.Name, err)
		}
	}
	return fn(snap)
}

// querier is what *sql.Tx and *sql.Conn both offer: the handle a snapshot or
// a load holds for its whole run.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type snapshot struct {
	d      Dialect
	q      querier
	level  int
	tables []table
}

func (s *snapshot) MigrationLevel() int { return s.level }

func (s *snapshot) Tables() []store.TableInfo { return infos(s.tables) }

func (s *snapshot) Rows(ctx context.Context, name string, fn func(row []any) error) error {
	t, ok := find(s.tables, name)
	if !ok {
		return fmt.Errorf("dump: no table %s", name)
	}
	exprs := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		exprs[i] = quoteIdent(c.Name)
		if s.d.Name == "postgres" && (c.Type == "jsonb" || c.Type == "json") {
			exprs[i] += "::text" // the document as written, not a decoded value
		}
	}
	order := append([]string(nil), t.pk...)
	if len(order) == 0 {
		order = columnNames(t.Columns)
	}
	for i := range order {
		order[i] = quoteIdent(order[i])
	}
	rows, err := s.q.QueryContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+quoteIdent(t.Name)+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return fmt.Errorf("dump: read %s: %w", t.Name, err)
	}
	defer rows.Close()
	cells := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("dump: read %s: %w", t.Name, err)
		}
		row := make([]any, len(cells))
		for i, v := range cells {
			if row[i], err = portable(v); err != nil {
				return fmt.Errorf("dump: %s.%s: %w", t.Name, t.Columns[i].Name, err)
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dump: read %s: %w", t.Name, err)
	}
	return nil
}

// portable turns a scanned value into one of the portable cell forms.
func portable(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case []byte:
		return append([]byte(nil), x...), nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case time.Time:
		return x.UnixMicro(), nil
	}
	return nil, fmt.Errorf("value of type %T has no portable form", v)
}

// Load runs fn in one transaction on an empty (or, with replace, emptied)
// database, inserting parents before children. A row referring to a row of its
// own table (a user's manager) is inserted without that reference, which is set
// once every row is in.
func (s *Store) Load(ctx context.Context, replace bool, fn func(store.Loader) error) error {
	return s.inTx(ctx, func(tx *Store) error {
		l := &loader{d: s.d, q: tx.tx}
		var err error
		if l.level, err = migrationLevel(ctx, tx.tx); err != nil {
			return err
		}
		if l.tables, err = schemaTables(ctx, s.d, tx.tx); err != nil {
			return err
		}
		for i := len(l.tables) - 1; i >= 0; i-- {
			t := l.tables[i]
			if replace {
				if _, err := tx.tx.ExecContext(ctx, "DELETE FROM "+quoteIdent(t.Name)); err != nil {
					return fmt.Errorf("load: empty %s: %w", t.Name, err)
				}
				continue
			}
			var n int64
			if err := tx.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(t.Name)).Scan(&n); err != nil {
				return fmt.Errorf("load: count rows of %s: %w", t.Name, err)
			}
			if n > 0 {
				return fmt.Errorf("load: table %s holds %d rows: %w", t.Name, n, store.ErrNotEmpty)
			}
		}
		if err := fn(l); err != nil {
			return err
		}
		for _, u := range l.later {
			if _, err := tx.tx.ExecContext(ctx, s.d.rebind(u.query), u.args...); err != nil {
				return fmt.Errorf("load: %w", err)
			}
		}
		return nil
	})
}

type loader struct {
	d      Dialect
	q      querier
	level  int
	tables []table
	later  []update
}

type update struct {
	query string
	args  []any
}

func (l *loader) MigrationLevel() int { return l.level }

func (l *loader) Tables() []store.TableInfo { return infos(l.tables) }

func (l *loader) Insert(ctx context.Context, name string, cols []string, row []any) error {
	t, ok := find(l.tables, name)
	if !ok {
		return fmt.Errorf("load: this database has no table %s", name)
	}
	if len(cols) != len(row) {
		return fmt.Errorf("load: %s: %d columns but %d cells", name, len(cols), len(row))
	}
	args := make([]any, len(row))
	for i, c := range cols {
		typ, ok := columnType(t.Columns, c)
		if !ok {
			return fmt.Errorf("load: table %s has no column %s", name, c)
		}
		v, err := l.convert(typ, row[i])
		if err != nil {
			return fmt.Errorf("load: %s.%s: %w", name, c, err)
		}
		if v != nil && contains(t.selfRef, c) {
			l.later = append(l.later, l.setLater(t, cols, row, c, v))
			v = nil
		}
		args[i] = v
	}
	quoted := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		quoted[i], marks[i] = quoteIdent(c), "?"
	}
	q := "INSERT INTO " + quoteIdent(name) + " (" + strings.Join(quoted, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	if _, err := l.q.ExecContext(ctx, l.d.rebind(q), args...); err != nil {
		return fmt.Errorf("load: insert into %s: %w", name, err)
	}
	return nil
}

// setLater is the UPDATE that restores a self-reference once every row is in.
func (l *loader) setLater(t table, cols []string, row []any, col string, v any) update {
	u := update{query: "UPDATE " + quoteIdent(t.Name) + " SET " + quoteIdent(col) + " = ? WHERE ", args: []any{v}}
	for i, k := range t.pk {
		if i > 0 {
			u.query += " AND "
		}
		u.query += quoteIdent(k) + " = ?"
		for j, c := range cols {
			if c == k {
				typ, _ := columnType(t.Columns, k)
				kv, _ := l.convert(typ, row[j])
				u.args = append(u.args, kv)
			}
		}
	}
	return u
}

// convert turns a portable cell into what the target column of type typ takes.
func (l *loader) convert(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	typ = strings.ToLower(typ)
	bad := func() (any, error) { return nil, fmt.Errorf("a %T cannot go into a %s column", v, typ) }
	switch {
	case strings.HasPrefix(typ, "timestamp") || typ == "date":
		if n, ok := v.(int64); ok {
			return time.UnixMicro(n).UTC(), nil
		}
		return bad()
	case typ == "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
		return bad()
	case typ == "bytea" || typ == "blob":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return bad()
	case strings.Contains(typ, "int"):
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return bad()
	default: // text, jsonb, json
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
		return bad()
	}
}

// migrationLevel is the highest migration applied.
func migrationLevel(ctx context.Context, q querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&n); err != nil {
		return 0, fmt.Errorf("read migration level: %w", err)
	}
	return n, nil
}

// notData are tables the migrations create and fill and that hold no data of
// the directory's: the migration level, and the cache counter, which the
// triggers move as a restore writes the tables it covers.
var notData = map[string]bool{"schema_migrations": true, "cache_version": true}

// schemaTables reads every table of the schema but those notData, with its
// columns, primary key and foreign keys, ordered parents first.
func schemaTables(ctx context.Context, d Dialect, q querier) ([]table, error) {
	var names []string
	tq := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if d.Name == "postgres" {
		tq = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	if err := collect(ctx, q, &names, tq); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	var tables []table
	for _, n := range names {
		if notData[n] {
			continue
		}
		t := table{TableInfo: store.TableInfo{Name: n}}
		var err error
		if d.Name == "postgres" {
			err = describePostgres(ctx, d, q, &t)
		} else {
			err = describeSQLite(ctx, q, &t)
		}
		if err != nil {
			return nil, fmt.Errorf("read schema of %s: %w", n, err)
		}
		tables = append(tables, t)
	}
	return parentsFirst(tables), nil
}

func describeSQLite(ctx context.Context, q querier, t *table) error {
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, t.Name)
	if err != nil {
		return err
	}
	type pkCol struct {
		n    int
		name string
	}
	var pks []pkCol
	for rows.Next() {
		var c store.ColumnInfo
		var pk int
		if err := rows.Scan(&c.Name, &c.Type, &pk); err != nil {
			rows.Close()
			return err
		}
		t.Columns = append(t.Columns, c)
		if pk > 0 {
			pks = append(pks, pkCol{pk, c.Name})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Slice(pks, func(i, j int) bool { return pks[i].n < pks[j].n })
	for _, p := range pks {
		t.pk = append(t.pk, p.name)
	}
	return t.addRefs(q.QueryContext(ctx, `SELECT "table", "from" FROM pragma_foreign_key_list(?)`, t.Name))
}

func describePostgres(ctx context.Context, d Dialect, q querier, t *table) error {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`), t.Name)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c store.ColumnInfo
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			rows.Close()
			return err
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	const rel = `to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?))`
	if err := collect(ctx, q, &t.pk, d.rebind(`SELECT a.attname FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indrelid = `+rel+` AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`), t.Name); err != nil {
		return err
	}
	return t.addRefs(q.QueryContext(ctx, d.rebind(`SELECT r.relname, a.attname FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.confrelid
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.contype = 'f' AND c.conrelid = `+rel), t.Name))
}

// addRefs reads foreign keys as (referenced table, referring column) rows.
func (t *table) addRefs(fks *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer fks.Close()
	for fks.Next() {
		var ref, from string
		if err := fks.Scan(&ref, &from); err != nil {
			return err
		}
		t.addRef(ref, from)
	}
	return fks.Err()
}

func (t *table) addRef(ref, from string) {
	if ref == t.Name {
		t.selfRef = append(t.selfRef, from)
	} else if !contains(t.refs, ref) {
		t.refs = append(t.refs, ref)
	}
}

// parentsFirst orders tables so that each comes after the tables it refers to
// (by name where the references leave a choice, so that every backend lists
// the same schema alike).
func parentsFirst(tables []table) []table {
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	done := map[string]bool{}
	var out []table
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, r := range t.refs {
				if !done[r] {
					ready = false
					break
				}
			}
			if ready {
				done[t.Name] = true
				out = append(out, t)
				progress = true
			}
		}
		if !progress { // a cycle between tables: none today; keep the rest in name order
			for _, t := range tables {
				if !done[t.Name] {
					done[t.Name] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

func collect(ctx context.Context, q querier, out *[]string, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return rows.Err()
}

func infos(ts []table) []store.TableInfo {
	out := make([]store.TableInfo, len(ts))
	for i, t := range ts {
		out[i] = t.TableInfo
		out[i].Columns = append([]store.ColumnInfo(nil), t.Columns...)
	}
	return out
}

func find(ts []table, name string) (table, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return table{}, false
}

func columnType(cs []store.ColumnInfo, name string) (string, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c.Type, true
		}
	}
	return "", false
}

func columnNames(cs []store.ColumnInfo) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// quoteIdent quotes a name read from the schema (standard SQL, both backends).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
