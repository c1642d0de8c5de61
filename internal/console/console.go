package console

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the console is mounted.
const Prefix = "/admin"

// Config holds what the console needs.
type Config struct {
	Directory *directory.Service
	// Pages are the sign-in pages, whose browser session the console uses.
	Pages   *web.Handler
	BaseURL string
	Logger  *slog.Logger
}

// Handler serves the console.
type Handler struct {
	dir    *directory.Service
	pages  *web.Handler
	issuer string
	secure bool
	log    *slog.Logger
	cop    *http.CrossOriginProtection
}

// New builds the console.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{
		dir:    cfg.Directory,
		pages:  cfg.Pages,
		issuer: strings.TrimRight(cfg.BaseURL, "/"),
		secure: strings.HasPrefix(cfg.BaseURL, "https://"),
		log:    cfg.Logger,
		cop:    http.NewCrossOriginProtection(),
	}
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log.WarnContext(r.Context(), "console: cross-origin request refused", "path", r.URL.Path)
		h.renderError(w, r, nil, http.StatusForbidden, "Request refused",
			"This request came from another website, so it was not carried out. Open the console directly and try again.")
	}))
	return h
}

// Mount registers the console's pages on mux: every area of nav.go, the
// console's own static files, and /admin itself.
func (h *Handler) Mount(mux *http.ServeMux) {
	rt := router{h: h, mux: mux}
	for _, a := range areas {
		if a.Mount != nil {
			a.Mount(h, rt)
		}
	}
	mux.Handle("GET "+Prefix+"/static/", h.pages.PageHeaders(http.StripPrefix(Prefix, noListing(http.FileServerFS(staticFS)))))
	mux.Handle(Prefix+"/", h.pages.PageHeaders(http.HandlerFunc(h.notFound)))
}

// notFound answers a console address that is no page, after checking who asks,
// so that the console's layout of pages is not shown to strangers.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	a, ok := h.admin(w, r, "")
	if !ok {
		return
	}
	h.renderError(w, r, a, http.StatusNotFound, "Page not found", "There is no such page in the console. Use the menu to find what you were looking for.")
}

// noListing serves files but not the listing of their folder.
func noListing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
