package sqlstore

import (
	"context"
	"fmt"
	"strconv"

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
// opts.Count is set, the number of rows matching the filter.
func list[T any](ctx context.Context, s *Store, q listQuery, opts store.ListOptions, scan func(rowScanner) (T, error)) ([]T, int, error) {
	tr := translator{d: s.d, args: append([]any{}, q.whereArgs...)}
	where := q.where
	if opts.Filter != nil {
		cond, err := tr.expr(opts.Filter, q.spec.fields, q.spec.collections)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", q.what, err)
		}
		if where != "" {
			where = "(" + where + ") AND " + cond
		} else {
			where = cond
		}
	}
	if where != "" {
		where = " WHERE " + where
	}
	order, err := q.spec.orderBy(opts.OrderBy, q.order, q.idCol)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", q.what, err)
	}

	total := 0
	if opts.Count {
		if err := s.queryRow(ctx, "SELECT COUNT(*) FROM "+q.from+where, tr.args...).Scan(&total); err != nil {
			return nil, 0, s.fail(q.what, err)
		}
	}
	top, skip := opts.Top, opts.Skip
	if top <= 0 {
		top = DefaultTop
	}
	if skip < 0 {
		skip = 0
	}
	// Numbers are formatted, not bound: they are ints we produced, and some
	// drivers are fussy about typed LIMIT parameters.
	sqlText := "SELECT " + q.columns + " FROM " + q.from + where + order +
		" LIMIT " + strconv.Itoa(top) + " OFFSET " + strconv.Itoa(skip)
	rows, err := s.query(ctx, sqlText, tr.args...)
	if err != nil {
		return nil, 0, s.fail(q.what, err)
	}
	items, err := scanAll(rows, q.what, scan)
	if err != nil {
		return nil, 0, err
	}
	return items, total, nil
}
