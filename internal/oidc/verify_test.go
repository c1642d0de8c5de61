package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/domain"
)

func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ownKey is the provider's current RS256 signing key (ID tokens, and access
// tokens of releases before ES256), read the way the provider does.
func ownKey(t *testing.T, e *env) *keyEntry {
	t.Helper()
	k, err := e.p.keys.signer(context.Background(), jose.RS256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func validClaims(e *env, clientID string) map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"iss": e.base, "sub": clientID, "aud": []string{Audience}, "client_id": clientID,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(), "jti": "j1",
		"appid": clientID, "idtyp": "app", "roles": []string{"User.Read.All"},
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyRejectsForgedTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false, domain.PermUserReadAll)
	real := e.token(app.ClientID, sec)
	own := ownKey(t, e)
	claims := validClaims(e, app.ClientID)

	// The control: a token this test signs with the provider's key verifies, so
	// each rejection below is caused by the one thing the case changes.
	if _, err := e.p.VerifyAccessToken(context.Background(), sign(t, jose.RS256, own.private, own.ID, claims)); err != nil {
		t.Fatalf("control token refused: %v", err)
	}

	foreign, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		t.Fatal(err)
	}
	foreignEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(own.public)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, _ := json.Marshal(jose.JSONWebKey{Key: own.public, KeyID: own.ID, Algorithm: "RS256", Use: "sig"})

	parts := strings.Split(real, ".")
	b64 := base64.RawURLEncoding
	header := func(h string) string { return b64.EncodeToString([]byte(h)) }
	payload := jwtPart(t, real, 1)
	payload["roles"] = []string{"RoleManagement.ReadWrite.Directory", "User.ReadWrite.All"}
	tamperedPayload, _ := json.Marshal(payload)
	realJWS, err := jose.ParseSignedCompact(real, verifyingAlgorithms)
	if err != nil {
		t.Fatal(err)
	}
	esKid := realJWS.Signatures[0].Header.KeyID // the access token's ES256 key
	other := strings.Split(sign(t, jose.RS256, own.private, own.ID, claims), ".")

	cases := map[string]string{
		"empty":                               "",
		"garbage":                             "not.a.jwt",
		"alg none":                            header(`{"alg":"none","typ":"JWT","kid":"`+own.ID+`"}`) + "." + parts[1] + ".",
		"alg none, no signature part":         header(`{"alg":"none"}`) + "." + parts[1],
		"HS256 keyed with our public key PEM": sign(t, jose.HS256, pubPEM, own.ID, claims),
		"HS256 keyed with our public JWK":     sign(t, jose.HS256, pubJWK, own.ID, claims),
		"ES256 header on our signature":       header(`{"alg":"ES256","kid":"`+own.ID+`"}`) + "." + parts[1] + "." + parts[2],
		"PS256 with our key":                  sign(t, jose.PS256, own.private, own.ID, claims),
		"RS512 with our key":                  sign(t, jose.RS512, own.private, own.ID, claims),
		"foreign key claiming our kid":        sign(t, jose.RS256, foreign, own.ID, claims),
		"foreign key with its own kid":        sign(t, jose.RS256, foreign, "someone-elses-key", claims),
		"foreign EC key claiming our kid":     sign(t, jose.ES256, foreignEC, own.ID, claims),
		"no kid":                              sign(t, jose.RS256, own.private, "", claims),
		"tampered payload":                    parts[0] + "." + b64.EncodeToString(tamperedPayload) + "." + parts[2],
		"signature of another token":          parts[0] + "." + parts[1] + "." + other[2],
		"wrong issuer":                        sign(t, jose.RS256, own.private, own.ID, with(claims, "iss", "https://evil.example.com")),
		"issuer with trailing slash":          sign(t, jose.RS256, own.private, own.ID, with(claims, "iss", e.base+"/")),
		"wrong audience":                      sign(t, jose.RS256, own.private, own.ID, with(claims, "aud", []string{app.ClientID})),
		"no audience":                         sign(t, jose.RS256, own.private, own.ID, with(claims, "aud", nil)),
		"no expiry":                           sign(t, jose.RS256, own.private, own.ID, with(claims, "exp", nil)),
		"expired":                             sign(t, jose.RS256, own.private, own.ID, with(claims, "exp", e.clock.Now().Add(-time.Second).Unix())),
		"not yet valid":                       sign(t, jose.RS256, own.private, own.ID, with(claims, "nbf", e.clock.Now().Add(time.Hour).Unix())),
		"issued in the future":                sign(t, jose.RS256, own.private, own.ID, with(claims, "iat", e.clock.Now().Add(time.Hour).Unix())),
		"no subject":                          sign(t, jose.RS256, own.private, own.ID, with(claims, "sub", nil)),
		"no idtyp (an ID token, say)":         sign(t, jose.RS256, own.private, own.ID, with(claims, "idtyp", nil)),
		"JSON serialization":                  realJWS.FullSerialize(),
		"RS256 header on our ES256 signature": header(`{"alg":"RS256","kid":"`+esKid+`"}`) + "." + parts[1] + "." + parts[2],
		"our RS256 key naming the ES256 kid":  sign(t, jose.RS256, own.private, esKid, claims),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.p.VerifyAccessToken(context.Background(), tok)
			assertUnauthenticated(t, err, tok)
		})
	}
	// And the genuine token still verifies.
	if _, err := e.p.VerifyAccessToken(context.Background(), real); err != nil {
		t.Fatalf("real token refused: %v", err)
	}
}

func TestVerifyRejectsExpiredByClock(t *testing.T) {
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false, domain.PermGroupReadAll)
	tok := e.token(app.ClientID, sec)

	e.clock.Advance(59 * time.Minute)
	if _, err := e.p.VerifyAccessToken(context.Background(), tok); err != nil {
		t.Fatalf("token refused before its hour was up: %v", err)
	}
	e.clock.Advance(time.Minute + time.Second)
	_, err := e.p.VerifyAccessToken(context.Background(), tok)
	assertUnauthenticated(t, err, tok)
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("error %q does not say the token expired", err)
	}
}

func TestAccessTokenLifetimeIsConfigurable(t *testing.T) {
	e := newEnv(t, envOptions{lifetime: 5 * time.Minute})
	app, sec := createApp(t, e.st, false)
	r := e.postToken(url.Values{"grant_type": {"client_credentials"}}, app.ClientID, sec)
	if exp, _ := r.body["expires_in"].(float64); exp < 200 || exp > 300 {
		t.Fatalf("expires_in = %v, want about 300: %s", r.body["expires_in"], r.raw)
	}
	tok := r.body["access_token"].(string)
	claims, err := e.p.VerifyAccessToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if d := claims.Expiry.Sub(e.clock.Now()); d > 5*time.Minute || d < 4*time.Minute {
		t.Fatalf("expiry in %v, want 5m", d)
	}
	e.clock.Advance(5 * time.Minute)
	_, err = e.p.VerifyAccessToken(context.Background(), tok)
	assertUnauthenticated(t, err, tok)
}
