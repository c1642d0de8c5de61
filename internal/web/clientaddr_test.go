package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// proxyEnv starts firstkey with a sign-in limit of three attempts a minute,
// trusting the given proxies' forwarding headers.
func proxyEnv(t *testing.T, b storetest.Backend, trusted ...string) *testenv.Env {
	t.Helper()
	var prefixes []netip.Prefix
	for _, s := range trusted {
		prefixes = append(prefixes, netip.MustParsePrefix(s))
	}
	env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true,
		Web:    func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 3, Per: time.Minute} },
		Server: func(c *server.Config) { c.TrustedProxies = prefixes }})
	env.EnablePassPolicy(t)
	return env
}

func wrongPass(b *browser, headers ...string) response {
	b.t.Helper()
	return b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONGPASS"}}, headers...)
}

func signInAddresses(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	var out []string
	for _, r := range signInLog(t, env) {
		out = append(out, r.IPAddress)
	}
	slices.Sort(out)
	return out
}

// TestForwardedForFromUntrustedPeerIgnored: without trusted proxies, an
// X-Forwarded-For or Forwarded header is the client's own claim: the limiter
// counts by the TCP peer whatever the header says, and the sign-in log and the
// access log name the peer.
func TestForwardedForFromUntrustedPeerIgnored(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			env := proxyEnv(t, be)
			env.CreateUser(t, "ada@example.com")
			issuePass(t, env, "ada@example.com", false)
			b := newBrowser(t, env)
			for i, h := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
				if r := wrongPass(b, "X-Forwarded-For", h); r.Status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i+1, r.Status)
				}
			}
			if r := wrongPass(b, "Forwarded", "for=198.51.100.4"); r.Status != http.StatusTooManyRequests {
				t.Fatalf("fourth attempt with yet another forwarded address: %d, want 429 (the peer's allowance is spent)", r.Status)
			}
			if got := signInAddresses(t, env); !slices.Equal(got, []string{"127.0.0.1", "127.0.0.1", "127.0.0.1"}) {
				t.Errorf("sign-in log addresses %v, want the peer's", got)
			}
			if logs := env.Logs(); strings.Contains(logs, "198.51.100.") || !strings.Contains(logs, `"ip":"127.0.0.1"`) {
				t.Errorf("the log names a forwarded address from an untrusted peer, or not the peer:\n%s", logs)
			}
		})
	}
}

// TestForwardedForFromTrustedProxyUsed: behind a trusted proxy (loopback
// here), the client is the right-most forwarded address that is not a trusted
// proxy: the limiter counts each client on its own, and the sign-in log, the
// access log and the audit log name the client, never an address the client
// wrote into the header itself.
func TestForwardedForFromTrustedProxyUsed(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			env := proxyEnv(t, be, "127.0.0.0/8", "10.0.0.0/8")
			env.CreateUser(t, "ada@example.com")
			issuePass(t, env, "ada@example.com", false)
			b := newBrowser(t, env)
			// The client claims 6.6.6.6; the proxy appends what it saw; an inner
			// trusted proxy (10.1.1.1) appends its own peer.
			xff := "6.6.6.6, 198.51.100.7, 10.1.1.1"
			for i := range 3 {
				if r := wrongPass(b, "X-Forwarded-For", xff); r.Status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i+1, r.Status)
				}
			}
			if r := wrongPass(b, "X-Forwarded-For", xff); r.Status != http.StatusTooManyRequests {
				t.Fatalf("fourth attempt from 198.51.100.7: %d, want 429", r.Status)
			}
			if r := wrongPass(b, "X-Forwarded-For", "198.51.100.8"); r.Status != http.StatusUnauthorized {
				t.Fatalf("another client behind the same proxy: %d, want its own allowance (401)", r.Status)
			}
			if r := wrongPass(b, "Forwarded", `for="[2001:db8::7]:4711";proto=https`); r.Status != http.StatusUnauthorized {
				t.Fatalf("a client named by Forwarded: %d", r.Status)
			}
			want := []string{"198.51.100.7", "198.51.100.7", "198.51.100.7", "198.51.100.8", "2001:db8::7"}
			if got := signInAddresses(t, env); !slices.Equal(got, want) {
				t.Errorf("sign-in log addresses %v, want %v", got, want)
			}
			logs := env.Logs()
			if strings.Contains(logs, "6.6.6.6") || !strings.Contains(logs, `"ip":"198.51.100.7"`) {
				t.Errorf("the log names the spoofed address or not the client:\n%s", logs)
			}

			// The API's audit records name the client too.
			api := env.AppToken(t, domain.PermUserReadWriteAll)
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1.0/users",
				strings.NewReader(`{"userPrincipalName":"bob@example.com","displayName":"Bob","accountEnabled":true}`))
			req.Header.Set("Authorization", "Bearer "+api)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "198.51.100.20")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create user: %d", resp.StatusCode)
			}
			audits, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 100})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range audits {
				if a.ActivityDisplayName == "Add user" && a.InitiatedBy.Type == domain.ActorApp {
					found = true
					if a.InitiatedBy.IPAddress != "198.51.100.20" {
						t.Errorf("audit record of the API call names %q, want the forwarded client", a.InitiatedBy.IPAddress)
					}
				}
			}
			if !found {
				t.Error("no audit record of the API call")
			}
		})
	}
}
