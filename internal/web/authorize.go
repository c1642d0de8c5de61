package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/oidc"
)

// safeNext returns next if it is one of the pages a sign-in may continue to
// (an application's sign-in request, the device page, or a page of the admin
// console), else "". Only these local paths are accepted, so the parameter
// cannot send anyone elsewhere.
func safeNext(next string) string {
	if next == "" || len(next) > 512 {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return ""
	}
	if isConsolePath(u.Path) {
		if u.RawQuery == "" {
			return u.Path
		}
		return u.Path + "?" + u.Query().Encode()
	}
	if u.Path != oidc.ContinuePath && u.Path != oidc.DevicePath {
		return ""
	}
	return u.Path + "?" + u.Query().Encode()
}

// afterSignIn is where a successful sign-in goes: the page it was asked for, or
// My Security Info.
func afterSignIn(next string) string {
	if n := safeNext(next); n != "" {
		return n
	}
	return "/mysecurityinfo"
}

// isConsolePath reports whether p is a page of the admin console (package
// console, mounted at /admin).
func isConsolePath(p string) bool {
	return p == "/admin" || (strings.HasPrefix(p, "/admin/") && !strings.Contains(p, "//") && !strings.Contains(p, ".."))
}

func continueURL(requestID string) string {
	return oidc.ContinuePath + "?" + url.Values{"request": {requestID}}.Encode()
}

// allowRedirectAfterForm widens the page's form-action to the origin of the
// application a sign-in continues to (see csp). Only a registered redirect URI
// of a pending request can be named, never text from the URL.
func (h *Handler) allowRedirectAfterForm(w http.ResponseWriter, r *http.Request, next string) {
	u, err := url.Parse(next)
	if err != nil || u.Path != oidc.ContinuePath {
		return
	}
	req, _, err := h.dir.AuthRequest(r.Context(), u.Query().Get("request"))
	if err != nil {
		return
	}
	ru, err := url.Parse(req.RedirectURI)
	if err != nil || ru.Scheme == "" {
		return
	}
	source := ru.Scheme + ":"
	if ru.Host != "" {
		source = ru.Scheme + "://" + ru.Host
	}
	w.Header().Set("Content-Security-Policy", csp(source))
}

// appNameFor names the application a sign-in continues to: that of the
// pending authorization request next points at, or "". A device's user code
// is not looked up here, before sign-in, where it would tell a guesser which
// codes are pending.
func (h *Handler) appNameFor(r *http.Request, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Path != oidc.ContinuePath {
		return ""
	}
	_, app, err := h.dir.AuthRequest(r.Context(), u.Query().Get("request"))
	if err != nil {
		return ""
	}
	return app.DisplayName
}

// signInURL sends the browser to sign in and come back to next.
func signInURL(next, loginHint string) string {
	q := url.Values{"next": {next}}
	if loginHint != "" {
		q.Set("login_hint", loginHint)
	}
	return "/login?" + q.Encode()
}

type stepUpView struct {
	AppName     string
	Strength    string
	Username    string
	Next        string
	CancelURL   string // for an application: back to it with access_denied
	Registering bool   // signed in with a one-time pass: may only register a passkey
	HasPasskey  bool   // while Registering: a passkey is registered, so it can sign in now
	// DeviceCode is set for a device's request: cancelling denies it (a form
	// with CSRF), so that the device stops waiting.
	DeviceCode string
	CSRF       string
}

// stepUp shows why the session is not enough for app and how to go on to next.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request, s *signedIn, app domain.Application, v stepUpView) {
	v.AppName, v.Strength, v.Username, v.Registering = app.DisplayName, string(app.RequiredStrength), s.user.UserPrincipalName, s.sess.RegistrationOnly
	if v.Registering {
		keys, err := h.dir.OwnPasskeys(r.Context(), s.user.ID)
		if err != nil {
			h.serverError(w, r, "list passkeys", err)
			return
		}
		v.HasPasskey = len(keys) > 0
	}
	h.log.InfoContext(r.Context(), "sign-in to application needs a stronger method",
		"client_id", app.ClientID, "user_id", s.user.ID, "required", string(app.RequiredStrength), "amr", s.sess.AMR)
	title := "A stronger sign-in is needed"
	if v.Registering {
		title = "Sign in with a passkey to continue"
	}
	h.render(w, r, http.StatusForbidden, "stepup.html", view{Title: title, Account: s.account(), Page: v})
}

// continueAuth is where zitadel sends the browser with an application's
// authorization request: approve it with the current session, or ask for the
// sign-in the request and the application need.
func (h *Handler) continueAuth(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("request")
	req, app, err := h.dir.AuthRequest(r.Context(), id)
	if err != nil {
		h.pageFailure(w, r, "load auth request", err)
		return
	}
	s, err := h.currentSession(r)
	if err != nil && !errors.Is(err, errNoSession) {
		h.serverError(w, r, "load session", err)
		return
	}
	var sess *domain.Session
	hinted := s != nil && (req.HintSubject == "" || req.HintSubject == s.user.ID)
	if hinted {
		sess = &s.sess
	}
	// With an id_token_hint for someone else, this browser's person is not the
	// one the application asks about: they must sign in as that one (and with
	// prompt=none, the application hears login_required).
	decision := directory.Decide(sess, app, req.MaxAge, req.CreatedDateTime, h.dir.Clock().Now())
	promptNone := slices.Contains(req.Prompt, zoidc.PromptNone)
	switch decision {
	case directory.AuthApprove:
		if _, err := h.dir.ApproveAuthRequest(r.Context(), id, *sess, attempt(r, s.user.UserPrincipalName)); err != nil {
			h.pageFailure(w, r, "approve auth request", err)
			return
		}
		h.provider.RespondApproved(w, r, id)
	case directory.AuthSignIn:
		if promptNone {
			h.authError(w, r, req, zoidc.ErrLoginRequired().WithDescription("nobody is signed in, or the sign-in is older than max_age"))
			return
		}
		hint := req.LoginHint
		if hinted && hint == "" {
			hint = s.user.UserPrincipalName
		}
		http.Redirect(w, r, signInURL(continueURL(id), hint), http.StatusSeeOther)
	default: // AuthStepUp, AuthRegistrationOnly
		if promptNone {
			h.authError(w, r, req, zoidc.ErrInteractionRequired().WithDescription("the application requires a stronger sign-in"))
			return
		}
		cancel, err := h.provider.AuthErrorURL(req, zoidc.ErrAccessDenied().WithDescription("the person cancelled the sign-in"))
		if err != nil {
			h.serverError(w, r, "build cancel url", err)
			return
		}
		h.stepUp(w, r, s, app, stepUpView{Next: continueURL(id), CancelURL: cancel})
	}
}

// authError sends the browser back to the application with an OAuth error.
func (h *Handler) authError(w http.ResponseWriter, r *http.Request, req domain.AuthRequest, e *zoidc.Error) {
	u, err := h.provider.AuthErrorURL(req, e)
	if err != nil {
		h.serverError(w, r, "build error redirect", err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// pageFailure shows a rule's message on a page, or a server error.
func (h *Handler) pageFailure(w http.ResponseWriter, r *http.Request, what string, err error) {
	var derr *domain.Error
	if !errors.As(err, &derr) || domain.Unavailable(err) {
		h.serverError(w, r, what, err)
		return
	}
	status := http.StatusBadRequest
	switch derr.Kind {
	case domain.KindNotFound:
		status = http.StatusNotFound
	case domain.KindForbidden:
		status = http.StatusForbidden
	case domain.KindUnauthenticated:
		status = http.StatusUnauthorized
	}
	h.renderMessage(w, r, status, "Sign-in could not continue", derr.Message)
}
