package console

import (
	"net/http"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

func (h *Handler) mountPeople(rt router) {
	rt.page(Prefix+"/people", domain.ActReadUsers, h.people)
	rt.page(Prefix+"/people/new", domain.ActWriteUsers, h.newPersonForm)
	rt.form(Prefix+"/people/new", h.createPerson)
	rt.page(Prefix+"/people/{id}", domain.ActReadUsers, h.person)
	rt.page(Prefix+"/people/{id}/edit", domain.ActWriteUsers, h.editPersonForm)
	rt.form(Prefix+"/people/{id}/edit", h.editPerson)
	rt.form(Prefix+"/people/{id}/disable", h.setEnabled(false))
	rt.form(Prefix+"/people/{id}/enable", h.setEnabled(true))
	rt.page(Prefix+"/people/{id}/delete", domain.ActWriteUsers, h.deletePersonConfirm)
	rt.form(Prefix+"/people/{id}/delete", h.deletePerson)
	rt.form(Prefix+"/people/{id}/groups/add", h.addToGroup)
	rt.form(Prefix+"/people/{id}/groups/{group}/remove", h.removeFromGroup)
	rt.form(Prefix+"/people/{id}/roles/add", h.assignRole)
	rt.form(Prefix+"/people/{id}/roles/{role}/remove", h.removeRole)
	rt.form(Prefix+"/people/{id}/passkeys/{key}/delete", h.deletePasskey)
	rt.form(Prefix+"/people/{id}/sessions/revoke", h.revokeSessions)
	rt.form(Prefix+"/people/{id}/unlock", h.unlock)
}

// peopleSize is how many people a page of the list shows.
const peopleSize = 25

// maxQuery bounds a search: nobody's name is longer.
const maxQuery = 100

// peoplePage is people.html's data.
type peoplePage struct {
	Query    string
	People   []personRow
	Pager    pager
	CanWrite bool
}

// personRow is one person in the list.
type personRow struct {
	domain.User
}

// people lists the directory, or the people whose name, username or email
// contains the search. The search is a GET form, so it works without script
// and every result list has an address; console.js only runs it as you type.
func (h *Handler) people(w http.ResponseWriter, r *http.Request, a *Admin) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		q = q[:maxQuery]
	}
	p := peoplePage{Query: q, Pager: pageOf(r, peopleSize), CanWrite: a.Can(domain.ActWriteUsers)}
	opts := store.ListOptions{Top: p.Pager.Size, Skip: p.Pager.Skip(), Count: true,
		OrderBy: []odata.OrderBy{{Field: "displayName"}, {Field: "userPrincipalName"}}}
	if q != "" {
		opts.Filter = searchUsers(q)
	}
	users, total, err := h.dir.ListUsers(r.Context(), a.Actor, opts)
	if err != nil {
		return err
	}
	p.Pager.Total = total
	for _, u := range users {
		p.People = append(p.People, personRow{User: u})
	}
	h.render(w, r, a, http.StatusOK, "people.html", view{Title: "People", Page: p})
	return nil
}

// searchUsers matches people whose display name, userPrincipalName or mail
// contains q, ignoring case.
func searchUsers(q string) odata.Expr {
	v := odata.Value{Kind: odata.KindString, String: q}
	var e odata.Expr
	for _, f := range []string{"displayName", "userPrincipalName", "mail"} {
		c := odata.Func{Name: "contains", Field: f, Value: v}
		if e == nil {
			e = c
		} else {
			e = odata.Logical{Op: "or", Left: e, Right: c}
		}
	}
	return e
}
