package console

import (
	"net/http"
	"slices"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// personPage is person.html's data: a person and everything the service desk
// looks at when helping them. Sections the administrator's roles cannot read
// are left out (their Show flag is false).
type personPage struct {
	User    domain.User
	Manager *domain.User
	Roles   []domain.Role

	// What the administrator may do here, by the domain's own rules: the
	// directory still decides on every form.
	CanEdit, CanEditGroups, CanMethods, CanRoles, CanHelp bool
	// WhyNotEdit and WhyNotMethods say, in the directory's words, why not.
	WhyNotEdit, WhyNotMethods string

	ShowGroups  bool
	Groups      []domain.Group
	OtherGroups []domain.Group // groups the person may be added to

	ShowMethods bool
	Passkeys    []domain.Passkey
	Passes      []passRow

	Sessions []domain.Session
	Apps     []directory.AppSignIn
	Lockout  directory.Lockout

	OtherRoles []domain.Role

	ShowSignIns bool
	SignIns     []domain.SignIn
	Now         time.Time
}

// passRow is a person's pass as the page shows it.
type passRow struct {
	directory.PassView
	ReasonText string
}

// reasonText says why a pass can or cannot be used, for the service desk.
func reasonText(r domain.UsabilityReason) string {
	switch r {
	case domain.EnabledByPolicy:
		return "Usable now"
	case domain.DisabledByPolicy:
		return "Not usable: the pass policy is off or does not include this person"
	case domain.Expired:
		return "Expired"
	case domain.NotYetValid:
		return "Not valid yet: it starts later"
	case domain.OneTimeUsed:
		return "Used (it was one-time)"
	}
	return string(r)
}

// person is a person's page.
func (h *Handler) person(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	u, err := h.dir.GetUser(ctx, a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := personPage{User: u, Now: time.Now()}
	if p.Roles, err = h.dir.UserRoles(ctx, u.ID); err != nil {
		return err
	}
	if u.ManagerID != "" {
		if m, err := h.dir.Manager(ctx, a.Actor, u.ID); err == nil {
			p.Manager = &m
		}
	}
	if a.Can(domain.ActWriteUsers) {
		err := a.Actor.CanManageUser(u, p.Roles)
		p.CanEdit, p.WhyNotEdit = err == nil, errText(err)
	}
	if a.Can(domain.ActWriteMethods) {
		err := a.Actor.CanManageMethodsOf(u, p.Roles)
		p.CanMethods, p.WhyNotMethods = err == nil, errText(err)
	}
	p.CanHelp = p.CanEdit || p.CanMethods
	if a.Can(domain.ActWriteGroups) {
		p.CanEditGroups = a.Actor.CanChangeGroupsOf(u, p.Roles) == nil
	}
	if a.Can(domain.ActManageRoles) {
		p.CanRoles = true
		for _, role := range domain.Roles {
			if !slices.Contains(p.Roles, role) {
				p.OtherRoles = append(p.OtherRoles, role)
			}
		}
	}
	if p.ShowGroups = a.Can(domain.ActReadGroups); p.ShowGroups {
		if p.Groups, err = h.dir.MemberOf(ctx, a.Actor, u.ID); err != nil {
			return err
		}
		if p.CanEditGroups {
			all, _, err := h.dir.ListGroups(ctx, a.Actor, store.ListOptions{Top: 200, OrderBy: []odata.OrderBy{{Field: "displayName"}}})
			if err != nil {
				return err
			}
			for _, g := range all {
				if !slices.ContainsFunc(p.Groups, func(x domain.Group) bool { return x.ID == g.ID }) {
					p.OtherGroups = append(p.OtherGroups, g)
				}
			}
		}
	}
	if p.ShowMethods = a.Can(domain.ActReadMethods); p.ShowMethods {
		if p.Passkeys, err = h.dir.ListPasskeys(ctx, a.Actor, u.ID); err != nil {
			return err
		}
		views, err := h.dir.ListPasses(ctx, a.Actor, u.ID)
		if err != nil {
			return err
		}
		for _, v := range views {
			p.Passes = append(p.Passes, passRow{PassView: v, ReasonText: reasonText(v.Reason)})
		}
	}
	if p.Sessions, err = h.dir.UserSessions(ctx, a.Actor, u.ID); err != nil {
		return err
	}
	if p.Apps, err = h.dir.UserGrants(ctx, a.Actor, u.ID); err != nil {
		return err
	}
	if p.Lockout, err = h.dir.LockoutOf(ctx, a.Actor, u.ID); err != nil {
		return err
	}
	if p.ShowSignIns = a.Can(domain.ActReadAudit); p.ShowSignIns {
		p.SignIns, _, err = h.dir.ListSignIns(ctx, a.Actor, store.ListOptions{Top: 10,
			Filter: odata.Compare{Field: "userId", Op: odata.Eq, Value: odata.Value{Kind: odata.KindString, String: u.ID}}})
		if err != nil {
			return err
		}
	}
	h.render(w, r, a, http.StatusOK, "person.html", view{Title: u.DisplayName, Page: p})
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return explain(err)
}

func (h *Handler) addToGroup(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := h.dir.GetGroup(ctx, a.Actor, r.PostForm.Get("group"))
	if err != nil {
		return err
	}
	if err := h.dir.AddGroupMember(ctx, a.Actor, g.ID, id); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#groups", "Added to the group "+g.DisplayName+".")
}

func (h *Handler) removeFromGroup(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := h.dir.GetGroup(ctx, a.Actor, r.PathValue("group"))
	if err != nil {
		return err
	}
	if err := h.dir.RemoveGroupMember(ctx, a.Actor, g.ID, id); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#groups", "Removed from the group "+g.DisplayName+".")
}

func (h *Handler) assignRole(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	role := domain.Role(r.PostForm.Get("role"))
	if err := h.dir.AssignRole(r.Context(), a.Actor, id, role); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#roles", "The role "+role.DisplayName()+" was assigned.")
}

func (h *Handler) removeRole(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	role := domain.Role(r.PathValue("role"))
	if err := h.dir.RemoveRole(r.Context(), a.Actor, id, role); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#roles", "The role "+role.DisplayName()+" was removed.")
}

func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	id := r.PathValue("id")
	k, err := h.dir.GetPasskey(ctx, a.Actor, id, r.PathValue("key"))
	if err != nil {
		return err
	}
	if err := h.dir.DeletePasskey(ctx, a.Actor, id, k.ID, false); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#methods", "The passkey "+k.DisplayName+" was deleted. It can no longer sign in.")
}

func (h *Handler) revokeSessions(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	got, err := h.dir.RevokeSessions(r.Context(), a.Actor, id)
	if err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#sessions", "Signed out everywhere: "+plural(got.Sessions, "browser session", "browser sessions")+
		" ended and "+plural(got.Grants, "application sign-in", "application sign-ins")+" revoked. Their next request asks them to sign in.")
}

func (h *Handler) unlock(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	if err := h.dir.Unlock(r.Context(), a.Actor, id); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#lockout", "The sign-in lock-out was cleared. They can sign in with their pass again now.")
}
