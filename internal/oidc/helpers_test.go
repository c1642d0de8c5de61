package oidc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// syncBuffer collects log output written from handler goroutines.
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

// env is one provider served over real HTTP on loopback.
type env struct {
	t      *testing.T
	st     store.Store
	sealer *seal.Sealer
	clock  *domain.FakeClock
	logs   *syncBuffer
	p      *Provider
	srv    *httptest.Server
	base   string // where requests go: server URL plus issuer path
}

type envOptions struct {
	st       store.Store
	sealer   *seal.Sealer
	clock    *domain.FakeClock
	path     string // issuer path, e.g. "/idp"
	lifetime time.Duration
	issuer   string // for a replica: another env's issuer; default the server's URL plus path
}

func newSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.st == nil {
		o.st = storetest.SQLite(t)
	}
	if o.sealer == nil {
		o.sealer = newSealer(t)
	}
	if o.clock == nil {
		// zitadel stamps iat/nbf with the wall clock, so the fake clock starts there.
		o.clock = domain.NewFakeClock(time.Now())
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	issuer := o.issuer
	if issuer == "" {
		issuer = srv.URL + o.path
	}
	p, err := New(context.Background(), Config{
		Issuer:              issuer,
		Store:               o.st,
		Directory:           testDirectory(t, o.st, o.clock),
		Sealer:              o.sealer,
		Clock:               o.clock,
		AccessTokenLifetime: o.lifetime,
		Logger:              slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	p.Mount(mux)
	return &env{t: t, st: o.st, sealer: o.sealer, clock: o.clock, logs: logs, p: p, srv: srv, base: srv.URL + o.path}
}

// replica starts a second provider on st (another connection to e's database),
// with e's issuer, master key and clock, served by a server of its own — as a
// second firstkey process behind the same load balancer would be.
func (e *env) replica(t *testing.T, st store.Store) *env {
	t.Helper()
	return newEnv(t, envOptions{st: st, sealer: e.sealer, clock: e.clock, issuer: e.p.Issuer()})
}

func randomID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// createApp stores an application; it returns its client id and secret (empty
// for a public client).
func createApp(t testing.TB, st store.Store, public bool, perms ...domain.Permission) (domain.Application, string) {
	t.Helper()
	app := domain.Application{
		ID:              randomID(t),
		ClientID:        randomID(t),
		DisplayName:     "test app",
		PublicClient:    public,
		Permissions:     perms,
		CreatedDateTime: time.Now().UTC(),
	}
	var sec string
	if !public {
		var err error
		if sec, err = secret.Token(); err != nil {
			t.Fatal(err)
		}
		if app.SecretHash, err = (secret.Hasher{}).Hash(sec, 256); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateApplication(context.Background(), app); err != nil {
		t.Fatalf("create application: %v", err)
	}
	return app, sec
}

type response struct {
	header http.Header
	status int
	body   map[string]any
	raw    string
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{header: res.Header, status: res.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func (e *env) get(path string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

// postToken calls the token endpoint; with user set it authenticates with HTTP
// Basic (client_secret_basic), otherwise the form carries what the test puts in it.
func (e *env) postToken(form url.Values, user, pass string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	return e.do(req)
}

// token obtains an access token with client_secret_post.
func (e *env) token(clientID, sec string) string {
	e.t.Helper()
	r := e.postToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {sec}, "scope": {ScopeGraphDefault}}, "", "")
	if r.status != http.StatusOK {
		e.t.Fatalf("token request: %d %s", r.status, r.raw)
	}
	tok, _ := r.body["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("no access_token in %s", r.raw)
	}
	return tok
}

func (e *env) jwksKids() []string {
	e.t.Helper()
	r := e.get(KeysPath)
	if r.status != http.StatusOK {
		e.t.Fatalf("jwks: %d %s", r.status, r.raw)
	}
	var kids []string
	keys, _ := r.body["keys"].([]any)
	for _, k := range keys {
		kids = append(kids, k.(map[string]any)["kid"].(string))
	}
	return kids
}

// jwtPart decodes the header (0) or payload (1) of a compact JWT.
func jwtPart(t testing.TB, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func assertUnauthenticated(t testing.TB, err error, tok string) {
	t.Helper()
	if err == nil {
		t.Fatal("token accepted")
	}
	if domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("error %v has kind %d, want KindUnauthenticated", err, domain.KindOf(err))
	}
	if tok != "" && strings.Contains(err.Error(), tok) {
		t.Fatal("error message echoes the token")
	}
	for _, part := range strings.Split(tok, ".") {
		if len(part) > 8 && strings.Contains(err.Error(), part) {
			t.Fatal("error message echoes part of the token")
		}
	}
}

// testDirectory builds the rule service the provider needs, on the same store.
func testDirectory(t testing.TB, st store.Store, clock domain.Clock) *directory.Service {
	t.Helper()
	dir, err := directory.New(directory.Config{Store: st, Clock: clock, Hasher: secret.Hasher{Argon2: secret.FastArgon2},
		BaseURL: "http://localhost"})
	if err != nil {
		t.Fatalf("directory: %v", err)
	}
	return dir
}
