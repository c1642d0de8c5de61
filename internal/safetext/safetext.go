package safetext

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Storable reports whether every backend can store s as text: valid UTF-8
// without NUL. A lookup key that is not storable cannot name anything stored.
func Storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Check returns why s is not acceptable as a text value, or nil: it must be
// valid UTF-8 without control characters. With multiline, tabs and line breaks
// are allowed (a description); otherwise none are (a name, an id).
func Check(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8 text")
	}
	for _, r := range s {
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			return fmt.Errorf("contains the control character U+%04X, which is not allowed", r)
		}
	}
	return nil
}

// Line reports whether s is acceptable as a single-line value (see Check).
func Line(s string) bool { return Check(s, false) == nil }

// Clean makes s safe to log and store whatever it held: invalid UTF-8 becomes
// U+FFFD, tabs and line breaks become spaces, other control characters are
// dropped, and the result is cut to at most max bytes at a character boundary
// (no limit when max <= 0).
func Clean(s string, max int) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 && (max <= 0 || len(s) <= max) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	if max > 0 && max < len(s) {
		b.Grow(max)
	} else {
		b.Grow(len(s))
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			r = ' '
		} else if unicode.IsControl(r) {
			continue
		}
		if max > 0 && b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
