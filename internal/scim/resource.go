package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// A resource is handled as its SCIM JSON: a map keyed by canonical attribute
// names, extension attributes under their schema's URN. Requests are brought to
// this form attribute by attribute (names in any case, values checked against
// the schema), PATCH operations edit it, and the directory's user or group is
// read back from it: one way in for POST, PUT and PATCH.
type resource = map[string]any

// setMode says how a value meets what is there.
type setMode int

const (
	modeSet   setMode = iota // replace the attribute's value
	modeMerge                // complex: merge sub-attributes; multi-valued: replace the list
	modeAdd                  // complex: merge; multi-valued: append
)

// container returns the map holding ref's attribute: the resource itself for
// the core schema, the extension's object otherwise (created when create is set).
func container(res resource, ref attrRef, rt resourceType, create bool) resource {
	if ref.isCore(rt) {
		return res
	}
	m, _ := res[ref.schema.ID].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		res[ref.schema.ID] = m
	}
	return m
}

// setAttr writes value at ref. A null value removes the attribute.
func setAttr(res resource, rt resourceType, ref attrRef, value any, mode setMode) error {
	if ref.whole {
		if value == nil {
			delete(res, ref.schema.ID)
			return nil
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return invalidValue("The value of %s must be an object.", ref.schema.ID)
		}
		if mode == modeSet {
			delete(res, ref.schema.ID)
		}
		for k, v := range obj {
			sub, err := rt.resolve(ref.schema.ID + ":" + k)
			if err != nil {
				if isIgnored(err) {
					continue
				}
				return err
			}
			if sub.attr.readOnly() {
				continue
			}
			if err := setAttr(res, rt, sub, v, modeMerge); err != nil {
				return err
			}
		}
		return nil
	}
	c := container(res, ref, rt, value != nil)
	if c == nil {
		return nil // removing from an extension that has no values
	}
	name := ref.attr.Name
	if ref.hasSub {
		return setSub(c, ref, value)
	}
	if value == nil {
		delete(c, name)
		return nil
	}
	v, err := convert(ref.attr, value)
	if err != nil {
		return err
	}
	switch {
	case ref.attr.Multi && mode == modeAdd:
		old, _ := c[name].([]any)
		c[name] = appendValues(old, v.([]any))
	case ref.attr.Type == "complex" && !ref.attr.Multi && mode != modeSet:
		old, _ := c[name].(map[string]any)
		if old == nil {
			old = map[string]any{}
		}
		for k, x := range v.(map[string]any) {
			old[k] = x
		}
		c[name] = old
	default:
		c[name] = v
	}
	return nil
}

// setSub writes a sub-attribute: of the complex attribute, or of every value
// of a multi-valued one (creating one value when there is none).
func setSub(c resource, ref attrRef, value any) error {
	name := ref.attr.Name
	var v any
	if value != nil {
		var err error
		if v, err = convert(ref.sub, value); err != nil {
			return err
		}
	}
	if ref.attr.Multi {
		list, _ := c[name].([]any)
		if len(list) == 0 && v != nil {
			c[name] = []any{map[string]any{ref.sub.Name: v}}
			return nil
		}
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				setOrDelete(m, ref.sub.Name, v)
			}
		}
		return nil
	}
	m, _ := c[name].(map[string]any)
	if m == nil {
		if v == nil {
			return nil
		}
		m = map[string]any{}
		c[name] = m
	}
	setOrDelete(m, ref.sub.Name, v)
	if len(m) == 0 {
		delete(c, name)
	}
	return nil
}

func setOrDelete(m map[string]any, k string, v any) {
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
}

// appendValues adds values to a multi-valued attribute, leaving out those whose
// value is there already, and keeping one primary.
func appendValues(old, add []any) []any {
	out := append([]any{}, old...)
	for _, a := range add {
		am, _ := a.(map[string]any)
		dup := false
		for i, o := range out {
			om, _ := o.(map[string]any)
			if am != nil && om != nil && am["value"] != nil && sameValue(am["value"], om["value"]) {
				for k, v := range am {
					om[k] = v
				}
				out[i], dup = om, true
			}
		}
		if !dup {
			out = append(out, a)
		}
	}
	return onePrimary(out)
}

func sameValue(a, b any) bool {
	as, ok1 := a.(string)
	bs, ok2 := b.(string)
	return ok1 && ok2 && strings.EqualFold(as, bs)
}

// onePrimary keeps RFC 7643 §2.4's rule that at most one value is primary: the
// last one marked wins.
func onePrimary(list []any) []any {
	last := -1
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			last = i
		}
	}
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && i != last && m["primary"] == true {
			m["primary"] = false
		}
	}
	return list
}

// convert checks a value against its attribute and returns it in canonical
// form: strings, booleans (also "True"/"false", as Entra ID sends them),
// date-times as RFC 3339 in UTC, complex values with canonical sub-attribute
// names (unknown and read-only ones dropped), multi-valued as a list.
func convert(a attr, v any) (any, error) {
	if a.Multi {
		list, ok := v.([]any)
		if !ok {
			list = []any{v} // a single value where a list belongs
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			if e == nil {
				continue
			}
			one := a
			one.Multi = false
			c, err := convert(one, e)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return onePrimary(out), nil
	}
	switch a.Type {
	case "complex":
		obj, ok := v.(map[string]any)
		if !ok {
			if s, isString := v.(string); isString && len(a.Sub) > 0 {
				// A bare value for the complex's value: Entra ID sends manager as
				// an id, and some clients send members as ids.
				if _, hasValue := a.sub("value"); hasValue {
					return map[string]any{"value": s}, nil
				}
			}
			return nil, invalidValue("The value of %s must be an object.", a.Name)
		}
		out := map[string]any{}
		for k, x := range obj {
			sub, ok := a.sub(k)
			if !ok || sub.readOnly() || x == nil {
				continue
			}
			c, err := convert(sub, x)
			if err != nil {
				return nil, err
			}
			out[sub.Name] = c
		}
		return out, nil
	case "boolean":
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			if got, ok := boolValue(fValue{kind: vString, str: strings.TrimSpace(b)}); ok {
				return got, nil
			}
		}
		return nil, invalidValue("The value of %s must be true or false.", a.Name)
	case "dateTime":
		s, ok := v.(string)
		if !ok {
			return nil, invalidValue("The value of %s must be a date-time string such as 2026-09-01T00:00:00Z.", a.Name)
		}
		t, err := parseDateTime(s)
		if err != nil {
			return nil, invalidValue("The value of %s must be a date (2026-09-01) or an RFC 3339 date-time, not %q.", a.Name, truncate(s))
		}
		return t.Format(time.RFC3339), nil
	default: // string, reference
		switch s := v.(type) {
		case string:
			return s, nil
		case json.Number:
			// Numbers where strings belong (an employee number sent as 1042).
			return s.String(), nil
		}
		return nil, invalidValue("The value of %s must be a string.", a.Name)
	}
}

func isIgnored(err error) bool {
	var ign errIgnored
	return errors.As(err, &ign)
}

// fromBody brings a POST or PUT body to a resource. Read-only attributes (id,
// meta, schemas) and attributes firstkey does not keep are left out; RFC 7644
// §3.3 and §3.5.1 say the former are ignored.
func fromBody(rt resourceType, body map[string]any) (resource, error) {
	res := resource{}
	for k, v := range body {
		ref, err := rt.resolve(k)
		if err != nil {
			if isIgnored(err) || isUnknownAttr(err) {
				continue
			}
			return nil, err
		}
		if !ref.whole && ref.attr.readOnly() {
			continue
		}
		if err := setAttr(res, rt, ref, v, modeMerge); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// isUnknownAttr: an attribute no schema defines is dropped from a body, as
// provisioning clients send their own (Okta sends "password").
func isUnknownAttr(err error) bool {
	var se *scimError
	return errors.As(err, &se) && se.scimType == "invalidPath"
}

// str reads a string attribute of a resource container.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func list(m map[string]any, k string) []any {
	l, _ := m[k].([]any)
	return l
}
