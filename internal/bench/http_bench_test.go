package bench_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

var sink any

// client keeps connections alive, as an API client would, and hands back
// redirects instead of following them (a pass sign-in answers 303).
func client() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// start runs a whole firstkey on loopback. The sign-in rate limit is lifted: one
// benchmark signs in from one address far more often than any person could.
func start(b *testing.B, backend string) *testenv.Env {
	b.Helper()
	if backend == "postgres" && os.Getenv(storetest.PostgresEnv) == "" {
		b.Skipf("set %s to benchmark PostgreSQL", storetest.PostgresEnv)
	}
	return testenv.NewWithOptions(b, storetest.Backend{Name: backend}, testenv.Options{
		Web: func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1 << 30, Per: time.Second} },
	})
}

func backends() []string { return []string{"sqlite", "postgres"} }

// do sends req, drains the body and fails unless the status is want.
func do(b *testing.B, c *http.Client, req *http.Request, want int) {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	sink = n
}

func get(b *testing.B, c *http.Client, url, token string, want int) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	do(b, c, req, want)
}

// BenchmarkRefSHA256 is the CPU floor: one SHA-256 of 32 bytes.
func BenchmarkRefSHA256(b *testing.B) {
	b.ReportAllocs()
	var in [32]byte
	for b.Loop() {
		s := sha256.Sum256(in[:])
		in[0] = s[0]
	}
	sink = in
}

// BenchmarkRefHealthz is the HTTP floor: the same server, middleware (request
// log, panic recovery), client and loopback connection as the hot paths, with no
// work behind it. scripts/bench divides every HTTP benchmark by it.
func BenchmarkRefHealthz(b *testing.B) {
	b.ReportAllocs()
	e := start(b, "sqlite")
	c := client()
	for b.Loop() {
		get(b, c, e.URL+"/healthz", "", http.StatusOK)
	}
}

// BenchmarkGetUser is GET /v1.0/users/{id} with an application token: token
// verification, permission check, one user read, JSON.
func BenchmarkGetUser(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			tok := e.AppToken(b, domain.PermUserReadAll)
			u := e.CreateUser(b, "ada@example.com")
			c := client()
			target := e.URL + "/v1.0/users/" + u.ID
			for b.Loop() {
				get(b, c, target, tok, http.StatusOK)
			}
		})
	}
}

// BenchmarkListUsers is GET /v1.0/users?$top=50 over a directory of 500 users.
func BenchmarkListUsers(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			tok := e.AppToken(b, domain.PermUserReadAll)
			createUsers(b, e, 500)
			c := client()
			target := e.URL + "/v1.0/users?" + url.Values{"$top": {"50"}}.Encode()
			for b.Loop() {
				get(b, c, target, tok, http.StatusOK)
			}
		})
	}
}

// createUsers adds n users from a few goroutines, through the directory service.
func createUsers(b *testing.B, e *testenv.Env, n int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				upn := fmt.Sprintf("user%04d@example.com", i)
				_, err := e.Dir.CreateUser(context.Background(), domain.SystemActor(),
					domain.User{UserPrincipalName: upn, DisplayName: fmt.Sprintf("User %04d", i), AccountEnabled: true})
				if err != nil {
					errs <- fmt.Errorf("create %s: %w", upn, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkIssuePass is POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods:
// a multi-use pass replacing the user's previous one. testenv hashes with cheap
// argon2, so the store and HTTP dominate; internal/secret measures the hash.
func BenchmarkIssuePass(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			e.EnablePassPolicy(b)
			tok := e.AppToken(b, domain.PermUserAuthenticationMethodReadWrite)
			u := e.CreateUser(b, "ada@example.com")
			c := client()
			target := e.URL + "/v1.0/users/" + u.ID + "/authentication/temporaryAccessPassMethods"
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(`{"isUsableOnce":false}`))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				do(b, c, req, http.StatusCreated)
			}
		})
	}
}

// BenchmarkSignInPass is POST /login/tap with a multi-use pass: the sign-in page's
// form post, answered with a session cookie and a redirect.
func BenchmarkSignInPass(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			e.EnablePassPolicy(b)
			u := e.CreateUser(b, "ada@example.com")
			multi := false
			p, err := e.Dir.IssuePass(context.Background(), domain.SystemActor(), u.ID, domain.PassRequest{IsUsableOnce: &multi})
			if err != nil {
				b.Fatal(err)
			}
			c := client()
			form := url.Values{"username": {u.UserPrincipalName}, "pass": {p.Code}}.Encode()
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPost, e.URL+"/login/tap", strings.NewReader(form))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				do(b, c, req, http.StatusSeeOther)
			}
		})
	}
}
