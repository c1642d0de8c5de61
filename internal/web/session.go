package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// signedIn is the live session behind a request.
type signedIn struct {
	sess  domain.Session
	token string
	user  domain.User
	csrf  string
}

func (s *signedIn) account() *account {
	return &account{DisplayName: s.user.DisplayName, UPN: s.user.UserPrincipalName, CSRF: s.csrf}
}

func (s *signedIn) actor() domain.Actor {
	return domain.Actor{Type: domain.ActorUser, UserID: s.user.ID, UPN: s.user.UserPrincipalName}
}

// errNoSession means the request carries no live session: no cookie, or one whose
// session ended (expired, idle, signed out, or its pass was deleted).
var errNoSession = errors.New("no live session")

// currentSession loads the request's session; errNoSession when there is none,
// another error when the store failed.
func (h *Handler) currentSession(r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	sess, err := h.dir.Session(r.Context(), c.Value)
	if domain.KindOf(err) == domain.KindUnauthenticated {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	u, err := h.dir.ResolveUser(r.Context(), sess.UserID)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	return &signedIn{sess: sess, token: c.Value, user: u, csrf: csrfToken(c.Value)}, nil
}

// startSession hands the browser the session of a sign-in. A session the browser
// held before is ended, so that signing in again (perhaps as someone else) leaves
// no live session behind in the store.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, res directory.SignInResult) {
	if old, err := r.Cookie(SessionCookie); err == nil && old.Value != "" && old.Value != res.Token {
		if err := h.dir.SignOut(r.Context(), old.Value); err != nil {
			h.log.WarnContext(r.Context(), "end the previous session", "err", err)
		}
	}
	h.setSessionCookie(w, res.Token)
}

// setSessionCookie hands the browser its session. It is a browser-session cookie
// (no Expires or Max-Age), so closing the browser on a shared computer forgets
// it; the store enforces the session's absolute and idle limits either way.
func (h *Handler) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// page serves a GET page to a signed-in person, or sends them to sign in.
func (h *Handler) page(fn func(http.ResponseWriter, *http.Request, *signedIn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.currentSession(r)
		if errors.Is(err, errNoSession) {
			h.toSignIn(w, r)
			return
		}
		if err != nil {
			h.serverError(w, r, "load session", err)
			return
		}
		fn(w, r, s)
	})
}

// toSignIn ends a dead session's cookie and sends the person to the sign-in page,
// telling them why when they had a session.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if _, err := r.Cookie(SessionCookie); err == nil {
		h.clearSessionCookie(w)
		target = "/login?m=ended"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// form handles a POSTed form that changes a signed-in person's methods. It checks
// the session's CSRF token, and refuses sessions from a one-time pass, which may
// only register a passkey.
func (h *Handler) form(fn func(http.ResponseWriter, *http.Request, *signedIn)) http.Handler {
	return h.anySessionForm(func(w http.ResponseWriter, r *http.Request, s *signedIn) {
		if s.sess.RegistrationOnly {
			h.render(w, r, http.StatusForbidden, "message.html", view{Title: "Not available yet", Account: s.account(),
				Error: msgRegistrationOnly})
			return
		}
		fn(w, r, s)
	})
}

// anySessionForm handles a POSTed form of any signed-in session, one-time pass
// sessions included, after checking its CSRF token. What such a session may do
// is then the directory's rule (it may deny a device's request, not approve it).
func (h *Handler) anySessionForm(fn func(http.ResponseWriter, *http.Request, *signedIn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			h.renderMessage(w, r, http.StatusBadRequest, "Request refused", "The form could not be read. Go back and try again.")
			return
		}
		s, err := h.currentSession(r)
		if errors.Is(err, errNoSession) {
			h.toSignIn(w, r)
			return
		}
		if err != nil {
			h.serverError(w, r, "load session", err)
			return
		}
		if !validCSRF(s, r.PostForm.Get(csrfField)) {
			h.log.WarnContext(r.Context(), "form refused: missing or wrong CSRF token", "path", r.URL.Path, "ip", clientIP(r))
			h.renderMessage(w, r, http.StatusForbidden, "Request refused", msgCSRF)
			return
		}
		fn(w, r, s)
	})
}

const (
	msgCSRF             = "This form has expired or did not come from this page. Reload My Security Info and try again."
	msgRegistrationOnly = "You signed in with a one-time Temporary Access Pass, which only lets you add a passkey. Add one, then sign in with it to manage your security info."
	msgSessionEnded     = "Your session has ended. Sign in again to continue."
)

// api handles a JSON request from the WebAuthn script on My Security Info. The
// script sends the CSRF token in the X-CSRF-Token header; the body must be JSON,
// which a cross-site HTML form cannot send.
func (h *Handler) api(fn func(http.ResponseWriter, *http.Request, *signedIn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r) {
			writeError(w, http.StatusUnsupportedMediaType, "unsupportedMediaType", "Send the request as application/json.")
			return
		}
		s, err := h.currentSession(r)
		if errors.Is(err, errNoSession) {
			if _, err := r.Cookie(SessionCookie); err == nil {
				h.clearSessionCookie(w)
			}
			writeError(w, http.StatusUnauthorized, "sessionEnded", msgSessionEnded)
			return
		}
		if err != nil {
			h.serverError(w, r, "load session", err)
			return
		}
		if !validCSRF(s, r.Header.Get(csrfHeader)) {
			h.log.WarnContext(r.Context(), "request refused: missing or wrong CSRF token", "path", r.URL.Path, "ip", clientIP(r))
			writeError(w, http.StatusForbidden, "csrfTokenInvalid", msgCSRF)
			return
		}
		fn(w, r, s)
	})
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
