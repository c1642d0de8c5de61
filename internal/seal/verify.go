package seal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/firstkey/firstkey/internal/store"
)

// ErrNoKeyCheck means the database has never seen a master key: it was never
// started, so any key will do.
var ErrNoKeyCheck = errors.New("the database holds no master key check yet")

// VerifyKey is CheckKey without its write: it returns ErrNoKeyCheck on a
// database that never saw a master key, for checks that must change nothing.
func VerifyKey(ctx context.Context, st store.Store, s *Sealer) error {
	stored, err := st.GetSetting(ctx, checkSetting)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoKeyCheck
	}
	if err != nil {
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
