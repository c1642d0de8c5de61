package oidc

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync/atomic"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/firstkey/firstkey/internal/domain"
)

// A request that cannot get the database in time is answered 503
// temporarily_unavailable with Retry-After (RFC 6749 §5.2 leaves the status to
// HTTP). zitadel renders our errors itself, and rewraps some of them on the way
// (a failed client authentication becomes invalid_client unless it is a
// server_error), so the store's verdict travels beside the error: storeFault
// notes it on the request, and answerUnavailable, around each endpoint, turns
// whatever error zitadel wrote into the 503.

type unavailableKey struct{}

// storeFault is the OAuth error for a failed store or directory call, with the
// cause in the parent for the log only: server_error, or, when the database did
// not answer in time, temporarily_unavailable (which is also what an
// authorization error redirect tells the application), noted on the request.
func storeFault(ctx context.Context, err error) *zoidc.Error {
	if !domain.Unavailable(err) {
		return zoidc.ErrServerError().WithParent(err)
	}
	if n, ok := ctx.Value(unavailableKey{}).(*atomic.Bool); ok {
		n.Store(true)
	}
	return errTemporarilyUnavailable().WithParent(err)
}

func errTemporarilyUnavailable() *zoidc.Error {
	return &zoidc.Error{ErrorType: "temporarily_unavailable", Description: domain.ErrUnavailable.Message}
}

// unavailableOr passes err on, unless the database did not answer in time:
// then it is storeFault's, so that zitadel does not call it a server error or
// the client's fault.
func unavailableOr(ctx context.Context, err error) error {
	if err != nil && domain.Unavailable(err) {
		return storeFault(ctx, err)
	}
	return err
}

// answerUnavailable turns an endpoint's error answer into 503
// temporarily_unavailable when the request could not get the database in time:
// noted by storeFault, or a server error after the request's deadline passed.
// Error answers are small; they are held back until the handler is done.
func answerUnavailable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noted := new(atomic.Bool)
		r = r.WithContext(context.WithValue(r.Context(), unavailableKey{}, noted))
		hw := &heldErrorWriter{ResponseWriter: w}
		next.ServeHTTP(hw, r)
		if !hw.held {
			return
		}
		if noted.Load() || (hw.status >= 500 && domain.Unavailable(r.Context().Err())) {
			h := w.Header()
			h.Del("Content-Length")
			h.Del("WWW-Authenticate")
			writeUnavailable(w)
			return
		}
		w.WriteHeader(hw.status)
		_, _ = w.Write(hw.body.Bytes())
	})
}

// writeUnavailable answers 503 temporarily_unavailable with Retry-After.
func writeUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(domain.RetryUnavailable.Seconds())))
	writeOAuthError(w, http.StatusServiceUnavailable, errTemporarilyUnavailable())
}

// heldErrorWriter passes a success through and holds back an error answer.
type heldErrorWriter struct {
	http.ResponseWriter
	status int
	held   bool
	body   bytes.Buffer
}

func (w *heldErrorWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	if status >= 400 {
		w.held = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *heldErrorWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.held {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *heldErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
