package oidc

import (
	"context"
	"net/http"
	"strings"
)

// Origins decides which browser pages may call the endpoints a single-page
// application uses: the origins of registered spa redirect URIs
// (directory.Service.SPAOriginAllowed).
type Origins interface {
	SPAOriginAllowed(ctx context.Context, origin string) (bool, error)
}

// corsMaxAge is how long a browser may keep a preflight's answer.
const corsMaxAge = "600"

// cors answers cross-origin requests from the pages of registered single-page
// applications, preflights (OPTIONS) included, for an endpoint serving the
// given methods. A page of any other origin gets no CORS header at all, so the
// browser keeps the answer from it. No credentials are allowed: a
// single-page application authenticates with its tokens, never with cookies.
func (p *Provider) cors(methods string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		allowed := false
		if origin != "" && p.origins != nil {
			ok, err := p.origins.SPAOriginAllowed(r.Context(), origin)
			if err != nil {
				p.log.ErrorContext(r.Context(), "CORS: look up origin", "error", err)
			}
			allowed = ok
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Allow", methods+", OPTIONS")
		if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", allowedHeaders(r.Header.Get("Access-Control-Request-Headers")))
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// allowedHeaders answers a preflight's Access-Control-Request-Headers. Any
// header a registered application's page asks for may come (MSAL.js adds its
// own x-client-* headers): no credentials go with these requests, so a header
// grants nothing. Names that are not header tokens are dropped.
func allowedHeaders(requested string) string {
	var out []string
	for _, h := range strings.Split(requested, ",") {
		h = strings.TrimSpace(h)
		if h != "" && len(h) <= 64 && strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == "" {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return "Authorization, Content-Type"
	}
	return strings.Join(out, ", ")
}

// withoutOrigin hides a request's Origin from zitadel, whose router answers
// CORS for every origin on every endpoint; cors decides instead.
func withoutOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			r = r.Clone(r.Context())
			r.Header.Del("Origin")
		}
		next.ServeHTTP(w, r)
	})
}
