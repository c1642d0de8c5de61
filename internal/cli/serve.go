package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/graphapi"
	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/requestid"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/web"
)

// serveOptions are serve's settings beyond the shared ones: deadlines, rate
// limits and the proxies whose forwarding headers count.
type serveOptions struct {
	requestTimeout, lockTimeout time.Duration
	signInRate                  domain.Rate
	apiAppRate, apiUserRate     domain.Rate
	trustedProxies              []netip.Prefix
	hashConcurrency, hashQueue  int
	tlsCert, tlsKey             string
	delivery                    deliveryFlags
	metricsListen, otelEndpoint string
	debugListen                 string
	memoryLimit                 string
}

// serveFlags are serve's command line, which doctor reads too.
type serveFlags struct {
	listen, issuer, admin string
	o                     serveOptions
}

func newServeFlags() *serveFlags {
	return &serveFlags{o: serveOptions{requestTimeout: server.DefaultRequestTimeout, lockTimeout: server.DefaultLockTimeout,
		signInRate: web.DefaultSignInRate, apiAppRate: graphapi.DefaultAppRate, apiUserRate: graphapi.DefaultUserRate}}
}

func newServeCmd(g *globals) *cobra.Command {
	sf := newServeFlags()
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
files change, without a restart.

Prometheus metrics are at /metrics on --listen, or alone on --metrics-listen.
'firstkey doctor' with the same flags and environment checks the configuration.`,
		Example: "  firstkey serve\n  firstkey serve --listen 0.0.0.0:8080 --issuer https://id.example.com --database postgres://firstkey@db/firstkey\n" +
			"  firstkey serve --listen 0.0.0.0:443 --issuer https://id.example.com --tls-cert /etc/firstkey/tls.crt --tls-key /etc/firstkey/tls.key",
		Args: cobra.NoArgs,
	}
	sf.register(c)
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		return g.serve(cmd.Context(), sf.listen, sf.issuer, sf.admin, sf.o)
	})
	return c
}

// register adds serve's flags to c.
func (sf *serveFlags) register(c *cobra.Command) {
	o := &sf.o
	f := c.Flags()
	f.StringVar(&sf.listen, "listen", "127.0.0.1:8080", "address to listen on (env FIRSTKEY_LISTEN)")
	f.StringVar(&sf.admin, "admin", defaultAdmin, "bootstrap administrator created on first start (env FIRSTKEY_ADMIN)")
	envFlag(f, "listen", "FIRSTKEY_LISTEN")
	envFlag(f, "admin", "FIRSTKEY_ADMIN")
	f.DurationVar(&o.requestTimeout, "request-timeout", o.requestTimeout,
		"deadline of every request; past it the answer is 503 with Retry-After (env FIRSTKEY_REQUEST_TIMEOUT)")
	f.DurationVar(&o.lockTimeout, "lock-timeout", o.lockTimeout,
		"how long a statement waits for a database lock: PostgreSQL lock_timeout, SQLite busy timeout (env FIRSTKEY_LOCK_TIMEOUT)")
	f.Var(rateValue{&o.signInRate}, "sign-in-rate",
		"sign-in attempts allowed per client address, as ATTEMPTS/PERIOD; shared by replicas on PostgreSQL (env FIRSTKEY_SIGN_IN_RATE)")
	f.Var(rateValue{&o.apiAppRate}, "api-rate-app", "Graph API requests allowed per application, per replica (env FIRSTKEY_API_RATE_APP)")
	f.Var(rateValue{&o.apiUserRate}, "api-rate-user", "Graph API requests allowed per signed-in user, per replica (env FIRSTKEY_API_RATE_USER)")
	f.Var(prefixesValue{&o.trustedProxies}, "trusted-proxy",
		"proxy whose X-Forwarded-For or Forwarded header names the client: CIDR or address, repeatable or comma-separated (env FIRSTKEY_TRUSTED_PROXIES)")
	envFlag(f, "request-timeout", "FIRSTKEY_REQUEST_TIMEOUT")
	envFlag(f, "lock-timeout", "FIRSTKEY_LOCK_TIMEOUT")
	envFlag(f, "sign-in-rate", "FIRSTKEY_SIGN_IN_RATE")
	envFlag(f, "api-rate-app", "FIRSTKEY_API_RATE_APP")
	envFlag(f, "api-rate-user", "FIRSTKEY_API_RATE_USER")
	envFlag(f, "trusted-proxy", "FIRSTKEY_TRUSTED_PROXIES")
	f.IntVar(&o.hashConcurrency, "hash-concurrency", 0, "memory-hard pass checks running at once, about 19 MiB each; 0 means one per core (env FIRSTKEY_HASH_CONCURRENCY)")
	f.IntVar(&o.hashQueue, "hash-queue", 0, "sign-ins that may wait for a pass check; more are refused at once with 429 and Retry-After; 0 means four per check slot (env FIRSTKEY_HASH_QUEUE)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (with its chain) to serve HTTPS with, re-read when it changes (env FIRSTKEY_TLS_CERT)")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert (env FIRSTKEY_TLS_KEY)")
	envFlag(f, "tls-cert", "FIRSTKEY_TLS_CERT")
	envFlag(f, "tls-key", "FIRSTKEY_TLS_KEY")
	envFlag(f, "hash-concurrency", "FIRSTKEY_HASH_CONCURRENCY")
	envFlag(f, "hash-queue", "FIRSTKEY_HASH_QUEUE")
	o.delivery.register(f)
	f.StringVar(&o.metricsListen, "metrics-listen", "", "serve Prometheus /metrics on this address alone instead of on --listen (env FIRSTKEY_METRICS_LISTEN)")
	f.StringVar(&o.otelEndpoint, "otel-endpoint", "", "send a trace span per request over OTLP/HTTP to this collector URL, such as http://collector:4318; off when empty (env FIRSTKEY_OTEL_ENDPOINT)")
	envFlag(f, "metrics-listen", "FIRSTKEY_METRICS_LISTEN")
	f.StringVar(&o.debugListen, "debug-listen", "", "serve Go's CPU and heap profiles (/debug/pprof/) on this loopback address, such as 127.0.0.1:6060; off when empty (env FIRSTKEY_DEBUG_LISTEN)")
	envFlag(f, "debug-listen", "FIRSTKEY_DEBUG_LISTEN")
	envFlag(f, "otel-endpoint", "FIRSTKEY_OTEL_ENDPOINT")
	f.Var(memoryLimitValue{&o.memoryLimit}, "memory-limit",
		"soft memory limit of the Go runtime, such as 200MiB, or off; the default (auto, unless GOMEMLIMIT is set) is 48 MiB plus 32 MiB per --hash-concurrency slot (env FIRSTKEY_MEMORY_LIMIT)")
	envFlag(f, "memory-limit", "FIRSTKEY_MEMORY_LIMIT")
	issuerFlag(c, &sf.issuer)
}

// rateValue is a flag holding a domain.Rate written ATTEMPTS/PERIOD.
type rateValue struct{ r *domain.Rate }

func (v rateValue) String() string {
	if v.r == nil {
		return ""
	}
	return v.r.String()
}

func (v rateValue) Set(s string) error {
	r, err := domain.ParseRate(s)
	if err != nil {
		return err
	}
	*v.r = r
	return nil
}

func (rateValue) Type() string { return "rate" }

// prefixesValue is a repeatable flag of networks, each value one CIDR or
// address or a comma-separated list of them.
type prefixesValue struct{ p *[]netip.Prefix }

func (v prefixesValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, p := range *v.p {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (v prefixesValue) Set(s string) error {
	ps, err := clientaddr.ParsePrefixes([]string{s})
	if err != nil {
		return err
	}
	*v.p = append(*v.p, ps...)
	return nil
}

func (prefixesValue) Type() string { return "cidr" }

// apply checks the options and puts them into cfg.
func (o serveOptions) apply(cfg *server.Config) error {
	if o.requestTimeout <= 0 {
		return usagef("--request-timeout must be above 0, not %s", o.requestTimeout)
	}
	if o.lockTimeout <= 0 {
		return usagef("--lock-timeout must be above 0, not %s", o.lockTimeout)
	}
	if o.hashConcurrency < 0 || o.hashQueue < 0 {
		return usagef("--hash-concurrency and --hash-queue must not be negative")
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together: give both or neither")
	}
	cfg.RequestTimeout, cfg.LockTimeout, cfg.TrustedProxies = o.requestTimeout, o.lockTimeout, o.trustedProxies
	cfg.SignInRate, cfg.APIAppRate, cfg.APIUserRate = o.signInRate, o.apiAppRate, o.apiUserRate
	cfg.HashConcurrency, cfg.HashQueue = o.hashConcurrency, o.hashQueue
	cfg.TLSCertFile, cfg.TLSKeyFile = o.tlsCert, o.tlsKey
	cfg.MetricsListen, cfg.OTelEndpoint = o.metricsListen, o.otelEndpoint
	if o.debugListen != "" {
		if err := server.CheckDebugListen(o.debugListen); err != nil {
			return usagef("%v", err)
		}
		cfg.DebugListen = o.debugListen
	}
	o.delivery.apply(cfg)
	return nil
}

func (g *globals) serve(ctx context.Context, listen, issuer, admin string, o serveOptions) error {
	log := requestid.Logger(slog.New(slog.NewJSONHandler(g.stderr, nil)))
	cfg := g.config(issuer)
	if err := o.apply(&cfg); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// The bound address, so that the default issuer is right even for port 0.
	cfg.Listen = ln.Addr().String()
	if err := server.CheckIssuer(cfg.PublicIssuer()); err != nil {
		ln.Close()
		return usageError{err}
	}
	cfg.Logger = log
	applyMemoryLimit(log, o.memoryLimit, o.hashConcurrency)
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
	if err := server.RememberIssuer(ctx, app.Store(), app.Issuer(), false); err != nil {
		ln.Close()
		return err
	}

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
