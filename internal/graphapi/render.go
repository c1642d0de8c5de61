package graphapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
)

// field is one property of a JSON object.
type field struct {
	K string
	V any
}

// obj is a JSON object that keeps its properties in the order they were added, so
// that responses read like Graph's (@odata.type and id first).
type obj []field

// MarshalJSON writes the properties in order, for an obj inside a value of
// another type; responses are encoded by appendJSON directly.
func (o obj) MarshalJSON() ([]byte, error) { return o.appendJSON(nil) }

// prepend returns o with f in front.
func (o obj) prepend(fs ...field) obj { return append(append(obj{}, fs...), o...) }

// graphTime formats a date-time the way Graph does: ISO 8601 in UTC with Z.
func graphTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func graphTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return graphTime(*t)
}

// nullable renders an empty optional string as null, as Graph does for unset properties.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeJSON writes v with the given status. Every API response is private to the
// caller and some carry a pass once, so none may be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, release, err := encodeResponse(v)
	defer release()
	if err != nil {
		// Only our own values are marshalled; failing here is a programming error.
		http.Error(w, `{"error":{"code":"generalException","message":"The response could not be encoded."}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// apiError is an error the API renders as it is: status, Graph code and a message
// that is safe to show.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header // extra response headers, e.g. Allow
}

func (e *apiError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "badRequest", message: sprintf(format, args...)}
}

func notFoundError(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, code: "Request_ResourceNotFound", message: sprintf(format, args...)}
}

func unsupportedQuery(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "Request_UnsupportedQuery", message: sprintf(format, args...)}
}

// retryAfterSeconds is what a 429 tells the client to wait; the domain's rate-limit
// errors carry no duration of their own.
const retryAfterSeconds = 60

// classify turns any error into what the client sees. ok is false for internal
// errors, whose details must stay in the log.
func classify(err error) (e *apiError, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var oe *odata.Error
	if errors.As(err, &oe) {
		return &apiError{status: http.StatusBadRequest, code: "Request_BadRequest", message: oe.Message}, true
	}
	var de *domain.Error
	if errors.As(err, &de) {
		e := &apiError{message: de.Message}
		switch de.Kind {
		case domain.KindInvalid:
			e.status, e.code = http.StatusBadRequest, "badRequest"
		case domain.KindUnauthenticated:
			e.status, e.code = http.StatusUnauthorized, "InvalidAuthenticationToken"
			e.header = http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}
		case domain.KindForbidden:
			e.status, e.code = http.StatusForbidden, "Authorization_RequestDenied"
		case domain.KindNotFound:
			e.status, e.code = http.StatusNotFound, "Request_ResourceNotFound"
		case domain.KindConflict:
			e.status, e.code = http.StatusConflict, "conflict"
		case domain.KindRateLimited:
			e.status, e.code = http.StatusTooManyRequests, "tooManyRequests"
			e.header = http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds)}}
		case domain.KindUnsupported:
			e.status, e.code = http.StatusBadRequest, "Request_UnsupportedQuery"
		case domain.KindUnavailable:
			return unavailable(), true
		default:
			return nil, false
		}
		if de.Code != "" {
			e.code = de.Code
		}
		return e, true
	}
	return nil, false
}

// unavailable is Graph's answer when it cannot serve in time: 503
// serviceNotAvailable with Retry-After.
func unavailable() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, code: "serviceNotAvailable", message: domain.ErrUnavailable.Message,
		header: http.Header{"Retry-After": {strconv.Itoa(int(domain.RetryUnavailable.Seconds()))}}}
}

// writeError renders err in Graph's error envelope. Internal errors get a generic
// message; their details go to the log with the request id, never to the client.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := classify(err)
	if domain.Unavailable(err) {
		// The cause (a lock, a full pool) is for the operator.
		h.log.WarnContext(r.Context(), "graph API request ran out of time", "request_id", w.Header().Get("request-id"),
			"method", r.Method, "path", r.URL.EscapedPath(), "err", err.Error())
		e, ok = unavailable(), true
	}
	if !ok {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			h.log.InfoContext(r.Context(), "request abandoned by client", "request_id", w.Header().Get("request-id"))
		} else {
			h.log.ErrorContext(r.Context(), "graph API request failed", "request_id", w.Header().Get("request-id"),
				"method", r.Method, "path", r.URL.EscapedPath(), "err", err.Error())
		}
		e = &apiError{status: http.StatusInternalServerError, code: "generalException",
			message: "An internal server error occurred; quote the request-id when reporting it."}
	}
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, e.status, h.envelope(w, e.code, e.message))
}

func (h *Handler) envelope(w http.ResponseWriter, code, message string) any {
	return obj{{"error", obj{
		{"code", code},
		{"message", message},
		{"innerError", obj{
			{"date", h.dir.Clock().Now().UTC().Format("2006-01-02T15:04:05Z")},
			{"request-id", w.Header().Get("request-id")},
			{"client-request-id", w.Header().Get("client-request-id")},
		}},
	}}}
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// discardLogger is used when no logger is configured.
var discardLogger = slog.New(slog.DiscardHandler)
