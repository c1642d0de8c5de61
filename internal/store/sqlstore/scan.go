package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// timeDest scans a time column of any dialect: a time.Time (timestamptz) or an
// integer count of microseconds (SQLite).
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.t = normTime(v)
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

// nullTimeDest scans a nullable time column into a *time.Time.
type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	var t time.Time
	if err := (timeDest{&t}).Scan(src); err != nil {
		return err
	}
	*d.t = &t
	return nil
}

// optTimeDest scans a nullable time column into a time.Time: NULL is the zero
// time (see Dialect.optTime).
type optTimeDest struct{ t *time.Time }

func (d optTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = time.Time{}
		return nil
	}
	return timeDest(d).Scan(src)
}

// jsonDest scans a JSON text column into v.
type jsonDest struct{ v any }

func (d jsonDest) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		return nil
	default:
		return fmt.Errorf("cannot scan %T as JSON", src)
	}
	if err := json.Unmarshal(b, d.v); err != nil {
		return fmt.Errorf("decode JSON column: %w", err)
	}
	return nil
}

// jsonValue is the text of a JSON column. It is checked as JSON rather than as
// plain text: PostgreSQL's jsonb refuses the escape \u0000, valid JSON though it is.
type jsonValue string

// Value hands the driver the text itself.
func (j jsonValue) Value() (driver.Value, error) { return string(j), nil }

// jsonText encodes v for a JSON column. Nil slices are stored as [] so that they
// come back as empty slices rather than nil.
func jsonText[T any](v []T) jsonValue {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only slices of strings and plain structs reach here; they always encode.
		panic(fmt.Sprintf("sqlstore: encode %T: %v", v, err))
	}
	return jsonValue(b)
}

// nonNil turns a nil slice decoded from JSON null into an empty one.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
