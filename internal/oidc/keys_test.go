package oidc

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

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
	if len(keys) != 1 {
		t.Fatalf("%d signing keys after first start, want 1", len(keys))
	}
	k := keys[0]
	if k.Algorithm != "ES256" || !k.NotAfter.After(e.clock.Now()) || !k.RetireAfter.After(k.NotAfter) {
		t.Fatalf("stored key %s: alg %s, notAfter %v, retireAfter %v", k.ID, k.Algorithm, k.NotAfter, k.RetireAfter)
	}
	if jwks := e.jwksKids(); !slices.Equal(jwks, []string{k.ID}) {
		t.Fatalf("JWKS kids %v, want the stored key %s", jwks, k.ID)
	}

	// The stored bytes open with the master key into the real private key...
	der, err := e.sealer.Open(k.PrivateKeySealed, sealedKeyAD(k.ID))
	if err != nil {
		t.Fatalf("stored key does not open with the master key: %v", err)
	}
	priv, err := x509.ParseECPrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(ownKey(t, e).public) {
		t.Fatal("sealed key is not the key the provider signs with")
	}
	// ...and hold none of it in the clear, in any encoding.
	d := priv.D.FillBytes(make([]byte, 32))
	clear := map[string][]byte{
		"DER":          der,
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

func TestWrongMasterKeyRefusesToStart(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := New(context.Background(), Config{Issuer: e.base, Store: e.st, Directory: testDirectory(t, e.st, e.clock), Sealer: newSealer(t), Clock: e.clock})
	if !errors.Is(err, seal.ErrKeyMismatch) {
		t.Fatalf("New with another master key: %v, want ErrKeyMismatch", err)
	}
	keys, _ := e.st.ListSigningKeys(context.Background())
	if len(keys) != 1 {
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
			if keys, _ := stB.ListSigningKeys(ctx); len(keys) != 1 {
				t.Fatalf("second process added a key: %d keys", len(keys))
			}
			if kids := r.jwksKids(); !slices.Equal(kids, []string{kid1}) {
				t.Fatalf("replica JWKS %v, want [%s]", kids, kid1)
			}
			if _, err := r.p.VerifyAccessToken(ctx, tok1); err != nil {
				t.Fatalf("replica refuses the first process's token: %v", err)
			}
			if kid := jwtPart(t, r.token(app.ClientID, sec), 0)["kid"]; kid != kid1 {
				t.Fatalf("replica signs with %v, want the shared key %s", kid, kid1)
			}

			// A rotation on one process is seen by the other at once, in both directions.
			if err := a.p.RotateKeys(ctx); err != nil {
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
			if kids := r.jwksKids(); len(kids) != 2 || kids[0] != kid2 || kids[1] != kid1 {
				t.Fatalf("replica JWKS %v, want [%s %s]", kids, kid2, kid1)
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

	if err := e.p.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	tok2 := e.token(app.ClientID, sec)
	kid2 := jwtPart(t, tok2, 0)["kid"].(string)
	if kid2 == kid1 {
		t.Fatal("rotation did not change the signing key")
	}
	if kids := e.jwksKids(); !slices.Equal(kids, []string{kid2, kid1}) {
		t.Fatalf("JWKS after rotation %v, want [%s %s]", kids, kid2, kid1)
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
	if kids := e.jwksKids(); !slices.Equal(kids, []string{kid2}) {
		t.Fatalf("JWKS after the overlap %v, want [%s]", kids, kid2)
	}
	if err := e.p.RotateKeys(ctx); err != nil {
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
	if len(ids) != 2 || slices.Contains(ids, kid1) || !slices.Contains(ids, kid2) {
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
	if len(keys) != 1 || keys[0].ID == kid1 {
		t.Fatalf("stored keys after renewal: %d, want only the new one", len(keys))
	}
}
