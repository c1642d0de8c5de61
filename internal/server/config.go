package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/web"
)

// Config is everything firstkey needs to run. Zero values mean the embedded
// defaults: SQLite in ./firstkey-data, listening on 127.0.0.1:8080.
type Config struct {
	Listen        string // default 127.0.0.1:8080
	DataDir       string // default ./firstkey-data
	DatabaseURL   string // "" or sqlite://path: SQLite; postgres://…: PostgreSQL
	Issuer        string // public base URL; default http://<Listen>, https:// with TLS
	MasterKey     string // base64; else MasterKeyFile; else <DataDir>/master.key
	MasterKeyFile string
	// PreviousMasterKey (base64) or PreviousMasterKeyFile is the master key
	// being rotated away from: it opens values still sealed with it, and seals
	// until `firstkey keys rotate-master` has moved the database to the new one.
	PreviousMasterKey     string
	PreviousMasterKeyFile string
	Logger                *slog.Logger
	Clock                 domain.Clock  // nil means the system clock
	Hasher                secret.Hasher // zero value means production argon2id
	// HashConcurrency bounds the memory-hard pass hashes running at once (0: one
	// per core); HashQueue bounds the sign-ins waiting for one (0: four per slot).
	HashConcurrency int
	HashQueue       int
	// TLSCertFile and TLSKeyFile, both set, make firstkey serve HTTPS itself
	// with this PEM certificate (chain) and key, re-read when the files change.
	TLSCertFile string
	TLSKeyFile  string
	// SignInRate limits sign-in attempts per client address, in one allowance
	// every replica shares on PostgreSQL; zero means web.DefaultSignInRate.
	SignInRate web.Rate
	// RequestTimeout is every request's deadline (default DefaultRequestTimeout):
	// a request that cannot get the database in time answers 503 with
	// Retry-After instead of waiting for as long as a lock is held.
	RequestTimeout time.Duration
	// LockTimeout is how long one statement waits for a lock (PostgreSQL's
	// lock_timeout, SQLite's busy timeout); default DefaultLockTimeout. A
	// lock_timeout in a PostgreSQL URL wins.
	LockTimeout time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For or Forwarded header
	// names the client; from any other peer these headers are ignored.
	TrustedProxies []netip.Prefix
	// APIAppRate and APIUserRate throttle the Graph API per application and
	// per signed-in person; zero means graphapi's defaults.
	APIAppRate, APIUserRate domain.Rate
	// Delivery is how passes are delivered instead of shown, and users told.
	Delivery DeliveryConfig
	// MetricsListen, when set, serves /metrics on this address alone instead
	// of on the main listener.
	MetricsListen string
	// DebugListen, when set, serves Go's profiles (net/http/pprof) on this
	// loopback address.
	DebugListen string
	// OTelEndpoint, when set, exports a span per request over OTLP/HTTP to
	// this URL (http(s)://collector:4318); tracing is off without it.
	OTelEndpoint string
}

// Defaults of the deadlines. A statement waits for a lock at most
// DefaultLockTimeout and runs at most postgres.DefaultStatementTimeout, both
// inside the request's deadline, so that the request can still answer.
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultLockTimeout    = 5 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "firstkey-data"
	}
	if c.Issuer == "" {
		c.Issuer = defaultIssuer(c.Listen, c.servesTLS())
	}
	c.Issuer = strings.TrimRight(c.Issuer, "/")
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = domain.SystemClock{}
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.LockTimeout <= 0 {
		c.LockTimeout = DefaultLockTimeout
	}
	return c
}

// backend says which database a configuration names and where.
func (c Config) backend() (kind, dsn string, err error) {
	switch {
	case c.DatabaseURL == "":
		return "sqlite", filepath.Join(c.DataDir, "firstkey.db"), nil
	case strings.HasPrefix(c.DatabaseURL, "sqlite://"):
		return "sqlite", strings.TrimPrefix(c.DatabaseURL, "sqlite://"), nil
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return "postgres", c.DatabaseURL, nil
	}
	return "", "", fmt.Errorf("database URL %q: the scheme must be sqlite:// or postgres://", redactURL(c.DatabaseURL))
}

// redactURL drops a password from a database URL before it is shown anywhere.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// servesTLS says whether firstkey serves HTTPS itself.
func (c Config) servesTLS() bool { return c.TLSCertFile != "" || c.TLSKeyFile != "" }

// defaultIssuer is http://localhost:PORT for a loopback listener (https:// when
// firstkey serves TLS): browsers accept passkeys only for host names, never IP
// addresses, so "localhost" makes passkeys work out of the box on a developer's
// machine.
func defaultIssuer(listen string, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return scheme + listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsLoopback()) {
		return scheme + "localhost:" + port
	}
	return scheme + listen
}
