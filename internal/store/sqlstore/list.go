package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// DefaultTop is the page size when ListOptions.Top is zero.
const DefaultTop = 100

// listQuery describes one list: what to select, from where, under which
// fixed condition, and how it may be filtered and ordered.
type listQuery struct {
	what      string // for error messages, e.g. "list users"
	columns   string
	from      string // table and joins
	where     string // fixed condition, may be empty
	whereArgs []any
	spec      filterSpec
	order     []odata.OrderBy // default order
	idCol     string
}

// list runs q with opts and scans each row; it returns the page and, when
// opts.Count is set, the number of rows matching the filter (before opts.After).
func list[T any](ctx context.Context, s *Store, q listQuery, opts store.ListOptions, scan func(rowScanner) (T, error)) ([]T, int, error) {
	tr := translator{d: s.d, args: append([]any{}, q.whereArgs...)}
	var conds []string
	if q.where != "" {
		conds = append(conds, "("+q.where+")")
	}
	if opts.Filter != nil {
		cond, err := tr.expr(opts.Filter, q.spec.fields, q.spec.collections)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", q.what, err)
		}
		conds = append(conds, cond)
	}
	keys, err := q.spec.orderKeys(opts.OrderBy, q.order, q.idCol)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", q.what, err)
	}

	total := 0
	if opts.Count {
		if err := s.queryRow(ctx, "SELECT COUNT(*) FROM "+q.from+whereClause(conds), tr.args...).Scan(&total); err != nil {
			return nil, 0, s.fail(q.what, err)
		}
	}
	args := tr.args
	if opts.After != nil {
		vals, err := decodePosition(s.d, keys, opts.After)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", q.what, err)
		}
		cond, condArgs := afterCondition(keys, vals)
		conds = append(conds, cond)
		args = append(args, condArgs...)
	}
	top, skip := opts.Top, opts.Skip
	if top <= 0 {
		top = DefaultTop
	}
	columns := q.columns
	if opts.Positions != nil {
		columns += ", " + keyColumns(keys)
	}
	// Numbers are formatted, not bound: they are ints we produced, and some
	// drivers are fussy about typed LIMIT parameters.
	sqlText := "SELECT " + columns + " FROM " + q.from + whereClause(conds) + orderClause(keys) +
		" LIMIT " + strconv.Itoa(top)
	if skip > 0 {
		// Position paging (SCIM's startIndex, which RFC 7644 defines by index):
		// costs as many rows as it skips. Graph pages by opts.After.
		sqlText += " OFFSET " + strconv.Itoa(skip)
	}
	rows, err := s.query(ctx, sqlText, args...)
	if err != nil {
		return nil, 0, s.fail(q.what, err)
	}
	if opts.Positions == nil {
		items, err := scanAll(rows, q.what, scan)
		if err != nil {
			return nil, 0, err
		}
		return items, total, nil
	}
	ks := &keyScanner{vals: make([]any, len(keys))}
	var positions [][]byte
	items, err := scanAll(rows, q.what, func(r rowScanner) (T, error) {
		ks.r = r
		v, err := scan(ks)
		if err != nil {
			return v, err
		}
		pos, err := encodePosition(keys, ks.vals)
		if err != nil {
			return v, fmt.Errorf("read the row's position: %w", err)
		}
		positions = append(positions, pos)
		return v, nil
	})
	if err != nil {
		return nil, 0, err
	}
	*opts.Positions = positions
	return items, total, nil
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
