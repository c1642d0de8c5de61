package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// authRequest presents a domain.AuthRequest as zitadel's op.AuthRequest. After
// the code exchange it also carries the grant the exchange created.
type authRequest struct {
	r     domain.AuthRequest
	grant *domain.Grant
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetACR() string         { return domain.ACR(a.r.AMR) }
func (a *authRequest) GetAMR() []string       { return a.r.AMR }
func (a *authRequest) GetAudience() []string  { return audience(a.r.ClientID, a.r.Scopes) }
func (a *authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.r.Scopes }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return a.r.UserID }
func (a *authRequest) Done() bool             { return a.r.Done() }

func (a *authRequest) GetResponseType() zoidc.ResponseType {
	return zoidc.ResponseType(a.r.ResponseType)
}
func (a *authRequest) GetResponseMode() zoidc.ResponseMode {
	return zoidc.ResponseMode(a.r.ResponseMode)
}

func (a *authRequest) GetCodeChallenge() *zoidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &zoidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: zoidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// audience of a user's tokens: the application, and firstkey's own API only when
// the application asked for it, so that an ordinary sign-in never hands the
// application a token it could use against the directory as that person.
func audience(clientID string, scopes []string) []string {
	if slices.ContainsFunc(scopes, isAPIScope) {
		return []string{clientID, Audience}
	}
	return []string{clientID}
}

// CreateAuthRequest stores a request zitadel has validated against the client.
// hintSubject is the user the request's id_token_hint names (zitadel verified it).
func (s *storage) CreateAuthRequest(ctx context.Context, req *zoidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	if req.ResponseType != zoidc.ResponseTypeCode {
		return nil, zoidc.ErrInvalidRequest().WithDescription("only response_type=code is supported")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != zoidc.CodeChallengeMethodS256 {
		return nil, zoidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.CodeChallenge != "" && !validS256Challenge(req.CodeChallenge) {
		return nil, zoidc.ErrInvalidRequest().WithDescription("code_challenge must be the 43-character base64url SHA-256 of the code_verifier (RFC 7636 §4.2)")
	}
	app, err := s.application(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if !registeredRedirect(app.AllRedirectURIs(), req.RedirectURI) {
		// Redirect disabled: the browser is never sent to the URI.
		return nil, zoidc.ErrInvalidRequestRedirectURI().WithDescription("The requested redirect_uri is not registered for this application.")
	}
	if slices.Contains(app.SPARedirectURIs, req.RedirectURI) && req.CodeChallenge == "" {
		return nil, zoidc.ErrInvalidRequest().WithDescription("a single-page application must use PKCE: send code_challenge with code_challenge_method=S256")
	}
	r := domain.AuthRequest{
		ClientID: req.ClientID, RedirectURI: req.RedirectURI, Scopes: req.Scopes, State: req.State,
		Nonce: req.Nonce, ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, LoginHint: req.LoginHint, HintSubject: hintSubject,
		RequestedStrength: domain.StrengthOfACRValues(req.ACRValues),
	}
	if req.MaxAge != nil {
		d := time.Duration(*req.MaxAge) * time.Second
		r.MaxAge = &d
	}
	stored, err := s.dir.CreateAuthRequest(ctx, r)
	if err != nil {
		return nil, oauthError(ctx, err, zoidc.ErrInvalidRequest)
	}
	return &authRequest{r: stored}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.dir.LoadAuthRequest(ctx, id)
	if err != nil {
		return nil, oauthError(ctx, err, zoidc.ErrInvalidRequest)
	}
	return &authRequest{r: r}, nil
}

// SaveAuthCode keeps the code's hash; zitadel's codes are encrypted request ids,
// but only the hash is needed to find the request again.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	if err := s.dir.IssueAuthCode(ctx, id, code); err != nil {
		return oauthError(ctx, err, zoidc.ErrInvalidRequest)
	}
	return nil
}

// AuthRequestByCode spends the code: zitadel calls it once per exchange, before
// it checks PKCE and the client, so a code that fails those checks is spent too
// (an attacker holding a stolen code gets one try, and the real client's
// exchange then revokes whatever that try obtained).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, g, err := s.dir.RedeemAuthCode(ctx, code, callFrom(ctx).clientID)
	if err != nil {
		return nil, oauthError(ctx, err, zoidc.ErrInvalidGrant)
	}
	callFrom(ctx).useGrant(g)
	return &authRequest{r: r, grant: &g}, nil
}

// DeleteAuthRequest does nothing: a redeemed request is kept until it expires,
// so that a replayed code is recognised and revokes what the first exchange got.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// oauthError turns a directory error into an OAuth error: rule violations keep
// their message as the description, anything else is a server error.
func oauthError(ctx context.Context, err error, kind func() *zoidc.Error) error {
	if domain.Unavailable(err) {
		return storeFault(ctx, err)
	}
	var oerr *zoidc.Error
	if errors.As(err, &oerr) {
		return oerr
	}
	var derr *domain.Error
	if errors.As(err, &derr) {
		if errors.Is(err, directory.ErrInvalidGrant) {
			return zoidc.ErrInvalidGrant().WithDescription("%s", derr.Message)
		}
		return kind().WithDescription("%s", derr.Message)
	}
	return storeFault(ctx, err)
}

// AuthErrorURL is the redirect that returns an OAuth error to the application
// of an authorization request (prompt=none that cannot be satisfied, a person
// who cancels). The request's redirect URI was checked when it was made.
func (p *Provider) AuthErrorURL(r domain.AuthRequest, e *zoidc.Error) (string, error) {
	e.State = r.State
	mode := zoidc.ResponseMode(r.ResponseMode)
	if mode == zoidc.ResponseModeFormPost {
		mode = zoidc.ResponseModeQuery // a link or redirect cannot post a form
	}
	u, err := op.AuthResponseURL(r.RedirectURI, zoidc.ResponseType(r.ResponseType), mode, e, p.op.Encoder())
	if err != nil {
		return "", fmt.Errorf("build error redirect: %w", err)
	}
	return u, nil
}

// validS256Challenge reports whether c can be an S256 code challenge: the
// unpadded base64url of a SHA-256 digest. Anything else cannot have been made
// from a verifier the way RFC 7636 says, and would let a weak verifier through.
func validS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validVerifier reports whether v is a code verifier as RFC 7636 §4.1 defines
// it: 43 to 128 unreserved characters, at least 256 bits for a random one.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	return true
}

// registeredRedirect is firstkey's own check of a redirect URI, after zitadel's,
// which for native clients compares only the path and query of loopback URIs.
// A URI must be registered exactly; a registered loopback one (http on an IP
// address of the loopback range) may differ in its port alone, as RFC 8252 §7.3
// lets a native application pick a free port. Never with a fragment or user
// information (RFC 6749 §3.1.2).
func registeredRedirect(registered []string, uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Fragment != "" || u.User != nil || strings.Contains(uri, "#") {
		return false
	}
	for _, reg := range registered {
		if reg == uri {
			return true
		}
		ru, err := url.Parse(reg)
		if err != nil || ru.Scheme != "http" || u.Scheme != "http" {
			continue
		}
		if ip := net.ParseIP(ru.Hostname()); ip != nil && ip.IsLoopback() && u.Hostname() == ru.Hostname() &&
			u.EscapedPath() == ru.EscapedPath() && u.RawQuery == ru.RawQuery {
			return true
		}
	}
	return false
}
