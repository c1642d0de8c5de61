package console

import (
	"errors"
	"net/http"
	"slices"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/web"
)

// Admin is the person using the console: who they are and what their roles
// allow, read afresh on every request, so a role taken away counts at once.
type Admin struct {
	User  domain.User
	Actor domain.Actor
	CSRF  string
	// visitor is the browser session, for keys bound to it.
	visitor web.Visitor
}

// Can reports whether the administrator's roles allow act. It decides only what
// the console shows; the directory decides what is done.
func (a *Admin) Can(act domain.Action) bool { return a != nil && a.Actor.Can(act) }

// Holds reports whether the administrator holds role.
func (a *Admin) Holds(role domain.Role) bool { return a != nil && slices.Contains(a.Actor.Roles, role) }

// RoleNames are the administrator's roles, most privileged first.
func (a *Admin) RoleNames() []string {
	var out []string
	for _, r := range domain.Roles {
		if a.Holds(r) {
			out = append(out, r.DisplayName())
		}
	}
	return out
}

// admin loads the signed-in administrator, or answers the request itself and
// returns false: not signed in (to the sign-in page, coming back here), signed
// in with a pass (asked for a passkey), no directory role (403), or a role that
// does not allow need, when need is set (403).
func (h *Handler) admin(w http.ResponseWriter, r *http.Request, need domain.Action) (*Admin, bool) {
	v, err := h.pages.Visitor(r)
	if errors.Is(err, web.ErrNoSession) {
		h.toSignIn(w, r)
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, nil, "load session", err)
		return nil, false
	}
	if v.ViaPass() {
		h.render(w, r, nil, http.StatusForbidden, "needpasskey.html", view{Title: "Sign in with a passkey", CSRF: v.CSRF,
			Person: &v.User, Page: needPasskey{UPN: v.User.UserPrincipalName, RegistrationOnly: v.Session.RegistrationOnly}})
		return nil, false
	}
	actor, err := h.dir.UserActor(r.Context(), v.User.ID, clientaddr.FromRequest(r))
	if domain.KindOf(err) == domain.KindUnauthenticated {
		h.toSignIn(w, r)
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, nil, "load roles", err)
		return nil, false
	}
	a := &Admin{User: v.User, Actor: actor, CSRF: v.CSRF, visitor: v}
	if len(actor.Roles) == 0 {
		h.log.InfoContext(r.Context(), "console: refused a person without a directory role", "user_id", v.User.ID)
		h.render(w, r, nil, http.StatusForbidden, "norole.html", view{Title: "No access to the console", CSRF: v.CSRF, Person: &v.User})
		return nil, false
	}
	if need != "" && !actor.Can(need) {
		h.renderError(w, r, a, http.StatusForbidden, "Not available with your role",
			"Your directory roles ("+joinNames(a.RoleNames())+") do not include this part of the console. Ask a Global Administrator if you need it.")
		return nil, false
	}
	return a, true
}

// toSignIn sends the person to sign in and come back: to this page after a GET,
// to the console's start after a form, whose answer cannot be replayed.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := Prefix
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	h.pages.ToSignIn(w, r, next)
}

// needPasskey is needpasskey.html's data.
type needPasskey struct {
	UPN              string
	RegistrationOnly bool
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	out := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			out += " and " + n
		} else {
			out += ", " + n
		}
	}
	return out
}
