package graphapi

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Responses are encoded in one pass into one buffer. encoding/json would call
// obj.MarshalJSON for every object and then validate and compact the bytes it
// returned, again at every level of nesting: a list of 50 users spent 41 % of
// its CPU there. appendJSON writes what json.Marshal would write, byte for
// byte (HTML-safe string escapes included), and hands the rare value of
// another type to json.Marshal.

// appendJSON appends the JSON encoding of v to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case obj:
		return v.appendJSON(b)
	case []obj:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = o.appendJSON(b); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case string:
		return appendString(b, v), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

// appendJSON appends the object with its properties in order.
func (o obj) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.K)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, f.V); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as json.Marshal escapes it:
// quotes, backslashes and control characters; <, > and & as \u003c, \u003e
// and \u0026 (HTML-safe); invalid UTF-8 as \ufffd; U+2028 and U+2029, which
// end a line in JavaScript, as \u2028 and \u2029.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// responseBuffers recycles response bodies: a page of users is tens of
// kilobytes, allocated and collected on every list otherwise.
var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledBuffer keeps an occasional huge response from pinning its memory.
const maxPooledBuffer = 1 << 20

// encodeResponse encodes v into a pooled buffer; release returns it.
func encodeResponse(v any) (body []byte, release func(), err error) {
	bp := responseBuffers.Get().(*[]byte)
	body, err = appendJSON((*bp)[:0], v)
	return body, func() {
		if cap(body) <= maxPooledBuffer {
			*bp = body[:0]
			responseBuffers.Put(bp)
		}
	}, err
}
