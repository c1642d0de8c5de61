package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/sqlite"
)

// openStore opens (and migrates) the configured database and loads the master key,
// refusing a key that does not match the one the database was initialised with.
func openStore(ctx context.Context, c Config) (store.Store, *seal.Sealer, error) {
	st, sealer, err := openUnchecked(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if err := seal.CheckKey(ctx, st, sealer); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, sealer, nil
}

// openUnchecked opens (and migrates) the configured database and loads the
// master key without checking the one against the other.
func openUnchecked(ctx context.Context, c Config) (store.Store, *seal.Sealer, error) {
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

func loadSealer(c Config) (*seal.Sealer, error) {
	var key []byte
	var err error
	switch {
	case c.MasterKey != "":
		key, err = seal.ParseKey(c.MasterKey)
	case c.MasterKeyFile != "":
		key, err = seal.LoadOrCreateKeyFile(c.MasterKeyFile)
	default:
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		key, err = seal.LoadOrCreateKeyFile(filepath.Join(c.DataDir, "master.key"))
	}
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	var previous [][]byte
	switch {
	case c.PreviousMasterKey != "":
		p, err := seal.ParseKey(c.PreviousMasterKey)
		if err != nil {
			return nil, fmt.Errorf("load previous master key: %w", err)
		}
		previous = append(previous, p)
	case c.PreviousMasterKeyFile != "":
		p, err := seal.LoadKeyFile(c.PreviousMasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("load previous master key: %w", err)
		}
		previous = append(previous, p)
	}
	return seal.New(key, previous...)
}

// OpenDirectory opens the store and builds the directory service, for CLI commands
// that act on the data directly. Close the returned io.Closer when done.
func OpenDirectory(ctx context.Context, cfg Config) (*directory.Service, io.Closer, error) {
	c := cfg.withDefaults()
	st, sealer, err := openStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Issuer == "" {
		// The address serve runs at, not a guess from FIRSTKEY_LISTEN.
		stored, err := StoredIssuer(ctx, st)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		if stored != "" {
			c.Issuer = stored
		}
	}
	// The CLI only queues deliveries; a running server sends them.
	dir, err := directory.New(directory.Config{Store: st, Clock: c.Clock, Hasher: c.Hasher, Logger: c.Logger, BaseURL: c.Issuer,
		Sealer: sealer, Delivery: c.Delivery.options()})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return dir, st, nil
}

// OpenProvider builds the token service on a store opened with OpenDirectory (the
// directory's Store), for CLI commands that manage signing keys: it loads and
// checks the master key as New does. A database without a usable signing key gets
// one, as on a first start.
func OpenProvider(ctx context.Context, cfg Config, dir *directory.Service) (*oidc.Provider, error) {
	st := dir.Store()
	c := cfg.withDefaults()
	sealer, err := loadSealer(c)
	if err != nil {
		return nil, err
	}
	if err := seal.CheckKey(ctx, st, sealer); err != nil {
		return nil, err
	}
	p, err := oidc.New(ctx, oidc.Config{Issuer: c.Issuer, Store: st, Directory: dir, Sealer: sealer, Clock: c.Clock, Logger: c.Logger})
	if err != nil {
		return nil, fmt.Errorf("start token service: %w", err)
	}
	return p, nil
}
