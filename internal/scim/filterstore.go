package scim

import (
	"errors"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/odata"
)

// fieldKind says how a store field is compared.
type fieldKind int

const (
	kindText fieldKind = iota + 1
	kindBool
	kindTime
)

// storeField is the directory's filterable property behind a SCIM attribute.
type storeField struct {
	name string
	kind fieldKind
}

// userFields maps User attributes (schema URN, attribute, sub-attribute) to the
// store's filter fields. emails is firstkey's one mail address.
var userFields = map[string]storeField{
	key(schemaUser, "id", ""):                   {"id", kindText},
	key(schemaUser, "externalId", ""):           {"externalId", kindText},
	key(schemaUser, "userName", ""):             {"userPrincipalName", kindText},
	key(schemaUser, "displayName", ""):          {"displayName", kindText},
	key(schemaUser, "title", ""):                {"jobTitle", kindText},
	key(schemaUser, "name", "givenName"):        {"givenName", kindText},
	key(schemaUser, "name", "familyName"):       {"surname", kindText},
	key(schemaUser, "emails", ""):               {"mail", kindText},
	key(schemaUser, "emails", "value"):          {"mail", kindText},
	key(schemaUser, "active", ""):               {"accountEnabled", kindBool},
	key(schemaUser, "meta", "created"):          {"createdDateTime", kindTime},
	key(schemaUser, "meta", "lastModified"):     {"lastModifiedDateTime", kindTime},
	key(schemaEnterprise, "employeeNumber", ""): {"employeeId", kindText},
	key(schemaEnterprise, "department", ""):     {"department", kindText},
	key(schemaFirstkey, "employeeHireDate", ""): {"employeeHireDate", kindTime},
}

var groupFields = map[string]storeField{
	key(schemaGroup, "id", ""):               {"id", kindText},
	key(schemaGroup, "externalId", ""):       {"externalId", kindText},
	key(schemaGroup, "displayName", ""):      {"displayName", kindText},
	key(schemaGroup, "meta", "created"):      {"createdDateTime", kindTime},
	key(schemaGroup, "meta", "lastModified"): {"lastModifiedDateTime", kindTime},
}

func key(schemaID, attr, sub string) string {
	return strings.ToLower(schemaID + "|" + attr + "|" + sub)
}

func (a attrRef) key() string {
	sub := ""
	if a.hasSub {
		sub = a.sub.Name
	}
	return key(a.schema.ID, a.attr.Name, sub)
}

// never and always are conditions no row meets and every row meets: ids are
// never empty.
var (
	never  odata.Expr = odata.Compare{Field: "id", Op: odata.Eq, Value: odata.Value{Kind: odata.KindString, String: ""}}
	always odata.Expr = odata.Compare{Field: "id", Op: odata.Ne, Value: odata.Value{Kind: odata.KindString, String: ""}}
)

// storeFilter translates a filter into the store's filter for rt.
func storeFilter(rt resourceType, n filterNode) (odata.Expr, error) {
	fields := userFields
	if rt.Name == groupType.Name {
		fields = groupFields
	}
	tr := filterTranslator{rt: rt, fields: fields}
	return tr.node(n)
}

type filterTranslator struct {
	rt     resourceType
	fields map[string]storeField
}

func (tr filterTranslator) node(n filterNode) (odata.Expr, error) {
	switch n := n.(type) {
	case fLogical:
		l, err := tr.node(n.left)
		if err != nil {
			return nil, err
		}
		r, err := tr.node(n.right)
		if err != nil {
			return nil, err
		}
		return odata.Logical{Op: n.op, Left: l, Right: r}, nil
	case fNot:
		in, err := tr.node(n.inner)
		if err != nil {
			return nil, err
		}
		return odata.Not{Inner: in}, nil
	case fCompare:
		ref, err := tr.resolve(n.path)
		if err != nil {
			return nil, err
		}
		if tr.rt.Name == groupType.Name && ref.attr.Name == "members" {
			if ref.hasSub && ref.sub.Name != "value" {
				return nil, invalidFilter("Filtering groups on members.%s is not supported; use members.value or members[value eq \"…\"].", ref.sub.Name)
			}
			in, err := compare(storeField{"id", kindText}, n)
			if err != nil {
				return nil, err
			}
			return odata.Any{Collection: "members", Inner: in}, nil
		}
		f, ok := tr.fields[ref.key()]
		if !ok {
			return nil, invalidFilter("Filtering on %s is not supported.", ref.name())
		}
		return compare(f, n)
	case fValuePath:
		return tr.valuePath(n)
	}
	return nil, invalidFilter("The filter cannot be used.")
}

func (tr filterTranslator) resolve(path string) (attrRef, error) {
	ref, err := tr.rt.resolve(path)
	var ign errIgnored
	if errors.As(err, &ign) {
		return attrRef{}, invalidFilter("Filtering on %s is not supported.", truncate(path))
	}
	if err != nil {
		return attrRef{}, invalidFilter("%s", err.Error())
	}
	if ref.whole {
		return attrRef{}, invalidFilter("Filtering on the schema %s as a whole is not supported.", ref.schema.ID)
	}
	return ref, nil
}

// valuePath translates emails[…] (the one mail address, of type work and
// primary) and members[…] (membership).
func (tr filterTranslator) valuePath(n fValuePath) (odata.Expr, error) {
	ref, err := tr.resolve(n.path)
	if err != nil {
		return nil, err
	}
	switch {
	case tr.rt.Name == userType.Name && ref.attr.Name == "emails" && !ref.hasSub:
		return tr.element(n.inner, func(c fCompare, sub attr) (odata.Expr, error) {
			switch sub.Name {
			case "value":
				return compare(storeField{"mail", kindText}, c)
			case "type":
				if c.op == "eq" && c.value.kind == vString {
					if strings.EqualFold(c.value.str, "work") {
						return odata.Compare{Field: "mail", Op: odata.Ne, Value: odata.Value{Kind: odata.KindNull}}, nil
					}
					return never, nil
				}
			case "primary":
				if c.op == "eq" && c.value.kind == vBool {
					if c.value.b {
						return odata.Compare{Field: "mail", Op: odata.Ne, Value: odata.Value{Kind: odata.KindNull}}, nil
					}
					return never, nil
				}
			}
			return nil, invalidFilter("In emails[…] firstkey filters on value, type eq \"…\" and primary eq true|false.")
		}, ref.attr)
	case tr.rt.Name == groupType.Name && ref.attr.Name == "members" && !ref.hasSub:
		in, err := tr.element(n.inner, func(c fCompare, sub attr) (odata.Expr, error) {
			if sub.Name == "value" {
				return compare(storeField{"id", kindText}, c)
			}
			if sub.Name == "type" && c.op == "eq" && c.value.kind == vString {
				if strings.EqualFold(c.value.str, "User") {
					return always, nil
				}
				return never, nil
			}
			return nil, invalidFilter("In members[…] firstkey filters on value and type.")
		}, ref.attr)
		if err != nil {
			return nil, err
		}
		return odata.Any{Collection: "members", Inner: in}, nil
	}
	return nil, invalidFilter("Value filters are supported on emails (users) and members (groups), not on %s.", ref.name())
}

// element translates the inside of a value filter, where paths name sub-attributes.
func (tr filterTranslator) element(n filterNode, leaf func(fCompare, attr) (odata.Expr, error), parent attr) (odata.Expr, error) {
	switch n := n.(type) {
	case fLogical:
		l, err := tr.element(n.left, leaf, parent)
		if err != nil {
			return nil, err
		}
		r, err := tr.element(n.right, leaf, parent)
		if err != nil {
			return nil, err
		}
		return odata.Logical{Op: n.op, Left: l, Right: r}, nil
	case fNot:
		in, err := tr.element(n.inner, leaf, parent)
		if err != nil {
			return nil, err
		}
		return odata.Not{Inner: in}, nil
	case fCompare:
		sub, ok := parent.sub(n.path)
		if !ok {
			return nil, invalidFilter("%s has no sub-attribute %q.", parent.Name, truncate(n.path))
		}
		return leaf(n, sub)
	}
	return nil, invalidFilter("The value filter cannot be used.")
}

var funcs = map[string]string{"co": "contains", "sw": "startswith", "ew": "endswith"}

var ops = map[string]odata.CompareOp{"eq": odata.Eq, "ne": odata.Ne, "gt": odata.Gt, "ge": odata.Ge, "lt": odata.Lt, "le": odata.Le}

// compare translates one comparison on a store field.
func compare(f storeField, c fCompare) (odata.Expr, error) {
	if c.op == "pr" {
		if f.kind == kindBool {
			return always, nil // a boolean always has a value
		}
		return odata.Compare{Field: f.name, Op: odata.Ne, Value: odata.Value{Kind: odata.KindNull}}, nil
	}
	if c.value.kind == vNull {
		if c.op != "eq" && c.op != "ne" {
			return nil, invalidFilter("null can only be compared with eq or ne.")
		}
		if f.kind == kindBool {
			if c.op == "eq" {
				return never, nil
			}
			return always, nil
		}
		return odata.Compare{Field: f.name, Op: ops[c.op], Value: odata.Value{Kind: odata.KindNull}}, nil
	}
	var v odata.Value
	switch f.kind {
	case kindText:
		if c.value.kind != vString {
			return nil, invalidFilter("%s is compared with a string, not %s.", f.name, c.value)
		}
		v = odata.Value{Kind: odata.KindString, String: c.value.str}
	case kindBool:
		b, ok := boolValue(c.value)
		if !ok {
			return nil, invalidFilter("A boolean is compared with true or false, not %s.", c.value)
		}
		v = odata.Value{Kind: odata.KindBool, Bool: b}
	case kindTime:
		t, ok := timeValue(c.value)
		if !ok {
			return nil, invalidFilter("A date-time is compared with a string such as \"2026-09-01T00:00:00Z\", not %s.", c.value)
		}
		v = odata.Value{Kind: odata.KindDateTime, Time: t}
	}
	if fn, ok := funcs[c.op]; ok {
		if f.kind != kindText {
			return nil, invalidFilter("The operator %s applies to strings only.", c.op)
		}
		return odata.Func{Name: fn, Field: f.name, Value: v}, nil
	}
	if f.kind == kindBool && c.op != "eq" && c.op != "ne" {
		return nil, invalidFilter("A boolean is compared with eq or ne only.")
	}
	return odata.Compare{Field: f.name, Op: ops[c.op], Value: v}, nil
}

func boolValue(v fValue) (bool, bool) {
	switch v.kind {
	case vBool:
		return v.b, true
	case vString:
		switch strings.ToLower(v.str) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func timeValue(v fValue) (time.Time, bool) {
	if v.kind != vString {
		return time.Time{}, false
	}
	t, err := parseDateTime(v.str)
	return t, err == nil
}

// parseDateTime reads an RFC 3339 date-time, or a date alone as midnight UTC
// (HR systems send hire dates as dates).
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.UTC(), err
}
