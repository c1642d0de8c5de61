package testenv

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// RegisterApp registers an application as an administrator would and returns
// it with its client secret ("" for a public client).
func (e *Env) RegisterApp(t testing.TB, app domain.Application) (domain.Application, string) {
	t.Helper()
	if app.DisplayName == "" {
		app.DisplayName = fmt.Sprintf("relying party %d", time.Now().UnixNano())
	}
	out, sec, err := e.Dir.CreateApplication(context.Background(), domain.SystemActor(), app)
	if err != nil {
		t.Fatalf("register application: %v", err)
	}
	return out, sec
}

// IssuePass gives the user a pass (the policy must be enabled) and returns its code.
func (e *Env) IssuePass(t testing.TB, userID string, oneTime bool) string {
	t.Helper()
	p, err := e.Dir.IssuePass(context.Background(), domain.SystemActor(), userID, domain.PassRequest{IsUsableOnce: &oneTime})
	if err != nil {
		t.Fatalf("issue pass: %v", err)
	}
	return p.Code
}

// Callback is a relying party's redirect endpoint on loopback: it records the
// query of every request the browser brings back.
type Callback struct {
	URL string
	mu  sync.Mutex
	got []url.Values
}

// NewCallback starts a callback server; its URL ends in /cb.
func NewCallback(t testing.TB) *Callback {
	t.Helper()
	c := &Callback{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.got = append(c.got, r.URL.Query())
		c.mu.Unlock()
		w.Write([]byte("callback received\n"))
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL + "/cb"
	return c
}

// Last returns the query of the latest callback, or nil.
func (c *Callback) Last() url.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) == 0 {
		return nil
	}
	return c.got[len(c.got)-1]
}

// Browser is an HTTP client with a cookie jar that follows redirects, as a
// browser without JavaScript does.
func Browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// SignInWithPass submits the pass form as a person would, continuing to next.
// It returns the final response after redirects (its body is closed).
func (e *Env) SignInWithPass(t testing.TB, b *http.Client, upn, pass, next string) *http.Response {
	t.Helper()
	form := url.Values{"username": {upn}, "pass": {pass}}
	if next != "" {
		form.Set("next", next)
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/login/tap", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatalf("pass sign-in: %v", err)
	}
	resp.Body.Close()
	return resp
}
