package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/backup"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
)

// newBackupCmd writes the whole database, online, to one portable file.
func newBackupCmd(g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{Use: "backup --output FILE", Short: "Write the whole database to a file, while it runs (restore it with firstkey restore)", Args: cobra.NoArgs}
	c.Flags().StringVar(&out, "output", "", "the backup file to write (required)")
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		if out == "" {
			return usagef("--output FILE is required")
		}
		ctx := cmd.Context()
		st, sealer, err := server.OpenStore(ctx, g.config(""))
		if err != nil {
			return err
		}
		defer st.Close()
		d, ok := st.(store.Dumper)
		if !ok {
			return errors.New("this database cannot be backed up")
		}
		keyID, err := seal.DatabaseKeyID(ctx, st, sealer)
		if err != nil {
			return err
		}
		// Write beside the target and rename, so that a failed backup never
		// leaves a file that looks whole.
		tmp, err := os.CreateTemp(filepath.Dir(out), ".firstkey-backup-*")
		if err != nil {
			return fmt.Errorf("create backup file: %w", err)
		}
		defer os.Remove(tmp.Name())
		h, err := backup.Write(ctx, tmp, d, backup.Meta{FirstkeyVersion: Version, MasterKeyID: keyID, Now: time.Now()})
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(g.stdout, "backed up %d rows of %d tables (%s, schema %d) to %s; restoring needs master key %s\n",
			h.Rows(), len(h.Tables), h.Backend, h.MigrationLevel, out, h.MasterKeyID)
		return nil
	})
	return c
}

// newRestoreCmd loads a backup into an empty database (or, with --force,
// replaces a database's contents), on either backend.
func newRestoreCmd(g *globals) *cobra.Command {
	var in string
	var force bool
	c := &cobra.Command{Use: "restore --input FILE [--force]", Short: "Load a backup into an empty database (SQLite or PostgreSQL)", Args: cobra.NoArgs}
	c.Flags().StringVar(&in, "input", "", "the backup file to read (required)")
	c.Flags().BoolVar(&force, "force", false, "replace the contents of a database that is not empty")
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		if in == "" {
			return usagef("--input FILE is required")
		}
		ctx := cmd.Context()
		f, err := os.Open(in)
		if err != nil {
			return fmt.Errorf("open backup: %w", err)
		}
		defer f.Close()
		h, err := backup.ReadHeader(f)
		if err != nil {
			return &domain.Error{Kind: domain.KindInvalid, Message: fmt.Sprintf("restore %s: %v; nothing was changed", in, err)}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("read backup: %w", err)
		}
		cfg := g.config("")
		if cfg.MasterKey == "" && cfg.MasterKeyFile == "" {
			// Never make up a key here: the backup's sealed values need theirs.
			if _, err := os.Stat(filepath.Join(cfg.DataDir, "master.key")); errors.Is(err, fs.ErrNotExist) {
				return &domain.Error{Kind: domain.KindInvalid, Message: fmt.Sprintf(
					"restore %s: it needs master key %s; put that key in %s or give --master-key-file (or FIRSTKEY_MASTER_KEY)",
					in, h.MasterKeyID, filepath.Join(cfg.DataDir, "master.key"))}
			}
		}
		st, sealer, err := server.OpenStoreForRestore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		d, ok := st.(store.Dumper)
		if !ok {
			return errors.New("this database cannot be restored into")
		}
		h, err = backup.Restore(ctx, f, d, backup.RestoreOptions{Replace: force, KeyIDs: sealer.KeyIDs()})
		switch {
		case errors.Is(err, store.ErrNotEmpty):
			return &domain.Error{Kind: domain.KindConflict, Message: fmt.Sprintf("restore: %v; nothing was changed (give --force to replace its contents)", err)}
		case errors.Is(err, backup.ErrWrongKey), errors.Is(err, backup.ErrNewer), errors.Is(err, backup.ErrCorrupt):
			return &domain.Error{Kind: domain.KindInvalid, Message: fmt.Sprintf("restore %s: %v; nothing was changed", in, err)}
		case err != nil:
			return fmt.Errorf("restore %s: %w; nothing was changed", in, err)
		}
		if err := seal.CheckKey(ctx, st, sealer); err != nil {
			return fmt.Errorf("restored, but %w", err)
		}
		fmt.Fprintf(g.stdout, "restored %d rows of %d tables from %s (%s, schema %d, written %s by firstkey %s)\n",
			h.Rows(), len(h.Tables), in, h.Backend, h.MigrationLevel, stamp(h.CreatedDateTime), h.FirstkeyVersion)
		return nil
	})
	return c
}
