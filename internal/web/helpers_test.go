package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// eachBackend runs fn in parallel on SQLite and PostgreSQL against a firstkey
// served at http://localhost:PORT (passkeys need a host name), with the pass
// policy on. web, when not nil, adjusts the pages' configuration.
func eachBackend(t *testing.T, adjust func(*web.Config), fn func(t *testing.T, env *testenv.Env)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true, Web: adjust})
			env.EnablePassPolicy(t)
			fn(t, env)
		})
	}
}

// browser is an HTTP client that keeps cookies like a browser but does not
// follow redirects, so tests see each answer.
type browser struct {
	t   *testing.T
	env *testenv.Env
	hc  *http.Client
}

func newBrowser(t *testing.T, env *testenv.Env) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, env: env, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status int
	Header http.Header
	Body   string
	JSON   map[string]any
	resp   *http.Response
}

// cookie returns the session cookie the answer set, or nil.
func (r response) cookie() *http.Cookie {
	for _, c := range r.resp.Cookies() {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	return nil
}

func (r response) location() string { return r.Header.Get("Location") }

// errorCode is the code of a JSON error answer.
func (r response) errorCode() string {
	e, _ := r.JSON["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r response) errorMessage() string {
	e, _ := r.JSON["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func (b *browser) do(method, path string, body io.Reader, headers ...string) response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.env.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := response{Status: resp.StatusCode, Header: resp.Header, Body: string(raw), resp: resp}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &r.JSON)
	}
	return r
}

func (b *browser) get(path string, headers ...string) response {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, headers...)
}

// via returns the same browser (same cookies) talking to another replica of
// the same public URL.
func (b *browser) via(env *testenv.Env) *browser {
	c := *b
	c.env = env
	return &c
}

// form posts a form as a same-origin page would (Origin and Sec-Fetch-Site set).
func (b *browser) form(path string, v url.Values, headers ...string) response {
	b.t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", b.env.Issuer, "Sec-Fetch-Site", "same-origin"}, headers...)
	return b.do(http.MethodPost, path, strings.NewReader(v.Encode()), h...)
}

// json posts JSON as the page's script does; headers may add X-CSRF-Token or
// override Origin.
func (b *browser) json(path string, body any, headers ...string) response {
	b.t.Helper()
	var raw []byte
	switch v := body.(type) {
	case []byte:
		raw = v
	default:
		raw = mustJSON(b.t, body)
	}
	h := append([]string{"Content-Type", "application/json", "Origin", b.env.Issuer, "Sec-Fetch-Site", "same-origin"}, headers...)
	return b.do(http.MethodPost, path, bytes.NewReader(raw), h...)
}

var csrfInPage = regexp.MustCompile(`(?:name="csrf" value|data-csrf)="([^"]+)"`)

// csrf reads the CSRF token from My Security Info.
func (b *browser) csrf() string {
	b.t.Helper()
	page := b.get("/mysecurityinfo")
	m := csrfInPage.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil {
		b.t.Fatalf("no CSRF token on My Security Info (status %d)", page.Status)
	}
	return m[1]
}

// signInWithPass posts the pass form and expects success.
func (b *browser) signInWithPass(upn, code string) response {
	b.t.Helper()
	r := b.form("/login/tap", url.Values{"username": {upn}, "pass": {code}})
	if r.Status != http.StatusSeeOther || r.location() != "/mysecurityinfo" || r.cookie() == nil {
		b.t.Fatalf("pass sign-in: status %d, location %q, body %s", r.Status, r.location(), r.Body)
	}
	return r
}

// registerPasskey runs the registration ceremony with key, expects success and
// returns the new passkey's id.
func (b *browser) registerPasskey(key *softKey, name string) string {
	b.t.Helper()
	finish := b.tryRegisterPasskey(key, name)
	if finish.Status != http.StatusCreated || finish.JSON["redirect"] != "/mysecurityinfo?done=added" {
		b.t.Fatalf("register/finish: %d %s", finish.Status, finish.Body)
	}
	id, _ := finish.JSON["id"].(string)
	return id
}

// tryRegisterPasskey runs the registration ceremony with key and returns the
// finish answer, whatever it is.
func (b *browser) tryRegisterPasskey(key *softKey, name string) response {
	b.t.Helper()
	token := b.csrf()
	begin := b.json("/webauthn/register/begin", map[string]any{}, "X-CSRF-Token", token)
	if begin.Status != http.StatusOK {
		b.t.Fatalf("register/begin: %d %s", begin.Status, begin.Body)
	}
	return b.json("/webauthn/register/finish", map[string]any{
		"ceremonyId": begin.JSON["ceremonyId"], "name": name, "credential": key.register(b.t, options(b.t, begin)),
	}, "X-CSRF-Token", token)
}

// signInWithPasskey runs a passkey sign-in, by username when upn is set, and
// returns the finish answer.
func (b *browser) signInWithPasskey(key *softKey, upn string) response {
	b.t.Helper()
	begin := b.json("/webauthn/login/begin", map[string]any{"username": upn})
	if begin.Status != http.StatusOK {
		b.t.Fatalf("login/begin: %d %s", begin.Status, begin.Body)
	}
	return b.json("/webauthn/login/finish", map[string]any{
		"ceremonyId": begin.JSON["ceremonyId"], "username": upn, "credential": key.assert(b.t, options(b.t, begin)),
	})
}

// options extracts the ceremony options from a begin answer.
func options(t *testing.T, begin response) json.RawMessage {
	t.Helper()
	o, ok := begin.JSON["options"]
	if !ok {
		t.Fatalf("begin answer has no options: %s", begin.Body)
	}
	return mustJSON(t, o)
}

// issuePass gives upn a pass through the directory service.
func issuePass(t *testing.T, env *testenv.Env, upn string, oneTime bool) directory.IssuedPass {
	t.Helper()
	p, err := env.Dir.IssuePass(context.Background(), domain.SystemActor(), upn, domain.PassRequest{IsUsableOnce: &oneTime})
	if err != nil {
		t.Fatalf("issue pass: %v", err)
	}
	return p
}

// signInLog lists the sign-in log, newest first.
func signInLog(t *testing.T, env *testenv.Env) []domain.SignIn {
	t.Helper()
	recs, _, err := env.Dir.ListSignIns(context.Background(), domain.SystemActor(), store.ListOptions{Top: 500})
	if err != nil {
		t.Fatalf("list sign-ins: %v", err)
	}
	return recs
}

func wantStatus(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
}
