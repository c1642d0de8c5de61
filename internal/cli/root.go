package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globals are the options every command shares, and where it writes.
type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	data          string
	database      string
	masterKeyFile string
	// previousMasterKeyFile is the old key during a master-key rotation.
	previousMasterKeyFile string
	output                string
	as                    string // --as UPN: act as this directory user instead of the operator

	// ran is set when a command's own code starts; an error before that point
	// came from parsing the command line.
	ran bool
}

const rootLong = `firstkey is a passwordless identity provider built around the Temporary Access Pass.

Every command works directly on the directory's store (the SQLite database in --data,
or PostgreSQL with --database) as the local operator, like root; audit records name
"firstkey CLI". With --as UPN a command acts as that directory user instead and is
checked by their directory roles exactly like the API.

Configuration (flags win over environment):
  --data DIR             FIRSTKEY_DATA             data directory (default ./firstkey-data)
  --database URL         FIRSTKEY_DATABASE         sqlite://… (default, in --data) or postgres://…
  --master-key-file PATH FIRSTKEY_MASTER_KEY_FILE  master key file (default <data>/master.key, created 0600)
                         FIRSTKEY_MASTER_KEY       the master key itself, base64 (environment only)
  --output table|json    FIRSTKEY_OUTPUT           output format (default table)
  --issuer URL           FIRSTKEY_ISSUER           public URL, for sign-in URLs (serve, init, tap create)
  --listen ADDR          FIRSTKEY_LISTEN           address serve listens on (default 127.0.0.1:8080)
  --admin UPN            FIRSTKEY_ADMIN            bootstrap administrator (serve, init; default admin@firstkey.local)
  FIRSTKEY_TEST_FAST_HASH=1  weak, fast argon2id parameters: for automated tests only, never in production

Exit codes:
  0  success
  1  error (storage, configuration, I/O)
  2  usage: unknown command or flag, missing or malformed argument
  3  not found: the user, group, pass or application does not exist
  4  forbidden: the --as user may not do this, or is unknown or disabled
  5  rejected: a directory rule refused the change (invalid value, conflict, policy)
  6  partly done: tap bulk finished, but some rows failed (the report says which and why)`

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "firstkey",
		Short:         "Passwordless identity provider: Temporary Access Passes, passkeys, OpenID Connect",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			switch {
			case g.output == "csv" && cmd.Name() == "bulk":
				// Only a bulk report is a table worth a spreadsheet.
			case g.output != "table" && g.output != "json":
				return usagef("--output must be table or json (csv for tap bulk), not %q", g.output)
			}
			return nil
		},
		// Unknown subcommands reach groupRunE, which calls them usage errors.
		Args: cobra.ArbitraryArgs,
		RunE: groupRunE,
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.data, "data", "./firstkey-data", "data directory (env FIRSTKEY_DATA)")
	pf.StringVar(&g.database, "database", "", "database URL, sqlite://… or postgres://… (env FIRSTKEY_DATABASE)")
	pf.StringVar(&g.masterKeyFile, "master-key-file", "", "master key file, default <data>/master.key (env FIRSTKEY_MASTER_KEY_FILE)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json (env FIRSTKEY_OUTPUT)")
	envFlag(pf, "data", "FIRSTKEY_DATA")
	envFlag(pf, "database", "FIRSTKEY_DATABASE")
	envFlag(pf, "master-key-file", "FIRSTKEY_MASTER_KEY_FILE")
	envFlag(pf, "output", "FIRSTKEY_OUTPUT")
	pf.StringVar(&g.previousMasterKeyFile, "previous-master-key-file", "", "during a master-key rotation, the old master key file (env FIRSTKEY_PREVIOUS_MASTER_KEY_FILE)")
	envFlag(pf, "previous-master-key-file", "FIRSTKEY_PREVIOUS_MASTER_KEY_FILE")

	root.AddCommand(newServeCmd(g), newInitCmd(g), newUserCmd(g), newGroupCmd(g), newRoleCmd(g),
		newTapCmd(g), newPolicyCmd(g), newAppCmd(g), newKeysCmd(g), newLogsCmd(g), newVersionCmd(g),
		newTimeZoneCmd(g), newDoctorCmd(g))
	root.AddCommand(newBackupCmd(g), newRestoreCmd(g))
	return root
}

// groupRunE is the RunE of a command that only groups subcommands: without
// arguments it shows help; with one, the subcommand does not exist.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return cmd.Help()
}

// newGroup builds a command that groups subcommands. Its subcommands act on the
// directory and so accept --as.
func newGroup(g *globals, use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, RunE: groupRunE}
	c.PersistentFlags().StringVar(&g.as, "as", "", "act as this directory user (UPN or id), checked by their directory roles")
	c.AddCommand(subs...)
	return c
}

// run wraps a command's code: it notes that the command line parsed, so that
// errors from here on are not usage errors.
func (g *globals) run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		g.ran = true
		return fn(cmd, args)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

const envAnnotation = "firstkey_env"

// envFlag makes the environment variable key the fallback of a flag.
func envFlag(fs *pflag.FlagSet, name, key string) {
	_ = fs.SetAnnotation(name, envAnnotation, []string{key})
}

// applyEnv sets every flag that was not given from its environment variable.
// Environment values are applied here rather than used as flag defaults, so
// that --help never shows them: a database URL may hold a password.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		keys := f.Annotations[envAnnotation]
		if f.Changed || len(keys) == 0 || err != nil {
			return
		}
		if v := os.Getenv(keys[0]); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = usagef("%s: %v", keys[0], serr)
			}
		}
	})
	return err
}

// issuerFlag adds --issuer to a command that prints sign-in URLs.
func issuerFlag(c *cobra.Command, dst *string) {
	c.Flags().StringVar(dst, "issuer", "", "public base URL of firstkey, for sign-in URLs (env FIRSTKEY_ISSUER; default http://<FIRSTKEY_LISTEN>)")
	envFlag(c.Flags(), "issuer", "FIRSTKEY_ISSUER")
}
