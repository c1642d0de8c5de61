package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// scimError is an error rendered as it is, in RFC 7644 §3.12's shape. detail is
// safe to show: it quotes only what the client sent.
type scimError struct {
	status   int
	scimType string // invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue, invalidVers, sensitive
	detail   string
	header   http.Header
}

func (e *scimError) Error() string { return e.detail }

func errorf(status int, scimType, format string, args ...any) *scimError {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	return &scimError{status: status, scimType: scimType, detail: format}
}

func invalidValue(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "invalidValue", format, args...)
}

func invalidSyntax(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "invalidSyntax", format, args...)
}

func invalidFilter(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "invalidFilter", format, args...)
}

func invalidPath(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "invalidPath", format, args...)
}

func noTarget(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "noTarget", format, args...)
}

func mutability(format string, args ...any) *scimError {
	return errorf(http.StatusBadRequest, "mutability", format, args...)
}

func notFound(kind, id string) *scimError {
	return errorf(http.StatusNotFound, "", "%s %s not found.", kind, truncate(id))
}

// preconditionFailed is RFC 7644 §3.14's answer to a stale If-Match.
func preconditionFailed() *scimError {
	return errorf(http.StatusPreconditionFailed, "", "The resource changed since the version named in If-Match; read it again and retry.")
}

// retryAfterSeconds is what a 429 from the directory (which names no wait) asks for.
const retryAfterSeconds = 60

// classify turns any error into what the client sees; ok is false for internal
// errors, whose details stay in the log.
func classify(err error) (e *scimError, ok bool) {
	var se *scimError
	if errors.As(err, &se) {
		return se, true
	}
	if errors.Is(err, directory.ErrUPNTaken) {
		return errorf(http.StatusConflict, "uniqueness", "A user with this userName already exists."), true
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return nil, false
	}
	switch de.Kind {
	case domain.KindInvalid:
		return errorf(http.StatusBadRequest, "invalidValue", "%s", de.Message), true
	case domain.KindUnauthenticated:
		return &scimError{status: http.StatusUnauthorized, detail: de.Message,
			header: http.Header{"Www-Authenticate": {`Bearer realm="firstkey SCIM", error="invalid_token"`}}}, true
	case domain.KindForbidden:
		return errorf(http.StatusForbidden, "", "%s", de.Message), true
	case domain.KindNotFound:
		return errorf(http.StatusNotFound, "", "%s", de.Message), true
	case domain.KindConflict:
		return errorf(http.StatusConflict, "uniqueness", "%s", de.Message), true
	case domain.KindRateLimited:
		return &scimError{status: http.StatusTooManyRequests, detail: de.Message,
			header: http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds)}}}, true
	case domain.KindUnsupported:
		return errorf(http.StatusBadRequest, "invalidFilter", "%s", de.Message), true
	}
	return nil, false
}

// writeError renders err. Internal errors get a generic detail; theirs go to
// the log with the request id.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := classify(err)
	if !ok {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			h.log.InfoContext(r.Context(), "SCIM request abandoned by client", "request_id", w.Header().Get("request-id"))
		} else {
			h.log.ErrorContext(r.Context(), "SCIM request failed", "request_id", w.Header().Get("request-id"),
				"method", r.Method, "path", r.URL.EscapedPath(), "err", err.Error())
		}
		e = errorf(http.StatusInternalServerError, "", "An internal error occurred; quote the request-id header when reporting it.")
	}
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := map[string]any{"schemas": []string{msgError}, "status": strconv.Itoa(e.status), "detail": e.detail}
	if e.scimType != "" {
		body["scimType"] = e.scimType
	}
	writeJSON(w, e.status, body)
}

// truncate keeps an echoed value short.
func truncate(s string) string {
	const n = 64
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
