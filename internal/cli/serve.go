package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen, issuer, admin, tlsCert, tlsKey string
	var hashConcurrency, hashQueue int
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the firstkey server (OpenID Connect, Graph API, sign-in pages)",
		Long: `Run the firstkey server. Logs are JSON on stderr. SIGINT or SIGTERM shuts it down
gracefully.

On first start, when the directory is not initialised yet, it initialises it like
'firstkey init --admin ADMIN' and prints the bootstrap administrator's one-time
Temporary Access Pass and sign-in URL to stdout, once (with --output json, as the
JSON object of 'firstkey init --output json'); the pass is never logged.

Several replicas may share one PostgreSQL database (--database postgres://…) and
master key (FIRSTKEY_MASTER_KEY or --master-key-file).

With --tls-cert and --tls-key it serves HTTPS itself (MSAL and the Azure SDKs
talk only to https authorities). A renewed certificate is picked up when the
files change, without a restart.`,
		Example: "  firstkey serve\n  firstkey serve --listen 0.0.0.0:8080 --issuer https://id.example.com --database postgres://firstkey@db/firstkey\n" +
			"  firstkey serve --listen 0.0.0.0:443 --issuer https://id.example.com --tls-cert /etc/firstkey/tls.crt --tls-key /etc/firstkey/tls.key",
		Args: cobra.NoArgs,
	}
	f := c.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (env FIRSTKEY_LISTEN)")
	f.StringVar(&admin, "admin", defaultAdmin, "bootstrap administrator created on first start (env FIRSTKEY_ADMIN)")
	envFlag(f, "listen", "FIRSTKEY_LISTEN")
	envFlag(f, "admin", "FIRSTKEY_ADMIN")
	f.StringVar(&tlsCert, "tls-cert", "", "PEM certificate (with its chain) to serve HTTPS with, re-read when it changes (env FIRSTKEY_TLS_CERT)")
	f.StringVar(&tlsKey, "tls-key", "", "PEM private key of --tls-cert (env FIRSTKEY_TLS_KEY)")
	envFlag(f, "tls-cert", "FIRSTKEY_TLS_CERT")
	envFlag(f, "tls-key", "FIRSTKEY_TLS_KEY")
	f.IntVar(&hashConcurrency, "hash-concurrency", 0, "memory-hard pass checks running at once, about 19 MiB each; 0 means one per core (env FIRSTKEY_HASH_CONCURRENCY)")
	f.IntVar(&hashQueue, "hash-queue", 0, "sign-ins that may wait for a pass check; more are refused at once with 429 and Retry-After; 0 means four per check slot (env FIRSTKEY_HASH_QUEUE)")
	envFlag(f, "hash-concurrency", "FIRSTKEY_HASH_CONCURRENCY")
	envFlag(f, "hash-queue", "FIRSTKEY_HASH_QUEUE")
	issuerFlag(c, &issuer)
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		if hashConcurrency < 0 || hashQueue < 0 {
			return usagef("--hash-concurrency and --hash-queue must not be negative")
		}
		if (tlsCert == "") != (tlsKey == "") {
			return usagef("--tls-cert and --tls-key go together: give both or neither")
		}
		return g.serve(cmd.Context(), listen, issuer, admin, tlsCert, tlsKey, hashConcurrency, hashQueue)
	})
	return c
}

func (g *globals) serve(ctx context.Context, listen, issuer, admin, tlsCert, tlsKey string, hashConcurrency, hashQueue int) error {
	log := slog.New(slog.NewJSONHandler(g.stderr, nil))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	cfg := g.config(issuer)
	// The bound address, so that the default issuer is right even for port 0.
	cfg.Listen = ln.Addr().String()
	cfg.Logger = log
	cfg.HashConcurrency, cfg.HashQueue = hashConcurrency, hashQueue
	cfg.TLSCertFile, cfg.TLSKeyFile = tlsCert, tlsKey
	// zitadel's OpenID Provider logs through the default logger: keep every line
	// JSON, without a line for every poll of a waiting device.
	slog.SetDefault(slog.New(oidc.QuietPolls(log.Handler())))
	if cfg.Hasher.Argon2 == secret.FastArgon2 {
		log.Warn("FIRSTKEY_TEST_FAST_HASH is set: passes are hashed with test-only argon2 parameters; never run production like this")
	}
	app, err := server.New(ctx, cfg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("start: %w", err)
	}
	defer app.Close()

	// Another replica may win the race to initialise a new directory; only the
	// winner has a pass to show.
	res, err := app.EnsureInitialized(ctx, admin)
	if err != nil {
		ln.Close()
		return fmt.Errorf("initialise directory: %w", err)
	}
	if res.Created {
		if err := g.printInit(g.stdout, res); err != nil {
			ln.Close()
			return err
		}
	}
	if err := app.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
