package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestJourneyMovesEverySeries walks through what an operator wants to see on
// a dashboard (a pass issued over the Graph API and signed in with, wrong
// passes until a lock-out, tokens granted and refused, the Graph API throttle,
// a pass revoked and one purged after expiry), scrapes /metrics over HTTP and
// checks that each series moved, and that no secret or user identifier is in
// the scrape.
func TestJourneyMovesEverySeries(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true, Server: func(c *server.Config) {
				c.APIAppRate = domain.Rate{Attempts: 5, Per: time.Minute}
			}})
			env.EnablePassPolicy(t)
			alice := env.CreateUser(t, "alice.metrics@example.com")
			bob := env.CreateUser(t, "bob.metrics@example.com")
			carol := env.CreateUser(t, "carol.metrics@example.com")

			clientID, secret := env.CreateApp(t, domain.PermUserAuthenticationMethodReadWrite)
			token := env.ClientCredentialsToken(t, clientID, secret)
			if code, _ := tokenRequest(t, env, clientID, "not the secret"); code != http.StatusUnauthorized && code != http.StatusBadRequest {
				t.Fatalf("token with a wrong secret answered %d", code)
			}
			alicePass := issuePass(t, env, token, alice.ID, true)
			bobPass := issuePass(t, env, token, bob.ID, false)
			carolPass := issuePass(t, env, token, carol.ID, false)

			// Alice signs in with her one-time pass.
			cookie := signIn(t, env, alice.UserPrincipalName, alicePass)
			if cookie == "" {
				t.Fatal("alice's sign-in set no session cookie")
			}
			// Wrong passes for bob until the lock-out refuses him.
			for i := 0; i < domain.SourceLockout.Threshold+1; i++ {
				signIn(t, env, bob.UserPrincipalName, "WRONG"+strings.Repeat("x", i))
			}
			// Carol's pass is revoked; bob's expires and is purged.
			graph(t, env, token, http.MethodDelete, passesPath(carol.ID)+"/"+passID(t, env, token, carol.ID), http.StatusNoContent)
			env.Clock.Advance(25 * time.Hour)
			if _, err := env.Dir.PurgeExpiredPasses(context.Background(), domain.SystemActor()); err != nil {
				t.Fatalf("purge: %v", err)
			}
			// Another application exceeds its Graph API allowance.
			other := env.AppToken(t, domain.PermUserAuthenticationMethodReadWrite)
			throttled := false
			for i := 0; i < 10 && !throttled; i++ {
				throttled = graph(t, env, other, http.MethodGet, passesPath(alice.ID), 0) == http.StatusTooManyRequests
			}
			if !throttled {
				t.Fatal("the Graph API throttle never refused")
			}

			body, families := scrape(t, env.URL+"/metrics")
			want := []struct {
				name   string
				labels map[string]string
			}{
				{"firstkey_sign_ins_total", map[string]string{"method": "temporaryAccessPass", "result": "0"}},
				{"firstkey_sign_ins_total", map[string]string{"method": "temporaryAccessPass", "result": "130503"}},
				{"firstkey_passes_total", map[string]string{"event": "issued"}},
				{"firstkey_passes_total", map[string]string{"event": "consumed"}},
				{"firstkey_passes_total", map[string]string{"event": "revoked"}},
				{"firstkey_passes_total", map[string]string{"event": "expired"}},
				{"firstkey_lockouts_total", map[string]string{"scope": "source"}},
				{"firstkey_rate_limited_total", map[string]string{"limit": "graph_app"}},
				{"firstkey_token_grants_total", map[string]string{"grant_type": "client_credentials", "result": "success"}},
				{"firstkey_token_grants_total", map[string]string{"grant_type": "client_credentials", "result": "invalid_client"}},
				{"firstkey_http_request_duration_seconds", map[string]string{"route": "/login/tap", "method": "POST"}},
				{"firstkey_http_request_duration_seconds", map[string]string{"route": "/v1.0/users/{id}/authentication/temporaryAccessPassMethods", "method": "POST"}},
				{"firstkey_store_call_duration_seconds", map[string]string{"op": "CreateSignIn"}},
				{"firstkey_store_call_duration_seconds", map[string]string{"op": "transaction"}},
				{"go_sql_open_connections", map[string]string{"db_name": "firstkey"}},
				{"firstkey_hash_checks_running", nil},
				{"firstkey_hash_checks_waiting", nil},
			}
			for _, w := range want {
				v, ok := value(families[w.name], w.labels)
				if !ok {
					t.Errorf("%s%v: no such series", w.name, w.labels)
					continue
				}
				if v <= 0 && !strings.HasPrefix(w.name, "go_sql") && !strings.HasPrefix(w.name, "firstkey_hash") {
					t.Errorf("%s%v = %v, want it to have moved", w.name, w.labels, v)
				}
			}
			checkDashboard(t, families)
			for what, s := range map[string]string{"alice's pass": alicePass, "bob's pass": bobPass, "carol's pass": carolPass,
				"client secret": secret, "client id": clientID, "session cookie": cookie, "UPN": alice.UserPrincipalName,
				"bob's UPN": bob.UserPrincipalName, "user id": alice.ID, "bob's id": bob.ID, "carol's id": carol.ID, "access token": token} {
				if strings.Contains(body, s) {
					t.Errorf("the scrape contains %s", what)
				}
			}
		})
	}
}

// scrape reads /metrics and parses it.
func scrape(t *testing.T, u string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %s", resp.StatusCode, raw)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return string(raw), families
}

// value sums the series of f whose labels include want (a histogram by its
// count).
func value(f *dto.MetricFamily, want map[string]string) (float64, bool) {
	if f == nil {
		return 0, false
	}
	sum, found := 0.0, false
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

func passesPath(userID string) string {
	return "/v1.0/users/" + userID + "/authentication/temporaryAccessPassMethods"
}

// graph calls the Graph API and returns the status, failing the test when it
// is not want (0: any).
func graph(t *testing.T, env *testenv.Env, token, method, path string, want int) int {
	t.Helper()
	code, _ := graphJSON(t, env, token, method, path, nil)
	if want != 0 && code != want {
		t.Fatalf("%s %s: %d, want %d", method, path, code, want)
	}
	return code
}

func graphJSON(t *testing.T, env *testenv.Env, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func issuePass(t *testing.T, env *testenv.Env, token, userID string, once bool) string {
	t.Helper()
	code, out := graphJSON(t, env, token, http.MethodPost, passesPath(userID), map[string]any{"isUsableOnce": once})
	pass, _ := out["temporaryAccessPass"].(string)
	if code != http.StatusCreated || pass == "" {
		t.Fatalf("issue pass: %d %v", code, out)
	}
	return pass
}

func passID(t *testing.T, env *testenv.Env, token, userID string) string {
	t.Helper()
	code, out := graphJSON(t, env, token, http.MethodGet, passesPath(userID), nil)
	items, _ := out["value"].([]any)
	if code != http.StatusOK || len(items) != 1 {
		t.Fatalf("list passes: %d %v", code, out)
	}
	return items[0].(map[string]any)["id"].(string)
}

// signIn posts the pass form as the sign-in page does and returns the
// session cookie's value, or "".
func signIn(t *testing.T, env *testenv.Env, upn, pass string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(env.URL+"/login/tap", url.Values{"username": {upn}, "pass": {pass}})
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "firstkey_session" && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

func tokenRequest(t *testing.T, env *testenv.Env, clientID, secret string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, _ := http.NewRequest(http.MethodPost, env.TokenEndpoint(t), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkDashboard fails the test for every series the Grafana dashboard
// queries that the scrape lacks.
func checkDashboard(t *testing.T, families map[string]*dto.MetricFamily) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "firstkey.json"))
	if err != nil {
		t.Fatalf("read the dashboard: %v", err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not valid JSON: %v", err)
	}
	names := regexp.MustCompile(`\b(?:firstkey|go|process)_[a-z0-9_]+\b`)
	used := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range names.FindAllString(target.Expr, -1) {
				used++
				family := name
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if base, ok := strings.CutSuffix(name, suffix); ok && families[base] != nil {
						family = base
					}
				}
				if families[family] == nil {
					t.Errorf("dashboard panel %q queries %s, which /metrics does not export", p.Title, name)
				}
			}
		}
	}
	if used < 15 {
		t.Errorf("the dashboard queries only %d series", used)
	}
}
