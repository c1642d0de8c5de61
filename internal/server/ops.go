package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlite"
)

// OpenStore opens the configured database and master key(s) for operations on
// the whole database (backup, master-key rotation), checking the key as serve does.
func OpenStore(ctx context.Context, cfg Config) (store.Store, *seal.Sealer, error) {
	return openStore(ctx, cfg.withDefaults())
}

// OpenStoreForRestore opens (creating and migrating) the configured database
// and loads the master key without recording it in the database: a restore
// brings the database's own record of its key.
func OpenStoreForRestore(ctx context.Context, cfg Config) (store.Store, *seal.Sealer, error) {
	c := cfg.withDefaults()
	kind, dsn, err := c.backend()
	if err != nil {
		return nil, nil, err
	}
	var st store.Store
	switch kind {
	case "sqlite":
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create data directory: %w", err)
		}
		s, err := sqlite.OpenWith(ctx, dsn, sqlite.Options{BusyTimeout: c.LockTimeout})
		if err != nil {
			return nil, nil, fmt.Errorf("open SQLite database %s: %w", dsn, err)
		}
		st = s
	case "postgres":
		s, err := postgres.OpenWith(ctx, dsn, postgres.Options{LockTimeout: c.LockTimeout})
		if err != nil {
			return nil, nil, fmt.Errorf("open PostgreSQL database %s: %w", redactURL(dsn), err)
		}
		st = s
	}
	sealer, err := loadSealer(c)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, sealer, nil
}
