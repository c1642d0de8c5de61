package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStorableAndCheck(t *testing.T) {
	for _, c := range []struct {
		s                  string
		storable, line, ml bool
	}{
		{"Ada Lovelace", true, true, true},
		{"日本語 ✓ émoji 🙂", true, true, true},
		{"", true, true, true},
		{"a\x00b", false, false, false},
		{"\xc0\xae", false, false, false},
		{"\xff", false, false, false},
		{"\xed\xa0\x80", false, false, false}, // a UTF-16 surrogate
		{"\xe2\x82", false, false, false},     // cut short
		{"x\x1by", true, false, false},
		{"x\u0085y", true, false, false}, // C1 control
		{"x\x7fy", true, false, false},
		{"two\nlines\tand tab\r\n", true, false, true},
	} {
		if got := Storable(c.s); got != c.storable {
			t.Errorf("Storable(%q) = %v", c.s, got)
		}
		if got := Line(c.s); got != c.line {
			t.Errorf("Line(%q) = %v", c.s, got)
		}
		if got := Check(c.s, true) == nil; got != c.ml {
			t.Errorf("Check(%q, multiline) ok = %v", c.s, got)
		}
	}
	if err := Check("a\x01", false); err == nil || !strings.Contains(err.Error(), "U+0001") {
		t.Errorf("Check names the control character: %v", err)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Mozilla/5.0 (X11; Linux)", 512, "Mozilla/5.0 (X11; Linux)"},
		{"a\x00b\x01c\x7fd\u0085e", 0, "abcde"},
		{"a\xffb", 0, "a\uFFFDb"},
		{"(X11;\tLinux)\r\n", 0, "(X11; Linux)  "},
		{"ab\xc0\xaecd", 0, "ab\uFFFDcd"},
		{"ééé", 5, "éé"}, // never cut inside a character
		{"abcdef", 3, "abc"},
	} {
		got := Clean(c.in, c.max)
		if got != c.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
		if !utf8.ValidString(got) || !Line(got) {
			t.Errorf("Clean(%q) = %q is not clean", c.in, got)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	for _, c := range []struct {
		body string
		want string // "" for accepted, else a fragment of the error
	}{
		{`{"displayName":"Ada"}`, ""},
		{`{"displayName":"C:\\u0000"}`, ""}, // a backslash, then the letters u0000
		{`{"displayName":"a\u0000b"}`, "property 'displayName'"},
		{`{"keyRestrictions":{"aaGuids":["x","\u0000"]}}`, "property 'keyRestrictions.aaGuids'"},
		{`{"a":1,"b":[{"c":true},{"id":"\u0000"}]}`, "property 'b.id'"},
		{`{"a\u0000":"x"}`, "property name"},
		{`"\u0000"`, "the body contains"},
		{"{\"displayName\":\"a\xffb\"}", "not valid UTF-8"},
		{`{"broken":"\u0000`, ""}, // a syntax error is the caller's to report
	} {
		err := CheckJSON([]byte(c.body))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckJSON(%s) = %v, want nil", c.body, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckJSON(%s) = %v, want an error with %q", c.body, err, c.want)
		}
	}
}
