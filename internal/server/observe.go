package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/store"
)

// watch exports what is read at scrape time: the database pool and the hash
// gate.
func (a *App) watch(raw store.Store) {
	if db, ok := raw.(interface{ DB() *sql.DB }); ok {
		a.metrics.WatchDB(db.DB())
	}
	a.metrics.WatchHashGate(a.dir.HashGateStats)
	a.metrics.WatchOutbox(func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return raw.CountPendingDeliveries(ctx)
	})
}

// Metrics is the Prometheus instrumentation of this server.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// serveMetrics serves /metrics alone on ln until ctx ends (--metrics-listen).
func (a *App) serveMetrics(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	a.cfg.Logger.Info("metrics listening", "address", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.cfg.Logger.Error("metrics listener stopped", "err", err)
	}
}

// listenMetrics opens the metrics listener when one is configured.
func (a *App) listenMetrics() (net.Listener, error) {
	if a.cfg.MetricsListen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	return ln, nil
}
