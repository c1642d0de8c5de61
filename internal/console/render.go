package console

import (
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// pages holds one template set per page: templates/layout.html, the shared
// blocks of templates/_*.html, and the page's own "content". Every other file
// in templates/ is a page, so adding one needs no list to edit.
var pages = func() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	m := map[string]*template.Template{}
	for _, file := range names {
		name := path.Base(file)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		m[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", file))
	}
	return m
}()

var funcs = template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
	"day":      func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"isodate":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"icon":     icon,
	"initials": initials,
	"plural":   plural,
	"role":     func(r domain.Role) string { return r.DisplayName() },
	"ago":      ago,
	"how":      how,
}

// how names the way a session was signed in.
func how(s domain.Session) string {
	switch {
	case slices.Contains(s.AMR, domain.AMRTap):
		return "Temporary Access Pass"
	case slices.Contains(s.AMR, domain.AMRHwk), slices.Contains(s.AMR, domain.AMRSwk):
		return "Passkey"
	}
	return "Other"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// ago says how long before now t was, roughly, as people say it.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day", "days") + " ago"
}

// view is what every console template gets: the layout's fields plus the
// page's own data in Page.
type view struct {
	Title  string
	Admin  *Admin       // nil on the pages shown before the roles are known
	Person *domain.User // who is signed in, when Admin is nil
	CSRF   string       // the session's token, for {{template "csrf" .}}
	Nav    []navItem    // filled by render from the areas the roles allow
	Error  string       // shown in an alert at the top of the content
	Notice string       // a confirmation of what just happened (the flash)
	Page   any
}

// Account is who the layout's header names.
func (v view) Account() *domain.User {
	if v.Admin != nil {
		return &v.Admin.User
	}
	return v.Person
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, a *Admin, status int, name string, v view) {
	t, ok := pages[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "console: unknown page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if a != nil {
		v.Admin, v.CSRF = a, a.CSRF
		v.Nav = navFor(a, r.URL.Path)
		if v.Notice == "" {
			v.Notice = h.takeFlash(w, r, a)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "console: render page", "page", name, "err", err)
	}
}

// errorPage is error.html's data.
type errorPage struct {
	Status int
	Back   string // a page to go back to, or ""
}

// renderError shows an error page with a title and a message in plain words.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, a *Admin, status int, title, msg string) {
	back := ""
	if a != nil {
		back = Prefix
	}
	h.render(w, r, a, status, "error.html", view{Title: title, Error: msg, Page: errorPage{Status: status, Back: back}})
}

// fail renders an error a handler returned: a rule the directory applied, in
// words a service-desk person understands, with its status; anything else as
// our fault.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, a *Admin, err error) {
	status, title := statusOf(err)
	if status == 0 {
		h.serverError(w, r, a, "console "+r.Method+" "+r.URL.Path, err)
		return
	}
	if status == http.StatusForbidden {
		h.log.InfoContext(r.Context(), "console: refused", "path", r.URL.Path, "user_id", a.User.ID, "reason", err.Error())
	}
	h.renderError(w, r, a, status, title, explain(err))
}

// statusOf maps a rule violation to its status and the error page's title; 0
// for errors that are not rule violations.
func statusOf(err error) (int, string) {
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindUnsupported:
		return http.StatusBadRequest, "That could not be done"
	case domain.KindForbidden:
		return http.StatusForbidden, "Not allowed"
	case domain.KindNotFound:
		return http.StatusNotFound, "Not found"
	case domain.KindConflict:
		return http.StatusConflict, "That could not be done"
	case domain.KindRateLimited:
		return http.StatusTooManyRequests, "Too many attempts"
	case domain.KindUnauthenticated:
		return http.StatusUnauthorized, "Sign in again"
	}
	return 0, ""
}

// serverError logs err and tells the person, without details, that it was our
// fault, or, when the database could not answer in time, to try again shortly.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, a *Admin, what string, err error) {
	if domain.Unavailable(err) {
		h.log.WarnContext(r.Context(), what+": ran out of time", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(int(domain.RetryUnavailable.Seconds())))
		h.renderError(w, r, a, http.StatusServiceUnavailable, "Please try again in a moment",
			"firstkey is busy right now and could not finish in time. Wait a few seconds and try again.")
		return
	}
	h.log.ErrorContext(r.Context(), what, "err", err)
	h.renderError(w, r, a, http.StatusInternalServerError, "Something went wrong",
		"Something went wrong on our side. Nothing you did caused it; please try again in a moment.")
}

// initials are up to two letters for a person's avatar.
func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		for _, c := range f {
			out = append(out, c)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}
