package domain

import (
	"slices"
	"time"
)

// Lifetimes of the OpenID Connect flows' short-lived state.
const (
	// AuthRequestLifetime is how long a person has to sign in after an
	// application sends them to firstkey.
	AuthRequestLifetime = 15 * time.Minute
	// AuthCodeLifetime bounds the time between the redirect back to the
	// application and its code exchange (RFC 6749 §4.1.2 recommends at most ten
	// minutes; a minute is plenty for a server-side exchange).
	AuthCodeLifetime = time.Minute
	// DeviceCodeLifetime is how long a device shows its code (RFC 8628 §3.2).
	DeviceCodeLifetime = 10 * time.Minute
	// DevicePollInterval is the minimum time between a device's token polls.
	DevicePollInterval = 5 * time.Second
	// DefaultGrantLifetime is how long refresh tokens can keep a passkey
	// sign-in's grant alive; a pass sign-in's grant ends with the pass.
	DefaultGrantLifetime = 30 * 24 * time.Hour
)

// AuthRequest is an authorization request from an application, from the
// redirect to firstkey until its code is exchanged. It is kept after the
// exchange, until it expires, so that a replayed code is recognised.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string // "code"
	ResponseMode        string // "", "query", "fragment" or "form_post"
	CodeChallenge       string
	CodeChallengeMethod string // "S256" or "plain"
	Prompt              []string
	MaxAge              *time.Duration // nil when the request set none; 0 for prompt=login
	LoginHint           string
	HintSubject         string   // the user the request's id_token_hint names, if it had one
	RequestedStrength   Strength // what its acr_values ask for, beyond the application's own requirement

	// Set when a person signs in (or already was) and the request is approved.
	UserID        string
	SessionIDHash string // the browser session that approved it
	AMR           []string
	AuthTime      time.Time
	PassID        string    // the pass that session came from, if any
	AuthExpires   time.Time // the approving session's absolute end (the pass's end, for a pass)

	CodeHash         string    // SHA-256 of the code, once one is issued
	CodeExpires      time.Time // the code's end; zero until issued
	CodeUsedDateTime time.Time // zero until the code is exchanged
	GrantID          string    // the grant created by the exchange

	CreatedDateTime time.Time
	ExpiresDateTime time.Time // the whole request's end; replays are recognised until then
}

// Done reports whether a person approved the request.
func (r AuthRequest) Done() bool { return r.UserID != "" }

// Grant is one sign-in's consent for one application: the family of refresh
// tokens (and the access tokens minted with them) that the sign-in produced.
// Revoking it ends them all at once.
type Grant struct {
	ID              string
	ClientID        string
	UserID          string
	SessionIDHash   string // the browser session it came from; empty for the device flow
	PassID          string // the pass the sign-in used, if any: the grant ends with it
	Scopes          []string
	AMR             []string
	AuthTime        time.Time
	CreatedDateTime time.Time
	// ExpiresDateTime is the absolute end of the grant: no token minted under it
	// lives longer. For a pass sign-in it is the pass's end.
	ExpiresDateTime time.Time
	RevokedDateTime time.Time // zero while active
	RevokedReason   string
}

// Active reports whether tokens of the grant may be used at now.
func (g Grant) Active(now time.Time) bool {
	return g.RevokedDateTime.IsZero() && now.Before(g.ExpiresDateTime)
}

// GrantFilter selects grants to revoke together; empty fields match anything,
// but at least one must be set.
type GrantFilter struct {
	UserID        string
	ClientID      string
	SessionIDHash string
	PassID        string
}

// Empty reports whether the filter would match every grant.
func (f GrantFilter) Empty() bool {
	return f == GrantFilter{}
}

// RefreshToken is one refresh token of a grant. Only its hash is stored. It can
// be used once: using it again means it was stolen, and revokes the grant.
type RefreshToken struct {
	Hash            string
	GrantID         string
	CreatedDateTime time.Time
	ExpiresDateTime time.Time
	UsedDateTime    time.Time // zero until used
}

// Device authorization states (RFC 8628).
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
	DeviceRedeemed = "redeemed" // its tokens were issued; it can give none again
)

// DeviceAuthorization is a device's request to sign someone in, approved on
// another screen with the user code.
type DeviceAuthorization struct {
	DeviceCodeHash   string // SHA-256 of the device code
	UserCode         string // normalised: upper case, no dash; unique among stored ones
	ClientID         string
	Scopes           []string
	State            string
	CreatedDateTime  time.Time
	ExpiresDateTime  time.Time
	LastPollDateTime time.Time // zero until the device first polls

	// Set on approval.
	UserID      string
	AMR         []string
	AuthTime    time.Time
	PassID      string
	AuthExpires time.Time // the approving session's absolute end
	GrantID     string    // set when redeemed
}

// SatisfiesStrength reports whether a sign-in with these method references meets
// an application's required strength. A passkey without user verification has
// no "mfa" and satisfies neither requirement.
func SatisfiesStrength(amr []string, s Strength) bool {
	switch s {
	case StrengthNone:
		return true
	case StrengthMFA:
		return slices.Contains(amr, AMRMFA)
	case StrengthPhishingResistant:
		return slices.Contains(amr, AMRMFA) && (slices.Contains(amr, AMRHwk) || slices.Contains(amr, AMRSwk))
	}
	return false
}

// StrengthOfACRValues is the strength an authorization request's acr_values ask
// for: the weakest of the values firstkey knows, since the application accepts
// any one of them (OpenID Connect Core §3.1.2.1); StrengthNone when it knows none.
func StrengthOfACRValues(values []string) Strength {
	rank := map[Strength]int{StrengthMFA: 1, StrengthPhishingResistant: 2}
	var out Strength
	for _, v := range values {
		s := Strength(v)
		if r, ok := rank[s]; ok && (out == StrengthNone || r < rank[out]) {
			out = s
		}
	}
	return out
}

// Stronger returns the stronger of two strengths.
func Stronger(a, b Strength) Strength {
	if a == StrengthPhishingResistant || b == StrengthPhishingResistant {
		return StrengthPhishingResistant
	}
	if a == StrengthMFA || b == StrengthMFA {
		return StrengthMFA
	}
	return StrengthNone
}

// ACR names the strength a sign-in reached, for the acr claim.
func ACR(amr []string) string {
	switch {
	case SatisfiesStrength(amr, StrengthPhishingResistant):
		return "phishing_resistant"
	case SatisfiesStrength(amr, StrengthMFA):
		return "mfa"
	}
	return "1" // single factor, as OpenID Connect's "1"
}
