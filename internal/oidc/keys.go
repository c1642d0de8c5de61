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

// AccessTokenAlgorithm signs access tokens. Their audience is firstkey itself
// (its API, userinfo, introspection), so the algorithm is ours to choose: an
// ECDSA P-256 signature costs about a twentieth of an RSA-2048 one, and the
// token endpoint is bound by signing (client credentials sign nothing else).
const AccessTokenAlgorithm = jose.ES256

// IDTokenAlgorithm signs ID tokens unless the application chose otherwise
// (domain.Application.IDTokenSigningAlg). OpenID Connect requires every
// provider to offer RS256 (Discovery 1.0 §3) and it is the default that relying
// parties assume when they registered none: Entra ID signs with it,
// Kubernetes' --oidc-signing-algs accepts only it unless told otherwise, and so
// do many libraries.
const IDTokenAlgorithm = jose.RS256

// SigningAlgorithms are the algorithms a key signs with at any time: one
// current key of each, rotated together.
var SigningAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// SigningAlgorithmNames are SigningAlgorithms as the names keys are stored under.
func SigningAlgorithmNames() []string {
	names := make([]string, len(SigningAlgorithms))
	for i, a := range SigningAlgorithms {
		names[i] = string(a)
	}
	return names
}

// rsaKeyBits is the size of a new RSA key, as Entra ID's and Google's.
const rsaKeyBits = 2048

// verifyingAlgorithms are the algorithms of stored keys that verify until they
// retire.
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
// of each algorithm in the store and publishes every key not yet retired; the store is the only
// shared state, so the cache is refreshed whenever it might be stale: whenever
// the store's cache version (which a trigger moves with every change to the
// signing keys, migration 0018) is past the one the keys were read at.
type keyring struct {
	st      store.Store
	dir     *directory.Service // adds keys, with their audit records
	sealer  *seal.Sealer
	clock   domain.Clock
	overlap time.Duration // how long a replaced key keeps verifying

	mu      sync.Mutex
	keys    map[string]*keyEntry
	version int64 // the store's cache version keys was read at or after
}

func sealedKeyAD(kid string) []byte { return []byte("firstkey signing key " + kid) }

// load replaces the cache with the store's keys. A row already parsed (same
// id and key material) keeps its parsed public key and unsealed private key:
// rotation only adds rows or shortens periods, never changes a key's material,
// so this reuse is right on every replica without any shared invalidation;
// parsing (an RSA JWK, a PKCS#8 unseal) is what it saves on every token.
func (r *keyring) load(ctx context.Context) error {
	v, err := r.st.CacheVersion(ctx)
	if err != nil {
		return fmt.Errorf("read cache version: %w", err)
	}
	return r.loadAt(ctx, v)
}

// loadAt is load for a request that read the cache version v already: it
// reads the keys only when they were read before v.
func (r *keyring) loadAt(ctx context.Context, v int64) error {
	r.mu.Lock()
	fresh := r.keys != nil && v <= r.version
	r.mu.Unlock()
	if fresh {
		return nil
	}
	rows, err := r.st.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys != nil && v < r.version {
		return nil // a concurrent request put newer keys in place
	}
	keys := make(map[string]*keyEntry, len(rows))
	for _, row := range rows {
		if !slices.Contains(verifyingAlgorithms, jose.SignatureAlgorithm(row.Algorithm)) {
			continue // not ours to use
		}
		if old, ok := r.keys[row.ID]; ok && old.Algorithm == row.Algorithm &&
			bytes.Equal(old.PublicKeyJWK, row.PublicKeyJWK) && bytes.Equal(old.PrivateKeySealed, row.PrivateKeySealed) {
			if old.SigningKey.CreatedDateTime.Equal(row.CreatedDateTime) && old.NotAfter.Equal(row.NotAfter) && old.RetireAfter.Equal(row.RetireAfter) {
				keys[row.ID] = old
			} else {
				keys[row.ID] = &keyEntry{SigningKey: row, public: old.public, private: old.private}
			}
			continue
		}
		e, err := entryFromRow(row)
		if err != nil {
			return err
		}
		keys[row.ID] = e
	}
	r.keys, r.version = keys, v
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

// current returns the key of alg that signs at now, unsealing it if needed, or nil.
func (r *keyring) current(alg jose.SignatureAlgorithm, now time.Time) (*keyEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best *keyEntry
	for _, e := range r.keys {
		if e.alg() == alg && e.SignsAt(now) && (best == nil || domain.CompareSigningKeys(e.SigningKey, best.SigningKey) < 0) {
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

func (r *keyring) unseal(e *keyEntry) (crypto.Signer, error) {
	der, err := r.sealer.Open(e.PrivateKeySealed, sealedKeyAD(e.ID))
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w", e.ID, seal.ErrKeyMismatch)
	}
	defer clear(der)
	var priv crypto.Signer
	k, err := x509.ParsePKCS8PrivateKey(der)
	priv, _ = k.(crypto.Signer)
	if err != nil && e.alg() == jose.ES256 {
		priv, err = x509.ParseECPrivateKey(der) // ES256 keys of early releases were sealed as SEC 1
	}
	if err != nil || priv == nil {
		return nil, fmt.Errorf("parse signing key %s: %v", e.ID, err)
	}
	if pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(e.public) {
		return nil, fmt.Errorf("signing key %s: private and public halves do not match", e.ID)
	}
	return priv, nil
}

// signer returns the key to sign with now with alg, generating one when the
// store has none of alg that may sign (first start, the last key's signing
// period ended, or an upgrade from a release that signed with one algorithm
// only). It checks the keys against the store's cache version once per
// request (the version the request read for its application, when it did), so
// that a rotation by another replica takes effect at once; the keys themselves
// are read only after a change.
func (r *keyring) signer(ctx context.Context, alg jose.SignatureAlgorithm) (*keyEntry, error) {
	if c := callFrom(ctx); !c.keysLoaded {
		var err error
		if c.cacheVersion != 0 {
			err = r.loadAt(ctx, c.cacheVersion)
		} else {
			err = r.load(ctx)
		}
		if err != nil {
			return nil, err
		}
		c.keysLoaded = true
	}
	e, err := r.current(alg, r.clock.Now())
	if err != nil || e != nil {
		return e, err
	}
	if err := r.addKeys(ctx, domain.TokenServiceActor(), r.renewalReason(alg), alg); err != nil {
		return nil, err
	}
	e, err = r.current(alg, r.clock.Now())
	if err == nil && e == nil {
		err = errors.New("no usable signing key after generating one")
	}
	return e, err
}

// ensure makes sure a key of every signing algorithm signs, generating the
// missing ones together (one audit record), and unseals them: a wrong master
// key fails here, at start-up, rather than at the first token.
func (r *keyring) ensure(ctx context.Context) error {
	if err := r.load(ctx); err != nil {
		return err
	}
	var missing []jose.SignatureAlgorithm
	for _, alg := range SigningAlgorithms {
		e, err := r.current(alg, r.clock.Now())
		if err != nil {
			return err
		}
		if e == nil {
			missing = append(missing, alg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := r.addKeys(ctx, domain.TokenServiceActor(), r.renewalReason(missing[0]), missing...); err != nil {
		return err
	}
	for _, alg := range missing {
		if _, err := r.current(alg, r.clock.Now()); err != nil {
			return err
		}
	}
	return nil
}

// renewalReason says why the token service needs a key of alg of its own accord.
func (r *keyring) renewalReason(alg jose.SignatureAlgorithm) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.keys {
		if e.alg() == alg {
			return domain.KeyReasonRenewal
		}
	}
	return domain.KeyReasonFirst
}

// addKeys generates a key of each alg and has the directory store them, with
// one audit record. Keys of those algorithms still signing stop now and stay
// published for the overlap, so tokens they signed keep verifying until they
// expire.
func (r *keyring) addKeys(ctx context.Context, actor domain.Actor, reason string, algs ...jose.SignatureAlgorithm) error {
	if err := actor.Require(domain.ActManageKeys); err != nil {
		return err // before spending a key generation on it
	}
	// Seal with the key the database is under now (a master-key rotation may be under way).
	if err := r.sealer.Follow(ctx, r.st); err != nil {
		return err
	}
	keys := make([]domain.SigningKey, 0, len(algs))
	for _, alg := range algs {
		key, err := r.generate(alg, r.clock.Now())
		if err != nil {
			return err
		}
		keys = append(keys, key)
	}
	if err := r.dir.AddSigningKeys(ctx, actor, keys, true, r.overlap, reason); err != nil {
		return fmt.Errorf("add signing key: %w", err)
	}
	return r.load(ctx)
}

// generate makes a new key of alg (RS256 or ES256) whose id is its RFC 7638
// thumbprint; the private half is sealed as PKCS #8.
func (r *keyring) generate(alg jose.SignatureAlgorithm, now time.Time) (domain.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaKeyBits)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return domain.SigningKey{}, fmt.Errorf("generate signing key: algorithm %s is not one firstkey signs with", alg)
	}
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("generate %s signing key: %w", alg, err)
	}
	jwk := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
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
		Algorithm:        string(alg),
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

// verifyingKeySet is zitadel's oidc.KeySet for the tokens it checks itself
// (access tokens at userinfo and introspection, ID token hints at logout): the
// keyring's parsed keys, read again from the store only for a key id it does
// not know (another replica's rotation). zitadel's default would list and
// parse every key on every check.
type verifyingKeySet struct {
	keys  *keyring
	clock domain.Clock
}

func (s verifyingKeySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	if len(jws.Signatures) != 1 {
		return nil, errors.New("a token must carry exactly one signature")
	}
	h := jws.Signatures[0].Header
	now := s.clock.Now()
	key, ok := s.keys.publicKey(h.KeyID, now)
	if !ok {
		if err := s.keys.load(ctx); err != nil {
			return nil, fmt.Errorf("reload signing keys: %w", err)
		}
		if key, ok = s.keys.publicKey(h.KeyID, now); !ok {
			return nil, errors.New("signed by an unknown or retired key")
		}
	}
	if jose.SignatureAlgorithm(h.Algorithm) != key.alg() {
		return nil, errors.New("not signed with its key's algorithm")
	}
	return jws.Verify(key.public)
}
