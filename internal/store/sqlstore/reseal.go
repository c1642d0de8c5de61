package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/store"
)

var _ store.Resealer = (*Store)(nil)

// ResealColumn reads the column's values, then replaces each changed one with
// a compare-and-set UPDATE of its own, so that writers are never held up and
// a value a writer replaced meanwhile is not overwritten.
func (s *Store) ResealColumn(ctx context.Context, table, column string, keys []string, fn func(keys []string, value any) (any, error)) (int, error) {
	what := fmt.Sprintf("reseal %s.%s", table, column)
	cols := make([]string, 0, len(keys)+1)
	where := make([]string, 0, len(keys))
	for _, k := range keys {
		cols = append(cols, quoteIdent(k))
		where = append(where, quoteIdent(k)+" = ?")
	}
	cols = append(cols, quoteIdent(column))
	rows, err := s.query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+quoteIdent(table)+" WHERE "+quoteIdent(column)+" IS NOT NULL")
	if err != nil {
		return 0, s.fail(what, err)
	}
	type row struct {
		keys  []string
		value any
	}
	var all []row
	for rows.Next() {
		r := row{keys: make([]string, len(keys))}
		dest := make([]any, 0, len(keys)+1)
		for i := range r.keys {
			dest = append(dest, &r.keys[i])
		}
		dest = append(dest, &r.value)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, s.fail(what, err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.fail(what, err)
	}
	q := ("UPDATE " + quoteIdent(table) + " SET " + quoteIdent(column) + " = ? WHERE " + strings.Join(where, " AND ") + " AND " + quoteIdent(column) + " = ?")
	changed := 0
	for _, r := range all {
		nv, err := fn(r.keys, r.value)
		if err != nil {
			return changed, fmt.Errorf("%s, row %v: %w", what, r.keys, err)
		}
		if nv == nil {
			continue
		}
		args := []any{nv}
		for _, k := range r.keys {
			args = append(args, k)
		}
		args = append(args, r.value)
		res, err := s.exec(ctx, q, args...)
		if err != nil {
			return changed, s.fail(what, err)
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			changed++
		}
	}
	return changed, nil
}
