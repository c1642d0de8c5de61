package oidc

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/firstkey/firstkey/internal/domain"
)

// AccessClaims is what the API learns from a verified access token.
type AccessClaims struct {
	Subject  string // the client id for app tokens
	ClientID string // client_id: the application the token was issued to
	AppID    string // appid: Graph's name for the same client id
	ObjectID string // oid: the application's object id for app tokens
	Roles    []string
	IDType   string // IDTypeApp or IDTypeUser
	TokenID  string // jti
	IssuedAt time.Time
	Expiry   time.Time
}

// accessTokenClaims is the JSON payload VerifyAccessToken reads.
type accessTokenClaims struct {
	Issuer    string         `json:"iss"`
	Subject   string         `json:"sub"`
	Audience  zoidc.Audience `json:"aud"`
	Expiry    *int64         `json:"exp"`
	IssuedAt  *int64         `json:"iat"`
	NotBefore *int64         `json:"nbf"`
	JWTID     string         `json:"jti"`
	ClientID  string         `json:"client_id"`
	AppID     string         `json:"appid"`
	ObjectID  string         `json:"oid"`
	IDType    string         `json:"idtyp"`
	Roles     []string       `json:"roles"`
}

func unauthenticated(msg string) error {
	return &domain.Error{Kind: domain.KindUnauthenticated, Code: "InvalidAuthenticationToken", Message: msg}
}

// VerifyAccessToken checks a bearer token presented to the API: a JWS signed by
// one of this provider's published keys with that key's own algorithm, from this
// issuer (plain, or the tenant issuer of the Entra-style authority), for
// Audience, within its lifetime by the configured clock. Any failure is a
// domain.Error of KindUnauthenticated whose message never contains the token.
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (AccessClaims, error) {
	if raw == "" {
		return AccessClaims{}, unauthenticated("Access token is empty.")
	}
	// Only our algorithms parse: "none", and HS256 with our public key as secret,
	// are refused before any key is looked at.
	jws, err := jose.ParseSignedCompact(raw, verifyingAlgorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return AccessClaims{}, unauthenticated("Access token is malformed or not signed with ES256 or RS256.")
	}
	now := p.clock.Now()
	kid := jws.Signatures[0].Header.KeyID
	key, ok := p.keys.publicKey(kid, now)
	if !ok {
		// Another replica may have rotated; the store knows every key.
		if err := p.keys.load(ctx); err != nil {
			p.log.ErrorContext(ctx, "reload signing keys", "error", err)
			return AccessClaims{}, unauthenticated("Access token validation failure.")
		}
		key, ok = p.keys.publicKey(kid, now)
	}
	if !ok {
		return AccessClaims{}, unauthenticated("Access token is signed by an unknown or retired key.")
	}
	if jose.SignatureAlgorithm(jws.Signatures[0].Header.Algorithm) != key.alg() {
		return AccessClaims{}, unauthenticated("Access token is not signed with its key's algorithm.")
	}
	payload, err := jws.Verify(key.public)
	if err != nil {
		return AccessClaims{}, unauthenticated("Access token signature is invalid.")
	}
	var c accessTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return AccessClaims{}, unauthenticated("Access token claims are malformed.")
	}
	switch {
	case c.Issuer != p.issuer && c.Issuer != p.TenantIssuer():
		return AccessClaims{}, unauthenticated("Access token was issued by another issuer.")
	case !slices.Contains(c.Audience, Audience):
		return AccessClaims{}, unauthenticated("Access token is not meant for this API (audience).")
	case c.Expiry == nil || c.Subject == "":
		return AccessClaims{}, unauthenticated("Access token lacks required claims.")
	case !now.Before(time.Unix(*c.Expiry, 0)):
		return AccessClaims{}, unauthenticated("Lifetime validation failed, the token is expired.")
	case c.NotBefore != nil && time.Unix(*c.NotBefore, 0).After(now.Add(maxClockSkew)),
		c.IssuedAt != nil && time.Unix(*c.IssuedAt, 0).After(now.Add(maxClockSkew)):
		return AccessClaims{}, unauthenticated("Lifetime validation failed, the token is not yet valid.")
	case c.IDType != IDTypeApp && c.IDType != IDTypeUser:
		return AccessClaims{}, unauthenticated("Access token has no valid idtyp claim.")
	}
	// A person's token from a sign-in lives only as long as its grant: revoked
	// (reuse, logout, a deleted pass) or ended, every token of it stops working.
	if gid := grantOfTokenID(c.JWTID); c.IDType == IDTypeUser && gid != "" && p.storage.dir != nil {
		g, err := p.storage.dir.Grant(ctx, gid)
		if domain.Unavailable(err) {
			// Not a verdict on the token: the caller is asked to try again.
			return AccessClaims{}, err
		}
		if err != nil || g.UserID != c.Subject {
			if domain.KindOf(err) == 0 && err != nil {
				p.log.ErrorContext(ctx, "load grant of access token", "error", err)
			}
			return AccessClaims{}, unauthenticated("Access token has been revoked or its sign-in has ended.")
		}
	}
	out := AccessClaims{Subject: c.Subject, ClientID: c.ClientID, AppID: c.AppID, ObjectID: c.ObjectID,
		Roles: c.Roles, IDType: c.IDType, TokenID: c.JWTID, Expiry: time.Unix(*c.Expiry, 0).UTC()}
	if c.IssuedAt != nil {
		out.IssuedAt = time.Unix(*c.IssuedAt, 0).UTC()
	}
	return out, nil
}
