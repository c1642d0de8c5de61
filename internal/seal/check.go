package seal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/firstkey/firstkey/internal/store"
)

// checkSetting names the setting that holds a value sealed with the master key the
// database was initialised with.
const checkSetting = "master_key_check"

// checkPlaintext is what the marker holds; only the fact that it opens matters.
var checkPlaintext = []byte("firstkey master key check v1")

// ErrKeyMismatch means the master key given is not the one the database was
// initialised with, so its sealed signing keys cannot be read.
var ErrKeyMismatch = errors.New("the master key does not match the one this database was initialised with")

// CheckKey makes sure s holds the master key of the database behind st. On a
// database that has never seen a master key it records a sealed marker; on any
// other it opens that marker and returns ErrKeyMismatch if it cannot.
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
	sealed, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return fmt.Errorf("master key check in the database is damaged: %w", err)
	}
	if _, err := s.Open(sealed, []byte(checkSetting)); err != nil {
		return ErrKeyMismatch
	}
	return nil
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
