package odata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber
	tDateTime
	tGUID
	tLParen
	tRParen
	tComma
	tSlash
	tColon
)

// token is one lexeme of a filter. pos is its byte offset in the filter text.
type token struct {
	kind tokenKind
	pos  int
	text string // the source text of the token
	val  Value  // for literal tokens
}

// is reports whether t is the identifier word, compared the way OData compares
// keywords: case-insensitively.
func (t token) is(word string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, word)
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "the end of the filter"
	}
	return "'" + t.text + "'"
}

// lexError is a problem at a byte offset; filter.go turns it into an *Error.
type lexError struct {
	pos int
	msg string
}

// lex splits a filter into tokens. The whole filter is bounded by maxFilterLen,
// so lexing it up front costs little and keeps the parser simple.
func lex(s string) ([]token, *lexError) {
	var toks []token
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			toks = append(toks, token{kind: tEOF, pos: i})
			return toks, nil
		}
		t, err := lexOne(s, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i += len(t.text)
	}
}

func lexOne(s string, i int) (token, *lexError) {
	switch c := s[i]; c {
	case '(':
		return token{kind: tLParen, pos: i, text: "("}, nil
	case ')':
		return token{kind: tRParen, pos: i, text: ")"}, nil
	case ',':
		return token{kind: tComma, pos: i, text: ","}, nil
	case '/':
		return token{kind: tSlash, pos: i, text: "/"}, nil
	case ':':
		return token{kind: tColon, pos: i, text: ":"}, nil
	case '\'':
		return lexString(s, i)
	case '"':
		return token{}, &lexError{pos: i, msg: "unexpected '\"'; strings go in single quotes"}
	}
	// A GUID may start with a letter, so it is tried before identifiers; neither
	// a GUID nor a date can be an identifier because identifiers have no '-'.
	if n := guidLen(s[i:]); n > 0 {
		text := s[i : i+n]
		return token{kind: tGUID, pos: i, text: text, val: Value{Kind: KindGUID, String: strings.ToLower(text)}}, nil
	}
	if n := dateTimeLen(s[i:]); n > 0 {
		return lexDateTime(s, i, n)
	}
	c := s[i]
	if isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])) {
		return lexNumber(s, i)
	}
	if isIdentStart(c) {
		j := i + 1
		for j < len(s) && isIdentPart(s[j]) {
			j++
		}
		return token{kind: tIdent, pos: i, text: s[i:j]}, nil
	}
	return token{}, &lexError{pos: i, msg: fmt.Sprintf("unexpected character %q", runeAt(s, i))}
}

// lexString reads a single-quoted literal in which a doubled quote stands for one.
func lexString(s string, start int) (token, *lexError) {
	var b strings.Builder
	i := start + 1
	for i < len(s) {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i += 2
			continue
		}
		return token{kind: tString, pos: start, text: s[start : i+1], val: Value{Kind: KindString, String: b.String()}}, nil
	}
	return token{}, &lexError{pos: start, msg: "unterminated string literal"}
}

func lexNumber(s string, start int) (token, *lexError) {
	j := start
	if s[j] == '-' {
		j++
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && (s[j] == '.' || isIdentPart(s[j])) {
		// Decimals, exponents and type suffixes (1.5, 1e3, 5L) have no place in
		// Value, and "12ab" is a typo: both are rejected here rather than lexed as
		// two tokens that fail later with a vaguer message.
		k := j
		for k < len(s) && (s[k] == '.' || s[k] == '-' || s[k] == '+' || isIdentPart(s[k])) {
			k++
		}
		return token{}, &lexError{pos: start, msg: fmt.Sprintf("unsupported number '%s': only whole numbers are allowed", s[start:k])}
	}
	text := s[start:j]
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{}, &lexError{pos: start, msg: fmt.Sprintf("number '%s' is out of range", text)}
	}
	return token{kind: tNumber, pos: start, text: text, val: Value{Kind: KindNumber, Number: n}}, nil
}

// dateTimeLayouts are tried in order. time.Parse accepts fractional seconds after
// the seconds field even though the layouts do not name them.
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05", // no offset: taken as UTC, as an admin typing a filter means
	"2006-01-02T15:04",
	"2006-01-02", // a date alone: midnight UTC
}

func lexDateTime(s string, start, n int) (token, *lexError) {
	text := s[start : start+n]
	upper := strings.ToUpper(text) // time.Parse wants 'T' and 'Z'; OData allows 't' and 'z'
	if wellFormedDateTime(upper) {
		for _, layout := range dateTimeLayouts {
			t, err := time.Parse(layout, upper)
			if err != nil {
				continue
			}
			// Years outside 1..9999 do not survive a round trip through ISO 8601
			// text or every database, so they are refused rather than mangled.
			if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
				return token{}, &lexError{pos: start, msg: fmt.Sprintf("date-time '%s' is out of range", text)}
			}
			return token{kind: tDateTime, pos: start, text: text, val: Value{Kind: KindDateTime, Time: t}}, nil
		}
	}
	return token{}, &lexError{pos: start, msg: fmt.Sprintf("invalid date-time '%s'", text)}
}

// wellFormedDateTime checks the digit counts time.Parse lets slip (it takes "T1:00"):
// yyyy-mm-dd, then optionally Thh:mm, :ss, .fraction and Z or ±hh:mm.
func wellFormedDateTime(s string) bool {
	// dateTimeLen already checked yyyy-mm-dd.
	s = s[10:]
	if s == "" {
		return true
	}
	if len(s) < 6 || s[0] != 'T' || !twoDigits(s[1:]) || s[3] != ':' || !twoDigits(s[4:]) {
		return false
	}
	s = s[6:]
	if len(s) > 0 && s[0] == ':' {
		if !twoDigits(s[1:]) {
			return false
		}
		s = s[3:]
		if len(s) > 0 && s[0] == '.' {
			i := 1
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			if i == 1 {
				return false
			}
			s = s[i:]
		}
	}
	switch {
	case s == "" || s == "Z":
		return true
	case s[0] == '+' || s[0] == '-':
		return len(s) == 6 && twoDigits(s[1:]) && s[3] == ':' && twoDigits(s[4:])
	}
	return false
}

func twoDigits(s string) bool { return len(s) >= 2 && isDigit(s[0]) && isDigit(s[1]) }

// dateTimeLen returns the length of a date-time literal at the start of s, or 0
// when s does not start with yyyy-mm-dd. The extent runs over every character a
// date-time can hold, so "2026-01-01T10:00ZZ" is one bad date-time rather than
// a date followed by a puzzling identifier; lexDateTime checks the form.
func dateTimeLen(s string) int {
	if len(s) < 10 || !allDigits(s[0:4]) || s[4] != '-' || !allDigits(s[5:7]) || s[7] != '-' || !allDigits(s[8:10]) {
		return 0
	}
	i := 10
	for i < len(s) && (isIdentPart(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '+' || s[i] == '-') {
		i++
	}
	return i
}

// guidLen returns 36 when s starts with a GUID (8-4-4-4-12 hex digits) that is
// not followed by more identifier characters, else 0.
func guidLen(s string) int {
	if len(s) < 36 {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHex(s[i]) {
				return 0
			}
		}
	}
	if len(s) > 36 && (isIdentPart(s[36]) || s[36] == '-') {
		return 0
	}
	return 36
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isHex(c byte) bool        { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isIdentStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isIdent reports whether s is one OData identifier.
func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

// isPath reports whether s is a property path: identifiers joined by '/'.
func isPath(s string) bool {
	for seg := range strings.SplitSeq(s, "/") {
		if !isIdent(seg) {
			return false
		}
	}
	return true
}

// runeAt returns the character starting at byte i, so that error messages show
// a whole character, not one byte of it.
func runeAt(s string, i int) rune {
	for _, r := range s[i:] {
		return r
	}
	return 0
}
