package sqlstore

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/store"
)

// Errors about settings name the key, never the value: values may be secret checks.

// GetSetting returns a setting; ErrNotFound for a key never put.
func (s *Store) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	if err := s.queryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v); err != nil {
		return "", s.fail(fmt.Sprintf("get setting %q", key), err)
	}
	return v, nil
}

// PutSetting stores a setting. With ifAbsent it never overwrites: the insert is
// conditional in the database, so of two racing processes exactly one succeeds
// and the other gets ErrAlreadyExists.
func (s *Store) PutSetting(ctx context.Context, key, value string, ifAbsent bool) error {
	what := fmt.Sprintf("put setting %q", key)
	if ifAbsent {
		n, err := s.execCount(ctx, what,
			"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%s: %w", what, store.ErrAlreadyExists)
		}
		return nil
	}
	_, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return s.fail(what, err)
	}
	return nil
}
