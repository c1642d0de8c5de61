package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/safetext"
)

// maxCredentialBody bounds a WebAuthn request: attestation objects with
// certificate chains are a few kilobytes.
const maxCredentialBody = 64 << 10

// ceremonyJSON is what the script needs to call navigator.credentials: the
// options (with publicKey inside) and the id to send back with the answer.
type ceremonyJSON struct {
	CeremonyID string          `json:"ceremonyId"`
	Options    json.RawMessage `json:"options"`
}

type loginBeginRequest struct {
	Username string `json:"username"`
}

type loginFinishRequest struct {
	CeremonyID string          `json:"ceremonyId"`
	Username   string          `json:"username"`
	Credential json.RawMessage `json:"credential"`
	Next       string          `json:"next"` // where to continue; checked by safeNext
}

type registerFinishRequest struct {
	CeremonyID string          `json:"ceremonyId"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
	Next       string          `json:"next"` // the sign-in to continue afterwards; checked by safeNext
}

// redirectJSON tells the script where to go next.
type redirectJSON struct {
	Redirect string `json:"redirect"`
}

const msgPasskeysUnavailable = "Passkeys are not available on this server. Sign in with a Temporary Access Pass, and let your administrator know."

// readJSON decodes a JSON request body into v, answering the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "unsupportedMediaType", "Send the request as application/json.")
		return false
	}
	const msg = "The request could not be read. Reload the page and try again."
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCredentialBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "badRequest", msg)
		return false
	}
	// Names, ids and an authenticator's transports reach the store from here.
	if err := safetext.CheckJSON(data); err != nil {
		writeError(w, http.StatusBadRequest, "badRequest", msg)
		return false
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "badRequest", msg)
		return false
	}
	return true
}

// beginPasskeyLogin starts a passkey sign-in, for a username or (without one) for
// whichever discoverable passkey the person picks.
func (h *Handler) beginPasskeyLogin(w http.ResponseWriter, r *http.Request) {
	var req loginBeginRequest
	if !readJSON(w, r, &req) {
		return
	}
	c, err := h.dir.BeginPasskeyLogin(r.Context(), cleanUsername(req.Username))
	if err != nil {
		h.apiFailure(w, r, "begin passkey sign-in", err)
		return
	}
	writeJSON(w, http.StatusOK, ceremonyJSON{CeremonyID: c.ID, Options: c.Options})
}

// finishPasskeyLogin checks the authenticator's answer and opens a session.
func (h *Handler) finishPasskeyLogin(w http.ResponseWriter, r *http.Request) {
	var req loginFinishRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.CeremonyID == "" || len(req.Credential) == 0 {
		writeError(w, http.StatusBadRequest, "badRequest", "The passkey answer is incomplete. Try again.")
		return
	}
	res, err := h.dir.FinishPasskeyLogin(r.Context(), attempt(r, cleanUsername(req.Username)), req.CeremonyID, req.Credential)
	if err != nil {
		h.apiFailure(w, r, "finish passkey sign-in", err)
		return
	}
	h.startSession(w, r, res)
	writeJSON(w, http.StatusOK, redirectJSON{Redirect: afterSignIn(req.Next)})
}

// beginPasskeyRegistration starts adding a passkey to the signed-in person.
func (h *Handler) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request, s *signedIn) {
	var req struct{}
	if !readJSON(w, r, &req) {
		return
	}
	c, err := h.dir.BeginPasskeyRegistration(r.Context(), s.sess)
	if err != nil {
		h.apiFailure(w, r, "begin passkey registration", err)
		return
	}
	writeJSON(w, http.StatusOK, ceremonyJSON{CeremonyID: c.ID, Options: c.Options})
}

// finishPasskeyRegistration verifies the new credential and stores it under the
// name the person chose.
func (h *Handler) finishPasskeyRegistration(w http.ResponseWriter, r *http.Request, s *signedIn) {
	var req registerFinishRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.CeremonyID == "" || len(req.Credential) == 0 {
		writeError(w, http.StatusBadRequest, "badRequest", "The passkey answer is incomplete. Try again.")
		return
	}
	pk, err := h.dir.FinishPasskeyRegistration(r.Context(), s.sess, req.CeremonyID, req.Name, req.Credential)
	if err != nil {
		h.apiFailure(w, r, "finish passkey registration", err)
		return
	}
	cont := safeNext(req.Next)
	next := "/mysecurityinfo?done=added"
	if cont != "" {
		next += "&next=" + url.QueryEscape(cont)
	}
	// With the policy's RevokePassOnFirstPasskey, registering revoked the pass and
	// with it this session: send the person to sign in with the new passkey
	// rather than to a page that would only say the session ended.
	if _, err := h.dir.Session(r.Context(), s.token); domain.KindOf(err) == domain.KindUnauthenticated {
		h.clearSessionCookie(w)
		next = "/login?m=passkeyadded&login_hint=" + url.QueryEscape(s.user.UserPrincipalName)
		if cont != "" {
			next += "&next=" + url.QueryEscape(cont)
		}
	}
	writeJSON(w, http.StatusCreated, struct {
		redirectJSON
		ID   string `json:"id"`
		Name string `json:"name"`
	}{redirectJSON{Redirect: next}, pk.ID, pk.DisplayName})
}

// apiFailure answers a failed WebAuthn step: a rule's message is safe to show,
// anything else is logged and shown as our fault.
func (h *Handler) apiFailure(w http.ResponseWriter, r *http.Request, what string, err error) {
	var de *domain.Error
	if !errors.As(err, &de) || domain.Unavailable(err) {
		h.serverError(w, r, what, err)
		return
	}
	if de.Code == "passkeysUnavailable" {
		h.log.ErrorContext(r.Context(), what+": passkeys unavailable", "err", err)
		writeError(w, http.StatusServiceUnavailable, de.Code, msgPasskeysUnavailable)
		return
	}
	status := statusOf(de.Kind)
	code := de.Code
	if code == "" {
		code = codeOf(de.Kind)
	}
	writeError(w, status, code, de.Message)
}

// statusOf maps a rule violation to its HTTP status.
func statusOf(k domain.Kind) int {
	switch k {
	case domain.KindInvalid, domain.KindUnsupported:
		return http.StatusBadRequest
	case domain.KindUnauthenticated:
		return http.StatusUnauthorized
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict:
		return http.StatusConflict
	case domain.KindRateLimited:
		return http.StatusTooManyRequests
	case domain.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func codeOf(k domain.Kind) string {
	switch k {
	case domain.KindInvalid, domain.KindUnsupported:
		return "badRequest"
	case domain.KindUnauthenticated:
		return "unauthenticated"
	case domain.KindForbidden:
		return "forbidden"
	case domain.KindNotFound:
		return "notFound"
	case domain.KindConflict:
		return "conflict"
	case domain.KindRateLimited:
		return "tooManyRequests"
	}
	return "internalError"
}
