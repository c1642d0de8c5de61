package console

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func (h *Handler) mountHome(rt router) {
	rt.page(Prefix+"/{$}", "", h.home)
	rt.page(Prefix, "", h.home)
}

// homePage is home.html's data.
type homePage struct {
	FirstName string
	Roles     []string
	People    int // -1 when the roles do not allow reading people
	Areas     []navItem
}

// home is the console's start: who you are, what your roles let you do, and a
// search box, since finding a person is how most service-desk work starts.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, a *Admin) error {
	p := homePage{FirstName: a.User.GivenName, Roles: a.RoleNames(), People: -1}
	if p.FirstName == "" {
		p.FirstName = a.User.DisplayName
	}
	if a.Can(domain.ActReadUsers) {
		_, n, err := h.dir.ListUsers(r.Context(), a.Actor, store.ListOptions{Top: 1, Count: true})
		if err != nil {
			return err
		}
		p.People = n
	}
	for _, n := range navFor(a, "") {
		if n.Path != Prefix {
			p.Areas = append(p.Areas, n)
		}
	}
	h.render(w, r, a, http.StatusOK, "home.html", view{Title: "Overview", Page: p})
	return nil
}
