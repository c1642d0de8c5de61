package safetext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckJSON returns why a JSON document cannot be taken in, or nil: it must be
// UTF-8 (RFC 8259 §8.1; Go's decoder would quietly turn bad bytes into U+FFFD),
// and no string in it, name or value, may hold a NUL (written \u0000), which no
// backend stores. Other control characters are for each field's own rules. The
// syntax is left to the caller's decoder, which reports it better.
func CheckJSON(data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("the body is not valid UTF-8")
	}
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	// The escape may be a false alarm (an escaped backslash followed by "u0000"):
	// decode the strings to be sure, and to name the property.
	var stack []level
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or a syntax error the caller's decoder reports
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].wantKey
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, level{object: t == '{', wantKey: t == '{'})
				continue
			}
			stack = stack[:top]
			top--
		case string:
			if strings.IndexByte(t, 0) >= 0 {
				if isKey {
					return errors.New("a property name contains a NUL character (\\u0000)")
				}
				if p := path(stack); p != "" {
					return fmt.Errorf("property '%s' contains a NUL character (\\u0000)", p)
				}
				return errors.New("the body contains a NUL character (\\u0000)")
			}
			if isKey {
				stack[top].key, stack[top].wantKey = t, false
				continue
			}
		}
		// A value ended: the object around it expects its next name.
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
}

// level is an object or array the decoder is inside.
type level struct {
	object  bool
	wantKey bool
	key     string // the property whose value is being read
}

// path names a property the way errors about bodies do: keyRestrictions.aaGuids.
func path(stack []level) string {
	var parts []string
	for _, l := range stack {
		if l.object && l.key != "" {
			parts = append(parts, Clean(l.key, 64))
		}
	}
	return strings.Join(parts, ".")
}
