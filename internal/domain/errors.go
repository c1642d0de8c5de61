package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind classifies a rule violation so that each interface (Graph API, web pages,
// CLI exit codes) can render it its own way.
type Kind int

const (
	KindInvalid         Kind = iota + 1 // the request is malformed or breaks a rule (400)
	KindUnauthenticated                 // no or bad credentials (401)
	KindForbidden                       // the caller may not do this (403)
	KindNotFound                        // the target does not exist (404)
	KindConflict                        // the target exists already or changed underneath (409)
	KindRateLimited                     // too many attempts (429)
	KindUnsupported                     // a query option or filter we do not support (400)
	KindUnavailable                     // the database could not answer in time; try again shortly (503)
)

// RetryUnavailable is how long a caller refused with KindUnavailable is asked to
// wait (Retry-After) before trying again: long enough for a lock or a burst to
// pass, short enough that people barely notice.
const RetryUnavailable = 5 * time.Second

// ErrUnavailable is the message every interface shows when the database could
// not answer within the request's deadline.
var ErrUnavailable = &Error{Kind: KindUnavailable, Message: "The service is busy and could not answer in time. Try again in a few seconds."}

// Unavailable reports whether err means that the request ran out of time waiting
// for the database (or for anything else), so that it should be answered 503
// with Retry-After rather than as a fault.
func Unavailable(err error) bool {
	return KindOf(err) == KindUnavailable || errors.Is(err, context.DeadlineExceeded)
}

// Error is a rule violation whose Message is safe to show to the caller: it never
// contains a secret. Code optionally overrides the interface's default code for the
// kind (for example a Graph error code).
type Error struct {
	Kind    Kind
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a request that breaks a rule.
func Invalid(format string, args ...any) *Error { return Errorf(KindInvalid, format, args...) }

// Forbidden reports a caller that may not act.
func Forbidden(format string, args ...any) *Error { return Errorf(KindForbidden, format, args...) }

// NotFound reports a missing target.
func NotFound(format string, args ...any) *Error { return Errorf(KindNotFound, format, args...) }

// KindOf returns the Kind of the first *Error in err's chain, or 0 when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}
