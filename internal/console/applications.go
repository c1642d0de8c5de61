package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Applications: register OAuth clients, rotate and delete their secrets,
// delete them. A new secret is shown once: the form that makes it redirects to
// a one-time address that shows it and forgets it, so a reload shows nothing
// and the form is never sent twice.

func (h *Handler) mountApplications(rt router) {
	h.secrets = &onceValues{m: map[string]onceValue{}}
	rt.page(Prefix+"/applications", domain.ActManageApps, h.applications)
	rt.page(Prefix+"/applications/new", domain.ActManageApps, h.newApplication)
	rt.form(Prefix+"/applications/new", h.createApplication)
	rt.page(Prefix+"/applications/{id}", domain.ActManageApps, h.application)
	rt.page(Prefix+"/applications/{id}/secret/{once}", domain.ActManageApps, h.showSecret)
	rt.form(Prefix+"/applications/{id}/secret", h.rotateSecret)
	rt.form(Prefix+"/applications/{id}/secret/delete", h.deleteSecret)
	rt.page(Prefix+"/applications/{id}/delete", domain.ActManageApps, h.confirmDeleteApplication)
	rt.form(Prefix+"/applications/{id}/delete", h.deleteApplication)
}

// onceValues keeps a new secret for the one page view that shows it.
type onceValues struct {
	mu sync.Mutex
	m  map[string]onceValue
}

type onceValue struct {
	owner, app, value string
	expires           time.Time
}

// onceTTL is how long a new secret waits to be shown.
const onceTTL = 5 * time.Minute

func (o *onceValues) put(owner, app, value string) string {
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	for k, v := range o.m {
		if now.After(v.expires) {
			delete(o.m, k)
		}
	}
	o.m[id] = onceValue{owner: owner, app: app, value: value, expires: now.Add(onceTTL)}
	return id
}

// take returns the value once, to its owner, and forgets it.
func (o *onceValues) take(owner, app, id string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, ok := o.m[id]
	if !ok || v.owner != owner || v.app != app || time.Now().After(v.expires) {
		return "", false
	}
	delete(o.m, id)
	return v.value, true
}

// App types the form offers.
const (
	appWeb    = "web"    // a confidential client: a server that keeps a secret
	appPublic = "public" // a native, command-line or device application
	appSPA    = "spa"    // a single-page application in the browser (PKCE)
)

// appView is an application as the pages show it.
type appView struct {
	domain.Application
	Type     string
	KeyID    string
	Strength string
}

func appViewOf(a domain.Application) appView {
	v := appView{Application: a, Type: appWeb, KeyID: directory.SecretKeyID(a), Strength: strengthName(a.RequiredStrength)}
	switch {
	case len(a.SPARedirectURIs) > 0:
		v.Type = appSPA
	case a.PublicClient:
		v.Type = appPublic
	}
	return v
}

func strengthName(s domain.Strength) string {
	switch s {
	case domain.StrengthMFA:
		return "Multifactor (a pass or a passkey)"
	case domain.StrengthPhishingResistant:
		return "Phishing-resistant (a passkey)"
	}
	return "Any sign-in"
}

// appTypeName says what an application type is.
func appTypeName(t string) string {
	switch t {
	case appSPA:
		return "Single-page application"
	case appPublic:
		return "Public client"
	}
	return "Web application"
}

// appsPage is applications.html's data.
type appsPage struct {
	Apps  []appView
	Pager pager
}

const appsSize = 25

func (h *Handler) applications(w http.ResponseWriter, r *http.Request, a *Admin) error {
	p := appsPage{Pager: pageOf(r, appsSize)}
	apps, total, err := h.dir.ListApplications(r.Context(), a.Actor, store.ListOptions{Top: p.Pager.Size, Skip: p.Pager.Skip(), Count: true})
	if err != nil {
		return err
	}
	p.Pager.Total = total
	for _, x := range apps {
		p.Apps = append(p.Apps, appViewOf(x))
	}
	h.render(w, r, a, http.StatusOK, "applications.html", view{Title: "Applications", Page: p})
	return nil
}

// appForm is application_new.html's data.
type appForm struct {
	Name, Type, Redirects, Strength string
	Perms                           []permOption
	Field, FieldErr                 string
}

type permOption struct {
	Name    string
	Checked bool
}

// Invalid reports whether the error is about field.
func (f appForm) Invalid(field string) bool { return f.FieldErr != "" && f.Field == field }

func permOptions(chosen []string) []permOption {
	var out []permOption
	for _, p := range domain.Permissions {
		out = append(out, permOption{Name: string(p), Checked: slices.Contains(chosen, string(p))})
	}
	return out
}

func (h *Handler) newApplication(w http.ResponseWriter, r *http.Request, a *Admin) error {
	h.render(w, r, a, http.StatusOK, "application_new.html", view{Title: "Register an application",
		Page: appForm{Type: appWeb, Perms: permOptions(nil)}})
	return nil
}

// lines reads a textarea's entries, one a line.
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, a *Admin) error {
	f := appForm{Name: r.FormValue("displayName"), Type: r.FormValue("type"), Redirects: r.FormValue("redirectUris"),
		Strength: r.FormValue("requiredStrength"), Perms: permOptions(r.Form["permissions"])}
	app := domain.Application{DisplayName: strings.TrimSpace(f.Name), RequiredStrength: domain.Strength(f.Strength)}
	uris := lines(f.Redirects)
	switch f.Type {
	case appSPA:
		app.PublicClient, app.SPARedirectURIs = true, uris
	case appPublic:
		app.PublicClient, app.RedirectURIs = true, uris
	default:
		f.Type, app.RedirectURIs = appWeb, uris
	}
	for _, p := range r.Form["permissions"] {
		perm, err := domain.ParsePermission(p)
		if err != nil {
			return err
		}
		app.Permissions = append(app.Permissions, perm)
	}
	created, secret, err := h.dir.CreateApplication(r.Context(), a.Actor, app)
	if domain.KindOf(err) == domain.KindInvalid {
		f.Field = fieldOf(err.Error(), []string{"displayName", "redirect", "requiredAuthenticationStrength", "ermission"})
		f.FieldErr = explain(err)
		h.render(w, r, a, http.StatusBadRequest, "application_new.html", view{Title: "Register an application",
			Error: "The application was not registered: " + f.FieldErr, Page: f})
		return nil
	}
	if err != nil {
		return err
	}
	if secret == "" {
		return h.done(w, r, a, Prefix+"/applications/"+created.ID, created.DisplayName+" was registered.")
	}
	once := h.secrets.put(a.User.ID, created.ID, secret)
	return h.done(w, r, a, Prefix+"/applications/"+created.ID+"/secret/"+once, created.DisplayName+" was registered.")
}

// appPage is application.html's data.
type appPage struct {
	App       appView
	TypeName  string
	Secret    string // a new secret, on its one showing
	Gone      bool   // the one showing is over
	TokenURL  string
	Authority string
}

func (h *Handler) application(w http.ResponseWriter, r *http.Request, a *Admin) error {
	return h.renderApplication(w, r, a, "", false)
}

func (h *Handler) renderApplication(w http.ResponseWriter, r *http.Request, a *Admin, secret string, gone bool) error {
	app, err := h.dir.GetApplication(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := appViewOf(app)
	h.render(w, r, a, http.StatusOK, "application.html", view{Title: app.DisplayName, Page: appPage{App: v, TypeName: appTypeName(v.Type),
		Secret: secret, Gone: gone, Authority: h.issuer}})
	return nil
}

// showSecret shows a new secret on its one showing; a reload finds it gone.
func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, a *Admin) error {
	secret, ok := h.secrets.take(a.User.ID, r.PathValue("id"), r.PathValue("once"))
	return h.renderApplication(w, r, a, secret, !ok)
}

func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request, a *Admin) error {
	app, cs, err := h.dir.AddApplicationSecret(r.Context(), a.Actor, r.PathValue("id"), "Added in the admin console")
	if err != nil {
		return err
	}
	once := h.secrets.put(a.User.ID, app.ID, cs.Text)
	return h.done(w, r, a, Prefix+"/applications/"+app.ID+"/secret/"+once, "A new secret replaced the old one, which no longer works.")
}

func (h *Handler) deleteSecret(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	if err := h.dir.RemoveApplicationSecret(r.Context(), a.Actor, id, r.FormValue("keyId")); err != nil {
		return err
	}
	return h.done(w, r, a, Prefix+"/applications/"+id, "The secret was deleted: the application gets no tokens with it any more.")
}

func (h *Handler) confirmDeleteApplication(w http.ResponseWriter, r *http.Request, a *Admin) error {
	app, err := h.dir.GetApplication(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "application_delete.html", view{Title: "Delete " + app.DisplayName, Page: appViewOf(app)})
	return nil
}

func (h *Handler) deleteApplication(w http.ResponseWriter, r *http.Request, a *Admin) error {
	app, err := h.dir.GetApplication(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.dir.DeleteApplication(r.Context(), a.Actor, app.ID); err != nil {
		return err
	}
	return h.done(w, r, a, Prefix+"/applications", app.DisplayName+" was deleted; its tokens stopped working.")
}
