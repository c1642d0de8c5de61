package oidc

import (
	"context"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// FirstPartyClientID names firstkey's own consoles as the client of delegated tokens.
const FirstPartyClientID = "firstkey"

// MintUserAccessToken signs a delegated access token for a signed-in person, for
// firstkey's own consoles calling the API on that person's behalf. The API checks
// such a token by the person's current directory roles.
func (p *Provider) MintUserAccessToken(ctx context.Context, userID string, amr []string) (string, error) {
	key, err := p.keys.signer(ctx, AccessTokenAlgorithm)
	if err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.alg(), Key: key.private},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.ID))
	if err != nil {
		return "", fmt.Errorf("build signer: %w", err)
	}
	now := p.clock.Now()
	claims := map[string]any{
		"iss": p.issuer, "sub": userID, "aud": Audience, "oid": userID, "tid": p.tenantID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(p.lifetime).Unix(), "jti": uuid.NewString(),
		"client_id": FirstPartyClientID, "azp": FirstPartyClientID, "idtyp": IDTypeUser, "amr": amr,
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return jws.CompactSerialize()
}
