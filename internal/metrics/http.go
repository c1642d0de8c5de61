package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// request is what handlers tell the metrics about the request they answer,
// through its context: the route the mux chose and the grant type of a token
// request.
type request struct {
	m         *Metrics
	route     string
	grantType string
}

type requestKey struct{}

func fromContext(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// Limits refused requests are counted under (the label of rate_limited_total).
const (
	LimitSignInAddress = "sign_in_address" // sign-in attempts per client address
	LimitHashQueue     = "hash_queue"      // every pass check slot busy and the queue full
	LimitGraphApp      = "graph_app"       // Graph API requests per application
	LimitGraphUser     = "graph_user"      // Graph API requests per signed-in person
	LimitSCIM          = "scim"            // SCIM requests per provisioning client
	LimitSCIMAddress   = "scim_address"    // SCIM requests that failed to authenticate, per address
)

// RateLimited counts a request refused by limit, one of the Limit constants.
// Outside a request (no metrics in ctx) it does nothing.
func RateLimited(ctx context.Context, limit string) {
	if r := fromContext(ctx); r != nil {
		r.m.rateLimited.WithLabelValues(limit).Inc()
	}
}

// TokenRequest notes the grant type of a token request; the middleware counts
// it with the answer's result when the request ends.
func TokenRequest(ctx context.Context, grantType string) {
	if r := fromContext(ctx); r != nil {
		r.grantType = grantLabel(grantType)
	}
}

// grantLabel keeps the label's values to the grant types firstkey knows.
func grantLabel(gt string) string {
	switch gt {
	case "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code",
		"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange":
		return gt
	case "":
		return "none"
	}
	return "other"
}

// oauthErrorLabel keeps the result label to the error codes of RFC 6749, 8628
// and 7009 and the ones firstkey answers with.
func oauthErrorLabel(code string) string {
	switch code {
	case "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
		"invalid_scope", "authorization_pending", "slow_down", "access_denied", "expired_token",
		"server_error", "temporarily_unavailable", "invalid_tenant", "interaction_required":
		return code
	case "":
		return "unknown"
	}
	return "other"
}

// Middleware times every request and counts token grants. It must wrap Route,
// which tells it the route the mux chose.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &request{m: m}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestKey{}, info)))
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := info.route
		if route == "" {
			route = "unmatched"
		}
		m.httpDuration.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(status/100)+"xx").Observe(time.Since(start).Seconds())
		if info.grantType != "" {
			result := "success"
			if status >= 400 {
				result = oauthErrorLabel(rec.oauthError())
			}
			m.tokenGrants.WithLabelValues(info.grantType, result).Inc()
		}
	})
}

// Route records the pattern the ServeMux routed the request by, which never
// holds the ids a raw path does. mux must be a *http.ServeMux (or pass the
// request on unchanged to one), which sets the request's Pattern.
func Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if info := fromContext(r.Context()); info != nil {
			info.route = routeLabel(r.Pattern)
		}
	})
}

// routeLabel is the path part of a ServeMux pattern ("POST /oauth/token" →
// "/oauth/token"); the method is a label of its own.
func routeLabel(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	return pattern
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// RouteOf is the route the mux chose for the request whose context ctx is
// (after it was routed), or "unmatched".
func RouteOf(ctx context.Context) string {
	if r := fromContext(ctx); r != nil && r.route != "" {
		return r.route
	}
	return "unmatched"
}
