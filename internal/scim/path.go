package scim

import (
	"strings"
)

// attrRef is an attribute path resolved against a resource type: a schema, one
// of its attributes (none when the path is the extension's URN alone) and
// perhaps a sub-attribute.
type attrRef struct {
	schema schema
	attr   attr
	sub    attr
	hasSub bool
	whole  bool // the path is an extension's URN: the extension as a whole
}

func (a attrRef) isCore(rt resourceType) bool { return a.schema.ID == rt.Core.ID }

// name is the path in canonical form, for messages.
func (a attrRef) name() string {
	s := a.attr.Name
	if a.hasSub {
		s += "." + a.sub.Name
	}
	if a.whole {
		return a.schema.ID
	}
	if a.schema.ID != userSchema.ID && a.schema.ID != groupSchema.ID {
		return a.schema.ID + ":" + s
	}
	return s
}

// errIgnored marks a path that names something firstkey does not keep: an
// attribute its schema defines but firstkey drops, or an extension it does not
// know. Writes to it are dropped; filters on it are refused.
type errIgnored struct{ path string }

func (e errIgnored) Error() string { return "firstkey does not keep " + e.path }

// resolve resolves path (attribute names in any case, with or without the
// schema URN). Unknown attributes are invalidPath; see errIgnored.
func (rt resourceType) resolve(path string) (attrRef, error) {
	s, rest, known := rt.splitURN(path)
	if !known {
		return attrRef{}, errIgnored{path}
	}
	if rest == "" {
		if s.ID == rt.Core.ID {
			return attrRef{}, invalidPath("The path %q names the core schema, not an attribute.", truncate(path))
		}
		return attrRef{schema: s, whole: true}, nil
	}
	name, subName, hasSub := strings.Cut(rest, ".")
	if hasSub && strings.Contains(subName, ".") {
		return attrRef{}, invalidPath("The path %q goes deeper than an attribute and a sub-attribute.", truncate(path))
	}
	ref := attrRef{schema: s}
	a, ok := find(s.Attrs, name)
	switch {
	case ok:
		ref.attr = a
	case s.ID == rt.Core.ID && strings.EqualFold(name, "meta"):
		ref.attr = metaAttr
	case s.ID == rt.Core.ID && strings.EqualFold(name, "schemas"):
		ref.attr = attr{Name: "schemas", Type: "reference", Multi: true, Mutability: "readOnly"}
	case s.ignores(name):
		return attrRef{}, errIgnored{path}
	default:
		return attrRef{}, invalidPath("A %s has no attribute %q.", strings.ToLower(rt.Name), truncate(rest))
	}
	if hasSub {
		if ref.attr.Type != "complex" {
			return attrRef{}, invalidPath("The attribute %s has no sub-attributes (path %q).", ref.attr.Name, truncate(path))
		}
		sub, ok := ref.attr.sub(subName)
		if !ok {
			// RFC 7643 sub-attributes firstkey does not keep (name.middleName, emails.display).
			return attrRef{}, errIgnored{path}
		}
		ref.sub, ref.hasSub = sub, true
	}
	return ref, nil
}

// patchPath is a PATCH operation's path (RFC 7644 §3.5.2): an attribute path,
// optionally a value filter on a multi-valued attribute, and optionally a
// sub-attribute of the values it selects.
type patchPath struct {
	attr   string
	filter filterNode // nil without [ ]
	sub    string     // after "]." ; empty otherwise
}

func parsePatchPath(s string) (patchPath, error) {
	bad := func(format string, args ...any) error {
		return invalidPath("Invalid path %q: "+format, append([]any{truncate(s)}, args...)...)
	}
	if len(s) > maxQueryParam {
		return patchPath{}, invalidPath("The path is longer than %d characters.", maxQueryParam)
	}
	toks, err := lexFilter(s)
	if err != nil {
		return patchPath{}, bad("it cannot be read")
	}
	p := &filterParser{src: s, toks: toks}
	t := p.next()
	if t.kind != tkWord || !validPath(t.text) {
		return patchPath{}, bad("it must start with an attribute name")
	}
	out := patchPath{attr: t.text}
	if p.peek().kind == tkLBracket {
		p.next()
		if out.filter, err = p.or(true); err != nil {
			return patchPath{}, invalidPath("Invalid path %q: its value filter is invalid.", truncate(s))
		}
		if c := p.next(); c.kind != tkRBracket {
			return patchPath{}, bad("expected ']'")
		}
		if sub := p.peek(); sub.kind == tkWord && strings.HasPrefix(sub.text, ".") {
			p.next()
			out.sub = sub.text[1:]
			if !validPath(out.sub) || strings.ContainsAny(out.sub, ".:") {
				return patchPath{}, bad("expected a sub-attribute name after ']'")
			}
		}
	}
	if p.peek().kind != tkEOF {
		return patchPath{}, bad("unexpected %s", p.peek().describe())
	}
	return out, nil
}
