// Package requestid gives every request an id that its answer, its error body
// and every log line written while handling it carry, so that an operator can
// find a person's failed request from the id on their screen. As Microsoft
// Graph does, the answer echoes the client's client-request-id; a client that
// sends a well-formed GUID there has it used as the request id too.
package requestid

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// Header names, as Microsoft Graph and Entra spell them.
const (
	Header       = "request-id"
	ClientHeader = "client-request-id"
	// LogKey is the attribute every log line of a request carries.
	LogKey = "request_id"
)

type key struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context { return context.WithValue(ctx, key{}, id) }

// From is the request id ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Choose picks the id of a request: the client's client-request-id when it is
// a GUID in its canonical 36-character form (lower-cased), else a new one.
// clientID is the client's value fit to echo (printable ASCII, at most 128
// bytes), or "" when it sent none or one unfit to echo.
func Choose(r *http.Request) (id, clientID string) {
	clientID = echoable(r.Header.Get(ClientHeader))
	if len(clientID) == 36 {
		if u, err := uuid.Parse(clientID); err == nil {
			return u.String(), clientID
		}
	}
	return uuid.NewString(), clientID
}

// echoable is s when it may be put in a header and a log line as is.
func echoable(s string) string {
	if len(s) == 0 || len(s) > 128 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return ""
		}
	}
	return s
}

// Middleware sets the request id in the context and the answer's headers.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, clientID := Choose(r)
		w.Header().Set(Header, id)
		if clientID != "" {
			w.Header().Set(ClientHeader, clientID)
		}
		next.ServeHTTP(w, r.WithContext(With(r.Context(), id)))
	})
}

// Logger is l with every record written with a request's context carrying its
// id (see LogHandler); l itself when it does already.
func Logger(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(logHandler); ok {
		return l
	}
	return slog.New(LogHandler(l.Handler()))
}

// LogHandler adds request_id to every record logged with a context that
// carries one (logger.InfoContext(ctx, …)), unless the record names it itself.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" && !names(r, LogKey) {
		r = r.Clone()
		r.AddAttrs(slog.String(LogKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as)}
}
func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }

func names(r slog.Record, k string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = strings.EqualFold(a.Key, k)
		return !found
	})
	return found
}
