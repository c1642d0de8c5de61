package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/oidc"
)

type deviceView struct {
	UserCode string // normalised, as the form sends it back
	Shown    string // as the device shows it: BCDF-GHJK
	Typed    string // what the person typed, to correct after a wrong code
	AppName  string
	CSRF     string
}

func deviceURL(userCode string) string {
	if userCode == "" {
		return oidc.DevicePath
	}
	return oidc.DevicePath + "?" + url.Values{"user_code": {userCode}}.Encode()
}

// devicePage asks for the code a device shows (RFC 8628 §3.3), then whether to
// sign in to the device's application. The person signs in first, with a pass
// or a passkey, on this screen.
func (h *Handler) devicePage(w http.ResponseWriter, r *http.Request) {
	typed := r.URL.Query().Get("user_code")
	code := directory.NormalizeUserCode(typed)
	s, err := h.currentSession(r)
	if errors.Is(err, errNoSession) {
		http.Redirect(w, r, signInURL(deviceURL(code), ""), http.StatusSeeOther)
		return
	}
	if err != nil {
		h.serverError(w, r, "load session", err)
		return
	}
	v := view{Title: "Sign in on a device", Account: s.account(), Page: deviceView{Typed: typed, CSRF: s.csrf}}
	if code == "" {
		h.render(w, r, http.StatusOK, "device.html", v)
		return
	}
	d, app, err := h.dir.DeviceRequest(r.Context(), code)
	if err != nil {
		if errors.Is(err, directory.ErrDeviceCodeNotFound) {
			v.Error = directory.ErrDeviceCodeNotFound.Message
			h.render(w, r, http.StatusNotFound, "device.html", v)
			return
		}
		h.pageFailure(w, r, "load device request", err)
		return
	}
	switch directory.Decide(&s.sess, app, nil, d.CreatedDateTime, h.dir.Clock().Now()) {
	case directory.AuthStepUp, directory.AuthRegistrationOnly:
		h.stepUp(w, r, s, app, stepUpView{Next: deviceURL(code), DeviceCode: code, CSRF: s.csrf})
		return
	}
	v.Page = deviceView{UserCode: code, Shown: directory.FormatUserCode(code), AppName: app.DisplayName, CSRF: s.csrf}
	h.render(w, r, http.StatusOK, "device.html", v)
}

// answerDevice approves or denies the device request.
func (h *Handler) answerDevice(w http.ResponseWriter, r *http.Request, s *signedIn) {
	code := r.PostForm.Get("user_code")
	approve := r.PostForm.Get("action") == "approve"
	if err := h.dir.AnswerDeviceRequest(r.Context(), code, s.sess, approve, attempt(r, s.user.UserPrincipalName)); err != nil {
		h.pageFailure(w, r, "answer device request", err)
		return
	}
	msg := "You denied the sign-in. The device will not be signed in."
	if approve {
		msg = "You're signed in on your device. You can close this window."
	}
	h.render(w, r, http.StatusOK, "message.html", view{Title: "Done", Account: s.account(), Notice: msg})
}
