package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/oidc"
)

type securityInfoPage struct {
	Passkeys         []passkeyRow
	Passes           []passRow
	RegistrationOnly bool
	MinutesLeft      int // of a one-time pass session
	// SetUpNow asks for a passkey: only while the person has none, since
	// after the first the call to action is done (the "added" notice says so).
	SetUpNow bool
	CSRF     string
	// ContinueURL and ContinueApp are set while the person registers a passkey
	// in the middle of signing in to an application: where to go on afterwards.
	ContinueURL string
	ContinueApp string
}

type passkeyRow struct {
	domain.Passkey
	// Kind is a hint people understand: a synced passkey lives in a password
	// manager across devices; a device-bound one never leaves its authenticator.
	Kind string
	// LastUsed is zero when the passkey was never used to sign in.
	LastUsed time.Time
}

type passRow struct {
	directory.PassView
	State string
}

// securityInfoNotices confirm what the last action did; only these fixed texts
// can appear, never text from the URL.
var securityInfoNotices = map[string]string{
	"added":        "Your passkey was added. Next time, sign in with it.",
	"renamed":      "Your passkey was renamed.",
	"deleted":      "Your passkey was deleted.",
	"pass-deleted": "Your Temporary Access Pass was deleted.",
}

func (h *Handler) securityInfo(w http.ResponseWriter, r *http.Request, s *signedIn) {
	h.showSecurityInfo(w, r, s, http.StatusOK, "", securityInfoNotices[r.URL.Query().Get("done")])
}

// continueTo is where a person who came to register a passkey while signing in
// to an application goes on to, and the application's name; "" when next is
// no pending sign-in. The person is signed in, so a device's code may be
// looked up too.
func (h *Handler) continueTo(r *http.Request, next string) (string, string) {
	next = safeNext(next)
	if next == "" {
		return "", ""
	}
	if name := h.appNameFor(r, next); name != "" {
		return next, name
	}
	u, err := url.Parse(next)
	if err != nil || u.Path != oidc.DevicePath {
		return "", ""
	}
	if _, app, err := h.dir.DeviceRequest(r.Context(), directory.NormalizeUserCode(u.Query().Get("user_code"))); err == nil {
		return next, app.DisplayName
	}
	return "", ""
}

// showSecurityInfo renders My Security Info, with an error from the last action
// or a notice confirming it.
func (h *Handler) showSecurityInfo(w http.ResponseWriter, r *http.Request, s *signedIn, status int, errMsg, notice string) {
	keys, err := h.dir.OwnPasskeys(r.Context(), s.user.ID)
	if err != nil {
		h.serverError(w, r, "list own passkeys", err)
		return
	}
	passes, err := h.dir.OwnPasses(r.Context(), s.user.ID)
	if err != nil {
		h.serverError(w, r, "list own passes", err)
		return
	}
	p := securityInfoPage{RegistrationOnly: s.sess.RegistrationOnly, CSRF: s.csrf}
	p.ContinueURL, p.ContinueApp = h.continueTo(r, r.URL.Query().Get("next"))
	for _, k := range keys {
		kind := "Device-bound passkey"
		if k.BackupEligible {
			kind = "Synced passkey"
		}
		row := passkeyRow{Passkey: k, Kind: kind}
		if k.LastUsedDateTime != nil {
			row.LastUsed = *k.LastUsedDateTime
		}
		p.Passkeys = append(p.Passkeys, row)
	}
	for _, v := range passes {
		p.Passes = append(p.Passes, passRow{PassView: v, State: passState(v)})
	}
	p.SetUpNow = s.sess.RegistrationOnly && len(keys) == 0
	if s.sess.RegistrationOnly {
		left := s.sess.ExpiresDateTime.Sub(h.dir.Clock().Now()).Minutes()
		p.MinutesLeft = max(1, int(math.Ceil(left)))
	}
	h.render(w, r, status, "securityinfo.html", view{Title: "My Security Info", Wide: true, Account: s.account(),
		Error: errMsg, Notice: notice, Page: p})
}

func passState(v directory.PassView) string {
	switch v.Reason {
	case domain.EnabledByPolicy:
		return "Active"
	case domain.NotYetValid:
		return "Not valid yet"
	case domain.OneTimeUsed:
		return "Used"
	case domain.DisabledByPolicy:
		return "Blocked by your organisation's policy"
	}
	return string(v.Reason)
}

func (h *Handler) renamePasskey(w http.ResponseWriter, r *http.Request, s *signedIn) {
	_, err := h.dir.RenamePasskey(r.Context(), s.actor(), s.user.ID, r.PathValue("id"), r.PostForm.Get("name"))
	if err != nil {
		h.formFailure(w, r, s, "rename passkey", err)
		return
	}
	http.Redirect(w, r, "/mysecurityinfo?done=renamed", http.StatusSeeOther)
}

type confirmPage struct {
	ID, Name, CSRF string
}

// deletePasskey deletes one of the person's passkeys. Deleting the last way in
// asks first, with a second form that carries confirm=1.
func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, s *signedIn) {
	id := r.PathValue("id")
	err := h.dir.DeletePasskey(r.Context(), s.actor(), s.user.ID, id, r.PostForm.Get("confirm") == "1")
	if errors.Is(err, directory.ErrLastPasskey) {
		name := ""
		if keys, err := h.dir.OwnPasskeys(r.Context(), s.user.ID); err == nil {
			for _, k := range keys {
				if strings.EqualFold(k.ID, id) {
					name = k.DisplayName
				}
			}
		}
		h.render(w, r, http.StatusConflict, "confirm.html", view{Title: "Delete your last passkey?", Account: s.account(),
			Error: directory.ErrLastPasskey.Message, Page: confirmPage{ID: id, Name: name, CSRF: s.csrf}})
		return
	}
	if err != nil {
		h.formFailure(w, r, s, "delete passkey", err)
		return
	}
	http.Redirect(w, r, "/mysecurityinfo?done=deleted", http.StatusSeeOther)
}

// deletePass deletes the person's pass. A session obtained with that pass ends
// with it, so the person is then sent to sign in.
func (h *Handler) deletePass(w http.ResponseWriter, r *http.Request, s *signedIn) {
	id := r.PathValue("id")
	if err := h.dir.DeletePass(r.Context(), s.actor(), s.user.ID, id); err != nil {
		h.formFailure(w, r, s, "delete pass", err)
		return
	}
	if strings.EqualFold(s.sess.PassID, id) {
		h.clearSessionCookie(w)
		http.Redirect(w, r, "/login?m=passdeleted", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/mysecurityinfo?done=pass-deleted", http.StatusSeeOther)
}

// formFailure shows My Security Info again with the rule's message, or our fault.
func (h *Handler) formFailure(w http.ResponseWriter, r *http.Request, s *signedIn, what string, err error) {
	var de *domain.Error
	if !errors.As(err, &de) || domain.Unavailable(err) {
		h.serverError(w, r, what, err)
		return
	}
	msg := de.Message
	if de.Kind == domain.KindNotFound {
		msg = "That security info no longer exists. It may have been removed in another window."
	}
	h.showSecurityInfo(w, r, s, statusOf(de.Kind), msg, "")
}
