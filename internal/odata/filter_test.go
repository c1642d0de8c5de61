package odata

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// render prints a tree compactly so that the tables below read like the filters.
func render(e Expr) string {
	switch e := e.(type) {
	case Compare:
		return fmt.Sprintf("%s %s %s", e.Field, e.Op, renderValue(e.Value))
	case Func:
		return fmt.Sprintf("%s(%s,%s)", e.Name, e.Field, renderValue(e.Value))
	case Logical:
		return fmt.Sprintf("(%s %s %s)", render(e.Left), e.Op, render(e.Right))
	case Not:
		return "not(" + render(e.Inner) + ")"
	case Any:
		return e.Collection + "/any(" + render(e.Inner) + ")"
	default:
		return fmt.Sprintf("?%T", e)
	}
}

func renderValue(v Value) string {
	switch v.Kind {
	case KindString:
		return fmt.Sprintf("%q", v.String)
	case KindNumber:
		return fmt.Sprint(v.Number)
	case KindBool:
		return fmt.Sprint(v.Bool)
	case KindNull:
		return "null"
	case KindDateTime:
		if v.Time.Location() != time.UTC {
			return "time-not-utc:" + v.Time.String()
		}
		return "time:" + v.Time.Format(time.RFC3339Nano)
	case KindGUID:
		return "guid:" + v.String
	default:
		return fmt.Sprintf("?kind%d", v.Kind)
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		// comparisons
		{`displayName eq 'Adele'`, `displayName eq "Adele"`},
		{`displayName ne 'Adele'`, `displayName ne "Adele"`},
		{`count gt 5`, `count gt 5`},
		{`count ge -5`, `count ge -5`},
		{`count lt 0`, `count lt 0`},
		{`count le 9223372036854775807`, `count le 9223372036854775807`},
		{`count eq -9223372036854775808`, `count eq -9223372036854775808`},
		{`accountEnabled eq true`, `accountEnabled eq true`},
		{`accountEnabled eq FALSE`, `accountEnabled eq false`},
		{`manager eq null`, `manager eq null`},
		{`manager ne Null`, `manager ne null`},
		// strings: doubled quotes, empty, spaces and non-ASCII kept
		{`surname eq 'O''Brien'`, `surname eq "O'Brien"`},
		{`surname eq ''''`, `surname eq "'"`},
		{`surname eq ''`, `surname eq ""`},
		{`displayName eq '  a and b or c  '`, `displayName eq "  a and b or c  "`},
		{`displayName eq 'Zoë 日本'`, `displayName eq "Zoë 日本"`},
		// date-times: to UTC, fractional seconds, offsets, lower-case t/z, date only
		{`createdDateTime ge 2026-01-01T00:00:00Z`, `createdDateTime ge time:2026-01-01T00:00:00Z`},
		{`createdDateTime ge 2026-01-01T00:00:00.1234567Z`, `createdDateTime ge time:2026-01-01T00:00:00.1234567Z`},
		{`createdDateTime lt 2026-01-01T02:30:00+02:00`, `createdDateTime lt time:2026-01-01T00:30:00Z`},
		{`createdDateTime lt 2026-01-01T00:00:00.5-05:00`, `createdDateTime lt time:2026-01-01T05:00:00.5Z`},
		{`createdDateTime lt 2026-01-01t00:00:00z`, `createdDateTime lt time:2026-01-01T00:00:00Z`},
		{`createdDateTime lt 2026-01-01T10:20Z`, `createdDateTime lt time:2026-01-01T10:20:00Z`},
		{`createdDateTime lt 2026-01-01T10:20:30`, `createdDateTime lt time:2026-01-01T10:20:30Z`},
		{`employeeHireDate ge 2026-03-04`, `employeeHireDate ge time:2026-03-04T00:00:00Z`},
		{`a lt 0001-01-01T00:00:00Z or a gt 9999-12-31T23:59:59.999999999Z`, `(a lt time:0001-01-01T00:00:00Z or a gt time:9999-12-31T23:59:59.999999999Z)`},
		{`(createdDateTime ge 2026-01-01T00:00:00Z)`, `createdDateTime ge time:2026-01-01T00:00:00Z`},
		// GUIDs, unquoted, lower-cased; quoted ones stay strings
		{`id eq 8a1b2c3d-0000-4e5f-9a8b-ABCDEF012345`, `id eq guid:8a1b2c3d-0000-4e5f-9a8b-abcdef012345`},
		{`id eq abcdef01-2345-6789-abcd-ef0123456789`, `id eq guid:abcdef01-2345-6789-abcd-ef0123456789`},
		{`id eq '8a1b2c3d-0000-4e5f-9a8b-abcdef012345'`, `id eq "8a1b2c3d-0000-4e5f-9a8b-abcdef012345"`},
		// property paths
		{`status/errorCode eq 0`, `status/errorCode eq 0`},
		{`initiatedBy/user/id eq 'u1'`, `initiatedBy/user/id eq "u1"`},
		{`initiatedBy / user / id eq 'u1'`, `initiatedBy/user/id eq "u1"`},
		// functions, case-insensitive names, spaces
		{`startswith(displayName,'Ad')`, `startswith(displayName,"Ad")`},
		{`endswith(mail,'@contoso.com')`, `endswith(mail,"@contoso.com")`},
		{`contains(displayName,'del')`, `contains(displayName,"del")`},
		{`StartsWith( displayName , 'Ad' )`, `startswith(displayName,"Ad")`},
		{`startswith(initiatedBy/user/userPrincipalName,'a')`, `startswith(initiatedBy/user/userPrincipalName,"a")`},
		// logic and precedence: not > and > or, left to right
		{`a eq 1 and b eq 2`, `(a eq 1 and b eq 2)`},
		{`a eq 1 or b eq 2`, `(a eq 1 or b eq 2)`},
		{`a eq 1 or b eq 2 and c eq 3`, `(a eq 1 or (b eq 2 and c eq 3))`},
		{`a eq 1 and b eq 2 or c eq 3`, `((a eq 1 and b eq 2) or c eq 3)`},
		{`a eq 1 and b eq 2 and c eq 3`, `((a eq 1 and b eq 2) and c eq 3)`},
		{`(a eq 1 or b eq 2) and c eq 3`, `((a eq 1 or b eq 2) and c eq 3)`},
		{`not a eq 1 and b eq 2`, `(not(a eq 1) and b eq 2)`},
		{`not (a eq 1 and b eq 2)`, `not((a eq 1 and b eq 2))`},
		{`not(a eq 1)`, `not(a eq 1)`},
		{`not not a eq 1`, `not(not(a eq 1))`},
		{`not startswith(displayName,'x')`, `not(startswith(displayName,"x"))`},
		{`a eq 1 AND b eq 2 Or NOT c eq 3`, `((a eq 1 and b eq 2) or not(c eq 3))`},
		{`a EQ 1`, `a eq 1`},
		{`((((a eq 1))))`, `a eq 1`},
		{"\ta eq 1\r\n and\nb eq 2 ", `(a eq 1 and b eq 2)`},
		// in: sugar for or-ed eq
		{`userType in ('Guest')`, `userType eq "Guest"`},
		{`userType in ('Guest', 'Member', null)`, `((userType eq "Guest" or userType eq "Member") or userType eq null)`},
		{`id IN (8a1b2c3d-0000-4e5f-9a8b-abcdef012345,1)`, `(id eq guid:8a1b2c3d-0000-4e5f-9a8b-abcdef012345 or id eq 1)`},
		// lambdas: the range variable is stripped from inner paths
		{`targetResources/any(t:t/id eq 'x')`, `targetResources/any(id eq "x")`},
		{`targetResources/ANY( t : t/id eq 'x' and t/type eq 'User')`, `targetResources/any((id eq "x" and type eq "User"))`},
		{`proxyAddresses/any(p:p eq 'smtp:a@b.c')`, `proxyAddresses/any( eq "smtp:a@b.c")`}, // field "" is the element itself
		{`proxyAddresses/any(p:startswith(p,'smtp:'))`, `proxyAddresses/any(startswith(,"smtp:"))`},
		{`a/b/any(x:x/c/d eq 1)`, `a/b/any(c/d eq 1)`},
		{`a/any(x:x/members/any(m:m/id eq 1))`, `a/any(members/any(id eq 1))`},
		{`a/any(x:not x/b eq 1) and c eq 2`, `(a/any(not(b eq 1)) and c eq 2)`},
		{`a/any(x:startswith(x/name,'n'))`, `a/any(startswith(name,"n"))`},
		{`authenticationDetails/any(d:d/authenticationMethod eq 'Temporary Access Pass') and createdDateTime ge 2026-01-01T00:00:00Z`,
			`(authenticationDetails/any(authenticationMethod eq "Temporary Access Pass") and createdDateTime ge time:2026-01-01T00:00:00Z)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.in, err)
			}
			got := render(e)
			if got != tt.want {
				t.Errorf("ParseFilter(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int // -1: no position
		want string
	}{
		{`displayName eq`, 14, "Invalid filter clause: expected a value after 'eq' but found the end of the filter at position 14 in 'displayName eq'."},
		{``, -1, "the filter is empty"},
		{`   `, -1, "the filter is empty"},
		{strings.Repeat("a eq 1 and ", 200) + "a eq 1", -1, "longer than 2048 characters"},
		{"a eq '\xff'", -1, "not valid UTF-8"},
		{"a eq 'x\x00'", -1, "not valid UTF-8"},
		// lexing
		{`a eq 'abc`, 5, "unterminated string literal"},
		{`a eq 'abc''`, 5, "unterminated string literal"},
		{`a eq "abc"`, 5, "strings go in single quotes"},
		{`a eq 1.5`, 5, "unsupported number '1.5'"},
		{`a eq 1e3`, 5, "unsupported number '1e3'"},
		{`a eq 5L`, 5, "unsupported number '5L'"},
		{`a eq 99999999999999999999`, 5, "number '99999999999999999999' is out of range"},
		{`a eq 2026-13-01T00:00:00Z`, 5, "invalid date-time '2026-13-01T00:00:00Z'"},
		{`a eq 2026-01-01T25:00:00Z`, 5, "invalid date-time"},
		{`a eq 2026-01-01T00:00:00+2`, 5, "invalid date-time"},
		{`a eq 2026-01-01T`, 5, "invalid date-time"},
		{`a eq 2026-01-01T1:00Z`, 5, "invalid date-time"},
		{`a eq 2026-01-01T10:00:0Z`, 5, "invalid date-time"},
		{`a eq 2026-01-01T10:00:00.Z`, 5, "invalid date-time"},
		{`a eq 2026-01-01T10:00:00+0200`, 5, "invalid date-time"},
		{`a eq 2026-01-01T10:00:00+02:00:00`, 5, "invalid date-time"},
		{`a eq 2026-01-01T10:00:00ZZ`, 5, "invalid date-time '2026-01-01T10:00:00ZZ'"},
		{`a eq 2026-01-01x`, 5, "invalid date-time '2026-01-01x'"},
		{`a eq 0000-01-01T00:00:00Z`, 5, "date-time '0000-01-01T00:00:00Z' is out of range"},
		{`a eq 0001-01-01T00:30:00+01:00`, 5, "is out of range"},
		{`a eq 9999-12-31T23:30:00-01:00`, 5, "is out of range"},
		{`a eq $it`, 5, "unexpected character '$'"},
		{`a/b.c eq 1`, 3, "unexpected character '.'"},
		{`a eq 1 & b eq 2`, 7, "unexpected character '&'"},
		{`é eq 1`, 0, "unexpected character 'é'"},
		{`displayName eq 'é' and é`, 23, "unexpected character 'é' at position 23"}, // positions count characters
		// structure
		{`displayName`, 11, "expected a comparison operator (eq, ne, gt, ge, lt, le, in) after 'displayName' but found the end of the filter"},
		{`accountEnabled and a eq 1`, 15, "expected a comparison operator"},
		{`a eq 1 b eq 2`, 7, "unexpected 'b'; expected 'and', 'or' or the end of the filter"},
		{`a eq 1)`, 6, "unexpected ')'"},
		{`(a eq 1`, 7, "expected ')' but found the end of the filter"},
		{`()`, 1, "expected an expression but found ')'"},
		{`a eq 1 and`, 10, "expected an expression but found the end of the filter"},
		{`a eq 1 and or b eq 2`, 11, "expected an expression but found 'or'"},
		{`a eq 1 or`, 9, "expected an expression"},
		{`not`, 3, "expected an expression"},
		{`and a eq 1`, 0, "expected an expression but found 'and'"},
		{`eq 1`, 0, "expected an expression but found 'eq'"},
		{`a eq b`, 5, "expected a value after 'eq' but found the property 'b'; strings go in single quotes"},
		{`displayName eq Adele`, 15, "strings go in single quotes"},
		{`a eq (1)`, 5, "expected a value after 'eq' but found '('"},
		{`a eq eq`, 5, "expected a value after 'eq'"},
		{`a gt null`, 2, "null can only be compared with eq or ne"},
		{`a has 'x'`, 2, "unsupported operator 'has'"},
		{`a add 1 eq 2`, 2, "unsupported operator 'add'"},
		{`a like 'x'`, 2, "expected a comparison operator"},
		{`a/ eq 1`, 3, "expected a property name after '/' but found 'eq'"},
		{`a/ `, 3, "expected a property name after '/'"},
		{`a//b eq 1`, 2, "expected a property name after '/' but found '/'"},
		{`/a eq 1`, 0, "expected an expression but found '/'"},
		// reversed comparison and stray literals
		{`'x' eq displayName`, 0, "the property must come before the operator: write 'displayName eq 'x''"},
		{`5 lt count`, 0, "the property must come before the operator: write 'count lt 5'"},
		{`5 lt 6`, 0, "the property must come before the operator at position 0"},
		{`true`, 0, "expected a property but found 'true'"},
		{`'x'`, 0, "expected a property but found ''x''"},
		// functions
		{`tolower(displayName) eq 'a'`, 0, "unsupported function 'tolower'; use startswith, endswith or contains"},
		{`substringof('a',displayName)`, 0, "unsupported function 'substringof'"},
		{`startswith('Ad',displayName)`, 11, "expected a property as the first argument of startswith but found ''Ad''"},
		{`startswith(null,'a')`, 11, "expected a property as the first argument of startswith but found 'null'"},
		{`startswith(eq,'a')`, 11, "expected a property as the first argument"},
		{`startswith(displayName)`, 22, "expected ',' but found ')'"},
		{`startswith(displayName,5)`, 23, "expected a string in single quotes as the second argument of startswith but found '5'"},
		{`startswith(displayName,'a','b')`, 26, "expected ')' but found ','"},
		{`startswith(displayName,'a'`, 26, "expected ')' but found the end of the filter"},
		{`startswith(a/any(x:x eq 1),'a')`, 11, "expected a property as the first argument of startswith"},
		{`startswith(displayName,'a') eq true`, 28, "unexpected 'eq'"},
		// in
		{`a in 'x'`, 5, "expected '(' after 'in' but found ''x''"},
		{`a in ()`, 6, "expected a value after '(' but found ')'"},
		{`a in ('x'`, 9, "expected ',' or ')' in the 'in' list but found the end of the filter"},
		{`a in ('x' 'y')`, 10, "expected ',' or ')' in the 'in' list but found ''y''"},
		{`a in ('x',)`, 10, "expected a value after ',' but found ')'"},
		// lambdas
		{`a/any()`, 6, "any() needs a condition, as in 'a/any(x:x/id eq ...)'"},
		{`a/all(x:x/id eq 1)`, 2, "the 'all' operator is not supported"},
		{`a/any(x x/id eq 1)`, 8, "expected ':' after the range variable but found 'x'"},
		{`a/any('x':x eq 1)`, 6, "expected a range variable after 'any(' but found ''x''"},
		{`a/any(or:or eq 1)`, 6, "expected a range variable after 'any(' but found 'or'"},
		{`a/any(x:y/id eq 1)`, 8, "inside any() a property must start with the range variable 'x/'"},
		{`a/any(x:x/b/any(y:x/c eq 1))`, 18, "range variable 'y/'"},
		{`a/any(x:x/id eq 1`, 17, "expected ')' to close any( but found the end of the filter"},
		{`a/any(x:x/any(y:y eq 1))`, 10, "expected a collection property before '/any'"},
		{`a/any(x:x/id eq 1) eq true`, 19, "unexpected 'eq'"},
		{`a/any(x:x/id eq 1)/b eq 1`, 18, "unexpected '/'"},
		// limits
		{strings.Repeat("(", 33) + "a eq 1" + strings.Repeat(")", 33), 32, "the filter nests deeper than 32 levels"},
		{strings.Repeat("not ", 33) + "a eq 1", 128, "nests deeper than 32 levels"},
		{"a/any(x:" + strings.Repeat("x/b/any(x:", 32) + "x eq 1" + strings.Repeat(")", 33), -2, "nests deeper than 32 levels"},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			e, err := ParseFilter(tt.in)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = %s, want an error", tt.in, render(e))
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if fe.Option != "$filter" {
				t.Errorf("Option = %q, want $filter", fe.Option)
			}
			if !strings.HasPrefix(fe.Message, "Invalid filter clause: ") || !strings.HasSuffix(fe.Message, ".") {
				t.Errorf("message %q does not read like Graph's", fe.Message)
			}
			if !strings.Contains(fe.Message, tt.want) {
				t.Errorf("message %q\ndoes not contain %q", fe.Message, tt.want)
			}
			if tt.pos != -2 && fe.Pos != tt.pos {
				t.Errorf("Pos = %d, want %d (%s)", fe.Pos, tt.pos, fe.Message)
			}
			if fe.Pos >= 0 && !strings.Contains(fe.Message, fmt.Sprintf("at position %d in '%s'.", fe.Pos, tt.in)) {
				t.Errorf("message %q does not name the position and the filter", fe.Message)
			}
		})
	}
}

// A filter at the length limit with as many nodes as fit still parses: the limits
// stop hostile input, not long honest filters.
func TestParseFilterAtLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("a eq 1")
	for b.Len()+len(" or a eq 1") <= maxFilterLen {
		b.WriteString(" or a eq 1")
	}
	e, err := ParseFilter(b.String())
	if err != nil {
		t.Fatalf("long flat filter: %v", err)
	}
	if n := strings.Count(render(e), "a eq 1"); n != strings.Count(b.String(), "a eq 1") {
		t.Errorf("parsed %d comparisons, want %d", n, strings.Count(b.String(), "a eq 1"))
	}

	nested := strings.Repeat("(", maxFilterDepth) + "a eq 1" + strings.Repeat(")", maxFilterDepth)
	if _, err := ParseFilter(nested); err != nil {
		t.Errorf("%d levels of parentheses: %v", maxFilterDepth, err)
	}
}

func FuzzParseFilter(f *testing.F) {
	seeds := []string{
		`displayName eq 'Adele'`,
		`surname eq 'O''Brien'`,
		`count ge -5 and accountEnabled eq true or manager eq null`,
		`createdDateTime ge 2026-01-01T00:00:00.123+02:00 and createdDateTime lt 2026-02-01`,
		`id eq 8a1b2c3d-0000-4e5f-9a8b-abcdef012345`,
		`initiatedBy/user/id eq 'u1'`,
		`startswith(displayName,'Ad') or endswith(mail,'x') or contains(a,'b')`,
		`not (a eq 1 and b eq 2) or not c ne 3`,
		`userType in ('Guest','Member')`,
		`targetResources/any(t:t/id eq 'x' and t/modifiedProperties/any(p:p/name eq 'y'))`,
		`proxyAddresses/any(p:startswith(p,'smtp:'))`,
		`'x' eq displayName`,
		`a eq 'abc`,
		`((((a eq 1`,
		`a/any(x:`,
		`not not not`,
		`a eq 2026-01-01T`,
		"a eq '\xff\x00'",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if fe.Pos > len(s) {
				t.Fatalf("Pos %d beyond the %d-byte filter", fe.Pos, len(s))
			}
			return
		}
		if e == nil {
			t.Fatal("nil Expr without an error")
		}
		checkTree(t, e, 0)
		// What the parser accepted, printed back as a filter, parses to the same tree.
		text := formatFilter(e, "")
		if len(text) > maxFilterLen {
			return
		}
		again, err := ParseFilter(text)
		if err != nil {
			t.Fatalf("%q parsed, but its reprint %q does not: %v", s, text, err)
		}
		if render(again) != render(e) {
			t.Fatalf("%q and its reprint %q differ:\n%s\n%s", s, text, render(e), render(again))
		}
	})
}

// formatFilter prints a tree back as $filter text with only the parentheses the
// precedence needs. rangeVar is the enclosing lambda's variable, "" outside one.
func formatFilter(e Expr, rangeVar string) string {
	path := func(f string) string {
		switch {
		case rangeVar == "":
			return f
		case f == "":
			return rangeVar
		default:
			return rangeVar + "/" + f
		}
	}
	switch e := e.(type) {
	case Compare:
		return path(e.Field) + " " + string(e.Op) + " " + formatValue(e.Value)
	case Func:
		return e.Name + "(" + path(e.Field) + "," + formatValue(e.Value) + ")"
	case Logical:
		left, right := formatFilter(e.Left, rangeVar), formatFilter(e.Right, rangeVar)
		if l, ok := e.Left.(Logical); ok && l.Op == "or" && e.Op == "and" {
			left = "(" + left + ")"
		}
		if r, ok := e.Right.(Logical); ok && (r.Op == "or" || r.Op == e.Op) {
			right = "(" + right + ")"
		}
		return left + " " + e.Op + " " + right
	case Not:
		if _, ok := e.Inner.(Logical); ok {
			return "not (" + formatFilter(e.Inner, rangeVar) + ")"
		}
		return "not " + formatFilter(e.Inner, rangeVar)
	case Any:
		return path(e.Collection) + "/any(x:" + formatFilter(e.Inner, "x") + ")"
	}
	return "?"
}

func formatValue(v Value) string {
	switch v.Kind {
	case KindString:
		return "'" + strings.ReplaceAll(v.String, "'", "''") + "'"
	case KindNumber:
		return fmt.Sprint(v.Number)
	case KindBool:
		return fmt.Sprint(v.Bool)
	case KindNull:
		return "null"
	case KindDateTime:
		return v.Time.Format(time.RFC3339Nano)
	case KindGUID:
		return v.String
	}
	return "?"
}

// checkTree asserts every node is complete and the tree respects the depth limit
// (Logical chains are flat in the limit's sense, so they do not count).
func checkTree(t *testing.T, e Expr, depth int) {
	t.Helper()
	if depth > maxFilterDepth {
		t.Fatalf("tree nests %d deep", depth)
	}
	switch e := e.(type) {
	case Compare:
		if e.Value.Kind < KindString || e.Value.Kind > KindGUID {
			t.Fatalf("compare with value kind %d", e.Value.Kind)
		}
		if e.Value.Kind == KindDateTime && e.Value.Time.Location() != time.UTC {
			t.Fatalf("date-time not in UTC: %v", e.Value.Time)
		}
	case Func:
		if !filterFuncs[e.Name] || e.Value.Kind != KindString {
			t.Fatalf("bad func %+v", e)
		}
	case Logical:
		if (e.Op != "and" && e.Op != "or") || e.Left == nil || e.Right == nil {
			t.Fatalf("bad logical %+v", e)
		}
		checkTree(t, e.Left, depth)
		checkTree(t, e.Right, depth)
	case Not:
		if e.Inner == nil {
			t.Fatal("not without inner")
		}
		checkTree(t, e.Inner, depth+1)
	case Any:
		if e.Collection == "" || e.Inner == nil {
			t.Fatalf("bad any %+v", e)
		}
		checkTree(t, e.Inner, depth+1)
	default:
		t.Fatalf("unknown node %T", e)
	}
}
