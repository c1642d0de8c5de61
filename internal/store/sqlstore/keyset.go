package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// Keyset paging: a page starts after the last row of the previous one, found by
// comparing the order columns with that row's values, so that an index on
// (order columns, id) reaches it in one seek whatever its position. OFFSET would
// read and throw away every row before it: at a million users the last page
// cost 2 s against a few milliseconds for the first.

// orderKey is one column of a list's order.
type orderKey struct {
	expr string // what ORDER BY and the comparison use: the column, or lower(column) for text
	f    field
	desc bool
}

// maxPositionLen bounds a position read back from a client, so that a forged
// one cannot make the store parse megabytes.
const maxPositionLen = 4096

// orderKeys resolves a list's order to columns, ending with the id column so that
// every row has a distinct position. The id runs in the direction of the key
// before it, so that a single-direction order stays one row comparison that an
// index on (columns, id) serves forwards or backwards.
func (spec filterSpec) orderKeys(keys []odata.OrderBy, defaults []odata.OrderBy, idCol string) ([]orderKey, error) {
	if len(keys) == 0 {
		keys = defaults
	}
	out := make([]orderKey, 0, len(keys)+1)
	for _, k := range keys {
		f, ok := spec.fields[k.Field]
		if !ok {
			return nil, unsupported("ordering by property %q is not supported", k.Field)
		}
		expr := f.col
		if f.typ == textField {
			expr = "lower(" + expr + ")"
		}
		out = append(out, orderKey{expr: expr, f: f, desc: k.Desc})
	}
	idDesc := len(out) > 0 && out[len(out)-1].desc
	return append(out, orderKey{expr: idCol, f: field{col: idCol, typ: exactField}, desc: idDesc}), nil
}

// orderClause is the ORDER BY of keys.
func orderClause(keys []orderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		p := k.expr
		if k.desc {
			p += " DESC"
		}
		if k.f.nullable {
			p += " NULLS LAST"
		}
		parts[i] = p
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// keyColumns are the extra SELECT columns that give each row's position.
func keyColumns(keys []orderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.expr
	}
	return strings.Join(parts, ", ")
}

// errBadPosition is a position that does not fit the list's order: made for
// another $orderby, or forged.
func errBadPosition(detail string) error {
	return fmt.Errorf("the $skiptoken does not fit this query's order (%s); start again without it: %w", detail, store.ErrUnsupportedFilter)
}

// encodePosition turns the key values of one row, as scanned, into an opaque
// position: a JSON array with times as Unix microseconds.
func encodePosition(keys []orderKey, vals []any) ([]byte, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		if v == nil {
			continue
		}
		switch keys[i].f.typ {
		case timeField:
			var t time.Time
			if err := (timeDest{&t}).Scan(v); err != nil {
				return nil, err
			}
			out[i] = t.UnixMicro()
		case boolField:
			switch b := v.(type) {
			case bool:
				out[i] = b
			case int64:
				out[i] = b != 0
			default:
				return nil, fmt.Errorf("cannot read %T as a boolean key", v)
			}
		case intField:
			n, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("cannot read %T as a number key", v)
			}
			out[i] = n
		default:
			switch s := v.(type) {
			case string:
				out[i] = s
			case []byte:
				out[i] = string(s)
			default:
				return nil, fmt.Errorf("cannot read %T as a text key", v)
			}
		}
	}
	return json.Marshal(out)
}

// decodePosition reads a position back into arguments for the key columns; nil
// stands for NULL.
func decodePosition(d Dialect, keys []orderKey, pos []byte) ([]any, error) {
	if len(pos) > maxPositionLen {
		return nil, errBadPosition("too long")
	}
	dec := json.NewDecoder(bytes.NewReader(pos))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return nil, errBadPosition("not a list of values")
	}
	if dec.More() {
		return nil, errBadPosition("trailing data")
	}
	if len(raw) != len(keys) {
		return nil, errBadPosition(fmt.Sprintf("%d values for %d order columns", len(raw), len(keys)))
	}
	args := make([]any, len(raw))
	for i, v := range raw {
		k := keys[i]
		if v == nil {
			if !k.f.nullable {
				return nil, errBadPosition("a null value for a column that is never null")
			}
			continue
		}
		var err error
		args[i], err = positionArg(d, k.f.typ, v)
		if err != nil {
			return nil, err
		}
	}
	return args, nil
}

func positionArg(d Dialect, typ fieldType, v any) (any, error) {
	wrong := errBadPosition("a value of the wrong type")
	switch typ {
	case timeField:
		n, ok := v.(json.Number)
		if !ok {
			return nil, wrong
		}
		us, err := n.Int64()
		if err != nil {
			return nil, wrong
		}
		return d.time(time.UnixMicro(us)), nil
	case boolField:
		b, ok := v.(bool)
		if !ok {
			return nil, wrong
		}
		return b, nil
	case intField:
		n, ok := v.(json.Number)
		if !ok {
			return nil, wrong
		}
		i, err := n.Int64()
		if err != nil {
			return nil, wrong
		}
		return i, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, wrong
	}
	return s, nil
}

// afterCondition is the WHERE condition for the rows after the position whose
// key values are args, with the arguments in the order of their placeholders.
func afterCondition(keys []orderKey, args []any) (string, []any) {
	uniform := true
	for _, k := range keys {
		if k.f.nullable || k.desc != keys[0].desc {
			uniform = false
		}
	}
	if uniform {
		// One row comparison: both databases seek an index on the columns to it.
		op := " > "
		if keys[0].desc {
			op = " < "
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")
		return "(" + keyColumns(keys) + ")" + op + "(" + ph + ")", args
	}
	var out []any
	cond := nested(keys, args, &out)
	return cond, out
}

// nested spells out "after" key by key for orders that mix directions or have
// nullable columns (which sort last): each level opens with "column >= value",
// so an index on the leading column still bounds the scan.
func nested(keys []orderKey, args []any, out *[]any) string {
	k, v := keys[0], args[0]
	strict, loose := " > ?", " >= ?"
	if k.desc {
		strict, loose = " < ?", " <= ?"
	}
	if len(keys) == 1 {
		*out = append(*out, v)
		return k.expr + strict
	}
	if v == nil {
		// Only nulls follow a null, and they are ordered by the rest.
		return "(" + k.expr + " IS NULL AND " + nested(keys[1:], args[1:], out) + ")"
	}
	*out = append(*out, v, v)
	cond := "(" + k.expr + loose + " AND (" + k.expr + strict + " OR " + nested(keys[1:], args[1:], out) + "))"
	if k.f.nullable {
		cond = "(" + k.expr + " IS NULL OR " + cond + ")"
	}
	return cond
}

// keyScanner hands a list's scan function its own columns and keeps the key
// columns that follow them.
type keyScanner struct {
	r    rowScanner
	vals []any
}

func (k *keyScanner) Scan(dest ...any) error {
	all := make([]any, 0, len(dest)+len(k.vals))
	all = append(all, dest...)
	for i := range k.vals {
		all = append(all, &k.vals[i])
	}
	return k.r.Scan(all...)
}
