package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/httpstatus"
	"github.com/firstkey/firstkey/internal/requestid"
)

// logRequests writes one access-log line per request. It logs the path but never
// headers, query strings or bodies, where tokens, passes and secrets travel.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1.0/") {
			// The Graph API writes its own access log, with request and caller ids.
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &httpstatus.Writer{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		path := r.URL.Path
		if strings.HasPrefix(path, "/report/") {
			path = "/report/…" // the rest is a report link's token
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method), slog.String("path", path), slog.Int("status", max(rec.Status, http.StatusOK)),
			slog.Duration("duration", time.Since(start)), slog.String("ip", clientaddr.FromRequest(r)),
			slog.String("remote", r.RemoteAddr))
	})
}

// recoverPanics turns a handler panic into a 500 and a logged stack trace.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				log.ErrorContext(r.Context(), "handler panic", "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "internal server error\nRequest id: "+requestid.From(r.Context()), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withDeadline gives every request a deadline. Database calls run on the
// request's context, so a request that cannot get the database in time fails
// with domain.ErrUnavailable and its interface answers 503 with Retry-After,
// while the client is still there to read it.
func withDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// hstsValue keeps browsers on https for a year once they have seen it. It has
// no includeSubDomains: the issuer's host says nothing about its siblings.
const hstsValue = "max-age=31536000"

// securityHeaders sets what every response carries, whichever concern answers
// it (pages, API errors, discovery, keys, health, a 404): nosniff, so that no
// browser runs a JSON or text answer as script or style; and, when the issuer is
// https, Strict-Transport-Security, so that browsers never reach it over plain
// http again. Behind a TLS-terminating proxy the connection here is http, yet
// the browser's is https: the issuer, not the request, decides.
func securityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if https {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(w, r)
	})
}

// withRequestID gives the request its id (package requestid): in the answer's
// headers, in the context every log line is written with, in the audit
// records the request causes (their correlationId), and in the body of a JSON
// error that the OAuth endpoints and sign-in pages answer, as trace_id and
// correlation_id the way Entra's token endpoint does. The Graph API and SCIM
// put it in their own error shapes.
func withRequestID(next http.Handler) http.Handler {
	return requestid.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.From(r.Context())
		r = r.WithContext(directory.WithCorrelationID(r.Context(), id))
		if strings.HasPrefix(r.URL.Path, "/v1.0/") || strings.HasPrefix(r.URL.Path, "/scim/") || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ew := &errorIDWriter{ResponseWriter: w, id: id}
		next.ServeHTTP(ew, r)
		ew.finish()
	}))
}

// maxErrorBody bounds the JSON error bodies that are rewritten to carry the
// request id; a larger one passes unchanged.
const maxErrorBody = 64 << 10

// errorIDWriter holds back a JSON error answer until the handler is done, to
// add the request id to it. Every other answer passes straight through.
type errorIDWriter struct {
	http.ResponseWriter
	id      string
	status  int
	holding bool
	buf     []byte
}

func (w *errorIDWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		if w.status == 0 {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	w.status = code
	if code >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		w.holding = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *errorIDWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.holding {
		return w.ResponseWriter.Write(b)
	}
	if len(w.buf)+len(b) > maxErrorBody {
		w.release(w.buf)
		return w.ResponseWriter.Write(b)
	}
	w.buf = append(w.buf, b...)
	return len(b), nil
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *errorIDWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes a held error answer with the request id added.
func (w *errorIDWriter) finish() {
	if !w.holding {
		return
	}
	var body map[string]json.RawMessage
	if json.Unmarshal(w.buf, &body) != nil || body == nil {
		w.release(w.buf)
		return
	}
	id, _ := json.Marshal(w.id)
	for _, k := range []string{"trace_id", "correlation_id"} {
		if _, ok := body[k]; !ok {
			body[k] = id
		}
	}
	out, err := json.Marshal(body)
	if err != nil {
		w.release(w.buf)
		return
	}
	w.release(append(out, '\n'))
}

func (w *errorIDWriter) release(b []byte) {
	w.holding = false
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	if len(b) > 0 {
		_, _ = w.ResponseWriter.Write(b)
	}
}
