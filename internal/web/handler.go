package web

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie is the name of the session cookie.
const SessionCookie = "firstkey_session"

// Rate is how many sign-in attempts one source address may make in a period.
// Attempts may come in a burst of up to Attempts; the allowance then refills
// evenly over Per.
type Rate = domain.Rate

// DefaultSignInRate is the per-address sign-in rate when Config leaves it out:
// plenty for a person who mistypes, far too few for guessing passes.
var DefaultSignInRate = Rate{Attempts: 20, Per: time.Minute}

// Config holds what the pages need.
type Config struct {
	Directory *directory.Service
	// Provider issues the codes of applications' sign-in requests that the pages
	// approve.
	Provider *oidc.Provider
	BaseURL  string
	Logger   *slog.Logger
	// SignInRate limits sign-in attempts per source address; the zero value means
	// DefaultSignInRate.
	SignInRate Rate
	// SharedSignInRate keeps each address's allowance in the store, so that
	// replicas on one database share it (PostgreSQL). Without it the allowance
	// is this process's alone, which is exact for one process and spares SQLite,
	// whose writers queue one at a time, a write per attempt.
	SharedSignInRate bool
}

// Handler serves the sign-in and security-info pages and the JSON endpoints
// their WebAuthn script calls.
type Handler struct {
	dir      *directory.Service
	provider *oidc.Provider
	secure   bool // cookies get the Secure flag when served over https
	issuer   string
	log      *slog.Logger
	cop      *http.CrossOriginProtection
	limiter  *ratelimit.Limiter
	shared   bool // the limiter is only a first gate; the store's allowance decides
}

// New builds the page handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if !cfg.SignInRate.Valid() {
		cfg.SignInRate = DefaultSignInRate
	}
	h := &Handler{
		dir:      cfg.Directory,
		provider: cfg.Provider,
		secure:   strings.HasPrefix(cfg.BaseURL, "https://"),
		issuer:   strings.TrimRight(cfg.BaseURL, "/"),
		log:      cfg.Logger,
		cop:      http.NewCrossOriginProtection(),
		limiter:  ratelimit.New(cfg.SignInRate, cfg.Directory.Clock()),
		shared:   cfg.SharedSignInRate,
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return h
}

// Mount registers the pages on mux. Every state-changing route is a POST behind
// http.CrossOriginProtection; those that act for a signed-in person also check
// the session's CSRF token (see csrf.go).
func (h *Handler) Mount(mux *http.ServeMux) {
	handle := func(pattern string, next http.Handler) { mux.Handle(pattern, secureHeaders(h.onIssuerHost(next))) }
	post := func(pattern string, next http.Handler) { handle(pattern, h.cop.Handler(next)) }

	// Signing in.
	handle("GET /login", http.HandlerFunc(h.loginPage))
	handle("GET /login/pass", http.HandlerFunc(h.passPage))
	post("POST /login/tap", h.limited(false, http.HandlerFunc(h.signInWithPass)))
	post("POST /webauthn/login/begin", h.limited(true, http.HandlerFunc(h.beginPasskeyLogin)))
	post("POST /webauthn/login/finish", h.limited(true, http.HandlerFunc(h.finishPasskeyLogin)))
	post("POST /logout", http.HandlerFunc(h.signOut))
	handle("GET /logout", http.HandlerFunc(h.logoutPage))

	// Applications' sign-in requests and devices.
	handle("GET "+oidc.ContinuePath, http.HandlerFunc(h.continueAuth))
	handle("GET "+oidc.DevicePath, h.limited(false, http.HandlerFunc(h.devicePage)))
	post("POST "+oidc.DevicePath, h.limited(false, h.anySessionForm(h.answerDevice)))

	// My Security Info.
	handle("GET /mysecurityinfo", h.page(h.securityInfo))
	post("POST /webauthn/register/begin", h.api(h.beginPasskeyRegistration))
	post("POST /webauthn/register/finish", h.api(h.finishPasskeyRegistration))
	post("POST /mysecurityinfo/passkeys/{id}/rename", h.form(h.renamePasskey))
	post("POST /mysecurityinfo/passkeys/{id}/delete", h.form(h.deletePasskey))
	post("POST /mysecurityinfo/pass/{id}/delete", h.form(h.deletePass))

	handle("GET /static/", noListing(http.FileServerFS(staticFS)))
	handle("GET /favicon.ico", http.HandlerFunc(favicon))
	handle("GET /{$}", http.RedirectHandler("/mysecurityinfo", http.StatusSeeOther))
}

// favicon answers browsers that ask for /favicon.ico before (or without)
// reading a page's icon link: the same SVG, which every current browser shows.
func favicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(w, r, staticFS, "static/favicon.svg")
}

// secureHeaders sets the headers every page, script and JSON answer carries. The
// policy allows scripts and styles from this origin only: no inline code.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp(""))
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// csp is the pages' Content-Security-Policy. extraFormAction names one more
// origin forms may lead to: browsers apply form-action to every redirect after a
// form is sent, so the pass form of an application's sign-in must be allowed to
// end at that application's redirect URI.
func csp(extraFormAction string) string {
	formAction := "'self'"
	if extraFormAction != "" {
		formAction += " " + extraFormAction
	}
	return "default-src 'self'; base-uri 'none'; form-action " + formAction + "; frame-ancestors 'none'"
}

// crossOriginDenied answers a state-changing request that another site's page
// made: a form page for people, JSON for the script's endpoints.
func (h *Handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.log.WarnContext(r.Context(), "cross-origin request refused", "path", r.URL.Path, "ip", clientIP(r))
	msg := "This request came from another website, so it was not carried out. Open firstkey directly and try again."
	if isAPI(r) {
		writeError(w, http.StatusForbidden, "crossOriginRequest", msg)
		return
	}
	h.renderMessage(w, r, http.StatusForbidden, "Request refused", msg)
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/webauthn/") }

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
