package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/requestid"
)

// pages holds one template set per page: the shared layout plus the page's own
// "content" block.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"date":    func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"isodate": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
	m := map[string]*template.Template{}
	for _, name := range []string{"login.html", "methods.html", "pass.html", "securityinfo.html", "confirm.html", "message.html", "stepup.html", "device.html", "logout.html"} {
		m[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return m
}()

// view is what every page template gets: the layout's fields plus the page's own
// data in Page.
type view struct {
	Title   string
	Wide    bool     // the security-info layout rather than the sign-in card
	Account *account // nil before sign-in
	Error   string   // shown in an alert region at the top of the content
	Notice  string   // a confirmation of what just happened
	Issuer  string   // firstkey's usual address, named when a browser refuses passkeys here
	// RequestID is shown on error pages, for a person to quote to their helpdesk.
	RequestID string
	Page      any
}

// account is the signed-in person as the layout shows them.
type account struct {
	DisplayName string
	UPN         string
	CSRF        string
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := pages[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "unknown page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	v.Issuer = h.issuer
	if status >= 400 {
		v.RequestID = requestid.From(r.Context())
	}
	if err := t.ExecuteTemplate(w, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}

// renderMessage shows a page with a title, a message and a way back to sign-in.
func (h *Handler) renderMessage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "message.html", view{Title: title, Error: msg})
}

// serverError logs err and tells the person, without details, that it was our
// fault, or, when the database could not answer in time, to try again shortly.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if domain.Unavailable(err) {
		h.unavailable(w, r, what, err)
		return
	}
	h.log.ErrorContext(r.Context(), what, "err", err)
	if isAPI(r) {
		writeError(w, http.StatusInternalServerError, "internalError", msgServerError)
		return
	}
	h.renderMessage(w, r, http.StatusInternalServerError, "Something went wrong", msgServerError)
}

const msgServerError = "Something went wrong on our side. Please try again in a moment."

// unavailable answers 503 with Retry-After: the request could not get the
// database in time (a lock held elsewhere, a burst), which passes.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.WarnContext(r.Context(), what+": ran out of time", "err", err)
	w.Header().Set("Retry-After", strconv.Itoa(int(domain.RetryUnavailable.Seconds())))
	if isAPI(r) {
		writeError(w, http.StatusServiceUnavailable, "serviceUnavailable", msgUnavailable)
		return
	}
	h.renderMessage(w, r, http.StatusServiceUnavailable, "Please try again in a moment", msgUnavailable)
}

const msgUnavailable = "firstkey is busy right now and could not finish in time. Wait a few seconds and try again."

// writeJSON answers the WebAuthn script.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is the error body of every JSON endpoint; Message is safe to show.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}
