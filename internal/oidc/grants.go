package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/domain"
)

// Token ids of a person's tokens name their grant ("g.<grant id>.<random>"), so
// that any token presented later (to userinfo, the API, introspection or
// revocation) leads to the grant, and a revoked grant ends every token at once.
const grantTokenPrefix = "g."

func grantTokenID(grantID string) (string, error) {
	r, err := newTokenID()
	if err != nil {
		return "", err
	}
	return grantTokenPrefix + grantID + "." + r, nil
}

// grantOfTokenID returns the grant id a token id names, or "" for an
// application's own token.
func grantOfTokenID(id string) string {
	rest, ok := strings.CutPrefix(id, grantTokenPrefix)
	if !ok {
		return ""
	}
	g, _, _ := strings.Cut(rest, ".")
	return g
}

// sessionID is the sid claim: a stable public name for the browser session,
// derived from (never equal to) the stored hash of its id.
func sessionID(sessionIDHash string) string {
	if sessionIDHash == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("firstkey sid\x00" + sessionIDHash))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// refreshRequest is a refresh-token exchange: the grant the token belongs to.
type refreshRequest struct {
	grant  domain.Grant
	scopes []string
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.grant.AMR }
func (r *refreshRequest) GetAudience() []string       { return audience(r.grant.ClientID, r.scopes) }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.grant.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.grant.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.grant.UserID }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// grantOf returns the grant behind a person's token request.
func grantOf(ctx context.Context, req op.TokenRequest) (*domain.Grant, bool) {
	switch r := req.(type) {
	case *authRequest:
		return r.grant, r.grant != nil
	case *refreshRequest:
		return &r.grant, true
	case *op.DeviceAuthorizationState:
		g := callFrom(ctx).grant
		return g, g != nil
	}
	return nil, false
}

// CreateAccessToken returns the id and expiry of a new JWT access token; zitadel
// signs it. Access tokens are not stored: an application's are verified by
// signature alone, a person's also by their grant.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	now := s.clock.Now()
	if _, ok := req.(*appTokenRequest); ok {
		id, err := newTokenID()
		if err != nil {
			return "", time.Time{}, zoidc.ErrServerError().WithParent(err)
		}
		return id, now.Add(s.lifetime), nil
	}
	g, ok := grantOf(ctx, req)
	if !ok {
		return "", time.Time{}, zoidc.ErrServerError().WithParent(fmt.Errorf("token request %T has no grant", req))
	}
	id, err := grantTokenID(g.ID)
	if err != nil {
		return "", time.Time{}, zoidc.ErrServerError().WithParent(err)
	}
	return id, callFrom(ctx).tokenEnd(now, s.lifetime), nil
}

// CreateAccessAndRefreshTokens adds a refresh token to the grant; on a refresh
// the token presented was already spent by TokenRequestByRefreshToken, so this
// is the rotation.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	g, ok := grantOf(ctx, req)
	if !ok {
		return "", "", time.Time{}, zoidc.ErrServerError().WithParent(fmt.Errorf("token request %T has no grant", req))
	}
	id, exp, err := s.CreateAccessToken(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	refresh, err := s.dir.IssueRefreshToken(ctx, *g)
	if err != nil {
		return "", "", time.Time{}, storeFault(ctx, err)
	}
	return id, refresh, exp, nil
}

// TokenRequestByRefreshToken spends the refresh token. A token presented twice
// revokes its grant (reuse detection, in directory.UseRefreshToken).
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	g, err := s.dir.UseRefreshToken(ctx, token, callFrom(ctx).clientID)
	if err != nil {
		return nil, oauthError(ctx, err, zoidc.ErrInvalidGrant)
	}
	callFrom(ctx).useGrant(g)
	return &refreshRequest{grant: g, scopes: g.Scopes}, nil
}

// refreshScopesGranted refuses, before the refresh token is spent, a refresh
// request for a scope its grant does not hold. zitadel checks the scope only
// after TokenRequestByRefreshToken has rotated the token, so the client would
// lose its refresh token to an invalid_scope. Any other fault is left to the
// usual flow to answer.
func (p *Provider) refreshScopesGranted(w http.ResponseWriter, r *http.Request) bool {
	asked := r.PostForm.Get("scope")
	if asked == "" {
		return true
	}
	g, err := p.storage.dir.RefreshTokenGrant(r.Context(), r.PostForm.Get("refresh_token"))
	if err != nil || g.ClientID != callFrom(r.Context()).clientID {
		return true
	}
	for _, sc := range strings.Split(asked, " ") { // as zitadel splits it
		if !slices.Contains(g.Scopes, sc) {
			writeOAuthError(w, http.StatusBadRequest, zoidc.ErrInvalidScope().
				WithDescription("scope %q was not granted with this refresh token; ask for the scopes it was granted, or fewer", truncate(sc, 100)))
			return false
		}
	}
	return true
}

// GetRefreshTokenInfo lets the revocation endpoint find a refresh token's grant
// without spending the token.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	g, err := s.dir.RefreshTokenGrant(ctx, token)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.UserID, grantTokenPrefix + g.ID, nil
}

// RevokeToken revokes the grant of a person's access or refresh token: the
// whole family goes, since a token worth revoking may have been copied. An
// application's own access tokens are not stored and cannot be revoked; like
// an unknown token, that answers 200 (RFC 7009 §2.2).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *zoidc.Error {
	// zitadel passes the presented string on as it is when it is neither a
	// refresh token nor an access token it verified; only then is userID empty.
	// A bare token id (the jti of an access token, in logs and audit records) is
	// no proof of holding a token, so it revokes nothing.
	if g := grantOfTokenID(tokenOrID); g != "" && userID != "" {
		s.dir.RevokeGrant(ctx, g, clientID, "revoked by the application")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in zitadel; SetUserinfoFromRequest fills ID tokens.
func (s *storage) SetUserinfoFromScopes(context.Context, *zoidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims about the person, and
// the claims zitadel sets only for the authorization code request (acr) or
// never (sid).
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *zoidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.fillUserinfo(ctx, info, req.GetSubject(), scopes); err != nil {
		return err
	}
	if _, ok := req.(op.AuthRequest); !ok {
		info.AppendClaims("acr", domain.ACR(req.GetAMR()))
	}
	if g, ok := grantOf(ctx, req); ok && g.SessionIDHash != "" {
		info.AppendClaims("sid", sessionID(g.SessionIDHash))
	}
	// MSAL keys the accounts it caches by oid and tid.
	info.AppendClaims("oid", req.GetSubject())
	info.AppendClaims("tid", s.tenantID)
	return nil
}

// SetUserinfoFromToken answers the userinfo endpoint for a person's access
// token whose grant is still active.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *zoidc.UserInfo, tokenID, subject, _ string) error {
	g, err := s.activeGrant(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	return s.fillUserinfo(ctx, info, g.UserID, g.Scopes)
}

// SetIntrospectionFromToken describes an active token to the application it
// was issued to; other applications learn only that it is not active for them.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *zoidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if grantOfTokenID(tokenID) == "" {
		if subject != clientID {
			return errors.New("token of another application")
		}
		resp.Subject, resp.ClientID, resp.TokenType = subject, clientID, "Bearer"
		return nil
	}
	g, err := s.activeGrant(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if g.ClientID != clientID {
		return errors.New("token of another application")
	}
	u, err := s.dir.UserClaims(ctx, g.UserID)
	if err != nil {
		return unavailableOr(ctx, err)
	}
	resp.Subject, resp.ClientID, resp.Scope, resp.TokenType = g.UserID, g.ClientID, g.Scopes, "Bearer"
	resp.Username = u.UserPrincipalName
	resp.AuthTime = zoidc.FromTime(g.AuthTime)
	resp.AuthenticationMethodsReferences = g.AMR
	resp.Audience = audience(g.ClientID, g.Scopes)
	return nil
}

// activeGrant returns the grant a person's token id names, if it is active and
// the subject is its user.
func (s *storage) activeGrant(ctx context.Context, tokenID, subject string) (domain.Grant, error) {
	id := grantOfTokenID(tokenID)
	if id == "" {
		return domain.Grant{}, zoidc.ErrInvalidRequest().WithDescription("the token was not issued to a person")
	}
	g, err := s.dir.Grant(ctx, id)
	if err != nil {
		return g, oauthError(ctx, err, zoidc.ErrInvalidGrant)
	}
	if g.UserID != subject {
		return domain.Grant{}, zoidc.ErrInvalidGrant().WithDescription("the token's subject does not match its grant")
	}
	return g, nil
}

// fillUserinfo sets the standard claims the scopes ask for. Addresses in the
// directory are set by its administrators, who are the authority for them, so
// they count as verified (as Entra treats its tenants' mail attribute).
func (s *storage) fillUserinfo(ctx context.Context, info *zoidc.UserInfo, userID string, scopes []string) error {
	u, err := s.dir.UserClaims(ctx, userID)
	if err != nil {
		return oauthError(ctx, err, zoidc.ErrInvalidGrant)
	}
	info.Subject = u.ID
	if slices.Contains(scopes, zoidc.ScopeProfile) {
		info.Name, info.GivenName, info.FamilyName = u.DisplayName, u.GivenName, u.Surname
		info.PreferredUsername = u.UserPrincipalName
	}
	if slices.Contains(scopes, zoidc.ScopeEmail) {
		info.Email = u.Mail
		if info.Email == "" {
			info.Email = u.UserPrincipalName
		}
		info.EmailVerified = true
	}
	return nil
}

// userTokenClaims are the private claims of a person's access token, as Entra
// names them: who (oid, in which tenant), through which application (azp, and
// appid as Graph's v1 tokens say it) and for what (scp).
func userTokenClaims(req op.TokenRequest, g *domain.Grant, scopes []string, tenantID string) map[string]any {
	claims := map[string]any{
		"idtyp": IDTypeUser,
		"oid":   req.GetSubject(),
		"tid":   tenantID,
		"azp":   g.ClientID,
		"appid": g.ClientID,
		"amr":   g.AMR,
		"acr":   domain.ACR(g.AMR),
		"scp":   strings.Join(scopes, " "),
	}
	if sid := sessionID(g.SessionIDHash); sid != "" {
		claims["sid"] = sid
	}
	return claims
}
