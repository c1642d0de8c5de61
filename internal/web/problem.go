package web

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/oidc"
)

// messagePage is message.html's own data: what the person can do next.
type messagePage struct {
	Advice string
}

// ShowProblem answers a request the token service refuses with a page in the
// sign-in pages' look (an unknown application, a redirect URI that is not
// registered): what went wrong, and what to do. It sets the headers every page
// carries, since the token service's routes do not go through Mount's.
func (h *Handler) ShowProblem(w http.ResponseWriter, r *http.Request, pr oidc.Problem) {
	secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := view{Title: pr.Title, Error: pr.Message, Page: messagePage{Advice: pr.Advice}}
		if s, err := h.currentSession(r); err == nil {
			v.Account = s.account()
		}
		h.render(w, r, pr.Status, "message.html", v)
	})).ServeHTTP(w, r)
}
