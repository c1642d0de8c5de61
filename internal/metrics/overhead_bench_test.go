package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// BenchmarkHTTPMiddleware is the cost of timing a request by its route, for
// comparison with Bare in the same run (report the ratio, not the time).
func BenchmarkHTTPMiddleware(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/users/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	m := metrics.New()
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"Bare", mux}, {"Timed", m.Middleware(metrics.Route(mux))}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/v1.0/users/abc", nil)
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// BenchmarkStoreDecorator is the cost of timing a store read on SQLite.
func BenchmarkStoreDecorator(b *testing.B) {
	raw := storetest.SQLite(b)
	ctx := context.Background()
	if err := raw.CreateUser(ctx, domain.User{ID: "u1", UserPrincipalName: "u1@example.com", AccountEnabled: true}); err != nil {
		b.Fatal(err)
	}
	timed := metrics.New().Store(raw, nil)
	for _, c := range []struct {
		name string
		get  func() error
	}{{"Bare", func() error { _, err := raw.GetUser(ctx, "u1"); return err }},
		{"Timed", func() error { _, err := timed.GetUser(ctx, "u1"); return err }}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.get(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
