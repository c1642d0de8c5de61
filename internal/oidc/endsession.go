package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// LogoutPath is where the sign-in pages ask a person to confirm signing out.
const LogoutPath = "/logout"

// Browser ends the sign-in pages' session in the browser that follows an
// application's logout redirect. The web package implements it; the provider
// only knows that a browser session exists.
type Browser interface {
	// EndBrowserSession signs out the request's browser session, with every
	// grant it gave, if it belongs to userID.
	EndBrowserSession(w http.ResponseWriter, r *http.Request, userID string) error
	// ShowProblem answers the browser with a page in the sign-in pages' look
	// that says what went wrong and what to do.
	ShowProblem(w http.ResponseWriter, r *http.Request, pr Problem)
}

var _ op.CanTerminateSessionFromRequest = (*storage)(nil)

type endSessionKey struct{}

type endSessionCall struct {
	w http.ResponseWriter
	r *http.Request
}

// endSession hands zitadel's end-session handler the browser's request, so
// that TerminateSessionFromRequest can end the browser session.
// A request it refuses (an unknown application, a post_logout_redirect_uri
// that is not the application's) is answered with a page for the person.
func (p *Provider) endSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pr, bad := p.checkLogoutRedirect(r); bad {
			p.showProblem(w, r, pr)
			return
		}
		w = p.problemPages(w, r, Problem{Title: "Sign-out could not finish",
			Message: "The application's sign-out request could not be understood, so you were not signed out of firstkey.",
			Advice:  "To sign out, open My Security Info and choose Sign out. If it happens again, tell the application's administrator."})
		ctx := context.WithValue(r.Context(), endSessionKey{}, &endSessionCall{w: w, r: r})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkLogoutRedirect finds, before zitadel, the logout requests it would
// refuse in JSON that a person must understand: a post_logout_redirect_uri
// for an application that does not exist or that it does not belong to.
func (p *Provider) checkLogoutRedirect(r *http.Request) (Problem, bool) {
	uri := r.Form.Get("post_logout_redirect_uri")
	if uri == "" {
		return Problem{}, false
	}
	clientID := r.Form.Get("client_id")
	if hint := r.Form.Get("id_token_hint"); clientID == "" && hint != "" {
		ctx := op.ContextWithIssuer(r.Context(), p.issuer)
		claims, err := op.VerifyIDTokenHint[*zoidc.IDTokenClaims](ctx, hint, p.op.IDTokenHintVerifier(ctx))
		if err == nil || errors.As(err, &op.IDTokenHintExpiredError{}) {
			clientID = claims.GetAuthorizedParty()
		}
	}
	if clientID == "" {
		return Problem{}, false // zitadel then ignores the URI and shows the signed-out page
	}
	app, err := p.storage.application(r.Context(), clientID)
	if errors.Is(err, errUnknownClient) {
		return Problem{Status: http.StatusBadRequest, Title: "This application is not registered",
			Message: fmt.Sprintf("The application that sent you here to sign out (client id %s) is not registered with firstkey, so you were not signed out.", truncate(clientID, 64)),
			Advice:  "To sign out of firstkey, open My Security Info and choose Sign out."}, true
	}
	if err != nil {
		return Problem{}, false // zitadel meets the same fault and answers it
	}
	if !slices.Contains(app.AllRedirectURIs(), uri) {
		return Problem{Status: http.StatusBadRequest, Title: "Sign-out could not finish",
			Message: fmt.Sprintf("%s asked firstkey to send you to %s after signing out, but that address is not registered for it, so you were not signed out and firstkey will not go there.",
				app.DisplayName, truncate(uri, 200)),
			Advice: "To sign out of firstkey, open My Security Info and choose Sign out. Tell the application's administrator to register the address as a redirect URI in firstkey."}, true
	}
	return Problem{}, false
}

// TerminateSessionFromRequest signs the browser out when the application
// proves who it signs out with an id_token_hint. Without one, any site could
// sign people out with a link, so the person is asked to confirm instead
// (OpenID Connect RP-Initiated Logout §2).
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if req.IDTokenHintClaims == nil || req.UserID == "" || req.IDTokenHintClaims.Claims["idtyp"] != nil {
		// No proof, or an access token (it carries idtyp; ID tokens do not),
		// which an application may have handed to others: ask the person.
		return s.baseURL + LogoutPath, nil
	}
	c, ok := ctx.Value(endSessionKey{}).(*endSessionCall)
	if ok && s.browser != nil {
		if err := s.browser.EndBrowserSession(c.w, c.r, req.UserID); err != nil {
			return "", unavailableOr(ctx, err)
		}
	}
	return req.RedirectURI, nil
}

// TerminateSession is zitadel's older interface; TerminateSessionFromRequest
// replaces it and this is never called.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }
