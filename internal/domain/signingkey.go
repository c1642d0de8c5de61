package domain

import "time"

// SigningKey is a token signing key; the private half is encrypted with the master key.
type SigningKey struct {
	ID               string // kid: the RFC 7638 thumbprint of the public key
	Algorithm        string // JWS alg: RS256 (ID tokens) or ES256 (access tokens)
	PrivateKeySealed []byte
	PublicKeyJWK     []byte
	CreatedDateTime  time.Time
	NotAfter         time.Time // stop signing with it after this; publish until RetireAfter
	RetireAfter      time.Time
}

// SignsAt reports whether the key is within its signing period at now.
func (k SigningKey) SignsAt(now time.Time) bool {
	return now.Before(k.NotAfter) && now.Before(k.RetireAfter)
}

// VerifiesAt reports whether tokens the key signed may still be accepted at now,
// that is whether it is still published.
func (k SigningKey) VerifiesAt(now time.Time) bool { return now.Before(k.RetireAfter) }

// CompareSigningKeys orders keys newest first. Every replica signs with the first
// key in this order that signs at now, so the order must be total: two replicas
// that generated keys at the same instant still agree on one.
func CompareSigningKeys(a, b SigningKey) int {
	if c := b.CreatedDateTime.Compare(a.CreatedDateTime); c != 0 {
		return c
	}
	if c := b.NotAfter.Compare(a.NotAfter); c != 0 {
		return c // a replaced key (signing period cut short) after its replacement
	}
	switch {
	case a.ID > b.ID:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return 0
}

// Replaced is k after a newer key took over at now: it stops signing now and
// stays published for overlap at most (never longer than it already would), so
// the tokens it signed keep verifying until they expire.
func (k SigningKey) Replaced(now time.Time, overlap time.Duration) SigningKey {
	if now.Before(k.NotAfter) {
		k.NotAfter = now
	}
	if end := now.Add(overlap); end.Before(k.RetireAfter) {
		k.RetireAfter = end
	}
	return k
}

// Why a signing key was added, as its audit record says.
const (
	KeyReasonFirst    = "first key"
	KeyReasonRenewal  = "the signing period of the previous key ended"
	KeyReasonRotation = "rotation requested"
)

// SignerAt returns the key that signs at now among keys of the algorithm alg:
// the newest one within its signing period. Keys of other algorithms only verify.
func SignerAt(keys []SigningKey, alg string, now time.Time) (SigningKey, bool) {
	var best SigningKey
	found := false
	for _, k := range keys {
		if k.Algorithm == alg && k.SignsAt(now) && (!found || CompareSigningKeys(k, best) < 0) {
			best, found = k, true
		}
	}
	return best, found
}
