package domain

import (
	"net/url"
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
	// ProvisioningTokenHash is secret.LookupHash of the application's SCIM
	// provisioning token, or empty when it has none.
	ProvisioningTokenHash string
	PublicClient          bool
	RedirectURIs          []string
	Permissions           []Permission
	RequiredStrength      Strength
	CreatedDateTime       time.Time
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
	for _, r := range a.RedirectURIs {
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
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}
