package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
)

// KeySize is the length of a master key: AES-256.
const KeySize = 32

// Every sealed value starts with a version byte. Version 1 (the first
// releases) is nonce and ciphertext; version 2 adds the id of the master key
// that sealed it, so that during a master-key rotation each value opens with
// the right key and a check can find values still under the old one.
const (
	version1 byte = 1
	version2 byte = 2
	idSize        = 8
)

// ErrOpen is returned for a sealed value that does not decrypt: a different master
// key, different additional data, or damaged bytes. Which one is deliberately not said.
var ErrOpen = errors.New("sealed value cannot be opened with this master key")

// Sealer encrypts and authenticates values with a master key, and opens values
// sealed with any of the master keys it holds (the old and the new one while a
// rotation is under way). Safe for concurrent use.
type Sealer struct {
	keys []*masterKey
	// current is the key new values are sealed with: the first key given,
	// until CheckKey or Follow learn that the database is under another one.
	current atomic.Pointer[masterKey]
	// root derives the purpose keys (DeriveKey); it survives master-key
	// rotations (see CheckKey).
	root atomic.Pointer[[]byte]
}

type masterKey struct {
	id   [idSize]byte
	raw  []byte
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte master key, which seals; previous keys
// only open, and seal only while the database says it is still under one of
// them (a rotation not yet run).
func New(key []byte, previous ...[]byte) (*Sealer, error) {
	s := &Sealer{}
	for i, k := range append([][]byte{key}, previous...) {
		mk, err := newMasterKey(k)
		if err != nil {
			return nil, err
		}
		for _, o := range s.keys {
			if o.id == mk.id {
				return nil, fmt.Errorf("master key %d is given twice", i+1)
			}
		}
		s.keys = append(s.keys, mk)
	}
	s.current.Store(s.keys[0])
	root := extract(s.keys[0].raw)
	s.root.Store(&root)
	return s, nil
}

func newMasterKey(key []byte) (*masterKey, error) {
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
	mk := &masterKey{raw: append([]byte(nil), key...), aead: aead}
	id, err := hkdf.Key(sha256.New, key, nil, "firstkey master key id", idSize)
	if err != nil {
		return nil, fmt.Errorf("master key id: %w", err)
	}
	copy(mk.id[:], id)
	return mk, nil
}

// KeyID is the public name of a master key: it says which key a backup or a
// sealed value needs without revealing anything of the key.
func KeyID(key []byte) (string, error) {
	mk, err := newMasterKey(key)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(mk.id[:]), nil
}

// KeyIDs lists the ids of the keys s holds, the sealing one first.
func (s *Sealer) KeyIDs() []string {
	out := []string{s.CurrentKeyID()}
	for _, k := range s.keys {
		if id := hex.EncodeToString(k.id[:]); id != out[0] {
			out = append(out, id)
		}
	}
	return out
}

// CurrentKeyID is the id of the key new values are sealed with.
func (s *Sealer) CurrentKeyID() string {
	id := s.current.Load().id
	return hex.EncodeToString(id[:])
}

// ConfiguredKeyID is the id of the first key given to New: the new key of a rotation.
func (s *Sealer) ConfiguredKeyID() string { return hex.EncodeToString(s.keys[0].id[:]) }

// SealedKeyID returns the id of the key a value was sealed with, and false
// for a value of the first format, which does not say.
func SealedKeyID(sealed []byte) (string, bool) {
	if len(sealed) < 1+idSize || sealed[0] != version2 {
		return "", false
	}
	return hex.EncodeToString(sealed[1 : 1+idSize]), true
}

// Seal encrypts plaintext. additionalData is authenticated but not stored: pass
// what the value belongs to (for example a key id), so that a sealed value copied
// onto another row does not open there.
func (s *Sealer) Seal(plaintext, additionalData []byte) ([]byte, error) {
	return s.sealWith(s.current.Load(), plaintext, additionalData)
}

func (s *Sealer) sealWith(k *masterKey, plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	out := make([]byte, 0, 1+idSize+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, version2)
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, v2AD(out[:1+idSize], additionalData)), nil
}

// v2AD authenticates the header with the value: a value whose key id was
// changed does not open.
func v2AD(header, additionalData []byte) []byte {
	return append(append([]byte(nil), header...), additionalData...)
}

// Open decrypts a value made by Seal with the same additionalData.
func (s *Sealer) Open(sealed, additionalData []byte) ([]byte, error) {
	plain, _, err := s.open(sealed, additionalData)
	return plain, err
}

// open also returns the key that opened the value.
func (s *Sealer) open(sealed, additionalData []byte) ([]byte, *masterKey, error) {
	if len(sealed) == 0 {
		return nil, nil, ErrOpen
	}
	switch sealed[0] {
	case version1:
		for _, k := range s.keys {
			n := k.aead.NonceSize()
			if len(sealed) < 1+n+k.aead.Overhead() {
				return nil, nil, ErrOpen
			}
			if plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData); err == nil {
				return plain, k, nil
			}
		}
	case version2:
		for _, k := range s.keys {
			n := k.aead.NonceSize()
			if len(sealed) < 1+idSize+n+k.aead.Overhead() || !bytes.Equal(sealed[1:1+idSize], k.id[:]) {
				continue
			}
			body := sealed[1+idSize:]
			plain, err := k.aead.Open(nil, body[:n], body[n:], v2AD(sealed[:1+idSize], additionalData))
			if err != nil {
				return nil, nil, ErrOpen
			}
			return plain, k, nil
		}
	}
	return nil, nil, ErrOpen
}

// Reseal opens a value with whichever key holds it and seals it again with
// the configured (new) key. It returns nil for a value already under that key.
func (s *Sealer) Reseal(sealed, additionalData []byte) ([]byte, error) {
	if id, ok := SealedKeyID(sealed); ok && id == s.ConfiguredKeyID() {
		return nil, nil
	}
	plain, _, err := s.open(sealed, additionalData)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return s.sealWith(s.keys[0], plain, additionalData)
}

func extract(key []byte) []byte {
	prk, err := hkdf.Extract(sha256.New, key, nil)
	if err != nil {
		panic(err) // HMAC-SHA256 accepts any key
	}
	return prk
}
