package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// Audience is the aud of every access token for firstkey's Graph-style API. It
// names the API itself, not the URL it is reached at, so tokens stay valid when
// the issuer's host name changes behind a proxy; the issuer and signing keys
// already tie a token to this installation.
const Audience = "api://firstkey"

// Scopes that ask for a token for firstkey's API, as scripts written for Entra
// ask for one for Microsoft Graph: by Graph's URL, by Graph's application id, or
// by the API's own name. With client credentials, like Entra's ".default", each
// means "all the application's permissions"; a request may also name no scope.
const (
	ScopeGraphDefault      = "https://graph.microsoft.com/.default"
	ScopeGraphAppIDDefault = "00000003-0000-0000-c000-000000000000/.default"
	ScopeAPIDefault        = "api://firstkey/.default"
)

// isAPIScope says whether a scope asks for a token for the API. Entra compares
// the resource part without regard to case, and so does firstkey.
func isAPIScope(s string) bool {
	return strings.EqualFold(s, ScopeGraphDefault) || strings.EqualFold(s, ScopeGraphAppIDDefault) || strings.EqualFold(s, ScopeAPIDefault)
}

// isOpenIDScope says whether a scope is one of OpenID Connect's own. MSAL adds
// them to every request, client credentials included, where Entra ignores them.
func isOpenIDScope(s string) bool {
	switch s {
	case zoidc.ScopeOpenID, zoidc.ScopeProfile, zoidc.ScopeEmail, zoidc.ScopeOfflineAccess:
		return true
	}
	return false
}

// Values of the idtyp claim, as Entra sets it.
const (
	IDTypeApp  = "app"
	IDTypeUser = "user"
)

// storage implements zitadel's op.Storage and op.ClientCredentialsStorage on
// firstkey's store. Methods for flows that come later are in unsupported.go.
type storage struct {
	st       store.Store
	dir      *directory.Service
	baseURL  string
	browser  Browser
	keys     *keyring
	clock    domain.Clock
	log      *slog.Logger
	lifetime time.Duration
	tenantID string // the tid claim
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

// Client authentication failures. They reach the client only as invalid_client;
// the reason goes to the log.
var (
	errUnknownClient = errors.New("unknown client")
	errPublicClient  = errors.New("public clients have no secret and cannot authenticate with one")
	errWrongSecret   = errors.New("wrong client secret")
)

// appTokenRequest is the token request of an application acting as itself.
type appTokenRequest struct {
	app    domain.Application
	scopes []string
}

func (r *appTokenRequest) GetSubject() string    { return r.app.ClientID }
func (r *appTokenRequest) GetAudience() []string { return []string{Audience} }
func (r *appTokenRequest) GetScopes() []string   { return r.scopes }

// application reads the client's row once per token request: zitadel asks for
// the client twice in a client-credentials grant (to authenticate it, then for
// the token request) and within one request the answer cannot usefully change.
func (s *storage) application(ctx context.Context, clientID string) (domain.Application, error) {
	c := callFrom(ctx)
	if c.app != nil && c.app.ClientID == clientID {
		return *c.app, nil
	}
	app, v, err := s.dir.ApplicationAt(ctx, clientID)
	if v != 0 {
		c.cacheVersion = v
	}
	if err == nil {
		c.app = &app
	}
	if errors.Is(err, store.ErrNotFound) {
		return app, errUnknownClient
	}
	if err != nil {
		// A store fault is ours, not the client's: answered as server_error (500).
		return app, storeFault(ctx, fmt.Errorf("load application: %w", err))
	}
	return app, nil
}

// authenticate checks a confidential client's secret.
func (s *storage) authenticate(ctx context.Context, clientID, clientSecret string) (domain.Application, error) {
	app, err := s.application(ctx, clientID)
	if err == nil {
		err = checkSecret(app, clientSecret)
	}
	if err != nil {
		var oerr *zoidc.Error
		if !errors.As(err, &oerr) {
			s.log.InfoContext(ctx, "client authentication failed", "client_id", clientID, "reason", err.Error())
		}
		return domain.Application{}, err
	}
	return app, nil
}

func checkSecret(app domain.Application, clientSecret string) error {
	if app.PublicClient || app.SecretHash == "" {
		return errPublicClient
	}
	ok, err := secret.Verify(app.SecretHash, clientSecret)
	if err != nil {
		return zoidc.ErrServerError().WithParent(fmt.Errorf("application %s: %w", app.ID, err))
	}
	if !ok {
		return errWrongSecret
	}
	return nil
}

// ClientCredentials authenticates a client for the client_credentials grant.
func (s *storage) ClientCredentials(ctx context.Context, clientID, clientSecret string) (op.Client, error) {
	app, err := s.authenticate(ctx, clientID, clientSecret)
	if err != nil {
		return nil, err
	}
	return s.client(ctx, app), nil
}

// ClientCredentialsTokenRequest checks the requested scopes; an application always
// receives all of its permissions, as with Entra's ".default".
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	for _, sc := range scopes {
		if !isAPIScope(sc) && !isOpenIDScope(sc) {
			return nil, zoidc.ErrInvalidScope().WithDescription(
				"scope %q is not supported; request %s or %s, or no scope", truncate(sc, 100), ScopeGraphDefault, ScopeAPIDefault)
		}
	}
	app, err := s.application(ctx, clientID)
	if errors.Is(err, errUnknownClient) { // deleted since it authenticated
		return nil, zoidc.ErrInvalidClient().WithParent(err)
	}
	if err != nil {
		return nil, err
	}
	return &appTokenRequest{app: app, scopes: scopes}, nil
}

// GetPrivateClaimsFromRequest adds the claims Entra puts in an app-only token:
// the application's permissions as roles, who it is, and that it is an app.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	// zitadel calls this only while it builds an access token, and asks for the
	// signing key next (op.CreateJWT): that key is AccessTokenAlgorithm's.
	callFrom(ctx).signingAccessToken = true
	r, ok := req.(*appTokenRequest)
	if !ok {
		g, ok := grantOf(ctx, req)
		if !ok {
			return nil, zoidc.ErrServerError().WithParent(fmt.Errorf("token request %T has no grant", req))
		}
		return userTokenClaims(req, g, req.GetScopes(), s.tenantID), nil
	}
	claims := map[string]any{
		"appid":    r.app.ClientID,
		"azp":      r.app.ClientID,
		"appidacr": "1", // authenticated with a client secret
		"oid":      r.app.ID,
		"idtyp":    IDTypeApp,
		"tid":      s.tenantID,
	}
	if len(r.app.Permissions) > 0 {
		roles := make([]string, len(r.app.Permissions))
		for i, p := range r.app.Permissions {
			roles[i] = string(p)
		}
		slices.Sort(roles)
		claims["roles"] = roles
	}
	return claims, nil
}

func newTokenID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *storage) client(ctx context.Context, app domain.Application) client {
	c := callFrom(ctx)
	c.idTokenAlg = app.IDTokenAlg()
	return client{app: app, lifetime: s.lifetime, baseURL: s.baseURL, call: c, now: s.clock.Now}
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	app, err := s.application(ctx, clientID)
	if errors.Is(err, errUnknownClient) {
		// zitadel hands this error to the client as it is; any but an OAuth
		// error becomes server_error, a 500 for a mistyped client_id.
		return nil, zoidc.ErrInvalidClient().WithDescription("unknown client").WithParent(err)
	}
	if err != nil {
		return nil, err
	}
	return s.client(ctx, app), nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	_, err := s.authenticate(ctx, clientID, clientSecret)
	return err
}

// SigningKey is the key for the token zitadel is about to sign: the access
// token's (AccessTokenAlgorithm) right after its private claims were asked
// for, otherwise the ID token's, of the algorithm its application chose.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	c := callFrom(ctx)
	alg := IDTokenAlgorithm
	if c.signingAccessToken {
		alg, c.signingAccessToken = AccessTokenAlgorithm, false
	} else if c.idTokenAlg != "" {
		alg = jose.SignatureAlgorithm(c.idTokenAlg)
	}
	e, err := s.keys.signer(ctx, alg)
	if err != nil {
		return nil, storeFault(ctx, err)
	}
	return opSigningKey{e}, nil
}

// SignatureAlgorithms are those an ID token may be signed with, the default first.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return idTokenAlgorithms(), nil
}

func idTokenAlgorithms() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(domain.IDTokenSigningAlgs))
	for i, a := range domain.IDTokenSigningAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}

// KeySet reads the store so that JWKS shows another replica's rotation at once.
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	if err := s.keys.load(ctx); err != nil {
		return nil, unavailableOr(ctx, err)
	}
	var out []op.Key
	for _, e := range s.keys.published(s.clock.Now()) {
		out = append(out, opPublicKey{e})
	}
	return out, nil
}

func (s *storage) Health(context.Context) error { return nil }
