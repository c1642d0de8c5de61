package oidc

import (
	"net/http"
	"net/url"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/firstkey/firstkey/internal/safetext"
)

// badParams returns an invalid_request naming the first parameter, in the URL,
// the form body or HTTP Basic, that is not text: invalid UTF-8, a NUL or another
// control character. No client id, code, token, state or scope is such text, and
// it must not reach the store (PostgreSQL refuses it) or the log. r.Form must be
// parsed.
func badParams(r *http.Request) *zoidc.Error {
	for name, vs := range r.Form {
		if !safetext.Line(name) {
			return zoidc.ErrInvalidRequest().WithDescription("a parameter name is not valid UTF-8 text or holds a control character")
		}
		for _, v := range vs {
			if !safetext.Line(v) {
				return zoidc.ErrInvalidRequest().WithDescription("parameter %s is not valid UTF-8 text or holds a control character", truncate(name, 40))
			}
		}
	}
	if id, sec, ok := r.BasicAuth(); ok {
		for _, v := range []string{id, sec} {
			// RFC 6749 §2.3.1: each is form-encoded before Basic encodes the pair.
			dec, err := url.QueryUnescape(v)
			if !safetext.Line(v) || (err == nil && !safetext.Line(dec)) {
				return zoidc.ErrInvalidRequest().WithDescription("the client credentials in the Authorization header are not valid UTF-8 text or hold a control character")
			}
		}
	}
	return nil
}

// textParams guards the endpoints zitadel reads parameters of itself
// (authorize, userinfo, logout): their parameters, from the URL or a POSTed
// form, must be text (see badParams), and a POSTed form is bounded.
func textParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, zoidc.ErrInvalidRequest().WithDescription("the request's parameters could not be read"))
			return
		}
		if e := badParams(r); e != nil {
			writeOAuthError(w, http.StatusBadRequest, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}
