package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
)

// keysRotateMasterCmd re-seals every sealed value under the master key given
// with --master-key-file (or FIRSTKEY_MASTER_KEY), opening them with that key
// or the one given with --previous-master-key-file.
func keysRotateMasterCmd(g *globals) *cobra.Command {
	var settle time.Duration
	c := &cobra.Command{Use: "rotate-master", Short: "Re-seal every sealed secret under a new master key, online", Args: cobra.NoArgs,
		Long: `Re-seal every sealed secret under a new master key, while the servers run.

1. Give every replica both keys and restart them one by one:
     --master-key-file NEW --previous-master-key-file OLD
2. Run: firstkey keys rotate-master --master-key-file NEW --previous-master-key-file OLD
3. Remove the old key from every replica (restart them one by one).`}
	c.Flags().DurationVar(&settle, "settle", 20*time.Second, "how long to wait before checking again for values a replica sealed with the old key in a request under way (at least the request timeout)")
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		cfg := g.config("")
		if cfg.PreviousMasterKeyFile == "" && cfg.PreviousMasterKey == "" {
			return usagef("give the old key with --previous-master-key-file (or FIRSTKEY_PREVIOUS_MASTER_KEY) and the new one with --master-key-file")
		}
		st, sealer, err := server.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		r, ok := st.(store.Resealer)
		if !ok {
			return errors.New("this database cannot re-seal its values")
		}
		rep, err := seal.Rotate(ctx, st, r, sealer, seal.RotateOptions{Settle: settle, Logger: cfg.Logger})
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "re-sealed %d values from master key %s to %s in %d passes; remove the old key from every replica now\n",
			rep.Resealed, rep.From, rep.To, rep.Passes)
		return nil
	})
	return c
}
