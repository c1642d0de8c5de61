package scim

import (
	"strings"
)

// matches evaluates a value filter (the inside of [ ]) against one value of the
// multi-valued attribute parent, as PATCH paths select values. Strings compare
// ignoring case unless the sub-attribute is caseExact.
func matches(n filterNode, elem map[string]any, parent attr) (bool, error) {
	switch n := n.(type) {
	case fLogical:
		l, err := matches(n.left, elem, parent)
		if err != nil {
			return false, err
		}
		r, err := matches(n.right, elem, parent)
		if err != nil {
			return false, err
		}
		if n.op == "and" {
			return l && r, nil
		}
		return l || r, nil
	case fNot:
		in, err := matches(n.inner, elem, parent)
		return !in, err
	case fCompare:
		sub, ok := parent.sub(n.path)
		if !ok {
			return false, invalidFilter("%s has no sub-attribute %q.", parent.Name, truncate(n.path))
		}
		return compareValue(elem[sub.Name], n, sub.CaseExact)
	}
	return false, invalidFilter("The value filter cannot be used here.")
}

func compareValue(v any, c fCompare, caseExact bool) (bool, error) {
	if c.op == "pr" {
		switch v := v.(type) {
		case nil:
			return false, nil
		case string:
			return v != "", nil
		}
		return true, nil
	}
	if c.value.kind == vNull {
		switch c.op {
		case "eq":
			return v == nil || v == "", nil
		case "ne":
			return v != nil && v != "", nil
		}
		return false, invalidFilter("null can only be compared with eq or ne.")
	}
	if want, ok := boolValue(c.value); ok && c.value.kind == vBool {
		got, isBool := v.(bool)
		if !isBool {
			s, _ := v.(string)
			got, isBool = boolValue(fValue{kind: vString, str: s})
		}
		switch c.op {
		case "eq":
			return isBool && got == want, nil
		case "ne":
			return !isBool || got != want, nil
		}
		return false, invalidFilter("A boolean is compared with eq or ne only.")
	}
	if c.value.kind != vString {
		return false, invalidFilter("This sub-attribute is compared with a string, not %s.", c.value)
	}
	s, isString := v.(string)
	want := c.value.str
	if !caseExact {
		s, want = strings.ToLower(s), strings.ToLower(want)
	}
	switch c.op {
	case "eq":
		return isString && s == want, nil
	case "ne":
		return !isString || s != want, nil
	case "co":
		return isString && strings.Contains(s, want), nil
	case "sw":
		return isString && strings.HasPrefix(s, want), nil
	case "ew":
		return isString && strings.HasSuffix(s, want), nil
	case "gt":
		return isString && s > want, nil
	case "ge":
		return isString && s >= want, nil
	case "lt":
		return isString && s < want, nil
	case "le":
		return isString && s <= want, nil
	}
	return false, invalidFilter("Unknown operator %s.", c.op)
}
