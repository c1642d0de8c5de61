package scim

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A parsed SCIM filter (RFC 7644 §3.4.2.2). Attribute paths are kept as the
// client wrote them and resolved against a resource type where they are used.
type filterNode interface{ isFilter() }

// fCompare is `path op value`, or `path pr` (op "pr", no value).
type fCompare struct {
	path  string
	op    string // eq ne co sw ew gt ge lt le pr, lower-case
	value fValue
}

type fLogical struct {
	op          string // and, or
	left, right filterNode
}

type fNot struct{ inner filterNode }

// fValuePath is `path[inner]`: some value of the multi-valued attribute at path
// matches inner, whose paths name sub-attributes.
type fValuePath struct {
	path  string
	inner filterNode
}

func (fCompare) isFilter()   {}
func (fLogical) isFilter()   {}
func (fNot) isFilter()       {}
func (fValuePath) isFilter() {}

type valueKind int

const (
	vString valueKind = iota + 1
	vNumber
	vBool
	vNull
)

type fValue struct {
	kind valueKind
	str  string // vString
	num  json.Number
	b    bool
}

func (v fValue) String() string {
	switch v.kind {
	case vString:
		return fmt.Sprintf("%q", v.str)
	case vNumber:
		return v.num.String()
	case vBool:
		return fmt.Sprint(v.b)
	}
	return "null"
}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true}

// maxFilterDepth bounds nesting, so that recursion stays shallow whatever a
// client sends (the text itself is bounded by maxQueryParam).
const maxFilterDepth = 32

// parseFilter parses a filter; errors are invalidFilter and quote the filter.
func parseFilter(s string) (filterNode, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidFilter("The filter is empty.")
	}
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return nil, invalidFilter("The filter is not valid text.")
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{src: s, toks: toks}
	n, err := p.or(false)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.errorf(t, "unexpected %s", t.describe())
	}
	return n, nil
}

type tokKind int

const (
	tkEOF tokKind = iota
	tkWord
	tkString
	tkNumber
	tkLParen
	tkRParen
	tkLBracket
	tkRBracket
)

type token struct {
	kind tokKind
	text string // the word or number as written; a string's decoded value
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tkEOF:
		return "end of filter"
	case tkString:
		return fmt.Sprintf("string %q", truncate(t.text))
	}
	return fmt.Sprintf("'%s'", truncate(t.text))
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == ':' || c == '.' || c == '$'
}

func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			kind := map[byte]tokKind{'(': tkLParen, ')': tkRParen, '[': tkLBracket, ']': tkRBracket}[c]
			toks = append(toks, token{kind: kind, text: string(c), pos: i})
			i++
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return nil, invalidFilter("Invalid filter: a string starting at position %d has no closing quote in '%s'.", i, truncate(s))
			}
			var str string
			if err := json.Unmarshal([]byte(s[i:j+1]), &str); err != nil {
				return nil, invalidFilter("Invalid filter: the string at position %d has a bad escape in '%s'.", i, truncate(s))
			}
			toks = append(toks, token{kind: tkString, text: str, pos: i})
			i = j + 1
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' || s[j] == '+' || s[j] == '-') {
				j++
			}
			num := s[i:j]
			var n json.Number
			if err := json.Unmarshal([]byte(num), &n); err != nil {
				return nil, invalidFilter("Invalid filter: %q at position %d is not a number in '%s'.", truncate(num), i, truncate(s))
			}
			toks = append(toks, token{kind: tkNumber, text: num, pos: i})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tkWord, text: s[i:j], pos: i})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, invalidFilter("Invalid filter: unexpected character %q at position %d in '%s'.", r, i, truncate(s))
		}
	}
	return append(toks, token{kind: tkEOF, pos: len(s)}), nil
}

type filterParser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *filterParser) errorf(t token, format string, args ...any) error {
	return invalidFilter("Invalid filter: %s at position %d in '%s'.", fmt.Sprintf(format, args...), t.pos, truncate(p.src))
}

func (p *filterParser) isKeyword(t token, kw string) bool {
	return t.kind == tkWord && strings.EqualFold(t.text, kw)
}

// or parses `and ("or" and)*`; inBracket says whether this is a valFilter.
func (p *filterParser) or(inBracket bool) (filterNode, error) {
	left, err := p.and(inBracket)
	if err != nil {
		return nil, err
	}
	for p.isKeyword(p.peek(), "or") {
		p.next()
		right, err := p.and(inBracket)
		if err != nil {
			return nil, err
		}
		left = fLogical{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) and(inBracket bool) (filterNode, error) {
	left, err := p.unary(inBracket)
	if err != nil {
		return nil, err
	}
	for p.isKeyword(p.peek(), "and") {
		p.next()
		right, err := p.unary(inBracket)
		if err != nil {
			return nil, err
		}
		left = fLogical{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) unary(inBracket bool) (filterNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFilterDepth {
		return nil, p.errorf(p.peek(), "nesting deeper than %d", maxFilterDepth)
	}
	t := p.peek()
	if p.isKeyword(t, "not") && p.toks[p.i+1].kind == tkLParen {
		p.next()
		inner, err := p.group(inBracket)
		if err != nil {
			return nil, err
		}
		return fNot{inner: inner}, nil
	}
	if t.kind == tkLParen {
		return p.group(inBracket)
	}
	return p.attrExp(inBracket)
}

func (p *filterParser) group(inBracket bool) (filterNode, error) {
	open := p.next()
	inner, err := p.or(inBracket)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tkRParen {
		return nil, p.errorf(t, "expected ')' to close the '(' at position %d, found %s", open.pos, t.describe())
	}
	return inner, nil
}

func (p *filterParser) attrExp(inBracket bool) (filterNode, error) {
	t := p.next()
	if t.kind != tkWord || !validPath(t.text) {
		return nil, p.errorf(t, "expected an attribute name, found %s", t.describe())
	}
	path := t.text
	if p.peek().kind == tkLBracket {
		if inBracket {
			return nil, p.errorf(p.peek(), "value filters do not nest")
		}
		open := p.next()
		inner, err := p.or(true)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tkRBracket {
			return nil, p.errorf(c, "expected ']' to close the '[' at position %d, found %s", open.pos, c.describe())
		}
		// emails[type eq "work"].value eq "x", as Entra ID writes a match on one value's sub-attribute.
		if sub := p.peek(); sub.kind == tkWord && strings.HasPrefix(sub.text, ".") {
			p.next()
			if !validPath(sub.text[1:]) || strings.Contains(sub.text[1:], ".") {
				return nil, p.errorf(sub, "expected a sub-attribute name after ']'")
			}
			cmp, err := p.comparison(sub.text[1:], sub)
			if err != nil {
				return nil, err
			}
			inner = fLogical{op: "and", left: inner, right: cmp}
		}
		return fValuePath{path: path, inner: inner}, nil
	}
	return p.comparison(path, t)
}

func (p *filterParser) comparison(path string, at token) (filterNode, error) {
	opTok := p.next()
	if opTok.kind != tkWord {
		return nil, p.errorf(opTok, "expected an operator after %s, found %s", at.describe(), opTok.describe())
	}
	op := strings.ToLower(opTok.text)
	if op == "pr" {
		return fCompare{path: path, op: op}, nil
	}
	if !compareOps[op] {
		return nil, p.errorf(opTok, "unknown operator '%s' (use eq, ne, co, sw, ew, gt, ge, lt, le or pr)", truncate(opTok.text))
	}
	vt := p.next()
	var v fValue
	switch {
	case vt.kind == tkString:
		v = fValue{kind: vString, str: vt.text}
	case vt.kind == tkNumber:
		v = fValue{kind: vNumber, num: json.Number(vt.text)}
	case p.isKeyword(vt, "true") || p.isKeyword(vt, "false"):
		v = fValue{kind: vBool, b: strings.EqualFold(vt.text, "true")}
	case p.isKeyword(vt, "null"):
		v = fValue{kind: vNull}
	default:
		return nil, p.errorf(vt, "expected a value after '%s', found %s (strings are in double quotes)", op, vt.describe())
	}
	return fCompare{path: path, op: op, value: v}, nil
}

// validPath checks the shape of [URI ":"] ATTRNAME *1subAttr loosely: a
// keyword or a stray dot is no attribute.
func validPath(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ":") {
		return false
	}
	switch strings.ToLower(s) {
	case "and", "or", "not", "pr", "true", "false", "null":
		return false
	}
	return !compareOps[strings.ToLower(s)]
}
