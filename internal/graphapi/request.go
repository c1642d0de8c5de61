package graphapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBodyBytes caps a request body, before and after decompression, so that a
// small gzip bomb cannot make the server inflate gigabytes.
const maxBodyBytes = 1 << 20

// body is a request's JSON object, keyed by lower-cased property name: Graph
// matches property names case-insensitively, and unknown ones are ignored.
type body map[string]json.RawMessage

// readBody reads and parses the JSON object of a request. With allowEmpty, an
// empty body reads as {} (for requests whose every property is optional).
func readBody(w http.ResponseWriter, r *http.Request, allowEmpty bool) (body, error) {
	var rd io.Reader = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, bodyReadError(err)
		}
		defer zr.Close()
		rd = io.LimitReader(zr, maxBodyBytes+1)
	default:
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupportedMediaType",
			message: fmt.Sprintf("Content-Encoding '%s' is not supported; send the body uncompressed or gzip-compressed.", truncate(enc))}
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, bodyReadError(err)
	}
	if len(data) > maxBodyBytes {
		return nil, tooLarge()
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if allowEmpty {
			return body{}, nil
		}
		return nil, badRequest("The request body is empty; a JSON object is required.")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, badRequest("The request body is not valid JSON: %s (at byte %d).", syn.Error(), syn.Offset)
		case errors.As(err, &typ):
			return nil, badRequest("The request body must be a JSON object, not %s.", typ.Value)
		}
		return nil, badRequest("The request body is not valid JSON: %s.", err.Error())
	}
	if m == nil {
		return nil, badRequest("The request body must be a JSON object, not null.")
	}
	b := make(body, len(m))
	for k, v := range m {
		b[strings.ToLower(k)] = v
	}
	return b, nil
}

func tooLarge() error {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: "requestEntityTooLarge",
		message: fmt.Sprintf("The request body is larger than %d bytes.", maxBodyBytes)}
}

func bodyReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	// gzip.NewReader answers io.EOF for an empty body; io.ReadAll never does.
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return badRequest("The request body is not valid gzip data although Content-Encoding says gzip.")
	}
	return fmt.Errorf("read request body: %w", err)
}

// raw returns the property's JSON, and whether it is present and not null.
func (b body) raw(name string) (json.RawMessage, bool) {
	v, ok := b[strings.ToLower(name)]
	if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return nil, false
	}
	return v, true
}

// isNull reports whether the property is present with the value null.
func (b body) isNull(name string) bool {
	v, ok := b[strings.ToLower(name)]
	return ok && bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// require returns a 400 naming the first property that is missing or null.
func (b body) require(names ...string) error {
	for _, n := range names {
		if _, ok := b.raw(n); !ok {
			return badRequest("Required property '%s' is missing from the request body.", n)
		}
	}
	return nil
}

// prop decodes an optional property; ok is false when it is absent or null. A
// value of the wrong JSON type is a 400 that names the property.
func prop[T any](b body, name string) (v T, ok bool, err error) {
	raw, ok := b.raw(name)
	if !ok {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, badRequest("Invalid value for property '%s': expected %s.", name, describe(v))
	}
	return v, true, nil
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int:
		return "a whole number"
	case bool:
		return "true or false"
	case []string:
		return "an array of strings"
	}
	return "a different JSON type"
}

// timeProp decodes an optional ISO 8601 date-time property.
func timeProp(b body, name string) (time.Time, bool, error) {
	s, ok, err := prop[string](b, name)
	if err != nil || !ok {
		return time.Time{}, false, badTime(err, name)
	}
	t, perr := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if perr != nil {
		return time.Time{}, false, badTime(perr, name)
	}
	return t.UTC(), true, nil
}

func badTime(err error, name string) error {
	if err == nil {
		return nil
	}
	return badRequest("Invalid value for property '%s': expected an ISO 8601 date-time such as 2026-01-31T09:00:00Z.", name)
}

// truncate keeps an echoed value short.
func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r) + "…"
}
