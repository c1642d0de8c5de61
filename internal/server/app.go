package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/console"
	"github.com/firstkey/firstkey/internal/delivery"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/graphapi"
	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/requestid"
	"github.com/firstkey/firstkey/internal/scim"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/web"
)

// App is a configured firstkey: every HTTP concern mounted on one handler.
type App struct {
	cfg      Config
	store    store.Store
	dir      *directory.Service
	provider *oidc.Provider
	handler  http.Handler
	certs    *certSource // nil unless firstkey serves HTTPS itself
	worker   *delivery.Worker
	metrics  *metrics.Metrics
	tracing  *tracing // nil unless --otel-endpoint
}

// New opens the store and builds every HTTP concern.
func New(ctx context.Context, cfg Config) (*App, error) {
	c := cfg.withDefaults()
	c.Logger = requestid.Logger(c.Logger)
	var certs *certSource
	if c.servesTLS() {
		if !strings.HasPrefix(c.Issuer, "https://") {
			return nil, fmt.Errorf("the issuer %s is not https, but firstkey serves HTTPS (--tls-cert): give --issuer https://…", c.Issuer)
		}
		var err error
		if certs, err = newCertSource(c.TLSCertFile, c.TLSKeyFile, c.Logger); err != nil {
			return nil, err
		}
	}
	raw, sealer, err := openStore(ctx, c)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	st := m.Store(raw, c.Clock)
	// Lock-outs count typed names under a keyed hash; replicas share the master
	// key, and so the counts.
	nameKey, err := sealer.DeriveKey("sign-in throttle names")
	if err != nil {
		st.Close()
		return nil, err
	}
	dir, err := directory.New(directory.Config{Store: st, Clock: c.Clock, Hasher: c.Hasher, Logger: c.Logger, BaseURL: c.Issuer,
		NameKey: nameKey[:], HashConcurrency: c.HashConcurrency, HashQueue: c.HashQueue,
		Sealer: sealer, Delivery: c.Delivery.options()})
	if err != nil {
		st.Close()
		return nil, err
	}
	worker, err := c.Delivery.worker(dir, c)
	if err != nil {
		st.Close()
		return nil, err
	}
	provider, err := oidc.New(ctx, oidc.Config{Issuer: c.Issuer, Store: st, Directory: dir, Sealer: sealer, Clock: c.Clock, Logger: c.Logger})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("start token service: %w", err)
	}
	a := &App{cfg: c, store: st, dir: dir, provider: provider, certs: certs, worker: worker, metrics: m}
	a.watch(raw)

	mux := http.NewServeMux()
	provider.Mount(mux)
	graphapi.New(graphapi.Config{Directory: dir, Verify: a.verify, BaseURL: c.Issuer, Logger: c.Logger,
		AppRate: c.APIAppRate, UserRate: c.APIUserRate}).Mount(mux)
	scim.New(scim.Config{Directory: dir, Verify: func(ctx context.Context, raw string) (scim.Identity, error) {
		id, err := a.verify(ctx, raw)
		return scim.Identity(id), err
	}, BaseURL: c.Issuer, Logger: c.Logger}).Mount(mux)
	kind, _, _ := c.backend()
	pages := web.New(web.Config{Directory: dir, Provider: provider, BaseURL: c.Issuer, Logger: c.Logger,
		SignInRate: c.SignInRate, SharedSignInRate: kind == "postgres"})
	pages.Mount(mux)
	provider.SetBrowser(pages)
	console.New(console.Config{Directory: dir, Pages: pages, BaseURL: c.Issuer, Logger: c.Logger, Keys: provider}).Mount(mux)
	mux.Handle(delivery.ReportPath, delivery.ReportHandler(dir, c.Logger))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.ready)
	if c.MetricsListen == "" {
		mux.Handle("GET /metrics", m.Handler())
	}
	if a.tracing, err = startTracing(ctx, c); err != nil {
		st.Close()
		return nil, err
	}
	// The client's address is resolved first, so that the access log, the rate
	// limits and the sign-in log all name the same one; the request id next, so
	// that every log line and error body of the request carries it. The metrics
	// and the span learn the route the mux chose. The Entra-style authority
	// paths (/{tenant}/oauth2/v2.0/…) reach the same endpoints through the
	// provider.
	a.handler = clientaddr.NewResolver(c.TrustedProxies).Middleware(withRequestID(m.Middleware(a.tracing.middleware(logRequests(c.Logger,
		securityHeaders(strings.HasPrefix(c.Issuer, "https://"), recoverPanics(c.Logger, withDeadline(c.RequestTimeout,
			provider.Authorities(metrics.Route(mux))))))))))
	return a, nil
}

// verify turns a bearer token into the identity the Graph API acts for.
func (a *App) verify(ctx context.Context, raw string) (graphapi.Identity, error) {
	claims, err := a.provider.VerifyAccessToken(ctx, raw)
	if err != nil {
		return graphapi.Identity{}, err
	}
	if claims.IDType == "app" {
		return graphapi.Identity{ClientID: claims.ClientID, IsApp: true}, nil
	}
	return graphapi.Identity{UserID: claims.Subject}, nil
}

// readyTimeout bounds the readiness check: a load balancer asks often and
// should learn quickly that this replica cannot serve.
const readyTimeout = 2 * time.Second

// ready answers 200 only while the database answers the reads that nearly
// every request makes (the pass policy, a user by id) within readyTimeout, so
// that a replica whose pool is exhausted or whose users table is locked is
// taken out of rotation. /healthz stays a liveness check of the process.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), min(readyTimeout, a.cfg.RequestTimeout))
	defer cancel()
	_, err := a.store.GetTAPPolicy(ctx)
	if err == nil {
		if _, err = a.store.GetUser(ctx, "readiness-probe"); errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "readiness check failed", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(int(domain.RetryUnavailable.Seconds())))
		http.Error(w, "database unavailable\n", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

// Directory is the rule-keeping service.
func (a *App) Directory() *directory.Service { return a.dir }

// Store is the underlying store.
func (a *App) Store() store.Store { return a.store }

// Provider is the token service.
func (a *App) Provider() *oidc.Provider { return a.provider }

// Issuer is the public base URL.
func (a *App) Issuer() string { return a.cfg.Issuer }

// Serve serves on ln until ctx is cancelled, then stops accepting requests and
// waits up to 20 seconds for those in flight. With a TLS certificate configured
// it serves HTTPS (and HTTP/2) on ln.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Past the request deadline, so that a request that ran out of time
		// still gets its 503 written.
		WriteTimeout: max(60*time.Second, a.cfg.RequestTimeout+30*time.Second),
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     nil,
	}
	mln, err := a.listenMetrics()
	if err != nil {
		return err
	}
	dln, err := a.listenDebug()
	if err != nil {
		if mln != nil {
			mln.Close()
		}
		return err
	}
	errc := make(chan error, 1)
	if a.certs != nil {
		srv.TLSConfig = a.certs.tlsConfig()
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	if mln != nil {
		go a.serveMetrics(ctx, mln)
	}
	if dln != nil {
		go a.serveDebug(ctx, dln)
	}
	go a.housekeep(ctx)
	go a.sendDeliveries(ctx)
	a.cfg.Logger.Info("firstkey listening", "address", ln.Addr().String(), "issuer", a.cfg.Issuer,
		"tenant_id", a.provider.TenantID(), "tls", a.certs != nil)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.cfg.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// HousekeepingInterval is how often a running server removes expired sign-in
// requests, device codes, grants and ceremonies.
const HousekeepingInterval = 10 * time.Minute

func (a *App) housekeep(ctx context.Context) {
	t := time.NewTicker(HousekeepingInterval)
	defer t.Stop()
	leavers := time.NewTicker(LeaverInterval)
	defer leavers.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.dir.Housekeep(ctx); err != nil && ctx.Err() == nil {
				a.cfg.Logger.ErrorContext(ctx, "housekeeping", "err", err)
			}
		case <-leavers.C:
			if _, err := a.dir.ProcessLeavers(ctx); err != nil && ctx.Err() == nil {
				a.cfg.Logger.ErrorContext(ctx, "process leavers", "err", err)
			}
		}
	}
}

// LeaverInterval is how soon after a leaver's employeeLeaveDateTime their
// account is disabled, at the latest.
const LeaverInterval = time.Minute

// Close releases the store.
func (a *App) Close() error {
	a.tracing.shutdown()
	return a.store.Close()
}

// EnsureInitialized runs the bootstrap on a new directory. It returns the result
// with Created set only for the process that created it.
func (a *App) EnsureInitialized(ctx context.Context, adminUPN string) (directory.InitResult, error) {
	if ok, err := a.dir.Initialized(ctx); err != nil || ok {
		return directory.InitResult{}, err
	}
	return a.dir.Init(ctx, adminUPN)
}
