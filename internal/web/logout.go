package web

import (
	"errors"
	"net/http"
)

// logoutPage asks a signed-in person to confirm signing out: where an
// application's logout request came without proof of who it signs out.
func (h *Handler) logoutPage(w http.ResponseWriter, r *http.Request) {
	s, err := h.currentSession(r)
	if errors.Is(err, errNoSession) {
		http.Redirect(w, r, "/login?m=signedout", http.StatusSeeOther)
		return
	}
	if err != nil {
		h.serverError(w, r, "load session", err)
		return
	}
	h.render(w, r, http.StatusOK, "logout.html", view{Title: "Sign out?", Account: s.account(), Page: s.account()})
}

// EndBrowserSession signs out the browser's session, and revokes the tokens it
// gave applications, when an application signs out the same person
// (OpenID Connect RP-initiated logout). A session of someone else is left alone.
func (h *Handler) EndBrowserSession(w http.ResponseWriter, r *http.Request, userID string) error {
	s, err := h.currentSession(r)
	if errors.Is(err, errNoSession) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.sess.UserID != userID {
		h.log.InfoContext(r.Context(), "application logout for another user than the browser's: session kept")
		return nil
	}
	if err := h.dir.EndSessionGrants(r.Context(), s.sess.IDHash); err != nil {
		return err
	}
	if err := h.dir.SignOut(r.Context(), s.token); err != nil {
		return err
	}
	h.clearSessionCookie(w)
	return nil
}
