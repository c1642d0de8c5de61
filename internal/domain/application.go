package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Strength is the authentication strength an application requires of its users.
type Strength string

const (
	StrengthNone              Strength = ""                   // any successful sign-in
	StrengthMFA               Strength = "mfa"                // a pass or a passkey
	StrengthPhishingResistant Strength = "phishing_resistant" // a passkey only
)

// Application is an OAuth client of firstkey.
type Application struct {
	ID          string // object id
	ClientID    string // Graph appId
	DisplayName string
	SecretHash  string // empty for public clients
	// Secret describes the secret behind SecretHash, as Graph's
	// passwordCredentials list it; never the secret itself.
	Secret SecretInfo
	// ProvisioningTokenHash is secret.LookupHash of the application's SCIM
	// provisioning token, or empty when it has none.
	ProvisioningTokenHash string
	PublicClient          bool
	RedirectURIs          []string
	// SPARedirectURIs are Graph's spa platform: a single-page application's
	// redirect URIs. Such an application is a public client that must use PKCE,
	// and the origins of these URIs may call the token endpoints from a browser.
	SPARedirectURIs  []string
	Permissions      []Permission
	RequiredStrength Strength
	CreatedDateTime  time.Time
	// IDTokenSigningAlg is the JWS algorithm of the application's ID tokens
	// (OpenID Connect's id_token_signed_response_alg): one of
	// IDTokenSigningAlgs; "" means the default, RS256.
	IDTokenSigningAlg string
}

// JWS algorithms of tokens. Access tokens are ES256 (their audience is
// firstkey itself, and P-256 signs about 20 times faster than RSA-2048); ID
// tokens are RS256 unless an application asks for ES256, since OpenID Connect
// requires RS256 and relying parties assume it.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// IDTokenSigningAlgs are the algorithms an application may choose for its ID
// tokens, the default first.
var IDTokenSigningAlgs = []string{AlgRS256, AlgES256}

// IDTokenAlg is the algorithm the application's ID tokens are signed with.
func (a Application) IDTokenAlg() string {
	if a.IDTokenSigningAlg == "" {
		return AlgRS256
	}
	return a.IDTokenSigningAlg
}

// CheckIDTokenSigningAlg refuses an ID token algorithm firstkey does not sign with.
func CheckIDTokenSigningAlg(alg string) error {
	if !slices.Contains(IDTokenSigningAlgs, alg) {
		return Invalid("idTokenSignedResponseAlg must be RS256 (the default) or ES256, not %q.", alg)
	}
	return nil
}

// SecretInfo is what may be shown of a client secret: Graph's passwordCredential
// without secretText. A confidential client holds one secret at a time.
type SecretInfo struct {
	KeyID         string
	Hint          string // the first three characters
	DisplayName   string
	StartDateTime *time.Time
}

// Validate checks an application before it is stored.
func (a Application) Validate() error {
	if err := checkText("displayName", a.DisplayName, false); err != nil {
		return err
	}
	if strings.TrimSpace(a.DisplayName) == "" {
		return Invalid("displayName is required.")
	}
	if len(a.DisplayName) > 256 {
		return Invalid("displayName must be at most 256 characters.")
	}
	switch a.RequiredStrength {
	case StrengthNone, StrengthMFA, StrengthPhishingResistant:
	default:
		return Invalid("requiredAuthenticationStrength must be one of mfa, phishing_resistant or empty, not %q.", a.RequiredStrength)
	}
	if a.IDTokenSigningAlg != "" {
		if err := CheckIDTokenSigningAlg(a.IDTokenSigningAlg); err != nil {
			return err
		}
	}
	for _, r := range a.RedirectURIs {
		if err := checkRedirectURI(r); err != nil {
			return err
		}
	}
	if len(a.SPARedirectURIs) > 0 && !a.PublicClient {
		return Invalid("A single-page application (spa.redirectUris) is a public client: it holds no secret and signs in with PKCE.")
	}
	for _, r := range a.SPARedirectURIs {
		if err := checkRedirectURI(r); err != nil {
			return err
		}
		if u, _ := url.Parse(r); u.Scheme != "https" && u.Scheme != "http" {
			return Invalid("single-page application redirect URI %q must be a web address (https, or http for localhost).", r)
		}
	}
	return nil
}

func checkRedirectURI(r string) error {
	if err := checkText("A redirect URI", r, false); err != nil {
		return err
	}
	u, err := url.Parse(r)
	if err != nil || u.Scheme == "" || u.Fragment != "" {
		return Invalid("redirect URI %q must be an absolute URI without a fragment.", r)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return Invalid("redirect URI %q must use https (http is allowed only for localhost).", r)
	}
	return nil
}

// SPAOrigins are the origins (scheme://host[:port], lower case) of the
// application's single-page redirect URIs: the pages that may call the token
// endpoints from a browser.
func (a Application) SPAOrigins() []string {
	var out []string
	for _, r := range a.SPARedirectURIs {
		if o := Origin(r); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// Origin returns the web origin of an http(s) URL as a browser sends it in
// the Origin header, or "" for anything else.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

// AllRedirectURIs are every redirect URI registered, of every platform.
func (a Application) AllRedirectURIs() []string {
	return append(slices.Clip(a.RedirectURIs), a.SPARedirectURIs...)
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}
