package seal

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/firstkey/firstkey/internal/store"
)

// checkSetting names the setting that holds a value sealed with the master key the
// database is under; rootSetting the derivation root (see DeriveKey), written
// by the first master-key rotation.
const (
	checkSetting = "master_key_check"
	rootSetting  = "master_key_derive_root"
)

// checkPlaintext is what the marker holds; only the fact that it opens matters.
var checkPlaintext = []byte("firstkey master key check v1")

// ErrKeyMismatch means the master key given is not the one the database was
// initialised with, so its sealed signing keys cannot be read.
var ErrKeyMismatch = errors.New("the master key does not match the one this database was initialised with")

// CheckKey makes sure s holds the master key of the database behind st. On a
// database that has never seen a master key it records a sealed marker; on any
// other it opens that marker and returns ErrKeyMismatch if it cannot. It then
// seals with the key the marker is under, and derives purpose keys from the
// database's derivation root.
func CheckKey(ctx context.Context, st store.Store, s *Sealer) error {
	stored, err := st.GetSetting(ctx, checkSetting)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if stored, err = initCheck(ctx, st, s); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("read master key check: %w", err)
	}
	k, err := s.openMarker(stored)
	if err != nil {
		return err
	}
	s.current.Store(k)
	root := extract(k.raw)
	if sealedRoot, err := st.GetSetting(ctx, rootSetting); err == nil {
		b, err := base64.StdEncoding.DecodeString(sealedRoot)
		if err != nil {
			return fmt.Errorf("master key derivation root in the database is damaged: %w", err)
		}
		if root, err = s.Open(b, []byte(rootSetting)); err != nil {
			return ErrKeyMismatch
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read master key derivation root: %w", err)
	}
	s.root.Store(&root)
	return nil
}

// Follow makes s seal with the key the database's marker is now under, when s
// holds it: a replica given both keys during a rotation switches to the new key
// as soon as rotate-master has moved the marker. Callers that seal call it
// first (SealFor).
func (s *Sealer) Follow(ctx context.Context, st store.Store) error {
	if len(s.keys) == 1 {
		return nil
	}
	stored, err := st.GetSetting(ctx, checkSetting)
	if err != nil {
		return fmt.Errorf("read master key check: %w", err)
	}
	if b, err := base64.StdEncoding.DecodeString(stored); err == nil {
		if _, ok := SealedKeyID(b); ok {
			for _, k := range s.keys {
				if bytes.Equal(k.id[:], b[1:1+idSize]) {
					s.current.Store(k)
					return nil
				}
			}
		}
	}
	k, err := s.openMarker(stored)
	if err != nil {
		return err
	}
	s.current.Store(k)
	return nil
}

// SealFor seals with the key the database behind st is under (Follow, then Seal).
func (s *Sealer) SealFor(ctx context.Context, st store.Store, plaintext, additionalData []byte) ([]byte, error) {
	if err := s.Follow(ctx, st); err != nil {
		return nil, err
	}
	return s.Seal(plaintext, additionalData)
}

func (s *Sealer) openMarker(stored string) (*masterKey, error) {
	sealed, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, fmt.Errorf("master key check in the database is damaged: %w", err)
	}
	_, k, err := s.open(sealed, []byte(checkSetting))
	if err != nil {
		return nil, ErrKeyMismatch
	}
	return k, nil
}

// DatabaseKeyID is the id of the master key the database behind st is under,
// read from its marker (CheckKey must have accepted s).
func DatabaseKeyID(ctx context.Context, st store.Store, s *Sealer) (string, error) {
	stored, err := st.GetSetting(ctx, checkSetting)
	if err != nil {
		return "", fmt.Errorf("read master key check: %w", err)
	}
	k, err := s.openMarker(stored)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", k.id[:]), nil
}

// initCheck stores the marker on a fresh database and returns the marker that
// won: ours, or that of another process which initialised the database first.
func initCheck(ctx context.Context, st store.Store, s *Sealer) (string, error) {
	sealed, err := s.Seal(checkPlaintext, []byte(checkSetting))
	if err != nil {
		return "", err
	}
	marker := base64.StdEncoding.EncodeToString(sealed)
	err = st.PutSetting(ctx, checkSetting, marker, true)
	if err == nil {
		return marker, nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return "", fmt.Errorf("store master key check: %w", err)
	}
	stored, err := st.GetSetting(ctx, checkSetting)
	if err != nil {
		return "", fmt.Errorf("read master key check: %w", err)
	}
	return stored, nil
}
