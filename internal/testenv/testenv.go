// Package testenv starts a complete firstkey on loopback for tests: real store
// (SQLite file or a fresh PostgreSQL schema), real token service, real HTTP.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/web"
)

// Env is a running firstkey.
type Env struct {
	// URL is where this firstkey listens. It equals Issuer unless
	// Options.Issuer named another public URL (replicas behind one name).
	URL string
	// Issuer is the public base URL: the WebAuthn origin and the OIDC issuer.
	Issuer string
	App    *server.App
	Dir    *directory.Service
	Store  store.Store
	Clock  *domain.FakeClock
	// CA issued the certificate firstkey serves with Options.TLS; nil otherwise.
	CA   *CA
	logs *syncBuffer
}

// New starts firstkey on the given backend with a clock stopped at the real now
// (tokens are signed with real time) and cheap argon2 parameters.
func New(t testing.TB, b storetest.Backend) *Env {
	t.Helper()
	return NewWithOptions(t, b, Options{})
}

// NewWithConfig starts firstkey with a caller-made configuration (listener,
// clock, logger and issuer are filled in).
func NewWithConfig(t testing.TB, cfg server.Config) *Env { t.Helper(); return start(t, cfg, Options{}) }

// Options change how NewWithOptions starts firstkey.
type Options struct {
	// Localhost makes the issuer http://localhost:PORT instead of
	// http://127.0.0.1:PORT. Passkeys need it: browsers accept only a host name,
	// never an IP address, as the WebAuthn relying party id.
	Localhost bool
	// Issuer, when set, is the public base URL instead of the listener's own,
	// so that several replicas answer to one name the way they do behind a
	// load balancer; Env.URL still reaches this replica (as localhost).
	Issuer string
	// Web, when set, adjusts the sign-in pages' settings that server.Config
	// carries (their per-address rate limit).
	Web func(*web.Config)
	// Server, when set, adjusts the rest of the configuration (deadlines,
	// trusted proxies, API throttles, the hash gate, production hashing)
	// before firstkey starts.
	Server func(*server.Config)
	// Logger, when set, receives the server's log instead of the buffer Logs
	// returns: fuzz targets send far more requests than that buffer should hold.
	Logger *slog.Logger
	// TLS makes firstkey serve HTTPS itself (server.Config's certificate files)
	// at https://localhost:PORT, with a certificate from Env.CA.
	TLS bool
}

// NewWithOptions starts firstkey on the given backend like New, with options.
func NewWithOptions(t testing.TB, b storetest.Backend, o Options) *Env {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
	if b.Name == "postgres" {
		cfg.DatabaseURL = storetest.PostgresDSN(t)
	}
	return start(t, cfg, o)
}

// NewReplicas starts n firstkeys on one fresh PostgreSQL schema with one master
// key, all answering to the first one's issuer (http://localhost:PORT), like
// replicas behind a load balancer. It skips the test without PostgreSQL.
func NewReplicas(t testing.TB, n int, o Options) []*Env {
	t.Helper()
	return Replicas(t, storetest.Backend{Name: "postgres"}, n, o)
}

// Replicas is NewReplicas on either backend: on SQLite, n processes sharing one
// database file, as several firstkeys on one machine would.
func Replicas(t testing.TB, b storetest.Backend, n int, o Options) []*Env {
	t.Helper()
	key, err := seal.GenerateKey()
	if err != nil {
		t.Fatalf("master key: %v", err)
	}
	dataDir, dsn := t.TempDir(), ""
	if b.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	envs := make([]*Env, n)
	for i := range envs {
		cfg := server.Config{DataDir: dataDir, DatabaseURL: dsn, MasterKey: seal.EncodeKey(key),
			Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
		ro := o
		ro.Localhost = true
		if i > 0 {
			ro.Issuer = envs[0].Issuer
		}
		envs[i] = start(t, cfg, ro)
	}
	return envs
}

func start(t testing.TB, cfg server.Config, o Options) *Env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	logs := &syncBuffer{}
	clock := domain.NewFakeClock(time.Now())
	cfg.Listen = ln.Addr().String()
	cfg.Issuer = "http://" + ln.Addr().String()
	listenURL := cfg.Issuer
	if o.Localhost || o.Issuer != "" || o.TLS {
		listenURL = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
		cfg.Issuer = listenURL
	}
	var ca *CA
	if o.TLS {
		ca = NewCA(t)
		dir := t.TempDir()
		cfg.TLSCertFile, cfg.TLSKeyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
		ca.Issue(t, "localhost", "127.0.0.1").Write(t, cfg.TLSCertFile, cfg.TLSKeyFile)
		listenURL = "https" + strings.TrimPrefix(listenURL, "http")
		cfg.Issuer = listenURL
	}
	if o.Issuer != "" {
		cfg.Issuer = o.Issuer
	}
	cfg.Clock = clock
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.Logger != nil {
		cfg.Logger = o.Logger
	}
	if o.Web != nil {
		wc := web.Config{SignInRate: cfg.SignInRate}
		o.Web(&wc)
		cfg.SignInRate = wc.SignInRate
	}
	if o.Server != nil {
		o.Server(&cfg)
	}
	app, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start firstkey: %v", err)
	}
	env := &Env{URL: listenURL, Issuer: cfg.Issuer, App: app, Dir: app.Directory(), Store: app.Store(), Clock: clock, CA: ca, logs: logs}
	if o.TLS {
		// Serve as `firstkey serve` does, so that its TLS is what is tested.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- app.Serve(ctx, ln) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			app.Close()
		})
		return env
	}
	handler := app.Handler()
	if o.Issuer != "" {
		// As a load balancer does: every replica sees the public host name.
		handler = behindName(cfg.Issuer, handler)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		app.Close()
	})
	return env
}

// HTTPClient is a client for this firstkey: one that trusts Env.CA with TLS.
func (e *Env) HTTPClient() *http.Client {
	if e.CA != nil {
		return e.CA.Client()
	}
	return http.DefaultClient
}

// behindName presents every request with the host name of the public URL.
func behindName(public string, next http.Handler) http.Handler {
	u, err := url.Parse(public)
	if err != nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = u.Host
		next.ServeHTTP(w, r)
	})
}

// Logs returns everything logged so far (JSON lines).
func (e *Env) Logs() string { return e.logs.String() }

// CreateApp registers an application with the permissions and returns its client
// id and secret.
func (e *Env) CreateApp(t testing.TB, perms ...domain.Permission) (clientID, clientSecret string) {
	t.Helper()
	app, sec, err := e.Dir.CreateApplication(context.Background(), domain.SystemActor(),
		domain.Application{DisplayName: fmt.Sprintf("test app %d", time.Now().UnixNano()), Permissions: perms})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	return app.ClientID, sec
}

// AppToken registers an application with the permissions and gets an access token
// for it from the real token endpoint with client_credentials.
func (e *Env) AppToken(t testing.TB, perms ...domain.Permission) string {
	t.Helper()
	id, sec := e.CreateApp(t, perms...)
	return e.ClientCredentialsToken(t, id, sec)
}

// ClientCredentialsToken asks the token endpoint for a token.
func (e *Env) ClientCredentialsToken(t testing.TB, clientID, clientSecret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, _ := http.NewRequest(http.MethodPost, e.TokenEndpoint(t), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: status %d, error %q, decode %v", resp.StatusCode, body.Error, err)
	}
	return body.AccessToken
}

// TokenEndpoint reads the token endpoint from discovery.
func (e *Env) TokenEndpoint(t testing.TB) string {
	t.Helper()
	resp, err := e.HTTPClient().Get(e.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	defer resp.Body.Close()
	var d struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.TokenEndpoint == "" {
		t.Fatalf("discovery has no token_endpoint: %v", err)
	}
	return d.TokenEndpoint
}

// UserToken returns a real signed access token for a signed-in person, as the
// sign-in flow hands one out; the API checks it by the person's directory roles.
func (e *Env) UserToken(t testing.TB, userID string) string {
	t.Helper()
	tok, err := e.App.Provider().MintUserAccessToken(context.Background(), userID, []string{domain.AMRHwk, domain.AMRMFA})
	if err != nil {
		t.Fatalf("mint user token: %v", err)
	}
	return tok
}

// CreateUser adds an enabled user.
func (e *Env) CreateUser(t testing.TB, upn string, roles ...domain.Role) domain.User {
	t.Helper()
	ctx := context.Background()
	u, err := e.Dir.CreateUser(ctx, domain.SystemActor(), domain.User{UserPrincipalName: upn, DisplayName: strings.SplitN(upn, "@", 2)[0], AccountEnabled: true})
	if err != nil {
		t.Fatalf("create user %s: %v", upn, err)
	}
	for _, r := range roles {
		if err := e.Dir.AssignRole(ctx, domain.SystemActor(), u.ID, r); err != nil {
			t.Fatalf("assign %s: %v", r.DisplayName(), err)
		}
	}
	return u
}

// EnablePassPolicy turns the pass policy on (a new directory has it off).
func (e *Env) EnablePassPolicy(t testing.TB) {
	t.Helper()
	_, err := e.Dir.UpdateTAPPolicy(context.Background(), domain.SystemActor(), func(p *domain.TAPPolicy) error {
		p.State = domain.StateEnabled
		return nil
	})
	if err != nil {
		t.Fatalf("enable pass policy: %v", err)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
