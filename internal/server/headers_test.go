package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Every response carries X-Content-Type-Options: nosniff, whichever part of
// firstkey answers it; Strict-Transport-Security comes with an https issuer
// only. The headers do not depend on the database, so SQLite serves.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	for _, c := range []struct {
		name   string
		issuer string // "" for the listener's own http URL
		hsts   string
	}{
		{"http issuer", "", ""},
		{"https issuer", "https://id.example.com", "max-age=31536000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Issuer: c.issuer})
			form := url.Values{"grant_type": {"client_credentials"}}.Encode()
			for _, req := range []struct {
				method, path, body string
				status             int
			}{
				{"GET", "/.well-known/openid-configuration", "", http.StatusOK},
				{"GET", "/keys", "", http.StatusOK},
				{"GET", "/healthz", "", http.StatusOK},
				{"GET", "/readyz", "", http.StatusOK},
				{"GET", "/v1.0/users", "", http.StatusUnauthorized},
				{"GET", "/v1.0/nowhere", "", http.StatusNotFound},
				{"POST", "/oauth/token", form, http.StatusUnauthorized},
				{"GET", "/oauth/authorize?client_id=nobody", "", http.StatusBadRequest},
				{"GET", "/userinfo", "", http.StatusUnauthorized},
				{"GET", "/login", "", http.StatusOK},
				{"GET", "/static/app.css", "", http.StatusOK},
				{"GET", "/no/such/page", "", http.StatusNotFound},
				{"DELETE", "/healthz", "", http.StatusMethodNotAllowed},
			} {
				r, err := http.NewRequest(req.method, env.URL+req.path, strings.NewReader(req.body))
				if err != nil {
					t.Fatal(err)
				}
				if req.body != "" {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				res, err := http.DefaultClient.Do(r)
				if err != nil {
					t.Fatalf("%s %s: %v", req.method, req.path, err)
				}
				res.Body.Close()
				if res.StatusCode != req.status {
					t.Errorf("%s %s: status %d, want %d", req.method, req.path, res.StatusCode, req.status)
				}
				if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", req.method, req.path, res.StatusCode, got)
				}
				if got := res.Header.Get("Strict-Transport-Security"); got != c.hsts {
					t.Errorf("%s %s (%d): Strict-Transport-Security %q, want %q", req.method, req.path, res.StatusCode, got, c.hsts)
				}
			}
		})
	}
}
