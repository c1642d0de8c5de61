package oidc

import (
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
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/firstkey/firstkey/internal/directory"
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

// SigningAlgorithm is what new keys sign with. OpenID Connect requires every
// provider to offer RS256 (Discovery 1.0 §3) and it is the default that relying
// parties assume when they registered none: Entra ID signs with it, Kubernetes'
// --oidc-signing-algs accepts only it unless told otherwise, and so do many
// libraries. zitadel's provider signs with one key, so one algorithm serves all.
const SigningAlgorithm = jose.RS256

// rsaKeyBits is the size of a new key, as Entra ID's and Google's.
const rsaKeyBits = 2048

// verifyingAlgorithms are the algorithms of stored keys that still verify until
// they retire: RS256, and ES256 from the releases that signed with it.
var verifyingAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// keyEntry is one stored signing key. The private half stays sealed until the key
// is first used for signing.
type keyEntry struct {
	domain.SigningKey
	public  crypto.PublicKey
	private crypto.Signer // nil until unsealed
}

func (e *keyEntry) alg() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(e.Algorithm) }

// keyring caches the store's signing keys. Every replica signs with the newest key
// in the store and publishes every key not yet retired; the store is the only
// shared state, so the cache is refreshed whenever it might be stale.
type keyring struct {
	st      store.Store
	dir     *directory.Service // adds keys, with their audit records
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
		if !slices.Contains(verifyingAlgorithms, jose.SignatureAlgorithm(row.Algorithm)) {
			continue // not ours to use
		}
		e, err := entryFromRow(row)
		if err != nil {
			return err
		}
		if old, ok := r.keys[row.ID]; ok && old.private != nil && slices.Equal(old.PrivateKeySealed, row.PrivateKeySealed) {
			e.private = old.private
		}
		keys[row.ID] = e
	}
	r.keys = keys
	return nil
}

// entryFromRow parses a stored key's public half and checks that it is the kind of
// key its algorithm names, so that a token's alg header can never pick how a key
// is used.
func entryFromRow(row domain.SigningKey) (*keyEntry, error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(row.PublicKeyJWK); err != nil {
		return nil, fmt.Errorf("signing key %s: public key: %w", row.ID, err)
	}
	switch pub := jwk.Key.(type) {
	case *rsa.PublicKey:
		if row.Algorithm != string(jose.RS256) || pub.N.BitLen() < rsaKeyBits {
			return nil, fmt.Errorf("signing key %s: an RSA key of %d bits for %s", row.ID, pub.N.BitLen(), row.Algorithm)
		}
	case *ecdsa.PublicKey:
		if row.Algorithm != string(jose.ES256) || pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key %s: an EC key on %s for %s", row.ID, pub.Curve.Params().Name, row.Algorithm)
		}
	default:
		return nil, fmt.Errorf("signing key %s: a %T is not a signing key", row.ID, jwk.Key)
	}
	return &keyEntry{SigningKey: row, public: jwk.Key}, nil
}

// publicKey returns the key with that id if it may still verify at now.
func (r *keyring) publicKey(kid string, now time.Time) (*keyEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.keys[kid]
	if !ok || !e.VerifiesAt(now) {
		return nil, false
	}
	return e, true
}

// published returns every key that may still verify at now, newest first.
func (r *keyring) published(now time.Time) []*keyEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*keyEntry
	for _, e := range r.keys {
		if e.VerifiesAt(now) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *keyEntry) int { return domain.CompareSigningKeys(a.SigningKey, b.SigningKey) })
	return out
}

// current returns the key that signs at now, unsealing it if needed, or nil.
func (r *keyring) current(now time.Time) (*keyEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows := make([]domain.SigningKey, 0, len(r.keys))
	for _, e := range r.keys {
		rows = append(rows, e.SigningKey)
	}
	k, ok := domain.SignerAt(rows, string(SigningAlgorithm), now)
	if !ok {
		return nil, nil
	}
	best := r.keys[k.ID]
	if best.private == nil {
		priv, err := r.unseal(best)
		if err != nil {
			return nil, err
		}
		best.private = priv
	}
	return best, nil
}

func (r *keyring) unseal(e *keyEntry) (crypto.Signer, error) {
	der, err := r.sealer.Open(e.PrivateKeySealed, sealedKeyAD(e.ID))
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w", e.ID, seal.ErrKeyMismatch)
	}
	defer clear(der)
	var priv crypto.Signer
	if e.alg() == jose.ES256 {
		priv, err = x509.ParseECPrivateKey(der) // keys from before RS256 were sealed as SEC 1
	} else {
		var k any
		k, err = x509.ParsePKCS8PrivateKey(der)
		priv, _ = k.(crypto.Signer)
	}
	if err != nil || priv == nil {
		return nil, fmt.Errorf("parse signing key %s: %v", e.ID, err)
	}
	if pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(e.public) {
		return nil, fmt.Errorf("signing key %s: private and public halves do not match", e.ID)
	}
	return priv, nil
}

// signer returns the key to sign with now, generating one when the store has none
// that may sign (first start, the last key's signing period ended, or it is of an
// algorithm no longer used for signing). It reads the store every time so that a
// rotation by another replica takes effect at once.
func (r *keyring) signer(ctx context.Context) (*keyEntry, error) {
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	e, err := r.current(r.clock.Now())
	if err != nil || e != nil {
		return e, err
	}
	if err := r.addKey(ctx, domain.TokenServiceActor(), r.renewalReason()); err != nil {
		return nil, err
	}
	e, err = r.current(r.clock.Now())
	if err == nil && e == nil {
		err = errors.New("no usable signing key after generating one")
	}
	return e, err
}

// renewalReason says why the token service needs a key of its own accord.
func (r *keyring) renewalReason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	reason := domain.KeyReasonFirst
	for _, e := range r.keys {
		if e.SignsAt(now) {
			return domain.KeyReasonAlgorithm
		}
		reason = domain.KeyReasonRenewal
	}
	return reason
}

// addKey generates a key and has the directory store it, with its audit record.
// Keys still signing stop now and stay published for the overlap, so tokens they
// signed keep verifying until they expire; on the token service's own accord
// that touches only keys of another algorithm (an ES256 key from before RS256).
func (r *keyring) addKey(ctx context.Context, actor domain.Actor, reason string) error {
	if err := actor.Require(domain.ActManageKeys); err != nil {
		return err // before spending a key generation on it
	}
	// Seal with the key the database is under now (a master-key rotation may be under way).
	if err := r.sealer.Follow(ctx, r.st); err != nil {
		return err
	}
	key, err := r.generate(r.clock.Now())
	if err != nil {
		return err
	}
	if err := r.dir.AddSigningKey(ctx, actor, key, true, r.overlap, reason); err != nil {
		return fmt.Errorf("add signing key: %w", err)
	}
	return r.load(ctx)
}

// generate makes a new RS256 key whose id is its RFC 7638 thumbprint.
func (r *keyring) generate(now time.Time) (domain.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(SigningAlgorithm), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("signing key thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pub, err := json.Marshal(jwk)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("encode public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
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
		Algorithm:        string(SigningAlgorithm),
		PrivateKeySealed: sealed,
		PublicKeyJWK:     pub,
		CreatedDateTime:  now,
		NotAfter:         notAfter,
		RetireAfter:      notAfter.Add(r.overlap),
	}, nil
}

// opSigningKey and opPublicKey adapt keyEntry to zitadel's op.SigningKey and op.Key.
type opSigningKey struct{ e *keyEntry }

func (k opSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.e.alg() }
func (k opSigningKey) Key() any                                    { return k.e.private }
func (k opSigningKey) ID() string                                  { return k.e.ID }

type opPublicKey struct{ e *keyEntry }

func (k opPublicKey) ID() string                         { return k.e.ID }
func (k opPublicKey) Algorithm() jose.SignatureAlgorithm { return k.e.alg() }
func (k opPublicKey) Use() string                        { return "sig" }
func (k opPublicKey) Key() any                           { return k.e.public }
