package web

import (
	"net/http"
	"net/url"
	"strings"
)

// onIssuerHost sends a page opened at another host name than the issuer's to
// the same page at the issuer, before anyone signs in there: passkeys are
// bound to the issuer's host name, so a person who signed in at another one
// (127.0.0.1 for localhost) could never register a passkey. It acts where no
// proxy can have rewritten the Host header: an http issuer (loopback only) and
// https served by firstkey itself. Behind a TLS proxy that does not pass Host
// on, a redirect would loop, so there the passkey script names the address.
func (h *Handler) onIssuerHost(next http.Handler) http.Handler {
	iu, err := url.Parse(h.issuer)
	if err != nil || iu.Host == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		direct := iu.Scheme == "http" || r.TLS != nil
		if direct && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.EqualFold(r.Host, iu.Host) &&
			!strings.HasPrefix(r.URL.Path, "/static/") {
			http.Redirect(w, r, iu.Scheme+"://"+iu.Host+r.URL.RequestURI(), http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
