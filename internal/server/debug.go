package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// CheckDebugListen refuses a --debug-listen address that is not loopback:
// profiles show request data in flight (and the heap holds keys), so they are
// for the operator on the machine, never the network.
func CheckDebugListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("--debug-listen %q: only a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT) may serve profiles", addr)
	}
	return nil
}

// serveDebug serves net/http/pprof on ln until ctx ends (--debug-listen).
func (a *App) serveDebug(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// A CPU profile runs for its ?seconds=, so no write deadline.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	a.cfg.Logger.Info("profiles listening", "address", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.cfg.Logger.Error("debug listener stopped", "err", err)
	}
}

// listenDebug opens the profile listener when one is configured.
func (a *App) listenDebug() (net.Listener, error) {
	if a.cfg.DebugListen == "" {
		return nil, nil
	}
	if err := CheckDebugListen(a.cfg.DebugListen); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", a.cfg.DebugListen)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	return ln, nil
}
