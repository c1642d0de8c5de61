package server

import (
	"context"

	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
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
	return openUnchecked(ctx, cfg.withDefaults())
}
