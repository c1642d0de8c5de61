package oidc

import (
	"context"
	"net/http"

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
}

var _ op.CanTerminateSessionFromRequest = (*storage)(nil)

type endSessionKey struct{}

type endSessionCall struct {
	w http.ResponseWriter
	r *http.Request
}

// endSession hands zitadel's end-session handler the browser's request, so
// that TerminateSessionFromRequest can end the browser session.
func (p *Provider) endSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), endSessionKey{}, &endSessionCall{w: w, r: r})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
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
