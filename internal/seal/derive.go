package seal

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// DeriveKey returns a 32-byte key for one purpose derived from the master key, so
// that other symmetric uses (for example the OpenID provider's opaque-token
// encryption) need no key of their own and never reuse the master key directly.
//
// The derivation starts from the key the database was initialised with (its
// HKDF pseudo-random key, kept sealed in the database once the master key is
// rotated; see CheckKey), so that lock-out counts and signed links survive a
// master-key rotation and agree between replicas holding the old, the new or
// both keys.
func (s *Sealer) DeriveKey(purpose string) ([32]byte, error) {
	var out [32]byte
	k, err := hkdf.Expand(sha256.New, *s.root.Load(), "firstkey "+purpose, len(out))
	if err != nil {
		return out, fmt.Errorf("derive key: %w", err)
	}
	copy(out[:], k)
	return out, nil
}
