package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
)

// oauthURLParams are the parameters a back-channel endpoint reads. In the URL
// they would reach proxies' and servers' logs, so a request carrying one there
// is refused; any other query (MSAL's client-request-id) is the client's own.
var oauthURLParams = []string{
	"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "device_code",
	"client_id", "client_secret", "client_assertion", "client_assertion_type",
	"token", "token_type_hint", "username", "password", "assertion",
	"subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type",
	"audience", "resource",
}

// oauthParamInURL names the first OAuth parameter in q, or "".
func oauthParamInURL(q url.Values) string {
	for _, name := range oauthURLParams {
		if q.Has(name) {
			return name
		}
	}
	return ""
}

// clientCredentials reads a client's id and secret from HTTP Basic, form-decoded
// as RFC 6749 §2.3.1 says, or from the body (client_secret_post). Both at once
// is refused (RFC 6749 §2.3); so is a Basic pair that is not form-encoding.
func clientCredentials(r *http.Request) (id, secret string, basic bool, e *zoidc.Error) {
	id, secret, basic = r.BasicAuth()
	if !basic {
		return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), false, nil
	}
	if r.PostForm.Get("client_secret") != "" {
		return "", "", true, zoidc.ErrInvalidRequest().WithDescription("the client authenticated with both HTTP Basic and client_secret in the body; use one")
	}
	var err1, err2 error
	id, err1 = url.QueryUnescape(id)
	secret, err2 = url.QueryUnescape(secret)
	if err1 != nil || err2 != nil {
		return "", "", true, zoidc.ErrInvalidClient().WithDescription("the client id and secret in the Authorization header must be form-encoded (RFC 6749 §2.3.1)")
	}
	return id, secret, true, nil
}

// introspectionGuard authenticates the client of an introspection request, with
// HTTP Basic or client_secret_post, before zitadel: zitadel reads only Basic there
// and answers a failure in text/plain. A secret from the body goes on as Basic.
// Introspection always needs a confidential client (RFC 7662 §2.1).
func (s *storage) introspectionGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, sec, basic, e := clientCredentials(r)
		if e != nil {
			writeOAuthError(w, statusOf(e), e)
			return
		}
		if id == "" || sec == "" {
			writeOAuthError(w, http.StatusUnauthorized, zoidc.ErrInvalidClient().
				WithDescription("introspection needs client authentication: HTTP Basic, or client_id and client_secret in the body"))
			return
		}
		_, err := s.authenticate(r.Context(), id, sec)
		var oerr *zoidc.Error
		if errors.As(err, &oerr) && oerr.ErrorType == zoidc.ServerError {
			s.log.ErrorContext(r.Context(), "introspection: client authentication", "client_id", id, "error", err)
			writeOAuthError(w, http.StatusInternalServerError, zoidc.ErrServerError())
			return
		}
		if err != nil {
			writeOAuthError(w, http.StatusUnauthorized, zoidc.ErrInvalidClient().WithDescription("client authentication failed"))
			return
		}
		if !basic {
			r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
		}
		next.ServeHTTP(w, r)
	})
}

// statusOf is the status RFC 6749 §5.2 gives an error: 401 for invalid_client,
// 500 for our own fault, 400 for the rest.
func statusOf(e *zoidc.Error) int {
	switch e.ErrorType {
	case zoidc.InvalidClient:
		return http.StatusUnauthorized
	case zoidc.ServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// jsonErrors makes every error of a back-channel endpoint JSON in the shape of
// RFC 6749 §5.2: zitadel answers some failures (a missing credential at
// introspection among them) with http.Error's text/plain, whose text is its
// internal error chain. Such an answer is replaced, its status kept.
func jsonErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
	})
}

type jsonErrorWriter struct {
	http.ResponseWriter
	replaced bool
}

func (w *jsonErrorWriter) WriteHeader(status int) {
	ct := w.Header().Get("Content-Type")
	if status < 400 || strings.HasPrefix(ct, "application/json") {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
	var e *zoidc.Error
	switch {
	case status == http.StatusUnauthorized:
		e = zoidc.ErrInvalidClient().WithDescription("client authentication failed")
	case status >= 500:
		e = zoidc.ErrServerError()
	default:
		e = zoidc.ErrInvalidRequest().WithDescription("the request could not be processed")
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	w.ResponseWriter.WriteHeader(status)
	_ = json.NewEncoder(w.ResponseWriter).Encode(e)
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the text/plain body is dropped
	}
	return w.ResponseWriter.Write(b)
}

// methodNotAllowed answers a method an OAuth endpoint does not serve, in JSON.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeOAuthError(w, http.StatusMethodNotAllowed, zoidc.ErrInvalidRequest().
			WithDescription("this endpoint answers %s, not %s", allow, truncate(r.Method, 20)))
	})
}
