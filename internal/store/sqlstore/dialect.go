package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is what differs between SQL backends. The queries themselves are shared.
type Dialect struct {
	Name string
	// NumberedPlaceholders turns `?` into `$1`, `$2`, … (PostgreSQL).
	NumberedPlaceholders bool
	// ForUpdate is appended to the SELECT of a read-modify-write, e.g. " FOR UPDATE".
	// SQLite needs none: its transactions begin IMMEDIATE and so already serialize.
	ForUpdate string
	// Time converts a time to the value stored in a time column: a timestamptz
	// takes time.Time, SQLite stores integer microseconds since the Unix epoch so
	// that comparisons and ordering work on plain integers.
	Time func(time.Time) any
	// DayNumber is an SQL expression for the UTC day of the time column col, as
	// whole days since the Unix epoch (reports count per day).
	DayNumber func(col string) string
	// IsUniqueViolation and IsForeignKeyViolation recognise constraint errors.
	IsUniqueViolation     func(error) bool
	IsForeignKeyViolation func(error) bool
	// IsUnavailable recognises the backend's ways of saying that it could not
	// answer in time: a lock not granted, a statement cancelled by its timeout, a
	// busy database file. A context deadline is recognised for every backend.
	IsUnavailable func(error) bool
}

// rebind rewrites `?` placeholders for the dialect. Our queries never contain a
// literal question mark, but quoted text is skipped anyway so that one added later
// cannot be mistaken for a placeholder.
func (d Dialect) rebind(query string) string {
	if !d.NumberedPlaceholders || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// normTime is the form every time takes on its way in and out: UTC, microseconds.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (d Dialect) time(t time.Time) any { return d.Time(normTime(t)) }

func (d Dialect) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.time(*t)
}

// optTime stores a time that is zero until something happens (a code issued, a
// token used) as NULL, so that "not yet" needs no sentinel instant.
func (d Dialect) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.time(t)
}
