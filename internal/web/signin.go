package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/safetext"
)

// maxUsernameLength bounds what the sign-in pages accept as a username.
const maxUsernameLength = 256

type loginView struct {
	Username string
	Next     string // where to continue after signing in (safeNext), or ""
	AppName  string // the application the person signs in to, or ""
}

// loginNotices explain why someone landed on the sign-in page; only these fixed
// texts can appear, never text from the URL.
var loginNotices = map[string]string{
	"ended":        msgSessionEnded,
	"signedout":    "You have signed out.",
	"passdeleted":  "Your Temporary Access Pass was deleted, which also signed you out.",
	"passkeyadded": "Your passkey was added and your Temporary Access Pass is no longer needed, so it was deleted. Sign in with your passkey.",
}

// loginPage is the first step, asking for the username (prefilled from
// login_hint), or, once a username is given, the second step offering the ways
// to sign in. Both ways are offered for every username, so the page does not tell
// whether the account exists or holds a pass.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := safeNext(q.Get("next"))
	app := h.appNameFor(r, next)
	if _, asked := q["username"]; asked {
		username := cleanUsername(q.Get("username"))
		if username == "" {
			h.render(w, r, http.StatusOK, "login.html", view{Title: "Sign in", Error: msgEnterUsername,
				Page: loginView{Next: next, AppName: app}})
			return
		}
		h.render(w, r, http.StatusOK, "methods.html", view{Title: "Choose how to sign in", Page: loginView{Username: username, Next: next, AppName: app}})
		return
	}
	h.render(w, r, http.StatusOK, "login.html", view{Title: "Sign in", Notice: loginNotices[q.Get("m")],
		Page: loginView{Username: cleanUsername(q.Get("login_hint")), Next: next, AppName: app}})
}

// passPage asks for the Temporary Access Pass of the username chosen before.
func (h *Handler) passPage(w http.ResponseWriter, r *http.Request) {
	username := cleanUsername(r.URL.Query().Get("username"))
	next := safeNext(r.URL.Query().Get("next"))
	if username == "" {
		http.Redirect(w, r, signInURLOrPlain(next), http.StatusSeeOther)
		return
	}
	h.allowRedirectAfterForm(w, r, next)
	h.render(w, r, http.StatusOK, "pass.html", view{Title: "Enter your Temporary Access Pass",
		Page: loginView{Username: username, Next: next, AppName: h.appNameFor(r, next)}})
}

// cleanUsername trims a typed username. Text that is not valid UTF-8 or holds
// control characters is nobody's name and reads as none: it must not reach the
// store (PostgreSQL refuses it) nor the logs.
func cleanUsername(s string) string {
	s = strings.TrimSpace(s)
	if !safetext.Line(s) {
		return ""
	}
	if len(s) > maxUsernameLength {
		s = strings.ToValidUTF8(s[:maxUsernameLength], "")
	}
	return s
}

const (
	msgEnterUsername = "Enter your username, for example name@company.com."
	msgBadUsername   = "That username has characters no username can have. " + msgEnterUsername
)

// signInWithPass checks a Temporary Access Pass and, on success, sets the session
// cookie and sends the person to My Security Info.
func (h *Handler) signInWithPass(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "login.html", view{Title: "Sign in", Error: "The form could not be read. Please try again.", Page: loginView{}})
		return
	}
	username := cleanUsername(r.PostForm.Get("username"))
	code := strings.TrimSpace(r.PostForm.Get("pass"))
	next := safeNext(r.PostForm.Get("next"))
	again := func(status int, msg string) {
		h.allowRedirectAfterForm(w, r, next)
		h.render(w, r, status, "pass.html", view{Title: "Enter your Temporary Access Pass", Error: msg,
			Page: loginView{Username: username, Next: next, AppName: h.appNameFor(r, next)}})
	}
	if username == "" {
		msg := msgEnterUsername
		if strings.TrimSpace(r.PostForm.Get("username")) != "" {
			msg = msgBadUsername
		}
		h.render(w, r, http.StatusBadRequest, "login.html", view{Title: "Sign in", Error: msg, Page: loginView{Next: next}})
		return
	}
	if code == "" {
		again(http.StatusBadRequest, "Enter your Temporary Access Pass.")
		return
	}
	res, err := h.dir.SignInWithPass(r.Context(), attempt(r, username), code)
	if wait, ok := directory.RetryAfterOf(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
	switch {
	case errors.Is(err, directory.ErrAccountLocked):
		// The same answer for every name: the lock-out counts typed names.
		again(http.StatusTooManyRequests, directory.ErrAccountLocked.Message)
		return
	case errors.Is(err, directory.ErrBusy):
		// Nothing was checked or counted: a retry in a moment is safe.
		again(http.StatusTooManyRequests, directory.ErrBusy.Message)
		return
	case errors.Is(err, directory.ErrPassUsed), errors.Is(err, directory.ErrPassExpired):
		// Only the holder of the right pass hears this (see the directory).
		var de *domain.Error
		errors.As(err, &de)
		again(http.StatusUnauthorized, de.Message)
		return
	case domain.KindOf(err) == domain.KindUnauthenticated:
		again(http.StatusUnauthorized, directory.ErrSignInFailed.Message)
		return
	case err != nil:
		h.serverError(w, r, "pass sign-in", err)
		return
	}
	h.startSession(w, r, res)
	http.Redirect(w, r, afterSignIn(next), http.StatusSeeOther)
}

// maxUserAgentLength bounds what the sign-in log keeps of a User-Agent.
const maxUserAgentLength = 512

// attempt describes the request for the sign-in log. The User-Agent is whatever
// the client sent: it is made valid, printable text of bounded length here,
// before the log or the store sees it.
func attempt(r *http.Request, username string) directory.Attempt {
	return directory.Attempt{UserPrincipalName: safetext.Clean(username, maxUsernameLength), IPAddress: clientIP(r),
		UserAgent: safetext.Clean(r.UserAgent(), maxUserAgentLength)}
}

// signOut ends the session. With a live session it needs the session's CSRF token,
// so that another site cannot sign people out; without one it only clears the cookie.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	s, err := h.currentSession(r)
	switch {
	case errors.Is(err, errNoSession):
	case err != nil:
		h.serverError(w, r, "load session", err)
		return
	case !validCSRF(s, r.PostForm.Get(csrfField)):
		h.log.WarnContext(r.Context(), "sign-out refused: missing or wrong CSRF token", "ip", clientIP(r))
		h.renderMessage(w, r, http.StatusForbidden, "Request refused", msgCSRF)
		return
	default:
		// Signing out of firstkey also ends what the session gave applications.
		if err := h.dir.EndSessionGrants(r.Context(), s.sess.IDHash); err != nil {
			h.serverError(w, r, "revoke session grants", err)
			return
		}
		if err := h.dir.SignOut(r.Context(), s.token); err != nil {
			h.serverError(w, r, "sign out", err)
			return
		}
	}
	h.clearSessionCookie(w)
	http.Redirect(w, r, "/login?m=signedout", http.StatusSeeOther)
}

// signInURLOrPlain is the sign-in page, continuing to next when there is one.
func signInURLOrPlain(next string) string {
	if next == "" {
		return "/login"
	}
	return signInURL(next, "")
}
