package graphapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// eachBackend runs fn against a fresh firstkey on every database, in parallel.
func eachBackend(t *testing.T, fn func(t *testing.T, env *testenv.Env)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, testenv.New(t, b))
		})
	}
}

// api calls the Graph API of env with one bearer token.
type api struct {
	t     *testing.T
	env   *testenv.Env
	token string
	mint  func() string // gets a fresh token, for tests that move the clock past its lifetime
}

// appAPI registers an application with perms and calls the API as it.
func appAPI(t *testing.T, env *testenv.Env, perms ...domain.Permission) *api {
	id, sec := env.CreateApp(t, perms...)
	mint := func() string { return env.ClientCredentialsToken(t, id, sec) }
	return &api{t: t, env: env, token: mint(), mint: mint}
}

// userAPI calls the API as a signed-in person.
func userAPI(t *testing.T, env *testenv.Env, userID string) *api {
	mint := func() string { return env.UserToken(t, userID) }
	return &api{t: t, env: env, token: mint(), mint: mint}
}

// renew replaces the token with a fresh one.
func (a *api) renew() { a.token = a.mint() }

// advance moves the server's clock and renews the tokens of the given clients.
func advance(env *testenv.Env, d time.Duration, clients ...*api) {
	env.Clock.Advance(d)
	for _, c := range clients {
		c.renew()
	}
}

func newAPI(t *testing.T, env *testenv.Env, token string) *api {
	return &api{t: t, env: env, token: token}
}

// resp is an API response; JSON is the body decoded as an object, when it is one.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

func (a *api) do(method, path string, body any, headers ...string) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = a.env.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		a.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("read body: %v", err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			a.t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

func (a *api) get(path string) resp { a.t.Helper(); return a.do(http.MethodGet, path, nil) }

// must checks the status of a response and returns it.
func (r resp) must(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// wantError checks a Graph error envelope: status, code and message fragments.
func (r resp) wantError(t *testing.T, status int, code string, msgParts ...string) {
	t.Helper()
	r.must(t, status)
	e, _ := r.JSON["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error envelope: %s", r.Raw)
	}
	if e["code"] != code {
		t.Errorf("error code %v, want %s (message %q)", e["code"], code, e["message"])
	}
	msg, _ := e["message"].(string)
	for _, p := range msgParts {
		if !strings.Contains(msg, p) {
			t.Errorf("error message %q does not contain %q", msg, p)
		}
	}
	inner, _ := e["innerError"].(map[string]any)
	if inner == nil || inner["request-id"] == "" || inner["request-id"] != r.Header.Get("request-id") || inner["date"] == "" {
		t.Errorf("innerError %v does not carry the request-id %q and a date", inner, r.Header.Get("request-id"))
	}
}

func (r resp) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

func (r resp) values(t *testing.T) []map[string]any {
	t.Helper()
	vs, ok := r.JSON["value"].([]any)
	if !ok {
		t.Fatalf("no value array: %s", r.Raw)
	}
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = v.(map[string]any)
	}
	return out
}

func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// passPath is the pass collection of a user.
func passPath(user string) string {
	return "/v1.0/users/" + user + "/authentication/temporaryAccessPassMethods"
}

// methodsAdmin returns an API client for an application allowed to manage methods.
func methodsAdmin(t *testing.T, env *testenv.Env) *api {
	return appAPI(t, env, domain.PermUserAuthenticationMethodReadWrite)
}
