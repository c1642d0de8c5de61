package scim

import (
	"strings"
)

// patchOp is one operation of a PatchOp request (RFC 7644 §3.5.2).
type patchOp struct {
	op       string // add, replace, remove
	path     string
	hasPath  bool
	value    any
	hasValue bool
}

// maxOperations bounds one PATCH; Entra ID and Okta send a handful, or one
// per batch of members.
const maxOperations = 1000

// parsePatch reads a PatchOp body. Operation names are matched ignoring case:
// Entra ID sends "Add", "Replace" and "Remove".
func parsePatch(body map[string]any) ([]patchOp, error) {
	var raw []any
	found := false
	for k, v := range body {
		switch strings.ToLower(k) {
		case "operations":
			list, ok := v.([]any)
			if !ok {
				return nil, invalidSyntax("Operations must be a list of operations.")
			}
			raw, found = list, true
		case "schemas":
			if !containsFold(v, msgPatchOp) {
				return nil, invalidSyntax("A PATCH body's schemas must name %s.", msgPatchOp)
			}
		}
	}
	if !found || len(raw) == 0 {
		return nil, invalidSyntax("A PATCH body needs Operations, a list of at least one operation.")
	}
	if len(raw) > maxOperations {
		return nil, errorf(400, "tooMany", "A PATCH may hold at most %d operations.", maxOperations)
	}
	ops := make([]patchOp, 0, len(raw))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, invalidSyntax("Operation %d is not an object.", i+1)
		}
		var op patchOp
		for k, v := range m {
			switch strings.ToLower(k) {
			case "op":
				s, _ := v.(string)
				op.op = strings.ToLower(strings.TrimSpace(s))
			case "path":
				s, ok := v.(string)
				if !ok {
					return nil, invalidPath("The path of operation %d must be a string.", i+1)
				}
				op.path, op.hasPath = strings.TrimSpace(s), true
			case "value":
				op.value, op.hasValue = v, true
			}
		}
		switch op.op {
		case "add", "replace":
			if !op.hasValue {
				return nil, invalidValue("Operation %d (%s) needs a value.", i+1, op.op)
			}
		case "remove":
			if !op.hasPath || op.path == "" {
				return nil, noTarget("Operation %d (remove) needs a path.", i+1)
			}
		default:
			return nil, invalidSyntax("Operation %d has op %q; use add, replace or remove.", i+1, truncate(op.op))
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func containsFold(v any, want string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok && strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

// patcher applies operations to a resource. members, when set, takes the
// operations on a group's members, which are not held in the resource.
type patcher struct {
	rt      resourceType
	res     resource
	id      string // the resource's id, which a client may repeat but not change
	members *memberChange
}

func (p *patcher) apply(ops []patchOp) error {
	for _, op := range ops {
		if err := p.one(op); err != nil {
			return err
		}
	}
	return nil
}

func (p *patcher) one(op patchOp) error {
	if !op.hasPath || op.path == "" {
		// No path: the value is an object of attributes (Okta; Entra ID keys it
		// by paths, as in "name.givenName" or an extension's URN).
		obj, ok := op.value.(map[string]any)
		if !ok {
			return invalidValue("An %s without a path needs an object of attributes as its value.", op.op)
		}
		for k, v := range obj {
			if err := p.onPath(op.op, k, v, true); err != nil {
				return err
			}
		}
		return nil
	}
	return p.onPath(op.op, op.path, op.value, op.hasValue)
}

func (p *patcher) onPath(opName, rawPath string, value any, hasValue bool) error {
	pp, err := parsePatchPath(rawPath)
	if err != nil {
		return err
	}
	ref, err := p.rt.resolve(pp.attr)
	if err != nil {
		if isIgnored(err) {
			return nil // firstkey does not keep it
		}
		return err
	}
	if !ref.whole && ref.attr.Name == "id" && ref.isCore(p.rt) && pp.filter == nil {
		// Okta repeats the id in a replace without a path.
		if s, _ := value.(string); opName != "remove" && strings.EqualFold(s, p.id) {
			return nil
		}
		return mutability("The attribute id is read-only.")
	}
	if !ref.whole && (ref.attr.readOnly() || ref.hasSub && ref.sub.readOnly()) {
		return mutability("The attribute %s is read-only.", ref.name())
	}
	if p.members != nil && !ref.whole && ref.attr.Name == "members" {
		return p.members.apply(opName, ref, pp, value, hasValue)
	}
	if pp.filter != nil || pp.sub != "" {
		return p.filtered(opName, ref, pp, value)
	}
	switch opName {
	case "add":
		return setAttr(p.res, p.rt, ref, value, modeAdd)
	case "replace":
		return setAttr(p.res, p.rt, ref, value, modeMerge)
	}
	// remove: a multi-valued attribute with a value removes those values (Entra
	// ID removes members this way); otherwise the attribute goes.
	if hasValue && value != nil && ref.attr.Multi && !ref.hasSub {
		return p.removeValues(ref, value)
	}
	return setAttr(p.res, p.rt, ref, nil, modeSet)
}

// filtered applies an operation whose path selects values of a multi-valued
// attribute, as in emails[type eq "work"].value.
func (p *patcher) filtered(opName string, ref attrRef, pp patchPath, value any) error {
	if !ref.attr.Multi || ref.hasSub {
		return invalidPath("A value filter applies to a multi-valued attribute; %s is not one.", ref.name())
	}
	var sub attr
	if pp.sub != "" {
		s, ok := ref.attr.sub(pp.sub)
		if !ok {
			return nil // a sub-attribute firstkey does not keep
		}
		if s.readOnly() {
			return mutability("The attribute %s.%s is read-only.", ref.attr.Name, s.Name)
		}
		sub = s
	}
	c := container(p.res, ref, p.rt, opName != "remove")
	if c == nil {
		return nil
	}
	values, _ := c[ref.attr.Name].([]any)
	var matched []int
	for i, v := range values {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		hit, err := matches(pp.filter, m, ref.attr)
		if err != nil {
			return err
		}
		if hit {
			matched = append(matched, i)
		}
	}
	if opName == "remove" {
		var kept []any
		for i, v := range values {
			if !containsInt(matched, i) {
				kept = append(kept, v)
			} else if sub.Name != "" {
				m := v.(map[string]any)
				delete(m, sub.Name)
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			delete(c, ref.attr.Name)
		} else {
			c[ref.attr.Name] = kept
		}
		return nil
	}
	var newVal any
	if sub.Name != "" {
		v, err := convert(sub, value)
		if err != nil {
			return err
		}
		newVal = v
	} else {
		one := ref.attr
		one.Multi = false
		v, err := convert(one, value)
		if err != nil {
			return err
		}
		newVal = v
	}
	if len(matched) == 0 {
		// Nothing matches: RFC 7644 makes a replace fail with noTarget. Entra ID
		// replaces emails[type eq "work"].value of a user who has no address
		// yet, and adds that way too, so a value is made from the filter's
		// equalities instead (type "work", and the sub-attribute).
		if opName == "replace" && ref.attr.Name != "emails" {
			return noTarget("No value of %s matches the path's filter.", ref.attr.Name)
		}
		elem := seedFromFilter(pp.filter, ref.attr)
		if sub.Name != "" {
			elem[sub.Name] = newVal
		} else {
			for k, v := range newVal.(map[string]any) {
				elem[k] = v
			}
		}
		c[ref.attr.Name] = onePrimary(append(values, elem))
		return nil
	}
	for _, i := range matched {
		m := values[i].(map[string]any)
		if sub.Name != "" {
			m[sub.Name] = newVal
			continue
		}
		nv := newVal.(map[string]any)
		if opName == "replace" {
			values[i] = copyMap(nv)
		} else {
			for k, v := range nv {
				m[k] = v
			}
		}
	}
	c[ref.attr.Name] = onePrimary(values)
	return nil
}

// removeValues removes the values of a multi-valued attribute whose value
// sub-attribute equals one given.
func (p *patcher) removeValues(ref attrRef, value any) error {
	gone, err := valuesOf(ref.attr, value)
	if err != nil {
		return err
	}
	c := container(p.res, ref, p.rt, false)
	if c == nil {
		return nil
	}
	var kept []any
	for _, v := range list(c, ref.attr.Name) {
		m, _ := v.(map[string]any)
		drop := false
		for _, g := range gone {
			if m != nil && sameValue(m["value"], g) {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		delete(c, ref.attr.Name)
	} else {
		c[ref.attr.Name] = kept
	}
	return nil
}

// valuesOf reads the value sub-attributes of a list of values.
func valuesOf(a attr, value any) ([]string, error) {
	conv, err := convert(a, value)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range conv.([]any) {
		m, _ := e.(map[string]any)
		s, _ := m["value"].(string)
		if s == "" {
			return nil, invalidValue("Each value of %s needs a value.", a.Name)
		}
		out = append(out, s)
	}
	return out, nil
}

// seedFromFilter starts a new value from the equalities of a filter joined by
// "and", such as type eq "work".
func seedFromFilter(n filterNode, parent attr) map[string]any {
	out := map[string]any{}
	var walk func(filterNode)
	walk = func(n filterNode) {
		switch n := n.(type) {
		case fLogical:
			if n.op == "and" {
				walk(n.left)
				walk(n.right)
			}
		case fCompare:
			sub, ok := parent.sub(n.path)
			if !ok || n.op != "eq" || sub.readOnly() {
				return
			}
			switch n.value.kind {
			case vString:
				if v, err := convert(sub, n.value.str); err == nil {
					out[sub.Name] = v
				}
			case vBool:
				out[sub.Name] = n.value.b
			}
		}
	}
	walk(n)
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func containsInt(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// memberChange collects what a group PATCH does to the members, in order: a
// later operation overrides an earlier one on the same member.
type memberChange struct {
	replace bool            // the members are exactly add (after removing all)
	add     map[string]bool // by member id
	remove  map[string]bool
	order   []string // add's ids in the order given
}

func newMemberChange() *memberChange {
	return &memberChange{add: map[string]bool{}, remove: map[string]bool{}}
}

func (m *memberChange) addIDs(ids []string) {
	for _, id := range ids {
		id = strings.ToLower(id)
		delete(m.remove, id)
		if !m.add[id] {
			m.add[id] = true
			m.order = append(m.order, id)
		}
	}
}

func (m *memberChange) removeIDs(ids []string) {
	for _, id := range ids {
		id = strings.ToLower(id)
		if m.add[id] {
			delete(m.add, id)
		}
		if !m.replace {
			m.remove[id] = true
		}
	}
}

func (m *memberChange) clear() {
	m.replace = true
	m.add, m.remove, m.order = map[string]bool{}, map[string]bool{}, nil
}

// apply takes one operation on members.
func (m *memberChange) apply(opName string, ref attrRef, pp patchPath, value any, hasValue bool) error {
	if ref.hasSub || pp.sub != "" {
		// value, $ref and type are immutable and display read-only (RFC 7643 §4.2).
		return mutability("A member's sub-attributes cannot be changed; add and remove members whole.")
	}
	if pp.filter != nil {
		if opName != "remove" {
			return invalidPath("Members are added with path \"members\"; a filter selects members to remove.")
		}
		ids, err := memberFilterValues(pp.filter)
		if err != nil {
			return err
		}
		m.removeIDs(ids)
		return nil
	}
	switch opName {
	case "add", "replace":
		ids, err := valuesOf(ref.attr, value)
		if err != nil && value != nil {
			return err
		}
		if opName == "replace" {
			m.clear()
		}
		m.addIDs(ids)
	case "remove":
		if hasValue && value != nil {
			ids, err := valuesOf(ref.attr, value)
			if err != nil {
				return err
			}
			m.removeIDs(ids)
			return nil
		}
		m.clear()
	}
	return nil
}

// memberFilterValues reads the ids a member filter names: value eq "…", joined by or.
func memberFilterValues(n filterNode) ([]string, error) {
	switch n := n.(type) {
	case fLogical:
		if n.op == "or" {
			l, err := memberFilterValues(n.left)
			if err != nil {
				return nil, err
			}
			r, err := memberFilterValues(n.right)
			return append(l, r...), err
		}
	case fCompare:
		if strings.EqualFold(n.path, "value") && n.op == "eq" && n.value.kind == vString {
			return []string{n.value.str}, nil
		}
	}
	return nil, invalidFilter("Members to remove are selected with value eq \"…\", joined by or.")
}
