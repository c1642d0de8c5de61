package graphapi

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/httpstatus"
	"github.com/firstkey/firstkey/internal/ratelimit"
	"github.com/firstkey/firstkey/internal/requestid"
	"github.com/firstkey/firstkey/internal/safetext"
)

// Identity is who an access token names: an application (client credentials) or
// a signed-in person (delegated).
type Identity struct {
	ClientID string
	UserID   string
	IsApp    bool
}

// Config holds what the API needs.
type Config struct {
	Directory *directory.Service
	// Verify checks a bearer token; a bad token is a domain.Error of KindUnauthenticated.
	Verify func(ctx context.Context, rawToken string) (Identity, error)
	// BaseURL is the public base URL without a trailing slash, e.g. https://id.example.com;
	// @odata.context and @odata.nextLink are absolute on it.
	BaseURL string
	Logger  *slog.Logger
	// AppRate and UserRate throttle each application and each signed-in
	// person; the zero value means DefaultAppRate and DefaultUserRate.
	AppRate, UserRate domain.Rate
}

// Default throttles, in the spirit of Graph's: far above what an
// administrator's script or console needs, low enough that one caller cannot
// take a replica for itself. Each replica counts on its own.
var (
	DefaultAppRate  = domain.Rate{Attempts: 2000, Per: 10 * time.Second}
	DefaultUserRate = domain.Rate{Attempts: 500, Per: 10 * time.Second}
)

// Handler serves the Graph-style API.
type Handler struct {
	mux      http.Handler // the routes, for the requests of a $batch
	dir      *directory.Service
	verify   func(ctx context.Context, rawToken string) (Identity, error)
	base     string
	log      *slog.Logger
	appRate  *ratelimit.Limiter
	userRate *ratelimit.Limiter
}

// New builds a Handler.
func New(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = discardLogger
	}
	if !cfg.AppRate.Valid() {
		cfg.AppRate = DefaultAppRate
	}
	if !cfg.UserRate.Valid() {
		cfg.UserRate = DefaultUserRate
	}
	return &Handler{dir: cfg.Directory, verify: cfg.Verify, base: strings.TrimRight(cfg.BaseURL, "/"), log: log,
		appRate:  ratelimit.New(cfg.AppRate, cfg.Directory.Clock()),
		userRate: ratelimit.New(cfg.UserRate, cfg.Directory.Clock())}
}

// call is one authenticated request.
type call struct {
	actor domain.Actor
	id    Identity
}

// apiFunc handles one method on one route; a returned error is rendered in the
// Graph error envelope.
type apiFunc func(w http.ResponseWriter, r *http.Request, c *call) error

type methods map[string]apiFunc

// Mount registers the API's routes under /v1.0. Each path is registered once and
// dispatches on the method itself, so that a wrong method gets Graph's 405
// envelope rather than ServeMux's plain-text one.
func (h *Handler) Mount(mux *http.ServeMux) {
	h.mux = mux
	const (
		users    = "/v1.0/users/{id}"
		me       = "/v1.0/me"
		policy   = "/v1.0/policies/authenticationMethodsPolicy"
		configs  = policy + "/authenticationMethodConfigurations"
		groups   = "/v1.0/groups/{id}"
		tapUser  = users + "/authentication/temporaryAccessPassMethods"
		tapMe    = me + "/authentication/temporaryAccessPassMethods"
		keysUser = users + "/authentication/fido2Methods"
		keysMe   = me + "/authentication/fido2Methods"
		auditLog = "/v1.0/auditLogs"
		apps     = "/v1.0/applications/{id}"
	)
	app := methods{"GET": h.getApplication, "PATCH": h.updateApplication, "DELETE": h.deleteApplication}
	addPassword := methods{"POST": h.addPassword}
	routes := map[string]methods{
		"/v1.0/users":        {"GET": h.listUsers, "POST": h.createUser},
		"/v1.0/users/$count": {"GET": h.countUsers},
		users:                {"GET": h.getUser, "PATCH": h.updateUser, "DELETE": h.deleteUser},
		me:                   {"GET": h.getMe},

		users + "/authentication/methods":            {"GET": forUser(h.listMethods)},
		users + "/authentication/methods/{methodId}": {"GET": forUser(h.getMethod)},
		users + "/manager":                           {"GET": h.getManager},
		users + "/manager/$ref":                      {"GET": h.getManagerRef, "PUT": h.setManagerRef, "DELETE": h.deleteManagerRef},
		users + "/memberOf":                          {"GET": h.memberOf},
		me + "/authentication/methods":               {"GET": forMe(h.listMethods)},
		tapUser:                                      {"GET": forUser(h.listPasses), "POST": forUser(h.createPass)},
		tapUser + "/{passId}":                        {"GET": forUser(h.getPass), "DELETE": forUser(h.deletePass)},
		tapMe:                                        {"GET": forMe(h.listPasses), "POST": forMe(h.createPass)},
		tapMe + "/{passId}":                          {"GET": forMe(h.getPass), "DELETE": forMe(h.deletePass)},
		users + "/deliveries":                        {"GET": forUser(h.listDeliveries)},
		keysUser:                                     {"GET": forUser(h.listPasskeys)},
		keysUser + "/{passkeyId}":                    {"GET": forUser(h.getPasskey), "DELETE": forUser(h.deletePasskey)},
		keysMe:                                       {"GET": forMe(h.listPasskeys)},
		keysMe + "/{passkeyId}":                      {"GET": forMe(h.getPasskey), "DELETE": forMe(h.deletePasskey)},

		"/v1.0/groups":                     {"GET": h.listGroups, "POST": h.createGroup},
		"/v1.0/groups/$count":              {"GET": h.countGroups},
		groups:                             {"GET": h.getGroup, "PATCH": h.updateGroup, "DELETE": h.deleteGroup},
		groups + "/members":                {"GET": h.listMembers},
		groups + "/members/$ref":           {"POST": h.addMember},
		groups + "/members/{userId}/$ref":  {"DELETE": h.removeMember},
		policy:                             {"GET": h.getMethodsPolicy},
		configs:                            {"GET": h.listMethodConfigs},
		configs + "/{configId}":            {"GET": h.getMethodConfig, "PATCH": h.updateMethodConfig},
		auditLog + "/directoryAudits":      {"GET": h.listAudits},
		auditLog + "/directoryAudits/{id}": {"GET": h.getAudit},
		auditLog + "/signIns":              {"GET": h.listSignIns},
		auditLog + "/signIns/{id}":         {"GET": h.getSignIn},
		"/v1.0/applications":               {"GET": h.listApplications, "POST": h.createApplication},
		"/v1.0/applications/$count":        {"GET": h.countApplications},
		apps:                               app,
		apps + "/addPassword":              addPassword,
		apps + "/removePassword":           {"POST": h.removePassword},
		"/v1.0/$batch":                     {"POST": h.batch},
	}
	maps.Copy(routes, h.reportRoutes())
	for path, m := range routes {
		mux.Handle(path, h.serve(m))
	}
	mux.Handle("/v1.0/", h.alternateKey(app, addPassword, h.serve(nil)))
}

// serve wraps a route: request ids, method dispatch, authentication, error
// rendering, panic recovery and the access log. A nil table is the catch-all 404.
func (h *Handler) serve(table methods) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &httpstatus.Writer{ResponseWriter: rw}
		rid := requestid.From(r.Context()) // the server's, when it set one
		if rid == "" {
			rid = uuid.NewString()
		}
		crid := clientRequestID(r.Header.Get("client-request-id"))
		if crid == "" {
			crid = rid
		}
		w.Header().Set("request-id", rid)
		w.Header().Set("client-request-id", crid)
		r = r.WithContext(directory.WithCorrelationID(r.Context(), rid))

		var c *call
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.ErrorContext(r.Context(), "graph API handler panicked", "request_id", rid,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if w.Status == 0 {
					h.writeError(w, r, fmt.Errorf("panic: %v", p))
				}
			}
			h.access(r, w.Status, start, rid, c)
		}()

		err := checkPath(r)
		var fn apiFunc
		if err == nil {
			fn, err = dispatch(table, r)
		}
		if err == nil {
			c, err = h.authenticate(r)
		}
		if err == nil {
			err = h.throttle(r.Context(), c)
		}
		if err == nil {
			err = fn(w, r, c)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	})
}

// checkPath refuses a URL whose path, once decoded, is not text: every id and
// userPrincipalName is, so such a segment names nothing, and must not reach the
// store (PostgreSQL refuses NUL and invalid UTF-8) or the log.
func checkPath(r *http.Request) error {
	if safetext.Line(r.URL.Path) {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: "Request_BadRequest",
		message: "The request URL is not valid: a path segment is not UTF-8 text or holds a control character."}
}

// dispatch picks the handler for the request's method.
func dispatch(table methods, r *http.Request) (apiFunc, error) {
	if table == nil {
		return nil, notFoundError("Resource not found for the segment '%s'.", truncate(lastSegment(r.URL.Path)))
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
	return nil, &apiError{status: http.StatusMethodNotAllowed, code: "Request_BadRequest",
		message: fmt.Sprintf("The HTTP method '%s' is not allowed on this resource; allowed: %s.", truncate(r.Method), strings.Join(allow, ", ")),
		header:  http.Header{"Allow": {strings.Join(allow, ", ")}}}
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// clientRequestID accepts the client's correlation id only when it is short and
// printable, since it is echoed in headers and written to the log.
func clientRequestID(s string) string {
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

// access logs one request. It names the route and the caller, never the
// Authorization header, the body or the query (which may hold personal data).
func (h *Handler) access(r *http.Request, status int, start time.Time, rid string, c *call) {
	if status == 0 {
		status = http.StatusOK
	}
	attrs := []any{"method", r.Method, "path", r.URL.EscapedPath(), "status", status,
		"duration_ms", time.Since(start).Milliseconds(), "request_id", rid, "ip", clientaddr.FromRequest(r)}
	if c != nil {
		if c.id.IsApp {
			attrs = append(attrs, "app_id", c.id.ClientID)
		} else {
			attrs = append(attrs, "user_id", c.id.UserID)
		}
	}
	h.log.InfoContext(r.Context(), "graph API request", attrs...)
}

// forUser adapts a handler of some user's resources to /users/{id}/….
func forUser(fn func(w http.ResponseWriter, r *http.Request, c *call, user string) error) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		return fn(w, r, c, r.PathValue("id"))
	}
}

// forMe adapts it to /me/…, which only a signed-in person may call.
func forMe(fn func(w http.ResponseWriter, r *http.Request, c *call, user string) error) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		if err := requireDelegated(c); err != nil {
			return err
		}
		return fn(w, r, c, c.actor.UserID)
	}
}
