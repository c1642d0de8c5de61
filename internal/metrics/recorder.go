package metrics

import (
	"encoding/json"
	"net/http"
)

// errorPeek is how much of an error answer is kept to read its OAuth error code.
const errorPeek = 1024

// recorder remembers the status a handler answered and the start of an error
// answer's body, from which the token endpoint's error code is read. Bodies of
// successful answers (which carry tokens) are never kept.
type recorder struct {
	http.ResponseWriter
	status int
	peek   []byte
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && len(w.peek) < errorPeek {
		w.peek = append(w.peek, b[:min(len(b), errorPeek-len(w.peek))]...)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// oauthError is the "error" member of a JSON error answer, or "".
func (w *recorder) oauthError() string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(w.peek, &e) != nil {
		return ""
	}
	return e.Error
}
