package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// StrongEntropyBits is NIST SP 800-63B's threshold above which a look-up secret
// may be stored with a fast approved hash instead of a memory-hard one.
const StrongEntropyBits = 112

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// ProductionArgon2 follows OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane):
// costly for an attacker with a stolen database, affordable per sign-in on 2 cores.
var ProductionArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// FastArgon2 is for tests that issue thousands of passes; never use it in production.
var FastArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1}

// Hasher hashes secrets. The zero value uses ProductionArgon2.
type Hasher struct {
	Argon2 Argon2Params
}

var b64 = base64.RawStdEncoding

// Hash returns the encoded hash of s, choosing argon2id or SHA-256 by the entropy
// the caller states the secret carries.
func (h Hasher) Hash(s string, entropyBits float64) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	if entropyBits >= StrongEntropyBits {
		sum := sha256.Sum256(append(salt, s...))
		return "$sha256$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(sum[:]), nil
	}
	p := h.Argon2
	if p.Memory == 0 {
		p = ProductionArgon2
	}
	key := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash is returned for a stored hash that cannot be parsed.
var ErrMalformedHash = errors.New("malformed secret hash")

// Verify reports whether s matches the encoded hash, comparing in constant time.
func Verify(encoded, s string) (bool, error) {
	parts := strings.Split(encoded, "$")
	switch {
	case len(parts) == 4 && parts[1] == "sha256":
		salt, err1 := b64.DecodeString(parts[2])
		want, err2 := b64.DecodeString(parts[3])
		if err1 != nil || err2 != nil {
			return false, ErrMalformedHash
		}
		sum := sha256.Sum256(append(salt, s...))
		return subtle.ConstantTimeCompare(sum[:], want) == 1, nil
	case len(parts) == 6 && parts[1] == "argon2id":
		var v int
		var p Argon2Params
		if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
			return false, ErrMalformedHash
		}
		if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
			return false, ErrMalformedHash
		}
		salt, err1 := b64.DecodeString(parts[4])
		want, err2 := b64.DecodeString(parts[5])
		if err1 != nil || err2 != nil || len(want) == 0 {
			return false, ErrMalformedHash
		}
		got := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}
	return false, ErrMalformedHash
}

// LookupHash is an unsalted SHA-256 for secrets with 256 bits of entropy that must
// be found by their hash (session ids): salting would defeat the index, and their
// entropy makes precomputation pointless.
func LookupHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
