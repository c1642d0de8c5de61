package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// A new pass is shown once, on the page the creating form redirects to
// (POST-redirect-GET, so a reload never issues a second pass). Between the two
// requests it travels in a cookie encrypted with a key of the browser session
// (web.Visitor.Key): only this session can read it, every replica can, nothing
// is stored on the server, and the pass is never in a URL or a log. The cookie
// is cleared as it is read and lives two minutes at most.

const passCookie = "firstkey_console_pass"

// stashTTL bounds how long an unread stash can be read.
const stashTTL = 2 * time.Minute

// shownPass is what the page shows of a new pass.
type shownPass struct {
	PassID  string    `json:"p"`
	UserID  string    `json:"u"`
	Code    string    `json:"c"`
	URL     string    `json:"l"`
	Start   time.Time `json:"s"`
	End     time.Time `json:"e"`
	Once    bool      `json:"o"`
	Usable  bool      `json:"k"`
	Reason  string    `json:"r"`
	Expires time.Time `json:"x"`
}

func (h *Handler) passAEAD(a *Admin) (cipher.AEAD, error) {
	block, err := aes.NewCipher(a.visitor.Key("console pass display"))
	if err != nil {
		return nil, fmt.Errorf("pass display key: %w", err)
	}
	return cipher.NewGCM(block)
}

func (h *Handler) stashPass(w http.ResponseWriter, a *Admin, p shownPass) error {
	p.Expires = time.Now().Add(stashTTL)
	plain, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("stash pass: %w", err)
	}
	aead, err := h.passAEAD(a)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("stash pass: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plain, []byte(p.UserID))
	http.SetCookie(w, &http.Cookie{Name: passCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: personURL(p.UserID) + "/pass/shown", MaxAge: int(stashTTL.Seconds()),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	return nil
}

// takePass reads the stash for userID and clears it; false when there is none
// (already shown, expired, or another session's).
func (h *Handler) takePass(w http.ResponseWriter, r *http.Request, a *Admin, userID string) (shownPass, bool) {
	c, err := r.Cookie(passCookie)
	if err != nil || c.Value == "" {
		return shownPass{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: passCookie, Value: "", Path: personURL(userID) + "/pass/shown", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return shownPass{}, false
	}
	aead, err := h.passAEAD(a)
	if err != nil || len(sealed) < aead.NonceSize() {
		return shownPass{}, false
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(userID))
	if err != nil {
		return shownPass{}, false
	}
	var p shownPass
	if json.Unmarshal(plain, &p) != nil || p.UserID != userID || time.Now().After(p.Expires) {
		return shownPass{}, false
	}
	return p, true
}
