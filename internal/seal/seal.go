package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a master key: AES-256.
const KeySize = 32

// version prefixes every sealed value so that the format (or the master key, with
// re-sealing) can change later without guessing what old rows hold.
const version byte = 1

// ErrOpen is returned for a sealed value that does not decrypt: a different master
// key, different additional data, or damaged bytes. Which one is deliberately not said.
var ErrOpen = errors.New("sealed value cannot be opened with this master key")

// Sealer encrypts and authenticates values with the master key. Safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
	key  []byte // kept only to derive purpose keys (DeriveKey)
}

// New returns a Sealer for a 32-byte master key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("master key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return &Sealer{aead: aead, key: append([]byte(nil), key...)}, nil
}

// Seal encrypts plaintext. additionalData is authenticated but not stored: pass
// what the value belongs to (for example a key id), so that a sealed value copied
// onto another row does not open there.
func (s *Sealer) Seal(plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+s.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plaintext, additionalData), nil
}

// Open decrypts a value made by Seal with the same additionalData.
func (s *Sealer) Open(sealed, additionalData []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
