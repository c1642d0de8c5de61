package odata

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits that keep a hostile filter from costing much: the text is bounded, so
// the tree is too, and nesting is bounded so recursion stays shallow.
const (
	maxFilterLen   = 2048 // bytes
	maxFilterDepth = 32   // nested parentheses, not and any()
)

// Error is a query option the client got wrong. Message is safe to show to the
// client (it quotes only what the client sent) and reads like Graph's, for example
// "Invalid filter clause: expected a value after 'eq' at position 14 in 'displayName eq'.".
// The API renders it as a 400.
type Error struct {
	Option  string // the query option, with its '$': "$filter", "$top", …
	Pos     int    // character offset in the option's value where parsing failed; -1 when no one place is at fault
	Message string
}

func (e *Error) Error() string { return e.Message }

// ParseFilter parses a Microsoft Graph $filter expression.
func ParseFilter(s string) (Expr, error) {
	if len(s) > maxFilterLen {
		return nil, &Error{Option: "$filter", Pos: -1, Message: fmt.Sprintf("Invalid filter clause: the filter is longer than %d characters.", maxFilterLen)}
	}
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		// Databases reject such text with an internal error; say so here instead.
		return nil, &Error{Option: "$filter", Pos: -1, Message: "Invalid filter clause: the filter is not valid UTF-8 text."}
	}
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Option: "$filter", Pos: -1, Message: "Invalid filter clause: the filter is empty."}
	}
	toks, lerr := lex(s)
	if lerr != nil {
		return nil, filterError(s, lerr.pos, lerr.msg)
	}
	p := &parser{src: s, toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf(t, "unexpected %s; expected 'and', 'or' or the end of the filter", t.describe())
	}
	return e, nil
}

func filterError(src string, pos int, msg string) *Error {
	cpos := utf8.RuneCountInString(src[:pos])
	return &Error{
		Option:  "$filter",
		Pos:     cpos,
		Message: fmt.Sprintf("Invalid filter clause: %s at position %d in '%s'.", msg, cpos, src),
	}
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	vars  []string // range variables of the enclosing any() lambdas, innermost last
}

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt looks n tokens ahead; past the end it returns the EOF token.
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(at token, format string, args ...any) *Error {
	return filterError(p.src, at.pos, fmt.Sprintf(format, args...))
}

func (p *parser) expect(kind tokenKind, what string) (token, error) {
	t := p.peek()
	if t.kind != kind {
		return t, p.errorf(t, "expected %s but found %s", what, t.describe())
	}
	return p.next(), nil
}

// enter counts one level of nesting; every recursive rule calls it.
func (p *parser) enter(at token) error {
	p.depth++
	if p.depth > maxFilterDepth {
		return p.errorf(at, "the filter nests deeper than %d levels", maxFilterDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseOr: and-expr ('or' and-expr)*. Chains are built in a loop, left to right,
// so a long chain costs no recursion.
func (p *parser) parseOr() (Expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().is("or") {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = Logical{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd() (Expr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peek().is("and") {
		p.next()
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = Logical{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

// parseUnary: 'not' unary | primary. OData binds not tighter than eq, but the AST
// cannot negate a bare property, so `not a eq 1` means not(a eq 1), as people mean it.
func (p *parser) parseUnary() (Expr, error) {
	t := p.peek()
	if !t.is("not") {
		return p.parsePrimary()
	}
	p.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	inner, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return Not{Inner: inner}, nil
}

// reserved words cannot start an operand; naming them in the error beats reading
// them as a property called "or".
var reserved = map[string]bool{
	"and": true, "or": true, "in": true, "has": true,
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
}

var compareOps = map[string]CompareOp{"eq": Eq, "ne": Ne, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le}

var filterFuncs = map[string]bool{"startswith": true, "endswith": true, "contains": true}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch {
	case t.kind == tLParen:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		defer p.leave()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	case isLiteral(t):
		if op := p.peekAt(1); op.kind == tIdent && compareOps[strings.ToLower(op.text)] != "" {
			if f := p.peekAt(2); f.kind == tIdent && !isLiteral(f) {
				return nil, p.errorf(t, "the property must come before the operator: write '%s %s %s'", f.text, op.text, t.text)
			}
			return nil, p.errorf(t, "the property must come before the operator")
		}
		return nil, p.errorf(t, "expected a property but found %s", t.describe())
	case t.kind == tIdent && reserved[strings.ToLower(t.text)]:
		return nil, p.errorf(t, "expected an expression but found %s", t.describe())
	case t.kind == tIdent && p.peekAt(1).kind == tLParen:
		return p.parseFunc()
	case t.kind == tIdent:
		return p.parseComparison()
	default:
		return nil, p.errorf(t, "expected an expression but found %s", t.describe())
	}
}

func isLiteral(t token) bool {
	switch t.kind {
	case tString, tNumber, tDateTime, tGUID:
		return true
	}
	return t.is("true") || t.is("false") || t.is("null")
}

// parseFunc: startswith(path, 'text'), endswith and contains alike.
func (p *parser) parseFunc() (Expr, error) {
	nameTok := p.next()
	name := strings.ToLower(nameTok.text)
	if !filterFuncs[name] {
		return nil, p.errorf(nameTok, "unsupported function '%s'; use startswith, endswith or contains", nameTok.text)
	}
	p.next() // '('
	fieldTok := p.peek()
	if fieldTok.kind != tIdent || reserved[strings.ToLower(fieldTok.text)] || isLiteral(fieldTok) {
		return nil, p.errorf(fieldTok, "expected a property as the first argument of %s but found %s", name, fieldTok.describe())
	}
	field, lambda, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if lambda != nil {
		return nil, p.errorf(fieldTok, "expected a property as the first argument of %s", name)
	}
	if _, err := p.expect(tComma, "','"); err != nil {
		return nil, err
	}
	v := p.peek()
	if v.kind != tString {
		return nil, p.errorf(v, "expected a string in single quotes as the second argument of %s but found %s", name, v.describe())
	}
	p.next()
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	return Func{Name: name, Field: field, Value: v.val}, nil
}

// parseComparison: path op literal | path 'in' (literal, …) | path/any(v: expr).
func (p *parser) parseComparison() (Expr, error) {
	field, lambda, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if lambda != nil {
		return lambda, nil
	}
	opTok := p.peek()
	if opTok.is("in") {
		p.next()
		return p.parseIn(field)
	}
	op, ok := compareOps[strings.ToLower(opTok.text)]
	if !ok || opTok.kind != tIdent {
		if opTok.is("has") || opTok.is("add") || opTok.is("sub") || opTok.is("mul") || opTok.is("div") || opTok.is("mod") {
			return nil, p.errorf(opTok, "unsupported operator '%s'", opTok.text)
		}
		return nil, p.errorf(opTok, "expected a comparison operator (eq, ne, gt, ge, lt, le, in) after '%s' but found %s", field, opTok.describe())
	}
	p.next()
	v, err := p.parseLiteral(opTok)
	if err != nil {
		return nil, err
	}
	if v.Kind == KindNull && op != Eq && op != Ne {
		return nil, p.errorf(opTok, "null can only be compared with eq or ne")
	}
	return Compare{Field: field, Op: op, Value: v}, nil
}

func (p *parser) parseLiteral(after token) (Value, error) {
	t := p.peek()
	switch {
	case t.kind == tString || t.kind == tNumber || t.kind == tDateTime || t.kind == tGUID:
		p.next()
		return t.val, nil
	case t.is("true"), t.is("false"):
		p.next()
		return Value{Kind: KindBool, Bool: t.is("true")}, nil
	case t.is("null"):
		p.next()
		return Value{Kind: KindNull}, nil
	case t.kind == tIdent:
		return Value{}, p.errorf(t, "expected a value after '%s' but found the property %s; strings go in single quotes", after.text, t.describe())
	default:
		return Value{}, p.errorf(t, "expected a value after '%s' but found %s", after.text, t.describe())
	}
}

// parseIn turns `f in (a, b)` into `f eq a or f eq b`, which every backend
// already understands.
func (p *parser) parseIn(field string) (Expr, error) {
	open, err := p.expect(tLParen, "'(' after 'in'")
	if err != nil {
		return nil, err
	}
	var e Expr
	for {
		v, err := p.parseLiteral(open)
		if err != nil {
			return nil, err
		}
		c := Compare{Field: field, Op: Eq, Value: v}
		if e == nil {
			e = c
		} else {
			e = Logical{Op: "or", Left: e, Right: c}
		}
		t := p.next()
		if t.kind == tRParen {
			return e, nil
		}
		if t.kind != tComma {
			return nil, p.errorf(t, "expected ',' or ')' in the 'in' list but found %s", t.describe())
		}
		open = t
	}
}

// parsePath reads identifiers joined by '/'. Inside a lambda the path must start
// with the range variable, which is removed. When the path ends in /any(…) it
// returns the lambda as an Any and an empty field.
func (p *parser) parsePath() (string, Expr, error) {
	first := p.next() // callers checked it is an identifier
	segs := []string{first.text}
	if n := len(p.vars); n > 0 {
		if first.text != p.vars[n-1] {
			return "", nil, p.errorf(first, "inside any() a property must start with the range variable '%s/'", p.vars[n-1])
		}
		segs = segs[:0]
	}
	for p.peek().kind == tSlash {
		p.next()
		seg := p.peek()
		if seg.kind != tIdent || reserved[strings.ToLower(seg.text)] {
			return "", nil, p.errorf(seg, "expected a property name after '/' but found %s", seg.describe())
		}
		p.next()
		if p.peek().kind == tLParen && (seg.is("any") || seg.is("all")) {
			if seg.is("all") {
				return "", nil, p.errorf(seg, "the 'all' operator is not supported; use not(…/any(…))")
			}
			if len(segs) == 0 {
				return "", nil, p.errorf(seg, "expected a collection property before '/any'")
			}
			e, err := p.parseLambda(seg, strings.Join(segs, "/"))
			return "", e, err
		}
		segs = append(segs, seg.text)
	}
	return strings.Join(segs, "/"), nil, nil
}

// parseLambda reads `(v: expr)` after `collection/any`.
func (p *parser) parseLambda(anyTok token, collection string) (Expr, error) {
	p.next() // '('
	if err := p.enter(anyTok); err != nil {
		return nil, err
	}
	defer p.leave()
	v := p.peek()
	if v.kind == tRParen {
		return nil, p.errorf(v, "any() needs a condition, as in '%s/any(x:x/id eq ...)'", collection)
	}
	if v.kind != tIdent || reserved[strings.ToLower(v.text)] || isLiteral(v) {
		return nil, p.errorf(v, "expected a range variable after 'any(' but found %s", v.describe())
	}
	p.next()
	if _, err := p.expect(tColon, "':' after the range variable"); err != nil {
		return nil, err
	}
	p.vars = append(p.vars, v.text)
	inner, err := p.parseOr()
	p.vars = p.vars[:len(p.vars)-1]
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "')' to close any("); err != nil {
		return nil, err
	}
	return Any{Collection: collection, Inner: inner}, nil
}
