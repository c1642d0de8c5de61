package scim

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/httpstatus"
	"github.com/firstkey/firstkey/internal/requestid"
)

// Identity is who an access token names: an application (client credentials)
// or a signed-in person. It has the Graph API's shape, so that the server can
// hand both the same verification.
type Identity struct {
	ClientID string
	UserID   string
	IsApp    bool
}

// Config holds what the SCIM endpoint needs.
type Config struct {
	Directory *directory.Service
	// Verify checks an access token; a bad one is a domain.Error of
	// KindUnauthenticated. Provisioning tokens are checked by the directory.
	Verify func(ctx context.Context, rawToken string) (Identity, error)
	// BaseURL is the public base URL without a trailing slash; locations and
	// $refs are absolute on it.
	BaseURL string
	Logger  *slog.Logger
	// Rate is each client's allowance; zero means DefaultRate.
	Rate Rate
}

// Handler serves /scim/v2.
type Handler struct {
	dir     *directory.Service
	verify  func(ctx context.Context, rawToken string) (Identity, error)
	base    string // BaseURL + /scim/v2
	log     *slog.Logger
	limiter *limiter
}

// New builds a Handler.
func New(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rate := cfg.Rate
	if rate.Requests <= 0 || rate.Per <= 0 {
		rate = DefaultRate
	}
	return &Handler{dir: cfg.Directory, verify: cfg.Verify, base: strings.TrimRight(cfg.BaseURL, "/") + prefix,
		log: log, limiter: newLimiter(rate, cfg.Directory.Clock())}
}

const prefix = "/scim/v2"

// call is one authenticated request.
type call struct {
	actor domain.Actor
}

type scimFunc func(w http.ResponseWriter, r *http.Request, c *call) error

type methods map[string]scimFunc

// Mount registers the endpoint's routes. Each path dispatches on the method
// itself, so that a wrong method gets a SCIM error rather than ServeMux's text.
func (h *Handler) Mount(mux *http.ServeMux) {
	routes := map[string]methods{
		"/Users":         {"GET": h.listUsers, "POST": h.createUser},
		"/Users/.search": {"POST": h.searchUsers},
		"/Users/{id}":    {"GET": h.getUser, "PUT": h.replaceUser, "PATCH": h.patchUser, "DELETE": h.deleteUser},

		"/Groups":         {"GET": h.listGroups, "POST": h.createGroup},
		"/Groups/.search": {"POST": h.searchGroups},
		"/Groups/{id}":    {"GET": h.getGroup, "PUT": h.replaceGroup, "PATCH": h.patchGroup, "DELETE": h.deleteGroup},
	}
	for path, m := range routes {
		mux.Handle(prefix+path, h.serve(m, true))
	}
	// Discovery describes the endpoint, not anyone's data, so it needs no token:
	// clients and validators read it before they are configured.
	discovery := map[string]methods{
		"/ServiceProviderConfig": {"GET": h.serviceProviderConfig},
		"/ResourceTypes":         {"GET": h.listResourceTypes},
		"/ResourceTypes/{name}":  {"GET": h.getResourceType},
		"/Schemas":               {"GET": h.listSchemas},
		"/Schemas/{id}":          {"GET": h.getSchema},
	}
	for path, m := range discovery {
		mux.Handle(prefix+path, h.serve(m, false))
	}
	mux.Handle(prefix+"/", h.serve(nil, false))
}

// serve wraps a route: request id, method dispatch, authentication, the rate
// limit, error rendering, panic recovery and the access log. A nil table is the
// catch-all 404.
func (h *Handler) serve(table methods, authenticated bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &httpstatus.Writer{ResponseWriter: rw}
		rid := requestid.From(r.Context()) // the server's, when it set one
		if rid == "" {
			rid = uuid.NewString()
		}
		w.Header().Set("request-id", rid)
		r = r.WithContext(directory.WithCorrelationID(r.Context(), rid))

		var c *call
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.ErrorContext(r.Context(), "SCIM handler panicked", "request_id", rid,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if w.Status == 0 {
					h.writeError(w, r, fmt.Errorf("panic: %v", p))
				}
			}
			h.access(r, w.Status, start, rid, c)
		}()

		fn, err := dispatch(table, r)
		if err == nil && authenticated {
			c, err = h.authenticate(r)
		}
		if err == nil {
			if c == nil {
				c = &call{}
			}
			err = fn(w, r, c)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	})
}

func dispatch(table methods, r *http.Request) (scimFunc, error) {
	if table == nil {
		return nil, errorf(http.StatusNotFound, "", "No SCIM endpoint at %s.", truncate(r.URL.Path))
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if fn, ok := table[method]; ok {
		return fn, nil
	}
	allow := make([]string, 0, len(table))
	for m := range table {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	e := errorf(http.StatusMethodNotAllowed, "", "The method %s is not allowed here; allowed: %s.", truncate(r.Method), strings.Join(allow, ", "))
	e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	return nil, e
}

// access logs one request: the route and the caller, never the Authorization
// header, the body or the query (a filter holds names).
func (h *Handler) access(r *http.Request, status int, start time.Time, rid string, c *call) {
	if status == 0 {
		status = http.StatusOK
	}
	attrs := []any{"method", r.Method, "path", r.URL.EscapedPath(), "status", status,
		"duration_ms", time.Since(start).Milliseconds(), "request_id", rid}
	if c != nil {
		switch c.actor.Type {
		case domain.ActorApp:
			attrs = append(attrs, "app_id", c.actor.AppID)
		case domain.ActorUser:
			attrs = append(attrs, "user_id", c.actor.UserID)
		}
	}
	h.log.InfoContext(r.Context(), "SCIM request", attrs...)
}
