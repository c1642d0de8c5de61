package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// A flash is the confirmation shown once on the page a form redirects to ("Ada
// was disabled."). It travels in a short-lived cookie, so that every replica
// can show it, signed with the session's CSRF token, so that nothing but this
// session's own forms can make the console say something.

const flashCookie = "firstkey_console_flash"

// done redirects (303) to target after a form did its work, with msg to show there.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, a *Admin, target, msg string) error {
	if msg != "" {
		val := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + flashMAC(a.CSRF, msg)
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: val, Path: Prefix, MaxAge: 60,
			HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// takeFlash returns the flash of the request, if it is this session's, and clears it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request, a *Admin) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	enc, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(msg) > 500 || !hmac.Equal([]byte(mac), []byte(flashMAC(a.CSRF, string(msg)))) {
		return ""
	}
	return string(msg)
}

func flashMAC(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("firstkey console flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
