package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
)

// Paths of the provider's endpoints, below the issuer's path.
const (
	DiscoveryPath     = "/.well-known/openid-configuration"
	AuthorizePath     = "/oauth/authorize"
	TokenPath         = "/oauth/token"
	KeysPath          = "/keys"
	UserinfoPath      = "/userinfo"
	EndSessionPath    = "/oauth/logout"
	RevocationPath    = "/oauth/revoke"
	IntrospectionPath = "/oauth/introspect"
	DeviceCodePath    = "/oauth/devicecode"
)

// DefaultAccessTokenLifetime is Entra's default for access tokens.
const DefaultAccessTokenLifetime = time.Hour

// maxTokenRequestBytes bounds a token request body; real ones are a few hundred bytes.
const maxTokenRequestBytes = 64 << 10

// Config lists what the provider needs.
type Config struct {
	// Issuer is the provider's public URL: https, or http on a loopback host.
	Issuer              string
	Store               store.Store
	Directory           *directory.Service // the rules of sign-in requests, grants and devices
	Sealer              *seal.Sealer       // the master key; signing keys are stored sealed with it
	Clock               domain.Clock       // defaults to domain.SystemClock
	Logger              *slog.Logger       // defaults to slog.Default()
	AccessTokenLifetime time.Duration
}

// Provider is firstkey's OpenID Provider.
type Provider struct {
	issuer   string
	prefix   string // the issuer's path, under which the endpoints live
	clock    domain.Clock
	log      *slog.Logger
	lifetime time.Duration
	keys     *keyring
	storage  *storage
	op       *op.Provider
	origins  Origins // single-page applications' origins, allowed CORS
	tenantID string
}

// New checks the configuration, makes sure a signing key exists (generating the
// first one on a fresh database) and builds the provider.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	issuer, prefix, err := checkIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.Store == nil || cfg.Sealer == nil || cfg.Directory == nil {
		return nil, errors.New("oidc: Store, Directory and Sealer are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = domain.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AccessTokenLifetime <= 0 {
		cfg.AccessTokenLifetime = DefaultAccessTokenLifetime
	}
	keys := &keyring{st: cfg.Store, dir: cfg.Directory, sealer: cfg.Sealer, clock: cfg.Clock,
		overlap: cfg.AccessTokenLifetime + maxClockSkew}
	if err := keys.ensure(ctx); err != nil {
		return nil, fmt.Errorf("oidc: signing keys: %w", err)
	}
	tenantID, err := cfg.Directory.TenantID(ctx)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	st := &storage{st: cfg.Store, dir: cfg.Directory, baseURL: issuer, keys: keys, clock: cfg.Clock, log: cfg.Logger,
		lifetime: cfg.AccessTokenLifetime, tenantID: tenantID}

	// zitadel encrypts opaque access tokens with this key; firstkey issues JWTs, but
	// the key must still be secret rather than zitadel's all-zero default.
	cryptoKey, err := cfg.Sealer.DeriveKey("oidc opaque token key")
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint(AuthorizePath)),
		op.WithCustomTokenEndpoint(op.NewEndpoint(TokenPath)),
		op.WithCustomKeysEndpoint(op.NewEndpoint(KeysPath)),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(UserinfoPath)),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint(EndSessionPath)),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(RevocationPath)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(IntrospectionPath)),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint(DeviceCodePath)),
		// zitadel checks access tokens (userinfo, introspection) and ID token
		// hints (logout) itself: with the keyring's parsed keys, and with both
		// algorithms firstkey signs with (zitadel's default is RS256 alone).
		op.WithAccessTokenKeySet(verifyingKeySet{keys: keys, clock: cfg.Clock}),
		op.WithIDTokenHintKeySet(verifyingKeySet{keys: keys, clock: cfg.Clock}),
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(algNames(verifyingAlgorithms)...)),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(algNames(verifyingAlgorithms)...)),
	}
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		DefaultLogoutRedirectURI: issuer + "/login?m=signedout",
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     domain.DeviceCodeLifetime,
			PollInterval: domain.DevicePollInterval,
			UserFormPath: DevicePath,
			UserCode:     op.UserCodeBase20,
		},
	}, st, issuerOf(issuer, tenantIssuer(issuer, tenantID)), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return &Provider{issuer: issuer, prefix: prefix, clock: cfg.Clock, log: cfg.Logger,
		lifetime: cfg.AccessTokenLifetime, keys: keys, storage: st, op: provider, origins: cfg.Directory, tenantID: tenantID}, nil
}

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// checkIssuer returns the issuer without a trailing slash and its path.
func checkIssuer(s string) (issuer, path string, err error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("oidc: issuer %q must be an absolute URL without query, fragment or user info", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", "", fmt.Errorf("oidc: issuer %q must use https (http is allowed only on localhost)", s)
		}
	default:
		return "", "", fmt.Errorf("oidc: issuer %q must use https", s)
	}
	return u.String(), u.Path, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Issuer returns the issuer URL, as it appears in tokens and discovery.
func (p *Provider) Issuer() string { return p.issuer }

// TokenURL returns the absolute URL of the token endpoint.
func (p *Provider) TokenURL() string { return p.issuer + TokenPath }

// SetBrowser connects the sign-in pages, which end the browser's session when an
// application signs a person out. Call it before serving.
func (p *Provider) SetBrowser(b Browser) { p.storage.browser = b }

// RespondApproved answers the browser that has just approved an authorization
// request with the application's redirect carrying the code (or its form_post).
// The code goes out in the same response as the approval, to that browser only:
// zitadel's separate callback URL would hand it to whoever asked for the request
// id first, and the id is no secret (it is in the sign-in page's URL), so the
// callback is not mounted.
func (p *Provider) RespondApproved(w http.ResponseWriter, r *http.Request, requestID string) {
	r = r.WithContext(op.ContextWithIssuer(r.Context(), p.issuer))
	req, err := p.storage.AuthRequestByID(r.Context(), requestID)
	if err != nil {
		op.AuthRequestError(w, r, nil, err, p.op)
		return
	}
	if !req.Done() {
		op.AuthRequestError(w, r, req, zoidc.ErrInteractionRequired().WithDescription("the sign-in request was not approved"), p.op)
		return
	}
	if req.GetResponseMode() == zoidc.ResponseModeFormPost {
		// zitadel's form_post page submits itself from an inline onload to the
		// application: allow that, and only that, on this one response.
		if err := formPostPolicy(w, req.GetRedirectURI()); err != nil {
			op.AuthRequestError(w, r, req, zoidc.ErrServerError().WithParent(err), p.op)
			return
		}
	}
	op.AuthResponse(req, p.op, w, r)
}

// Mount registers the provider's endpoints under the issuer's path. zitadel's
// own extras (its /healthz, /ready) are not mounted.
func (p *Provider) Mount(mux *http.ServeMux) {
	zitadel := withoutOrigin(http.StripPrefix(p.prefix, p.op))
	both := func(path string, h http.Handler) {
		mux.Handle("GET "+p.prefix+path, h)
		mux.Handle("POST "+p.prefix+path, h)
	}
	// The endpoints a single-page application calls from its own origin answer
	// CORS, preflights included; every other method is refused in JSON. A
	// database that cannot answer in time gives 503 temporarily_unavailable.
	spa := func(path, methods string, h http.Handler) {
		for _, m := range strings.Split(methods, ", ") {
			mux.Handle(m+" "+p.prefix+path, p.cors(methods, h))
		}
		mux.Handle("OPTIONS "+p.prefix+path, p.cors(methods, h))
		mux.Handle(p.prefix+path, methodNotAllowed(methods))
	}
	spa(DiscoveryPath, "GET", http.HandlerFunc(p.discovery))
	spa(KeysPath, "GET", answerUnavailable(jsonErrors(zitadel)))
	spa(TokenPath, "POST", answerUnavailable(p.tokenGuard(zitadel)))
	spa(UserinfoPath, "GET, POST", noStore(textParams(userinfoStatus(answerUnavailable(zitadel)))))
	spa(RevocationPath, "POST", answerUnavailable(p.formOnly(zitadel)))
	both(AuthorizePath, noStore(textParams(answerUnavailable(p.authorizeGuard(zitadel)))))
	both(EndSessionPath, noStore(textParams(p.endSession(zitadel))))
	mux.Handle("POST "+p.prefix+IntrospectionPath, answerUnavailable(p.formOnly(p.storage.introspectionGuard(zitadel))))
	mux.Handle("POST "+p.prefix+DeviceCodePath, answerUnavailable(p.formOnly(p.storage.deviceAuthGuard(zitadel))))
	mux.Handle(p.prefix+IntrospectionPath, methodNotAllowed("POST"))
	mux.Handle(p.prefix+DeviceCodePath, methodNotAllowed("POST"))
}

// noStore keeps codes, tokens and user data out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		next.ServeHTTP(w, r)
	})
}

// formOnly bounds a back-channel request's body, refuses OAuth parameters sent
// in the URL (RFC 6749 §3.2: codes, tokens and secrets there end up in proxies'
// and servers' logs) while accepting any other query (RFC 6749 §3.2 allows one;
// MSAL appends ?client-request-id=…), hands zitadel the body's parameters only,
// and starts the request's call. Its failures, and zitadel's, are JSON.
func (p *Provider) formOnly(next http.Handler) http.Handler {
	return noStore(jsonErrors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, basic := r.BasicAuth(); basic {
			w = basicChallenge{w}
		}
		if name := oauthParamInURL(r.URL.Query()); name != "" {
			writeOAuthError(w, http.StatusBadRequest, zoidc.ErrInvalidRequest().
				WithDescription("parameter %s must be sent in the form-encoded request body (and client credentials there or in the Authorization header), never in the URL", name))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, zoidc.ErrInvalidRequest().WithDescription("the request body is not a valid form"))
			return
		}
		if e := badParams(r); e != nil {
			writeOAuthError(w, http.StatusBadRequest, e)
			return
		}
		r.Form = r.PostForm // what is left in the URL is the client's own business
		next.ServeHTTP(w, withCall(r))
	})))
}

// discovery lists what firstkey offers, with the fields relying parties such as
// oauth2-proxy, Grafana and go-oidc read; through an Entra-style authority, that
// authority's document.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	doc := p.discoveryDoc()
	if a, ok := authorityFrom(r.Context()); ok {
		doc = p.tenantDiscovery(a)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if err := json.NewEncoder(w).Encode(doc); err != nil {
		p.log.DebugContext(r.Context(), "write discovery document", "error", err)
	}
}

func (p *Provider) discoveryDoc() zoidc.DiscoveryConfiguration {
	return zoidc.DiscoveryConfiguration{
		Issuer:                      p.issuer,
		AuthorizationEndpoint:       p.issuer + AuthorizePath,
		TokenEndpoint:               p.issuer + TokenPath,
		UserinfoEndpoint:            p.issuer + UserinfoPath,
		JwksURI:                     p.issuer + KeysPath,
		EndSessionEndpoint:          p.issuer + EndSessionPath,
		RevocationEndpoint:          p.issuer + RevocationPath,
		IntrospectionEndpoint:       p.issuer + IntrospectionPath,
		DeviceAuthorizationEndpoint: p.issuer + DeviceCodePath,
		ScopesSupported: []string{zoidc.ScopeOpenID, zoidc.ScopeProfile, zoidc.ScopeEmail, zoidc.ScopeOfflineAccess,
			ScopeAPIDefault, ScopeGraphDefault},
		ResponseTypesSupported: []string{string(zoidc.ResponseTypeCode)},
		ResponseModesSupported: []string{string(zoidc.ResponseModeQuery), string(zoidc.ResponseModeFormPost)},
		GrantTypesSupported: []zoidc.GrantType{zoidc.GrantTypeCode, zoidc.GrantTypeRefreshToken,
			zoidc.GrantTypeDeviceCode, zoidc.GrantTypeClientCredentials},
		ACRValuesSupported:                        []string{"phishing_resistant", "mfa"},
		SubjectTypesSupported:                     []string{"public"},
		IDTokenSigningAlgValuesSupported:          slices.Clone(domain.IDTokenSigningAlgs),
		TokenEndpointAuthMethodsSupported:         []zoidc.AuthMethod{zoidc.AuthMethodBasic, zoidc.AuthMethodPost, zoidc.AuthMethodNone},
		RevocationEndpointAuthMethodsSupported:    []zoidc.AuthMethod{zoidc.AuthMethodBasic, zoidc.AuthMethodPost, zoidc.AuthMethodNone},
		IntrospectionEndpointAuthMethodsSupported: []zoidc.AuthMethod{zoidc.AuthMethodBasic, zoidc.AuthMethodPost},
		CodeChallengeMethodsSupported:             []zoidc.CodeChallengeMethod{zoidc.CodeChallengeMethodS256},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr",
			"azp", "at_hash", "c_hash", "sid", "name", "given_name", "family_name", "preferred_username", "email",
			"email_verified", "oid", "idtyp", "scp", "roles", "appid", "tid"},
		RequestParameterSupported:    false,
		RequestURIParameterSupported: false,
		ClaimsParameterSupported:     false,
	}
}

// tokenGuard turns away, before zitadel sees them, grants firstkey does not offer
// (zitadel also routes jwt-bearer and token exchange); formOnly has already
// refused client secrets in the URL. Token responses are never cached (RFC 6749 §5.1).
func (p *Provider) tokenGuard(next http.Handler) http.Handler {
	return p.formOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.TokenRequest(r.Context(), r.FormValue("grant_type"))
		switch gt := zoidc.GrantType(r.FormValue("grant_type")); gt {
		case "", zoidc.GrantTypeClientCredentials, zoidc.GrantTypeCode, zoidc.GrantTypeRefreshToken, zoidc.GrantTypeDeviceCode:
			if gt == zoidc.GrantTypeDeviceCode && !p.storage.authenticateDeviceClient(w, r) {
				return
			}
			if gt == zoidc.GrantTypeRefreshToken && !p.refreshScopesGranted(w, r) {
				return
			}
			if v := r.PostForm.Get("code_verifier"); r.PostForm.Has("code_verifier") && !validVerifier(v) {
				writeOAuthError(w, http.StatusBadRequest, zoidc.ErrInvalidRequest().
					WithDescription("code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636 §4.1)"))
				return
			}
			next.ServeHTTP(w, r) // zitadel answers a missing grant_type with invalid_request
		default:
			writeOAuthError(w, http.StatusBadRequest, zoidc.ErrUnsupportedGrantType().
				WithDescription("grant_type %q is not supported; use authorization_code, refresh_token, "+
					"urn:ietf:params:oauth:grant-type:device_code or client_credentials", truncate(string(gt), 100)))
		}
	}))
}

// basicChallenge adds the WWW-Authenticate header RFC 6749 §5.2 asks for when a
// client that used HTTP Basic fails to authenticate.
type basicChallenge struct{ http.ResponseWriter }

func (w basicChallenge) WriteHeader(status int) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="firstkey", charset="UTF-8"`)
	}
	w.ResponseWriter.WriteHeader(status)
}

func writeOAuthError(w http.ResponseWriter, status int, e *zoidc.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// RotateKeys adds a new signing key of each algorithm and signs with it from now on, on every
// replica. The keys it replaces stay in JWKS, and keep verifying, for the access
// token lifetime plus clock skew, so no token issued before the rotation fails.
func (p *Provider) RotateKeys(ctx context.Context, actor domain.Actor) error {
	if err := p.keys.addKeys(ctx, actor, domain.KeyReasonRotation, SigningAlgorithms...); err != nil {
		return fmt.Errorf("rotate signing keys: %w", err)
	}
	p.log.InfoContext(ctx, "signing keys rotated")
	return nil
}
