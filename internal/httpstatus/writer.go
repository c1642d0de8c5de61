// Package httpstatus remembers the status an HTTP handler answered with, for
// the access logs of the server and of each API.
package httpstatus

import "net/http"

// Writer is a ResponseWriter that remembers the first status written: the one
// the client saw. Status is 0 until the handler writes anything.
type Writer struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records code unless a status was written already.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 when the handler writes a body without a status.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
