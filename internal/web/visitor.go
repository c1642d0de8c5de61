package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/firstkey/firstkey/internal/domain"
)

// This file is what other page packages (the admin console) use of the sign-in
// session: who is signed in, how, and the session's CSRF token. They share the
// sign-in pages' session instead of keeping one of their own.

// Visitor is the person signed in to a browser session.
type Visitor struct {
	User    domain.User
	Session domain.Session
	// CSRF is the token every form of this session must carry in CSRFField.
	CSRF string
	// token is the session's secret cookie value, never shown in a page.
	token string
}

// Key derives a secret for purpose from the session's cookie value: another
// page package can encrypt something for this browser session alone (the
// console's one-time display of a new pass) without storing a key, and every
// replica derives the same. It is never shown in a page, unlike CSRF.
func (v Visitor) Key(purpose string) []byte {
	m := hmac.New(sha256.New, []byte(v.token))
	m.Write([]byte("firstkey session key v1\x00" + purpose))
	return m.Sum(nil)
}

// ViaPass reports whether the session was obtained with a Temporary Access Pass
// (one-time or not) rather than a passkey.
func (v Visitor) ViaPass() bool {
	return v.Session.RegistrationOnly || v.Session.PassID != "" || slices.Contains(v.Session.AMR, domain.AMRTap)
}

// CSRFField is the name of the hidden form field that carries the CSRF token.
const CSRFField = csrfField

// ErrNoSession means the request carries no live session.
var ErrNoSession = errNoSession

// Visitor returns who is signed in to the request's session; ErrNoSession when
// nobody is, another error when the store failed.
func (h *Handler) Visitor(r *http.Request) (Visitor, error) {
	s, err := h.currentSession(r)
	if err != nil {
		return Visitor{}, err
	}
	return Visitor{User: s.user, Session: s.sess, CSRF: s.csrf, token: s.token}, nil
}

// ValidCSRF reports whether got is the visitor's CSRF token.
func ValidCSRF(v Visitor, got string) bool {
	return validCSRF(&signedIn{csrf: v.CSRF}, got)
}

// ToSignIn sends the person to the sign-in page, to continue at next (a path
// safeNext accepts) afterwards. A dead session's cookie is cleared.
func (h *Handler) ToSignIn(w http.ResponseWriter, r *http.Request, next string) {
	q := url.Values{}
	if n := safeNext(next); n != "" {
		q.Set("next", n)
	}
	if _, err := r.Cookie(SessionCookie); err == nil {
		if _, err := h.currentSession(r); errors.Is(err, errNoSession) {
			h.clearSessionCookie(w)
			q.Set("m", "ended")
		}
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// PageHeaders wraps a page handler of another package with what every page
// here carries: the security headers (strict CSP, no framing, no caching) and
// the move to the issuer's host name that passkeys need.
func (h *Handler) PageHeaders(next http.Handler) http.Handler {
	return secureHeaders(h.onIssuerHost(next))
}
