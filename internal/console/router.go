package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/web"
)

// handlerFunc is a console page or form for a signed-in administrator. It
// renders or redirects itself and returns nil, or returns an error that the
// router renders (see Handler.fail).
type handlerFunc func(w http.ResponseWriter, r *http.Request, a *Admin) error

// router registers an area's routes with the console's checks around them.
type router struct {
	h   *Handler
	mux *http.ServeMux
}

// formLimit bounds a posted form that carries no file.
const formLimit = 64 << 10

// page registers a GET page at path (a ServeMux pattern without the method)
// that only administrators whose roles allow need may open.
func (rt router) page(path string, need domain.Action, fn handlerFunc) {
	h := rt.h
	rt.mux.Handle("GET "+path, h.pages.PageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.admin(w, r, need)
		if !ok {
			return
		}
		if err := fn(w, r, a); err != nil {
			h.fail(w, r, a, err)
		}
	})))
}

// form registers a POSTed form at path. It refuses cross-origin requests and
// forms without the session's CSRF token before anything else; what the
// administrator may do is then the directory's decision.
func (rt router) form(path string, fn handlerFunc) {
	rt.post(path, formLimit, false, fn)
}

// upload registers a POSTed multipart form (a file upload) of at most limit bytes.
func (rt router) upload(path string, limit int64, fn handlerFunc) {
	rt.post(path, limit, true, fn)
}

func (rt router) post(path string, limit int64, multipart bool, fn handlerFunc) {
	h := rt.h
	rt.mux.Handle("POST "+path, h.pages.PageHeaders(h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var err error
		if multipart && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			err = r.ParseMultipartForm(limit)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			msg := "The form could not be read. Go back and try again."
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				msg = "What you sent is too large. Go back and send less at once."
			}
			h.renderError(w, r, nil, http.StatusBadRequest, "Request refused", msg)
			return
		}
		a, ok := h.admin(w, r, "")
		if !ok {
			return
		}
		if !web.ValidCSRF(web.Visitor{CSRF: a.CSRF}, r.FormValue(web.CSRFField)) {
			h.log.WarnContext(r.Context(), "console: form refused: missing or wrong CSRF token", "path", r.URL.Path, "user_id", a.User.ID)
			h.renderError(w, r, a, http.StatusForbidden, "Request refused",
				"This form has expired or did not come from the console. Go back, reload the page and try again.")
			return
		}
		if err := fn(w, r, a); err != nil {
			h.fail(w, r, a, err)
		}
	}))))
}
