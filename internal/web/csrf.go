package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Cross-site request forgery has two locks here:
//
//  1. http.CrossOriginProtection on every POST refuses requests that a browser
//     marks as coming from another origin (Sec-Fetch-Site, or Origin vs Host).
//  2. Requests made for a signed-in person must also carry a token derived from
//     their session: a hidden form field, or the X-CSRF-Token header from the
//     script. A page on another site can neither read the token nor compute it.
//
// The sign-in forms and the passkey sign-in endpoints have no session yet, so
// they rely on the first lock plus the cookie's SameSite=Lax: a forged sign-in
// could at worst sign the victim's browser into the attacker's account, and
// CrossOriginProtection already refuses the cross-site POST that would need.

const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken is an HMAC keyed with the session's secret cookie value, so every
// replica computes the same token without sharing a key, the token changes with
// every sign-in, and knowing it reveals nothing about the session id.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("firstkey csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(s *signedIn, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrf))
}
