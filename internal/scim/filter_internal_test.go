package scim

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/firstkey/firstkey/internal/odata"
)

func TestParseFilterShapes(t *testing.T) {
	str := func(s string) fValue { return fValue{kind: vString, str: s} }
	for _, tc := range []struct {
		in   string
		want filterNode
	}{
		{`userName eq "bjensen"`, fCompare{path: "userName", op: "eq", value: str("bjensen")}},
		{`userName EQ "a\"b"`, fCompare{path: "userName", op: "eq", value: str(`a"b`)}},
		{`title pr`, fCompare{path: "title", op: "pr"}},
		{`a eq 1 or b eq true and c eq null`, fLogical{op: "or",
			left: fCompare{path: "a", op: "eq", value: fValue{kind: vNumber, num: json.Number("1")}},
			right: fLogical{op: "and", left: fCompare{path: "b", op: "eq", value: fValue{kind: vBool, b: true}},
				right: fCompare{path: "c", op: "eq", value: fValue{kind: vNull}}}}},
		{`not (a pr)`, fNot{inner: fCompare{path: "a", op: "pr"}}},
		{`emails[type eq "work"]`, fValuePath{path: "emails", inner: fCompare{path: "type", op: "eq", value: str("work")}}},
		{`emails[type eq "work"].value eq "x"`, fValuePath{path: "emails", inner: fLogical{op: "and",
			left:  fCompare{path: "type", op: "eq", value: str("work")},
			right: fCompare{path: "value", op: "eq", value: str("x")}}}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`,
			fCompare{path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", op: "eq", value: str("1")}},
	} {
		got, err := parseFilter(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.in, got, tc.want)
		}
	}
}

func TestPatchPathShapes(t *testing.T) {
	p, err := parsePatchPath(`members[value eq "2819c223-7f76-453a-919d-413861904646"]`)
	if err != nil || p.attr != "members" || p.filter == nil || p.sub != "" {
		t.Fatalf("%+v, %v", p, err)
	}
	p, err = parsePatchPath(`emails[type eq "work"].value`)
	if err != nil || p.attr != "emails" || p.sub != "value" {
		t.Fatalf("%+v, %v", p, err)
	}
	p, err = parsePatchPath(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`)
	if err != nil || p.attr != "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" {
		t.Fatalf("%+v, %v", p, err)
	}
	for _, bad := range []string{"", "[x]", `emails[type eq "work"`, `emails[type eq "work"] x`, `a b`, `emails[a[b eq "c"]]`} {
		if _, err := parsePatchPath(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestETagMatching(t *testing.T) {
	for _, tc := range []struct {
		header string
		ok     bool
	}{
		{`W/"3"`, true}, {`"3"`, true}, {`W/"2", W/"3"`, true}, {`*`, true},
		{`W/"2"`, false}, {`3`, false}, {`W/"33"`, false}, {`"`, false}, {`W/""`, false},
	} {
		if got := tagListed(tc.header, 3) || tc.header == "*"; got != tc.ok {
			t.Errorf("%q: %v", tc.header, got)
		}
	}
}

// FuzzFilterAndPatch: whatever a client sends as a filter or a PATCH path, the
// parsers and translators answer with a value or a SCIM error, never a panic.
func FuzzFilterAndPatch(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`, `emails[type eq "work" and value co "@example.com"]`, `not (title pr) or meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`members[value eq "x"]`, `emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
		`((((a eq "b"))))`, `a[b[c eq 1]]`, `"unterminated`, `name.givenName.x eq 1`, `emails[type eq "work"].value eq "a"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkErr := func(err error) {
			var se *scimError
			if err != nil && !errors.As(err, &se) && !isIgnored(err) {
				t.Fatalf("%q: error %T %v is not a SCIM error", s, err, err)
			}
		}
		if n, err := parseFilter(s); err == nil {
			for _, rt := range []resourceType{userType, groupType} {
				e, err := storeFilter(rt, n)
				checkErr(err)
				if err == nil && e == (odata.Expr)(nil) {
					t.Fatalf("%q: no filter and no error", s)
				}
			}
		} else {
			checkErr(err)
		}
		res := resource{"userName": "a@example.com", "emails": []any{map[string]any{"value": "a@example.com", "type": "work", "primary": true}},
			schemaEnterprise: map[string]any{"manager": map[string]any{"value": "x"}}}
		for _, o := range []string{"add", "replace", "remove"} {
			p := patcher{rt: userType, res: res, id: "id"}
			checkErr(p.apply([]patchOp{{op: o, path: s, hasPath: true, value: "v", hasValue: true}}))
			g := patcher{rt: groupType, res: resource{"displayName": "g"}, id: "id", members: newMemberChange()}
			checkErr(g.apply([]patchOp{{op: o, path: s, hasPath: true, value: []any{map[string]any{"value": "m"}}, hasValue: true}}))
		}
	})
}
