package server

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/httpstatus"
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
				http.Error(w, "internal server error", http.StatusInternalServerError)
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
