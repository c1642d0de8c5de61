package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the connection that holds the lock

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// deadlines are the two ways a request stops waiting for a locked database:
// its own deadline runs out first, or the database gives up on the lock first
// (PostgreSQL's lock_timeout, SQLite's busy timeout). Either way it answers.
var deadlines = []struct {
	name string
	set  func(*server.Config)
}{
	{"request deadline", func(c *server.Config) { c.RequestTimeout = time.Second }},
	{"lock timeout", func(c *server.Config) { c.RequestTimeout = time.Minute; c.LockTimeout = 300 * time.Millisecond }},
}

// TestLockedUsersTableAnswers503 holds `LOCK TABLE users IN ACCESS EXCLUSIVE
// MODE` from another PostgreSQL session. While it is held, the Graph API, the
// token endpoint, a signed-in page and /readyz answer 503 with Retry-After and
// their usual error bodies (the lock is still held when they answer, so none of
// them waited for it); /healthz stays 200. Once the lock is released the same
// requests, the same refresh token included, succeed.
func TestLockedUsersTableAnswers503(t *testing.T) {
	for _, d := range deadlines {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.PostgresDSN(t)
			cfg := server.Config{DataDir: t.TempDir(), DatabaseURL: dsn, Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
			d.set(&cfg)
			env := testenv.NewWithConfig(t, cfg)
			f := newLockFixture(t, env)

			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tx, err := db.BeginTx(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}

			r := f.listUsers()
			wantUnavailable(t, "GET /v1.0/users", r)
			if code := graphCode(r.body); code != "serviceNotAvailable" {
				t.Errorf("GET /v1.0/users: error code %q, want serviceNotAvailable; body %s", code, r.body)
			}
			r = f.refresh()
			wantUnavailable(t, "refresh token request", r)
			if e := oauthErrorCode(r.body); e != "temporarily_unavailable" {
				t.Errorf("refresh token request: error %q, want temporarily_unavailable; body %s", e, r.body)
			}
			r = f.page()
			wantUnavailable(t, "GET /mysecurityinfo", r)
			if !strings.Contains(r.body, "try again") || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("GET /mysecurityinfo: not the friendly page: %s", r.body)
			}
			r = f.get("/readyz")
			wantUnavailable(t, "GET /readyz", r)
			if r := f.get("/healthz"); r.status != http.StatusOK {
				t.Errorf("GET /healthz while the table is locked: %d, want 200 (liveness)", r.status)
			}

			// Still locked: everything above answered without waiting for it.
			if err := tx.Rollback(); err != nil {
				t.Fatalf("release the lock: %v", err)
			}
			if r := f.listUsers(); r.status != http.StatusOK {
				t.Errorf("GET /v1.0/users after the lock: %d %s", r.status, r.body)
			}
			if r := f.refresh(); r.status != http.StatusOK {
				t.Errorf("the refresh token refused for lack of time does not work afterwards: %d %s", r.status, r.body)
			}
			if r := f.page(); r.status != http.StatusOK {
				t.Errorf("GET /mysecurityinfo after the lock: %d", r.status)
			}
			if r := f.get("/readyz"); r.status != http.StatusOK {
				t.Errorf("GET /readyz after the lock: %d %s", r.status, r.body)
			}
			if logs := env.Logs(); !strings.Contains(logs, "ran out of time") {
				t.Error("the operator's log does not say that requests ran out of time")
			}
		})
	}
}

// TestSQLiteWriteLockAnswers503: another connection holds the database file's
// write lock (BEGIN IMMEDIATE); a write through the API and a sign-in answer
// 503 with Retry-After while it is held, and work once it is released.
func TestSQLiteWriteLockAnswers503(t *testing.T) {
	for _, d := range deadlines {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			cfg := server.Config{DataDir: t.TempDir(), Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
			d.set(&cfg)
			env := testenv.NewWithConfig(t, cfg)
			f := newLockFixture(t, env)

			db, err := sql.Open("sqlite", filepath.Join(cfg.DataDir, "firstkey.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			locked := true
			release := func() {
				if locked {
					locked = false
					if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
						t.Fatalf("release the lock: %v", err)
					}
				}
			}
			defer release()

			r := f.createUser("grace@example.com")
			wantUnavailable(t, "POST /v1.0/users", r)
			if code := graphCode(r.body); code != "serviceNotAvailable" {
				t.Errorf("POST /v1.0/users: error code %q, want serviceNotAvailable; body %s", code, r.body)
			}
			r = f.signIn("WRONG-PASS")
			wantUnavailable(t, "POST /login/tap", r)
			if !strings.Contains(r.body, "try again") {
				t.Errorf("POST /login/tap: not the friendly page: %s", r.body)
			}
			// Readers are not blocked by a writer (WAL): the API still reads.
			if r := f.listUsers(); r.status != http.StatusOK {
				t.Errorf("GET /v1.0/users beside the write lock: %d %s", r.status, r.body)
			}

			release()
			if r := f.createUser("grace@example.com"); r.status != http.StatusCreated {
				t.Errorf("POST /v1.0/users after the lock: %d %s", r.status, r.body)
			}
			if r := f.signIn(f.pass); r.status != http.StatusSeeOther {
				t.Errorf("sign-in after the lock: %d %s", r.status, r.body)
			}
		})
	}
}

// lockFixture is a directory with an application token, a person signed in
// with a pass, and a refresh token of that person for a public client.
type lockFixture struct {
	t        *testing.T
	env      *testenv.Env
	hc       *http.Client
	token    string
	clientID string
	refreshT string
	upn      string
	pass     string
	session  *http.Cookie
}

func newLockFixture(t *testing.T, env *testenv.Env) *lockFixture {
	t.Helper()
	ctx := context.Background()
	env.EnablePassPolicy(t)
	f := &lockFixture{t: t, env: env, hc: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		token: env.AppToken(t, domain.PermUserReadWriteAll), upn: "ada@example.com"}
	u := env.CreateUser(t, f.upn)
	f.pass = env.IssuePass(t, u.ID, false)
	r := f.signIn(f.pass)
	for _, c := range r.cookies {
		if c.Name == "firstkey_session" {
			f.session = c
		}
	}
	if r.status != http.StatusSeeOther || f.session == nil {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	app, _ := env.RegisterApp(t, domain.Application{PublicClient: true, RedirectURIs: []string{"http://127.0.0.1/cb"}})
	f.clientID = app.ClientID
	now := env.Clock.Now()
	g := domain.Grant{ID: "grant-" + u.ID, ClientID: app.ClientID, UserID: u.ID, Scopes: []string{"openid", "offline_access"},
		AMR: []string{domain.AMRHwk}, AuthTime: now, CreatedDateTime: now, ExpiresDateTime: now.Add(time.Hour)}
	if err := env.Store.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	tok, err := env.Dir.IssueRefreshToken(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	f.refreshT = tok
	return f
}

type answer struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

func (f *lockFixture) do(req *http.Request) answer {
	f.t.Helper()
	resp, err := f.hc.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: no answer: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), cookies: resp.Cookies()}
}

func (f *lockFixture) get(path string) answer {
	req, _ := http.NewRequest(http.MethodGet, f.env.URL+path, nil)
	return f.do(req)
}

func (f *lockFixture) listUsers() answer {
	req, _ := http.NewRequest(http.MethodGet, f.env.URL+"/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	return f.do(req)
}

func (f *lockFixture) createUser(upn string) answer {
	body := `{"userPrincipalName":"` + upn + `","displayName":"Grace","accountEnabled":true}`
	req, _ := http.NewRequest(http.MethodPost, f.env.URL+"/v1.0/users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	return f.do(req)
}

func (f *lockFixture) refresh() answer {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.refreshT}, "client_id": {f.clientID}}
	req, _ := http.NewRequest(http.MethodPost, f.env.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	a := f.do(req)
	if a.status == http.StatusOK {
		var body struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal([]byte(a.body), &body); err == nil && body.RefreshToken != "" {
			f.refreshT = body.RefreshToken
		}
	}
	return a
}

func (f *lockFixture) page() answer {
	req, _ := http.NewRequest(http.MethodGet, f.env.URL+"/mysecurityinfo", nil)
	req.AddCookie(f.session)
	return f.do(req)
}

func (f *lockFixture) signIn(pass string) answer {
	form := url.Values{"username": {f.upn}, "pass": {pass}}
	req, _ := http.NewRequest(http.MethodPost, f.env.URL+"/login/tap", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(req)
}

func wantUnavailable(t *testing.T, what string, r answer) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("%s while the database is locked: %d, Retry-After %q, want 503 with Retry-After; body %s",
			what, r.status, r.header.Get("Retry-After"), r.body)
	}
}

func graphCode(body string) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func oauthErrorCode(body string) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error
}
