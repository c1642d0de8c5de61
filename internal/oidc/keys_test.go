package oidc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestSigningKeyStoredSealed(t *testing.T) {
	e := newEnv(t, envOptions{})
	keys, err := e.st.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d signing keys after first start, want 2 (RS256 and ES256)", len(keys))
	}
	var kids []string
	for _, k := range keys {
		if !k.NotAfter.After(e.clock.Now()) || !k.RetireAfter.After(k.NotAfter) {
			t.Fatalf("stored key %s: alg %s, notAfter %v, retireAfter %v", k.ID, k.Algorithm, k.NotAfter, k.RetireAfter)
		}
		kids = append(kids, k.ID)
	}
	if jwks := e.jwksKids(); !sameSet(jwks, kids) {
		t.Fatalf("JWKS kids %v, want the stored keys %v", jwks, kids)
	}
	if keys[0].Algorithm == "ES256" {
		checkSealedES256(t, e, keys[0])
		keys[0], keys[1] = keys[1], keys[0]
	} else {
		checkSealedES256(t, e, keys[1])
	}
	k := keys[0]
	if k.Algorithm != "RS256" {
		t.Fatalf("stored keys are %s and %s, want RS256 and ES256", keys[0].Algorithm, keys[1].Algorithm)
	}

	// The stored bytes open with the master key into the real private key...
	der, err := e.sealer.Open(k.PrivateKeySealed, sealedKeyAD(k.ID))
	if err != nil {
		t.Fatalf("stored key does not open with the master key: %v", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() < 2048 {
		t.Fatalf("the sealed key is a %T, want an RSA key of at least 2048 bits", parsed)
	}
	if !priv.PublicKey.Equal(ownKey(t, e).public) {
		t.Fatal("sealed key is not the key the provider signs with")
	}
	// ...and hold none of it in the clear, in any encoding.
	d := priv.D.Bytes()
	clear := map[string][]byte{
		"DER":          der,
		"prime p":      priv.Primes[0].Bytes(),
		"d":            d,
		"d base64url":  []byte(base64.RawURLEncoding.EncodeToString(d)),
		"d base64":     []byte(base64.StdEncoding.EncodeToString(d)),
		"PEM marker":   []byte("PRIVATE KEY"),
		"JWK d member": []byte(`"d"`),
	}
	for name, b := range clear {
		if bytes.Contains(k.PrivateKeySealed, b) {
			t.Errorf("sealed private key contains the %s", name)
		}
		if bytes.Contains(k.PublicKeyJWK, b) {
			t.Errorf("public JWK contains the %s", name)
		}
	}
	// Sealed for this key id only: moved onto another row it does not open.
	if _, err := e.sealer.Open(k.PrivateKeySealed, sealedKeyAD("other-kid")); err == nil {
		t.Fatal("sealed key opens under another key id")
	}
	if strings.Contains(e.logs.String(), base64.RawURLEncoding.EncodeToString(d)) {
		t.Fatal("log contains the private key")
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}

// checkSealedES256 opens the stored ES256 key with the master key: a P-256
// key, sealed as PKCS #8 for its own key id, whose public half is the published one.
func checkSealedES256(t *testing.T, e *env, k domain.SigningKey) {
	t.Helper()
	der, err := e.sealer.Open(k.PrivateKeySealed, sealedKeyAD(k.ID))
	if err != nil {
		t.Fatalf("stored ES256 key does not open with the master key: %v", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		t.Fatalf("the sealed ES256 key is a %T", parsed)
	}
	own, err := e.p.keys.signer(context.Background(), jose.ES256)
	if err != nil || own.ID != k.ID || !priv.PublicKey.Equal(own.public) {
		t.Fatalf("the sealed ES256 key is not the key access tokens are signed with (%v)", err)
	}
	if bytes.Contains(k.PrivateKeySealed, der) || bytes.Contains(k.PublicKeyJWK, []byte(`"d"`)) {
		t.Fatal("the ES256 key is stored in the clear")
	}
}

func TestWrongMasterKeyRefusesToStart(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := New(context.Background(), Config{Issuer: e.base, Store: e.st, Directory: testDirectory(t, e.st, e.clock), Sealer: newSealer(t), Clock: e.clock})
	if !errors.Is(err, seal.ErrKeyMismatch) {
		t.Fatalf("New with another master key: %v, want ErrKeyMismatch", err)
	}
	keys, _ := e.st.ListSigningKeys(context.Background())
	if len(keys) != 2 {
		t.Fatalf("%d keys: a wrong master key must not add keys", len(keys))
	}
}

// sharedStores opens two stores on one database of the backend, as two firstkey
// processes would.
func sharedStores(t *testing.T, b storetest.Backend) (store.Store, store.Store) {
	t.Helper()
	if b.Name == "postgres" {
		dsn := storetest.PostgresDSN(t)
		return storetest.OpenPostgres(t, dsn), storetest.OpenPostgres(t, dsn)
	}
	path := storetest.SQLitePath(t)
	return storetest.OpenSQLite(t, path), storetest.OpenSQLite(t, path)
}

func TestReplicasShareKeys(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			stA, stB := sharedStores(t, b)
			a := newEnv(t, envOptions{st: stA})
			app, sec := createApp(t, stA, false, domain.PermUserReadAll)
			tok1 := a.token(app.ClientID, sec)
			kid1 := jwtPart(t, tok1, 0)["kid"].(string)

			r := a.replica(t, stB)
			if keys, _ := stB.ListSigningKeys(ctx); len(keys) != 2 {
				t.Fatalf("second process added a key: %d keys", len(keys))
			}
			if kids := r.jwksKids(); len(kids) != 2 || !slices.Contains(kids, kid1) {
				t.Fatalf("replica JWKS %v, want 2 keys with %s", kids, kid1)
			}
			if _, err := r.p.VerifyAccessToken(ctx, tok1); err != nil {
				t.Fatalf("replica refuses the first process's token: %v", err)
			}
			if kid := jwtPart(t, r.token(app.ClientID, sec), 0)["kid"]; kid != kid1 {
				t.Fatalf("replica signs with %v, want the shared key %s", kid, kid1)
			}

			// A rotation on one process is seen by the other at once, in both directions.
			if err := a.p.RotateKeys(ctx, domain.SystemActor()); err != nil {
				t.Fatal(err)
			}
			tok2 := a.token(app.ClientID, sec)
			kid2 := jwtPart(t, tok2, 0)["kid"].(string)
			if kid2 == kid1 {
				t.Fatal("rotation did not change the signing key")
			}
			if _, err := r.p.VerifyAccessToken(ctx, tok2); err != nil {
				t.Fatalf("replica refuses a token signed with the rotated key: %v", err)
			}
			if kid := jwtPart(t, r.token(app.ClientID, sec), 0)["kid"]; kid != kid2 {
				t.Fatalf("replica still signs with %v after rotation, want %s", kid, kid2)
			}
			if kids := r.jwksKids(); len(kids) != 4 || !slices.Contains(kids, kid2) || !slices.Contains(kids, kid1) {
				t.Fatalf("replica JWKS %v, want 4 keys with %s and %s", kids, kid2, kid1)
			}
			if _, err := r.p.VerifyAccessToken(ctx, tok1); err != nil {
				t.Fatalf("replica refuses the pre-rotation token: %v", err)
			}
		})
	}
}

func TestRotationKeepsOldKeyForOverlap(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false, domain.PermUserReadAll)
	tok1 := e.token(app.ClientID, sec)
	kid1 := jwtPart(t, tok1, 0)["kid"].(string)

	if err := e.p.RotateKeys(ctx, domain.SystemActor()); err != nil {
		t.Fatal(err)
	}
	tok2 := e.token(app.ClientID, sec)
	kid2 := jwtPart(t, tok2, 0)["kid"].(string)
	if kid2 == kid1 {
		t.Fatal("rotation did not change the signing key")
	}
	if kids := e.jwksKids(); len(kids) != 4 || !slices.Contains(kids, kid2) || !slices.Contains(kids, kid1) {
		t.Fatalf("JWKS after rotation %v, want 4 keys (2 signing, 2 verifying) with %s and %s", kids, kid2, kid1)
	}

	// The old token lives out its hour.
	e.clock.Advance(59 * time.Minute)
	for name, tok := range map[string]string{"old": tok1, "new": tok2} {
		if _, err := e.p.VerifyAccessToken(ctx, tok); err != nil {
			t.Fatalf("%s token refused within its lifetime: %v", name, err)
		}
	}

	// After the overlap the old key leaves JWKS, and the next rotation deletes it.
	e.clock.Advance(time.Hour + maxClockSkew - 59*time.Minute + time.Second)
	if kids := e.jwksKids(); len(kids) != 2 || !slices.Contains(kids, kid2) || slices.Contains(kids, kid1) {
		t.Fatalf("JWKS after the overlap %v, want the 2 new keys with %s", kids, kid2)
	}
	if err := e.p.RotateKeys(ctx, domain.SystemActor()); err != nil {
		t.Fatal(err)
	}
	keys, err := e.st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if len(ids) != 4 || slices.Contains(ids, kid1) || !slices.Contains(ids, kid2) {
		t.Fatalf("stored keys %v: want the retired %s gone and %s kept for its overlap", ids, kid1, kid2)
	}
}

func TestSigningKeyRenewsAfterItsPeriod(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	app, sec := createApp(t, e.st, false)
	kid1 := jwtPart(t, e.token(app.ClientID, sec), 0)["kid"].(string)

	e.clock.Advance(signingPeriod + time.Hour + maxClockSkew + time.Second)
	tok := e.token(app.ClientID, sec)
	if kid := jwtPart(t, tok, 0)["kid"]; kid == kid1 {
		t.Fatal("still signing with a key past its signing period")
	}
	if _, err := e.p.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatalf("token from the renewed key refused: %v", err)
	}
	keys, _ := e.st.ListSigningKeys(ctx)
	// Both first keys are past retirement and purged; the ID token key is
	// renewed when an ID token is next signed.
	if len(keys) != 1 || keys[0].ID == kid1 || keys[0].Algorithm != "ES256" {
		t.Fatalf("stored keys after renewal: %d, want only the new ES256 key", len(keys))
	}
}

// legacyES256Key is a key as early releases stored it: ES256, its private half
// sealed as SEC 1 DER, still inside its signing period.
func legacyES256Key(t *testing.T, sealer *seal.Sealer, now time.Time) (domain.SigningKey, *ecdsa.PrivateKey) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: "ES256", Use: "sig"}
	thumb, _ := jwk.Thumbprint(crypto.SHA256)
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pub, _ := json.Marshal(jwk)
	der, _ := x509.MarshalECPrivateKey(priv)
	sealed, err := sealer.Seal(der, sealedKeyAD(jwk.KeyID))
	if err != nil {
		t.Fatal(err)
	}
	return domain.SigningKey{ID: jwk.KeyID, Algorithm: "ES256", PrivateKeySealed: sealed, PublicKeyJWK: pub,
		CreatedDateTime: now.Add(-24 * time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		RetireAfter: now.Add(30*24*time.Hour + time.Hour + maxClockSkew)}, priv
}

// A directory upgraded from a release that signed with ES256 only: its key
// (sealed as SEC 1) goes on signing access tokens, an RS256 key is added for ID
// tokens, and a rotation retires the old key with overlap like any other.
func TestES256KeyFromAnEarlierReleaseSignsUntilRotated(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st, sealer := b.Open(t), newSealer(t)
			clock := domain.NewFakeClock(time.Now())
			old, oldPriv := legacyES256Key(t, sealer, clock.Now())
			if err := st.CreateSigningKey(ctx, old); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, envOptions{st: st, sealer: sealer, clock: clock})
			app, sec := createApp(t, st, false, domain.PermUserReadAll)
			// A token that would outlive the overlap shows the key itself retiring.
			longTok := sign(t, jose.ES256, oldPriv, old.ID, with(validClaims(e, app.ClientID), "exp", clock.Now().Add(24*time.Hour).Unix()))

			oldTok := e.token(app.ClientID, sec)
			if h := jwtPart(t, oldTok, 0); h["alg"] != "ES256" || h["kid"] != old.ID {
				t.Fatalf("after the upgrade access tokens are signed with %v, want the ES256 key %s", h, old.ID)
			}
			keys, _ := st.ListSigningKeys(ctx)
			if len(keys) != 2 || !slices.ContainsFunc(keys, func(k domain.SigningKey) bool { return k.Algorithm == "RS256" }) {
				t.Fatalf("%d keys after the upgrade, want the ES256 key and a new RS256 key", len(keys))
			}
			// The ES256 key's id with an RS256 header is not a way in.
			forged := strings.Split(oldTok, ".")
			forged[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"` + old.ID + `"}`))
			if _, err := e.p.VerifyAccessToken(ctx, strings.Join(forged, ".")); err == nil {
				t.Fatal("an RS256 header on the ES256 key's signature verified")
			}

			if err := e.p.RotateKeys(ctx, domain.SystemActor()); err != nil {
				t.Fatal(err)
			}
			if h := jwtPart(t, e.token(app.ClientID, sec), 0); h["alg"] != "ES256" || h["kid"] == old.ID {
				t.Fatalf("after rotation access tokens are signed with %v", h)
			}
			keys, _ = st.ListSigningKeys(ctx)
			for _, k := range keys {
				if k.ID == old.ID && (k.NotAfter.After(clock.Now()) || k.RetireAfter.After(clock.Now().Add(time.Hour+maxClockSkew))) {
					t.Fatalf("the rotated ES256 key still signs until %v and is published until %v", k.NotAfter, k.RetireAfter)
				}
			}
			if _, err := e.p.VerifyAccessToken(ctx, oldTok); err != nil {
				t.Fatalf("a token the old ES256 key signed is refused within its lifetime: %v", err)
			}

			clock.Advance(time.Hour + maxClockSkew + time.Second)
			if kids := e.jwksKids(); len(kids) != 2 || slices.Contains(kids, old.ID) {
				t.Fatalf("JWKS after the overlap %v, want only the two new keys", kids)
			}
			if _, err := e.p.VerifyAccessToken(ctx, longTok); err == nil || !strings.Contains(err.Error(), "retired") {
				t.Fatalf("a token of the old ES256 key after the overlap: %v, want refused as signed by a retired key", err)
			}
		})
	}
}
