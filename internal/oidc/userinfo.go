package oidc

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// userinfoStatus makes the userinfo endpoint answer as RFC 6750 §3.1 asks. A
// token that verifies but whose grant was revoked or has ended (code or
// refresh token reuse, a deleted or expired pass, sign-out) is an invalid
// token like any other: 401 with WWW-Authenticate. zitadel answers 403 when
// our storage refuses a token, which relying parties read as "valid token,
// not allowed" and keep retrying with it; a store failure behind that 403
// becomes the 500 it is.
func userinfoStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A request without a token gets a challenge without an error code.
		uw := &userinfoWriter{ResponseWriter: w, challenge: "Bearer"}
		if r.Header.Get("Authorization") != "" {
			uw.challenge = `Bearer error="invalid_token"`
		}
		next.ServeHTTP(uw, r)
		if !uw.refused {
			return
		}
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(uw.body.Bytes(), &e)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if e.Error == "server_error" {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(uw.body.Bytes())
			return
		}
		const desc = "The access token has been revoked, or the sign-in it came from has ended."
		h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_token", "error_description": desc})
	})
}

// userinfoWriter holds back zitadel's 403 and its body for userinfoStatus,
// and adds the challenge RFC 6750 §3 requires to zitadel's own 401s.
type userinfoWriter struct {
	http.ResponseWriter
	challenge string
	refused   bool
	replaced  bool // a text/plain 401 answered in JSON instead
	body      bytes.Buffer
}

func (w *userinfoWriter) WriteHeader(status int) {
	switch status {
	case http.StatusForbidden:
		w.refused = true
		return
	case http.StatusUnauthorized:
		h := w.Header()
		h.Set("WWW-Authenticate", w.challenge)
		if !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			// zitadel's http.Error text; the body is JSON like every OAuth error.
			w.replaced = true
			h.Del("Content-Length")
			h.Set("Content-Type", "application/json")
			w.ResponseWriter.WriteHeader(status)
			e := map[string]string{"error": "invalid_request", "error_description": "the request has no access token; send one as Authorization: Bearer"}
			if w.challenge != "Bearer" {
				e = map[string]string{"error": "invalid_token", "error_description": "the access token is not valid"}
			}
			_ = json.NewEncoder(w.ResponseWriter).Encode(e)
			return
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *userinfoWriter) Write(b []byte) (int, error) {
	switch {
	case w.refused:
		return w.body.Write(b)
	case w.replaced:
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
