package oidc

import (
	"context"
	"net/http"
	"strings"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Tenant names an Entra-style authority accepts besides the tenant id: Entra's
// multi-tenant aliases. firstkey has one tenant, so they all mean it.
const (
	TenantCommon        = "common"
	TenantOrganizations = "organizations"
)

// Entra-style authority paths, below /{tenant}: what MSAL and the Azure SDKs
// derive from an authority (https://host/{tenant}), each mapped onto the
// plain endpoint that does the work.
var tenantPaths = map[string]string{
	"v2.0/.well-known/openid-configuration": DiscoveryPath,
	"discovery/v2.0/keys":                   KeysPath,
	"oauth2/v2.0/authorize":                 AuthorizePath,
	"oauth2/v2.0/token":                     TokenPath,
	"oauth2/v2.0/devicecode":                DeviceCodePath,
	"oauth2/v2.0/logout":                    EndSessionPath,
	"oidc/userinfo":                         UserinfoPath,
}

// authority is the tenant segment a request came through.
type authority struct{ tenant string }

type authorityKey struct{}

func authorityFrom(ctx context.Context) (authority, bool) {
	a, ok := ctx.Value(authorityKey{}).(authority)
	return a, ok
}

// TenantID is the directory's tenant id, the tid claim of every token.
func (p *Provider) TenantID() string { return p.tenantID }

// TenantIssuer is the issuer of tokens obtained through the Entra-style
// authority, shaped like Entra's v2.0 issuer: {issuer}/{tenant id}/v2.0.
// Scripts and relying parties configured with an Entra authority and issuer
// change only the host.
func (p *Provider) TenantIssuer() string { return tenantIssuer(p.issuer, p.tenantID) }

func tenantIssuer(issuer, tenantID string) string { return issuer + "/" + tenantID + "/v2.0" }

// issuerOf tells zitadel which issuer a request is answered as: the tenant
// issuer on the Entra-style paths, the plain one everywhere else.
func issuerOf(plain, tenant string) func(bool) (op.IssuerFromRequest, error) {
	return func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string {
			if _, ok := authorityFrom(r.Context()); ok {
				return tenant
			}
			return plain
		}, nil
	}
}

// Authorities serves the Entra-style authority paths by handing each request to
// next (the mux the provider is mounted on) at the plain endpoint's path, marked
// so that tokens and discovery carry the tenant issuer. Whatever the plain
// endpoint does (its methods, CORS, error pages) applies as it is. The paths
// are matched here rather than registered on the mux: a pattern beginning with
// a wildcard would overlap the API's /v1.0/ and the pages' /static/.
func (p *Provider) Authorities(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, p.prefix+"/")
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		segment, suffix, _ := strings.Cut(rest, "/")
		plain, ok := tenantPaths[suffix]
		if !ok || segment == "" {
			next.ServeHTTP(w, r)
			return
		}
		tenant, ok := p.tenantName(segment)
		if !ok {
			writeOAuthError(w, http.StatusBadRequest, &zoidc.Error{ErrorType: "invalid_tenant",
				Description: "tenant '" + truncate(segment, 100) + "' is not this directory: use its tenant id " +
					p.tenantID + ", " + TenantOrganizations + " or " + TenantCommon})
			return
		}
		u := *r.URL
		u.Path, u.RawPath = p.prefix+plain, ""
		if plain == TokenPath {
			// MSAL for JavaScript puts its correlation id in the token URL's
			// query. It is no OAuth parameter, so it is set aside here; the token
			// endpoint's rules about its URL apply to the rest.
			q := u.Query()
			q.Del("client-request-id")
			u.RawQuery = q.Encode()
		}
		r2 := r.WithContext(context.WithValue(r.Context(), authorityKey{}, authority{tenant: tenant}))
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}

// tenantName returns how a path's tenant segment names this directory, in
// its usual spelling; like Entra, names are not case-sensitive.
func (p *Provider) tenantName(s string) (string, bool) {
	for _, name := range []string{p.tenantID, TenantOrganizations, TenantCommon} {
		if strings.EqualFold(s, name) {
			return name, true
		}
	}
	return "", false
}

// tenantDiscovery is the discovery document of an Entra-style authority: its
// endpoints under the tenant segment the client used, and the tenant issuer.
// MSAL accepts an issuer on the authority's own scheme and host. Introspection
// and revocation, which Entra does not offer, stay on the plain document.
func (p *Provider) tenantDiscovery(a authority) zoidc.DiscoveryConfiguration {
	doc := p.discoveryDoc()
	base := p.issuer + "/" + a.tenant + "/"
	doc.Issuer = p.TenantIssuer()
	doc.AuthorizationEndpoint = base + "oauth2/v2.0/authorize"
	doc.TokenEndpoint = base + "oauth2/v2.0/token"
	doc.JwksURI = base + "discovery/v2.0/keys"
	doc.UserinfoEndpoint = base + "oidc/userinfo"
	doc.EndSessionEndpoint = base + "oauth2/v2.0/logout"
	doc.DeviceAuthorizationEndpoint = base + "oauth2/v2.0/devicecode"
	doc.RevocationEndpoint, doc.RevocationEndpointAuthMethodsSupported = "", nil
	doc.IntrospectionEndpoint, doc.IntrospectionEndpointAuthMethodsSupported = "", nil
	return doc
}
