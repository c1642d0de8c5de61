package seal

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// DeriveKey returns a 32-byte key for one purpose derived from the master key, so
// that other symmetric uses (for example the OpenID provider's opaque-token
// encryption) need no key of their own and never reuse the master key directly.
func (s *Sealer) DeriveKey(purpose string) ([32]byte, error) {
	var out [32]byte
	k, err := hkdf.Key(sha256.New, s.key, nil, "firstkey "+purpose, len(out))
	if err != nil {
		return out, fmt.Errorf("derive key: %w", err)
	}
	copy(out[:], k)
	return out, nil
}
