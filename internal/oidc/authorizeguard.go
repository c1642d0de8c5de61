package oidc

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Problem is what a person is shown when a request that brought them to
// firstkey cannot go on: what went wrong, and what to do about it.
type Problem struct {
	Status  int
	Title   string
	Message string // what went wrong
	Advice  string // what to do
}

// authorizeGuard checks, before zitadel, what decides whether an authorization
// request may go back to its application at all: the client and the redirect
// URI. A person who arrives with a request that fails there sees a page saying
// so (the application cannot be told); an unsupported response_type for a
// registered redirect URI goes back to the application as
// unsupported_response_type, in the response mode it asked for. Whatever else
// zitadel refuses without a redirect is shown as a page too.
func (p *Provider) authorizeGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("request") != "" || r.Form.Get("request_uri") != "" {
			next.ServeHTTP(p.problemPages(w, r, problemBadRequest), r) // zitadel refuses request objects
			return
		}
		clientID, redirectURI := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
		if clientID == "" {
			p.showProblem(w, r, Problem{Status: http.StatusBadRequest, Title: "This sign-in link is incomplete",
				Message: "The application that sent you here did not say which application it is: its sign-in request has no client_id.",
				Advice:  "Go back to the application and try again. If it happens again, tell the application's administrator."})
			return
		}
		app, err := p.storage.application(r.Context(), clientID)
		if errors.Is(err, errUnknownClient) {
			p.showProblem(w, r, Problem{Status: http.StatusBadRequest, Title: "This application is not registered",
				Message: fmt.Sprintf("The application that sent you here (client id %s) is not registered with firstkey, so you cannot sign in to it here.", truncate(clientID, 64)),
				Advice:  "Go back to the application and check that it is set up for this firstkey. Its administrator can register it with 'firstkey app create' or the /v1.0/applications API."})
			return
		}
		if err != nil {
			p.log.ErrorContext(r.Context(), "authorize: load application", "client_id", clientID, "error", err)
			p.showProblem(w, r, Problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
				Message: "Something went wrong on our side.", Advice: "Please go back to the application and try again in a moment."})
			return
		}
		if redirectURI == "" || !registeredRedirect(app.AllRedirectURIs(), redirectURI) {
			msg := app.DisplayName + " did not say where to send you back after signing in (its request has no redirect_uri)."
			if redirectURI != "" {
				msg = fmt.Sprintf("%s asked firstkey to send you back to %s after signing in, but that address is not registered for it, so firstkey will not go there.",
					app.DisplayName, truncate(redirectURI, 200))
			}
			p.showProblem(w, r, Problem{Status: http.StatusBadRequest, Title: "Sign-in could not start", Message: msg,
				Advice: "Go back to the application and try again. If it happens again, tell its administrator to register the address as a redirect URI of the application in firstkey."})
			return
		}
		if rt := r.Form.Get("response_type"); rt != string(zoidc.ResponseTypeCode) {
			// zitadel has no constructor for RFC 6749 §4.1.2.1's code.
			e := &zoidc.Error{ErrorType: "unsupported_response_type",
				Description: "firstkey supports only response_type=code (the authorization code flow, with PKCE); configure the application to use it"}
			if rt == "" {
				e = zoidc.ErrInvalidRequest().WithDescription("response_type is missing; firstkey supports response_type=code")
			}
			p.errorToApp(w, r, redirectURI, rt, e)
			return
		}
		next.ServeHTTP(p.problemPages(w, r, problemBadRequest), r)
	})
}

// problemBadRequest is shown for what zitadel refuses without a redirect.
var problemBadRequest = Problem{Title: "Sign-in could not start",
	Message: "The application's sign-in request could not be understood.",
	Advice:  "Go back to the application and try again. If it happens again, tell the application's administrator."}

// errorToApp sends an error back to a registered redirect URI, in the response
// mode the request asked for (RFC 6749 §4.1.2.1; OAuth 2.0 Multiple Response
// Type Encoding Practices: fragment by default when tokens were asked for).
func (p *Provider) errorToApp(w http.ResponseWriter, r *http.Request, redirectURI, responseType string, e *zoidc.Error) {
	e.State = r.Form.Get("state")
	mode := zoidc.ResponseMode(r.Form.Get("response_mode"))
	switch mode {
	case zoidc.ResponseModeQuery, zoidc.ResponseModeFragment, zoidc.ResponseModeFormPost:
	default:
		mode = zoidc.ResponseModeQuery
		for _, t := range strings.Fields(responseType) {
			if t == "token" || t == "id_token" {
				mode = zoidc.ResponseModeFragment
			}
		}
	}
	p.log.InfoContext(r.Context(), "authorization request refused", "client_id", r.Form.Get("client_id"), "error", string(e.ErrorType), "description", e.Description)
	if mode == zoidc.ResponseModeFormPost {
		// zitadel's form_post page carries tokens and codes, not errors.
		if err := formPostPolicy(w, redirectURI); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if err := errorFormPost.Execute(w, struct {
				RedirectURI string
				Error       *zoidc.Error
			}{redirectURI, e}); err != nil {
				p.log.ErrorContext(r.Context(), "write form_post error", "error", err)
			}
			return
		}
		mode = zoidc.ResponseModeQuery
	}
	u, err := op.AuthResponseURL(redirectURI, zoidc.ResponseType(responseType), mode, e, p.op.Encoder())
	if err != nil {
		p.showProblem(w, r, Problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "Something went wrong on our side.", Advice: "Please go back to the application and try again in a moment."})
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// errorFormPost posts an authorization error to the application (OAuth 2.0
// Form Post Response Mode), submitting itself as zitadel's page does.
var errorFormPost = template.Must(template.New("form_post_error").Parse(`<!doctype html>
<html>
<head><meta charset="utf-8"><title>Returning to the application</title></head>
<body onload="javascript:document.forms[0].submit()">
<form method="post" action="{{.RedirectURI}}">
<input type="hidden" name="error" value="{{.Error.ErrorType}}">
<input type="hidden" name="error_description" value="{{.Error.Description}}">
{{with .Error.State}}<input type="hidden" name="state" value="{{.}}">{{end}}
<noscript><button type="submit">Continue</button></noscript>
</form>
</body>
</html>
`))

// formPostPolicy lets a form_post page submit itself, from an inline onload,
// to the application's redirect URI, and nowhere else.
func formPostPolicy(w http.ResponseWriter, redirectURI string) error {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return fmt.Errorf("parse redirect URI: %w", err)
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; form-action "+
		u.Scheme+"://"+u.Host+"; base-uri 'none'; frame-ancestors 'none'")
	return nil
}

// showProblem shows a person a branded page, or plain text when no sign-in
// pages are connected (the provider alone, in its package's tests).
func (p *Provider) showProblem(w http.ResponseWriter, r *http.Request, pr Problem) {
	if p.storage.browser != nil {
		p.storage.browser.ShowProblem(w, r, pr)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(pr.Status)
	fmt.Fprintf(w, "%s\n\n%s\n%s\n", pr.Title, pr.Message, pr.Advice)
}

// problemPages replaces an error zitadel answers a person's browser with (an
// authorization or logout request it refuses without a redirect, in text/plain
// or JSON) by a page showing fallback. zitadel's own text is its internal error
// chain: it goes to the log, not to the person.
func (p *Provider) problemPages(w http.ResponseWriter, r *http.Request, fallback Problem) http.ResponseWriter {
	if p.storage.browser == nil {
		return w
	}
	return &problemWriter{ResponseWriter: w, p: p, r: r, fallback: fallback}
}

type problemWriter struct {
	http.ResponseWriter
	p        *Provider
	r        *http.Request
	fallback Problem
	replaced bool
}

func (w *problemWriter) WriteHeader(status int) {
	if status < 400 {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
	pr := w.fallback
	pr.Status = status
	if status >= 500 {
		pr.Message, pr.Advice = "Something went wrong on our side.", "Please go back to the application and try again in a moment."
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Type")
	w.p.showProblem(w.ResponseWriter, w.r, pr)
}

func (w *problemWriter) Write(b []byte) (int, error) {
	if w.replaced {
		w.p.log.InfoContext(w.r.Context(), "request refused", "path", w.r.URL.Path, "detail", truncate(strings.TrimSpace(string(b)), 300))
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
