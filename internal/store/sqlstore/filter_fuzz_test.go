package sqlstore

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// fuzzDialects stand in for the two backends: how they store times and write
// placeholders is all the translation looks at.
var fuzzDialects = []Dialect{
	{Name: "sqlite", Time: func(t time.Time) any { return t.UnixMicro() }},
	{Name: "postgres", NumberedPlaceholders: true, Time: func(t time.Time) any { return t }},
}

// fuzzLists are the filterable lists with their default order and id column.
var fuzzLists = []struct {
	name  string
	spec  filterSpec
	order []odata.OrderBy
	idCol string
}{
	{"users", userFilter, userOrder, "users.id"},
	{"groups", groupFilter, []odata.OrderBy{{Field: "displayName"}}, "id"},
	{"applications", applicationFilter, []odata.OrderBy{{Field: "displayName"}}, "id"},
	{"audits", auditFilter, []odata.OrderBy{{Field: "activityDateTime", Desc: true}}, "audits.id"},
	{"sign-ins", signInFilter, []odata.OrderBy{{Field: "createdDateTime", Desc: true}}, "id"},
}

// FuzzFilterSQL translates every $filter and $orderby the parser accepts into
// SQL for every list, without a database. A translation either fails with
// store.ErrUnsupportedFilter (a 400 for the client) or gives SQL whose text
// does not depend on the literal values at all, with one placeholder per
// argument: whatever a client writes in a filter, only bound arguments carry it.
func FuzzFilterSQL(f *testing.F) {
	for _, s := range [][2]string{
		{`displayName eq 'Adele'`, ""},
		{`startswith(userPrincipalName,'ad_%\')`, "displayName desc"},
		{`employeeHireDate eq null or employeeHireDate ge 2026-01-01`, "employeeHireDate,createdDateTime desc"},
		{`employeeHireDate ne 2026-01-01T00:00:00Z and not (accountEnabled eq false)`, ""},
		{`mail eq null and surname ne null`, "surname"},
		{`createdDateTime lt 2026-02-01T10:00:00.5+02:00`, ""},
		{`id eq 8a1b2c3d-0000-4e5f-9a8b-abcdef012345 or appId eq 'x'`, ""},
		{`targetResources/any(t:t/id eq 'u1' or t/userPrincipalName eq 'A@B.C')`, "activityDateTime"},
		{`initiatedBy/user/userPrincipalName eq 'x@y' and result eq 'success'`, ""},
		{`status/errorCode eq 50126 and createdDateTime gt 2026-01-01`, "status/errorCode desc"},
		{`userType in ('Guest','Member')`, ""},
		{`accountEnabled eq 'true'`, ""},
		{`contains(displayName,'x')`, ""},
		{`displayName gt null`, "nope"},
		{`targetResources/any(t:t/targetResources/any(u:u/id eq 'x'))`, ""},
		{`x eq '''; DROP TABLE users; --'`, "displayName asc"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, filter, orderBy string) {
		v := url.Values{}
		if filter != "" {
			v.Set("$filter", filter)
		}
		if orderBy != "" {
			v.Set("$orderby", orderBy)
		}
		q, err := odata.ParseQuery(v, 0)
		if err != nil {
			return // the parser's own fuzz target covers what it refuses
		}
		for _, l := range fuzzLists {
			for _, d := range fuzzDialects {
				if q.Filter != nil {
					checkTranslation(t, d, l.name, l.spec, q.Filter)
				}
				order, err := l.spec.orderBy(q.OrderBy, l.order, l.idCol)
				if err != nil {
					if !errors.Is(err, store.ErrUnsupportedFilter) {
						t.Fatalf("%s: ordering by %q failed with %v, not ErrUnsupportedFilter", l.name, orderBy, err)
					}
					continue
				}
				checkOrderBy(t, l.name, l.spec, order)
			}
		}
	})
}

func checkTranslation(t *testing.T, d Dialect, list string, spec filterSpec, e odata.Expr) {
	t.Helper()
	tr := translator{d: d}
	cond, err := tr.expr(e, spec.fields, spec.collections)
	if err != nil {
		if !errors.Is(err, store.ErrUnsupportedFilter) {
			t.Fatalf("%s on %s: %v is not ErrUnsupportedFilter, so the client would get a 500", list, d.Name, err)
		}
		return
	}
	if cond == "" {
		t.Fatalf("%s on %s: empty condition without an error", list, d.Name)
	}
	if n := strings.Count(cond, "?"); n != len(tr.args) {
		t.Fatalf("%s on %s: %d placeholders for %d arguments in %s", list, d.Name, n, len(tr.args), cond)
	}
	if depth := parenDepth(cond); depth != 0 {
		t.Fatalf("%s on %s: unbalanced parentheses in %s", list, d.Name, cond)
	}
	for i, a := range tr.args {
		switch a.(type) {
		case string, bool, int64, time.Time:
		default:
			t.Fatalf("%s on %s: argument %d is %T", list, d.Name, i, a)
		}
	}
	if d.NumberedPlaceholders {
		if re := d.rebind(cond); strings.Contains(re, "?") {
			t.Fatalf("%s: rebind left a ? in %s", list, re)
		}
	}
	blank := translator{d: d}
	same, err := blank.expr(blankValues(e), spec.fields, spec.collections)
	if err != nil {
		t.Fatalf("%s on %s: the filter translates, but not with its values blanked: %v", list, d.Name, err)
	}
	if same != cond {
		t.Fatalf("%s on %s: the SQL text depends on the filter's values:\n%s\n%s", list, d.Name, cond, same)
	}
}

// checkOrderBy asserts an ORDER BY names only the list's own columns.
func checkOrderBy(t *testing.T, list string, spec filterSpec, order string) {
	t.Helper()
	rest, ok := strings.CutPrefix(order, " ORDER BY ")
	if !ok {
		t.Fatalf("%s: %q is not an ORDER BY clause", list, order)
	}
	cols := map[string]bool{"id": true, "users.id": true, "audits.id": true}
	for _, f := range spec.fields {
		cols[f.col] = true
		cols["lower("+f.col+")"] = true
	}
	for part := range strings.SplitSeq(rest, ", ") {
		part = strings.TrimSuffix(part, " NULLS LAST")
		part = strings.TrimSuffix(part, " DESC")
		if !cols[part] {
			t.Fatalf("%s: ORDER BY names %q, not one of the list's columns: %s", list, part, order)
		}
	}
}

func parenDepth(s string) int {
	depth := 0
	for _, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth < 0 {
			return depth
		}
	}
	return depth
}

// blankValues returns e with every literal replaced by a fixed one of the same
// kind (null stays null, since it changes the SQL on purpose).
func blankValues(e odata.Expr) odata.Expr {
	blank := func(v odata.Value) odata.Value {
		switch v.Kind {
		case odata.KindNull:
			return v
		case odata.KindDateTime:
			return odata.Value{Kind: v.Kind, Time: time.Unix(0, 0).UTC()}
		}
		return odata.Value{Kind: v.Kind}
	}
	switch e := e.(type) {
	case odata.Compare:
		e.Value = blank(e.Value)
		return e
	case odata.Func:
		e.Value = blank(e.Value)
		return e
	case odata.Logical:
		e.Left, e.Right = blankValues(e.Left), blankValues(e.Right)
		return e
	case odata.Not:
		e.Inner = blankValues(e.Inner)
		return e
	case odata.Any:
		e.Inner = blankValues(e.Inner)
		return e
	}
	return e
}
