package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
)

// signingPeriod is how long a key signs before a new one takes over by itself;
// RotateKeys cuts it short.
const signingPeriod = 90 * 24 * time.Hour

// maxClockSkew is the time difference between replicas (and between zitadel's
// wall clock and the configured Clock) that token checks tolerate on the
// not-yet-valid side, and the margin added to key retirement.
const maxClockSkew = 5 * time.Minute

// keyEntry is one stored signing key. The private half stays sealed until the key
// is first used for signing.
type keyEntry struct {
	id          string
	public      *ecdsa.PublicKey
	sealed      []byte
	private     *ecdsa.PrivateKey // nil until unsealed
	created     time.Time
	notAfter    time.Time
	retireAfter time.Time
}

// keyring caches the store's signing keys. Every replica signs with the newest key
// in the store and publishes every key not yet retired; the store is the only
// shared state, so the cache is refreshed whenever it might be stale.
type keyring struct {
	st      store.Store
	sealer  *seal.Sealer
	clock   domain.Clock
	overlap time.Duration // how long a replaced key keeps verifying

	mu   sync.Mutex
	keys map[string]*keyEntry
}

func sealedKeyAD(kid string) []byte { return []byte("firstkey signing key " + kid) }

// load replaces the cache with the store's keys, keeping already unsealed private keys.
func (r *keyring) load(ctx context.Context) error {
	rows, err := r.st.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make(map[string]*keyEntry, len(rows))
	for _, row := range rows {
		if row.Algorithm != string(jose.ES256) {
			continue // not ours to use; a later algorithm would be added here
		}
		e, err := entryFromRow(row)
		if err != nil {
			return err
		}
		if old, ok := r.keys[row.ID]; ok && old.private != nil && slices.Equal(old.sealed, row.PrivateKeySealed) {
			e.private = old.private
		}
		keys[row.ID] = e
	}
	r.keys = keys
	return nil
}

func entryFromRow(row domain.SigningKey) (*keyEntry, error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(row.PublicKeyJWK); err != nil {
		return nil, fmt.Errorf("signing key %s: public key: %w", row.ID, err)
	}
	pub, ok := jwk.Key.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("signing key %s: public key is not a P-256 key", row.ID)
	}
	return &keyEntry{id: row.ID, public: pub, sealed: row.PrivateKeySealed,
		created: row.CreatedDateTime, notAfter: row.NotAfter, retireAfter: row.RetireAfter}, nil
}

// publicKey returns the key with that id if it may still verify at now.
func (r *keyring) publicKey(kid string, now time.Time) (*ecdsa.PublicKey, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.keys[kid]
	if !ok || !now.Before(e.retireAfter) {
		return nil, false
	}
	return e.public, true
}

// published returns every key that may still verify at now, newest first.
func (r *keyring) published(now time.Time) []*keyEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*keyEntry
	for _, e := range r.keys {
		if now.Before(e.retireAfter) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, newestFirst)
	return out
}

func newestFirst(a, b *keyEntry) int {
	if c := b.created.Compare(a.created); c != 0 {
		return c
	}
	if c := b.notAfter.Compare(a.notAfter); c != 0 {
		return c // a replaced key (signing period cut short) after its replacement
	}
	// Two replicas that generated keys at the same instant still agree on one.
	if a.id > b.id {
		return -1
	}
	if a.id < b.id {
		return 1
	}
	return 0
}

// current returns the newest key that may sign at now, unsealing it if needed.
func (r *keyring) current(now time.Time) (*keyEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best *keyEntry
	for _, e := range r.keys {
		if now.Before(e.notAfter) && now.Before(e.retireAfter) && (best == nil || newestFirst(e, best) < 0) {
			best = e
		}
	}
	if best == nil {
		return nil, nil
	}
	if best.private == nil {
		priv, err := r.unseal(best)
		if err != nil {
			return nil, err
		}
		best.private = priv
	}
	return best, nil
}

func (r *keyring) unseal(e *keyEntry) (*ecdsa.PrivateKey, error) {
	der, err := r.sealer.Open(e.sealed, sealedKeyAD(e.id))
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w", e.id, seal.ErrKeyMismatch)
	}
	defer clear(der)
	priv, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", e.id, err)
	}
	if !priv.PublicKey.Equal(e.public) {
		return nil, fmt.Errorf("signing key %s: private and public halves do not match", e.id)
	}
	return priv, nil
}

// signer returns the key to sign with now, generating one when the store has none
// that may sign (first start, or the last key's signing period ended). It reads
// the store every time so that a rotation by another replica takes effect at once.
func (r *keyring) signer(ctx context.Context) (*keyEntry, error) {
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	e, err := r.current(r.clock.Now())
	if err != nil || e != nil {
		return e, err
	}
	if err := r.addKey(ctx, false); err != nil {
		return nil, err
	}
	e, err = r.current(r.clock.Now())
	if err == nil && e == nil {
		err = errors.New("no usable signing key after generating one")
	}
	return e, err
}

// addKey stores a new signing key and removes retired ones. With replace set, keys
// still signing stop now and stay published for the overlap, so tokens they signed
// keep verifying until they expire.
func (r *keyring) addKey(ctx context.Context, replace bool) error {
	now := r.clock.Now()
	key, err := r.generate(now)
	if err != nil {
		return err
	}
	err = r.st.InTx(ctx, func(tx store.Store) error {
		rows, err := tx.ListSigningKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		for _, k := range rows {
			if !now.Before(k.RetireAfter) {
				if err := tx.DeleteSigningKey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("delete retired signing key %s: %w", k.ID, err)
				}
				continue
			}
			if !replace || !now.Before(k.NotAfter) {
				continue
			}
			k.NotAfter = now
			if end := now.Add(r.overlap); end.Before(k.RetireAfter) {
				k.RetireAfter = end
			}
			// The store has no UpdateSigningKey: replace the row in this transaction.
			if err := tx.DeleteSigningKey(ctx, k.ID); err != nil {
				return fmt.Errorf("retire signing key %s: %w", k.ID, err)
			}
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return fmt.Errorf("retire signing key %s: %w", k.ID, err)
			}
		}
		if err := tx.CreateSigningKey(ctx, key); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.load(ctx)
}

// generate makes a new ES256 key whose id is its RFC 7638 thumbprint.
func (r *keyring) generate(now time.Time) (domain.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("signing key thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pub, err := json.Marshal(jwk)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("encode public key: %w", err)
	}
	der, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("encode private key: %w", err)
	}
	defer clear(der)
	sealed, err := r.sealer.Seal(der, sealedKeyAD(jwk.KeyID))
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("seal signing key: %w", err)
	}
	notAfter := now.Add(signingPeriod)
	return domain.SigningKey{
		ID:               jwk.KeyID,
		Algorithm:        string(jose.ES256),
		PrivateKeySealed: sealed,
		PublicKeyJWK:     pub,
		CreatedDateTime:  now,
		NotAfter:         notAfter,
		RetireAfter:      notAfter.Add(r.overlap),
	}, nil
}

// opSigningKey and opPublicKey adapt keyEntry to zitadel's op.SigningKey and op.Key.
type opSigningKey struct{ e *keyEntry }

func (k opSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k opSigningKey) Key() any                                    { return k.e.private }
func (k opSigningKey) ID() string                                  { return k.e.id }

type opPublicKey struct{ e *keyEntry }

func (k opPublicKey) ID() string                         { return k.e.id }
func (k opPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k opPublicKey) Use() string                        { return "sig" }
func (k opPublicKey) Key() any                           { return k.e.public }
