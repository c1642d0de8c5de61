package sqlstore

import (
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// fieldType says how a filterable property is stored and compared.
type fieldType int

const (
	// textField is free text compared case-insensitively, as Graph does.
	textField fieldType = iota + 1
	// exactField is an identifier or code compared exactly (so that indexes serve
	// eq); startswith on it is still case-insensitive.
	exactField
	// upnField is a column holding domain.NormalizeUPN of a userPrincipalName;
	// values are normalised the same way before comparing.
	upnField
	boolField
	timeField
	intField
)

// field maps one Graph property to a column.
type field struct {
	col      string
	typ      fieldType
	nullable bool // the column may be NULL (employeeHireDate); empty text is '' otherwise
}

func (f field) typeName() string {
	switch f.typ {
	case boolField:
		return "a boolean"
	case timeField:
		return "a date-time"
	case intField:
		return "a number"
	}
	return "a string"
}

// collection is a child table reachable with any(), e.g. an audit's targets.
type collection struct {
	// exists is the EXISTS subquery up to and including "WHERE <join> AND ", to
	// which the translated lambda body and ")" are appended.
	exists string
	fields map[string]field
}

// filterSpec is what one list may be filtered and ordered on.
type filterSpec struct {
	fields      map[string]field
	collections map[string]collection
}

// translator builds a WHERE clause and its arguments.
type translator struct {
	d    Dialect
	args []any
}

func unsupported(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), store.ErrUnsupportedFilter)
}

func (tr *translator) expr(e odata.Expr, fields map[string]field, colls map[string]collection) (string, error) {
	switch e := e.(type) {
	case odata.Compare:
		return tr.compare(e, fields)
	case *odata.Compare:
		return tr.compare(*e, fields)
	case odata.Func:
		return tr.function(e, fields)
	case *odata.Func:
		return tr.function(*e, fields)
	case odata.Logical:
		return tr.logical(e, fields, colls)
	case *odata.Logical:
		return tr.logical(*e, fields, colls)
	case odata.Not:
		return tr.not(e, fields, colls)
	case *odata.Not:
		return tr.not(*e, fields, colls)
	case odata.Any:
		return tr.any(e, colls)
	case *odata.Any:
		return tr.any(*e, colls)
	case nil:
		return "", unsupported("empty filter expression")
	}
	return "", unsupported("filter expression of type %T", e)
}

func (tr *translator) logical(e odata.Logical, fields map[string]field, colls map[string]collection) (string, error) {
	op := strings.ToLower(e.Op)
	if op != "and" && op != "or" {
		return "", unsupported("operator %q", e.Op)
	}
	l, err := tr.expr(e.Left, fields, colls)
	if err != nil {
		return "", err
	}
	r, err := tr.expr(e.Right, fields, colls)
	if err != nil {
		return "", err
	}
	return "(" + l + " " + strings.ToUpper(op) + " " + r + ")", nil
}

func (tr *translator) not(e odata.Not, fields map[string]field, colls map[string]collection) (string, error) {
	in, err := tr.expr(e.Inner, fields, colls)
	if err != nil {
		return "", err
	}
	return "(NOT " + in + ")", nil
}

func (tr *translator) any(e odata.Any, colls map[string]collection) (string, error) {
	c, ok := colls[e.Collection]
	if !ok {
		return "", unsupported("filtering on %s/any is not supported", e.Collection)
	}
	// Lambdas do not nest: the body sees only the collection's own fields.
	in, err := tr.expr(e.Inner, c.fields, nil)
	if err != nil {
		return "", fmt.Errorf("in %s/any: %w", e.Collection, err)
	}
	return c.exists + in + ")", nil
}

func (tr *translator) lookup(name string, fields map[string]field) (field, error) {
	f, ok := fields[name]
	if !ok {
		return field{}, unsupported("filtering on property %q is not supported", name)
	}
	return f, nil
}

var sqlOps = map[odata.CompareOp]string{
	odata.Eq: "=", odata.Ne: "<>", odata.Gt: ">", odata.Ge: ">=", odata.Lt: "<", odata.Le: "<=",
}

func (tr *translator) compare(c odata.Compare, fields map[string]field) (string, error) {
	f, err := tr.lookup(c.Field, fields)
	if err != nil {
		return "", err
	}
	op, ok := sqlOps[c.Op]
	if !ok {
		return "", unsupported("operator %q on %s is not supported", c.Op, c.Field)
	}
	if c.Value.Kind == odata.KindNull {
		return tr.compareNull(c, f)
	}
	col, arg, err := tr.operand(c.Field, f, c.Value)
	if err != nil {
		return "", err
	}
	tr.args = append(tr.args, arg)
	cond := col + " " + op + " ?"
	if f.nullable {
		// OData: null is unequal to every value, so "ne" includes nulls and the
		// other comparisons are false (not unknown, which NOT would keep unknown).
		if c.Op == odata.Ne {
			return "(" + f.col + " IS NULL OR " + cond + ")", nil
		}
		return "(" + f.col + " IS NOT NULL AND " + cond + ")", nil
	}
	return cond, nil
}

func (tr *translator) compareNull(c odata.Compare, f field) (string, error) {
	if c.Op != odata.Eq && c.Op != odata.Ne {
		return "", unsupported("operator %q with null on %s is not supported", c.Op, c.Field)
	}
	switch {
	case f.nullable:
		if c.Op == odata.Eq {
			return f.col + " IS NULL", nil
		}
		return f.col + " IS NOT NULL", nil
	case f.typ == textField || f.typ == exactField || f.typ == upnField:
		// Absent text is stored as the empty string.
		if c.Op == odata.Eq {
			return f.col + " = ''", nil
		}
		return f.col + " <> ''", nil
	}
	return "", unsupported("%s is never null", c.Field)
}

// operand returns the column expression and argument for comparing f with v.
func (tr *translator) operand(name string, f field, v odata.Value) (string, any, error) {
	mismatch := func() error {
		return unsupported("%s is %s and cannot be compared with this value", name, f.typeName())
	}
	switch f.typ {
	case textField, exactField, upnField:
		if v.Kind != odata.KindString && v.Kind != odata.KindGUID {
			return "", nil, mismatch()
		}
		switch f.typ {
		case textField:
			return "lower(" + f.col + ")", strings.ToLower(v.String), nil
		case upnField:
			return f.col, domain.NormalizeUPN(v.String), nil
		}
		return f.col, v.String, nil
	case boolField:
		if v.Kind != odata.KindBool {
			return "", nil, mismatch()
		}
		return f.col, v.Bool, nil
	case timeField:
		if v.Kind != odata.KindDateTime {
			return "", nil, mismatch()
		}
		return f.col, tr.d.time(v.Time), nil
	case intField:
		if v.Kind != odata.KindNumber {
			return "", nil, mismatch()
		}
		return f.col, v.Number, nil
	}
	return "", nil, mismatch()
}

// likePatterns turns a function's text into its LIKE pattern.
var likePatterns = map[string]func(string) string{
	"startswith": func(s string) string { return escapeLike(s) + "%" },
	"endswith":   func(s string) string { return "%" + escapeLike(s) },
	"contains":   func(s string) string { return "%" + escapeLike(s) + "%" },
}

func (tr *translator) function(fn odata.Func, fields map[string]field) (string, error) {
	name := strings.ToLower(fn.Name)
	pattern, ok := likePatterns[name]
	if !ok {
		return "", unsupported("function %s is not supported (only startswith, endswith and contains)", fn.Name)
	}
	f, err := tr.lookup(fn.Field, fields)
	if err != nil {
		return "", err
	}
	if f.typ != textField && f.typ != exactField && f.typ != upnField {
		return "", unsupported("%s on %s is not supported: it is %s", name, fn.Field, f.typeName())
	}
	if fn.Value.Kind != odata.KindString {
		return "", unsupported("%s on %s needs a string", name, fn.Field)
	}
	col := "lower(" + f.col + ")"
	if f.typ == upnField {
		col = f.col
	}
	tr.args = append(tr.args, pattern(strings.ToLower(fn.Value.String)))
	return col + ` LIKE ? ESCAPE '\'`, nil
}

// escapeLike escapes LIKE's wildcards in s, so that they match themselves.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// orderBy builds an ORDER BY clause from whitelisted fields, ending with the id
// column so that pages are stable when keys tie.
func (spec filterSpec) orderBy(keys []odata.OrderBy, defaults []odata.OrderBy, idCol string) (string, error) {
	k, err := spec.orderKeys(keys, defaults, idCol)
	if err != nil {
		return "", err
	}
	return orderClause(k), nil
}
