package cli_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serving is `firstkey serve` running in-process.
type serving struct {
	base           string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	once           sync.Once
	code           int
}

func (h *harness) serve(args ...string) *serving {
	h.t.Helper()
	addr := freeAddr(h.t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{base: localBase(addr), stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	argv := append(append([]string{"serve", "--listen", addr}, args...), h.global()...)
	go func() { s.done <- runCtx(ctx, argv, s.stdout, s.stderr) }()
	h.t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case code := <-s.done:
			s.once.Do(func() { s.code = code })
			h.t.Fatalf("serve exited with %d: %s", code, s.stderr.String())
		default:
		}
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("serve did not become healthy: %s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels serve as SIGTERM would and returns its exit code.
func (s *serving) stop() int {
	s.once.Do(func() {
		s.cancel()
		s.code = <-s.done
	})
	return s.code
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn posts the pass sign-in form and returns the status and session cookie.
func signIn(t *testing.T, base, upn, pass string) (int, string) {
	t.Helper()
	resp, err := noRedirects.PostForm(base+"/login/tap", url.Values{"username": {upn}, "pass": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "firstkey_session" && c.Value != "" {
			return resp.StatusCode, c.Value
		}
	}
	return resp.StatusCode, ""
}

func TestServeInitialisesOnceAndSharesTheStoreWithTheCLI(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		srv := h.serve("--admin", "boot@example.com", "--output", "json")
		var boot struct{ UserPrincipalName, TemporaryAccessPass, SignInURL, TenantID string }
		if err := json.Unmarshal([]byte(srv.stdout.String()), &boot); err != nil {
			t.Fatalf("serve did not print the bootstrap JSON: %v\n%s", err, srv.stdout.String())
		}
		if boot.UserPrincipalName != "boot@example.com" || boot.SignInURL != srv.base+"/mysecurityinfo" || len(boot.TemporaryAccessPass) != 8 {
			t.Errorf("bootstrap = %+v", boot)
		}
		// The tenant id shown is the one the Entra-style authority answers to.
		if tenant := h.obj("init")["tenantId"]; tenant != boot.TenantID || boot.TenantID == "" {
			t.Errorf("serve showed tenant id %q, init shows %v", boot.TenantID, tenant)
		}
		if resp, err := http.Get(srv.base + "/" + boot.TenantID + "/v2.0/.well-known/openid-configuration"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("the tenant's discovery document: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}

		// What the CLI writes, the server sees at once, and the other way round.
		h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")
		var p passOut
		h.json(&p, "tap", "create", "bob@example.com", "--one-time")
		if code, cookie := signIn(t, srv.base, "bob@example.com", *p.TemporaryAccessPass); code != http.StatusSeeOther || cookie == "" {
			t.Fatalf("sign-in with a CLI-issued pass: %d, cookie %q", code, cookie)
		}
		if code, _ := signIn(t, srv.base, "bob@example.com", *p.TemporaryAccessPass); code != http.StatusUnauthorized {
			t.Errorf("second sign-in with a one-time pass: %d, want 401", code)
		}
		var listed []passOut
		h.json(&listed, "tap", "list", "bob@example.com")
		if len(listed) != 1 || listed[0].MethodUsabilityReason != "OneTimeUsed" {
			t.Errorf("after the server consumed it, tap list = %+v", listed)
		}
		var signIns []struct {
			UserPrincipalName                                                                                                          string
			ErrorCode                                                                                                                  int
			FailureReason                                                                                                              string
			AuthenticationMethod, AuthenticationMethodDetail, AuthenticationRequirement, ID, CreatedDateTime, UserID, AppID, IPAddress string
		}
		h.json(&signIns, "logs", "signins", "--filter", "userPrincipalName eq 'bob@example.com'")
		if len(signIns) != 2 || signIns[0].ErrorCode != 130505 || signIns[1].ErrorCode != 0 || signIns[1].AuthenticationMethodDetail != p.ID {
			t.Errorf("sign-in log = %+v", signIns)
		}
		wantContains(t, h.ok("logs", "signins"), "130505", "success", "Temporary Access Pass")
		if code, _ := signIn(t, srv.base, "boot@example.com", boot.TemporaryAccessPass); code != http.StatusSeeOther {
			t.Errorf("bootstrap administrator sign-in: %d", code)
		}

		if code := srv.stop(); code != cli.ExitOK {
			t.Errorf("serve exited with %d after a graceful stop: %s", code, srv.stderr.String())
		}
		logs := srv.stderr.String()
		for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
			if !json.Valid([]byte(line)) {
				t.Errorf("log line is not JSON: %s", line)
			}
		}
		for _, secret := range []string{boot.TemporaryAccessPass, *p.TemporaryAccessPass} {
			if strings.Contains(logs, secret) {
				t.Errorf("the server log contains a pass")
			}
		}
		wantContains(t, logs, `"firstkey listening"`, `"tenant_id":"`+boot.TenantID+`"`)

		// A second start finds the directory initialised and prints no pass.
		again := h.serve("--admin", "other@example.com")
		if out := again.stdout.String(); out != "" {
			t.Errorf("a second serve printed %q", out)
		}
		again.stop()
		h.fail(cli.ExitNotFound, "user", "show", "other@example.com")
	})
}

func TestServeReportsAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h := &harness{t: t, data: t.TempDir()}
	wantContains(t, h.fail(cli.ExitError, "serve", "--listen", ln.Addr().String()), "listen")
}

// localBase is the default issuer of a server listening on a loopback addr:
// http://localhost:PORT, since passkeys need a host name.
func localBase(addr string) string {
	return "http://localhost:" + addr[strings.LastIndex(addr, ":")+1:]
}

// TestServeLimitsAndProxiesFromFlagsAndEnvironment: the sign-in rate and the
// trusted proxies come from FIRSTKEY_* variables, the API throttle from a flag;
// values that make no sense are usage errors before anything listens.
func TestServeLimitsAndProxiesFromFlagsAndEnvironment(t *testing.T) {
	t.Setenv("FIRSTKEY_SIGN_IN_RATE", "2/1m")
	t.Setenv("FIRSTKEY_TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.0/8")
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	srv := h.serve("--api-rate-app", "1/1m")
	h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")

	attempt := func(client string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.base+"/login/tap",
			strings.NewReader(url.Values{"username": {"bob@example.com"}, "pass": {"WRONGPASS"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
		if got := attempt("198.51.100.1"); got != want {
			t.Fatalf("attempt %d from 198.51.100.1: %d, want %d", i+1, got, want)
		}
	}
	if got := attempt("198.51.100.2"); got != http.StatusUnauthorized {
		t.Errorf("another client behind the trusted proxy: %d, want 401", got)
	}

	app := h.obj("app", "create", "--name", "reports", "--permission", "User.Read.All")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app["clientId"].(string)}, "client_secret": {app["clientSecret"].(string)}}
	resp, err := http.PostForm(srv.base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	for i, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
		req, _ := http.NewRequest(http.MethodGet, srv.base+"/v1.0/users", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("API call %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	srv.stop()

	for _, args := range [][]string{
		{"--sign-in-rate", "0/1m"}, {"--api-rate-user", "lots"}, {"--request-timeout", "0s"},
		{"--lock-timeout", "-1s"}, {"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "proxy.example.com"},
	} {
		out := h.fail(cli.ExitUsage, append([]string{"serve", "--listen", freeAddr(t)}, args...)...)
		if out == "" {
			t.Errorf("serve %v: no message", args)
		}
	}
	t.Setenv("FIRSTKEY_TRUSTED_PROXIES", "everyone")
	wantContains(t, h.fail(cli.ExitUsage, "serve", "--listen", freeAddr(t)), "FIRSTKEY_TRUSTED_PROXIES")
}

// A first start as a new user sees it: the bootstrap block on stdout (when the
// pass is valid until, the ten minutes to register a passkey, how to get a new
// pass), only JSON logs on stderr, and the CLI's sign-in URLs name the address
// serve runs at.
func TestServeFirstStartForAPerson(t *testing.T) {
	h := &harness{t: t, data: t.TempDir()}
	srv := h.serve("--admin", "boot@example.com")
	out := srv.stdout.String()
	wantContains(t, out, "Temporary Access Pass:", "Sign in at:", srv.base+"/mysecurityinfo", "Valid until:", "UTC",
		"10 minutes to register a passkey", "firstkey tap create boot@example.com")
	if strings.Contains(out, `"level"`) {
		t.Errorf("a log line reached stdout:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(srv.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stderr has a line that is no JSON log: %s", line)
		}
	}
	h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")
	var p passOut
	h.json(&p, "tap", "create", "bob@example.com")
	if p.SignInURL != srv.base+"/mysecurityinfo" {
		t.Errorf("tap create printed %q while serve runs at %s", p.SignInURL, srv.base)
	}
}

// An IP address as issuer is refused at start-up, with the fix in the message:
// browsers accept passkeys only on a host name.
func TestServeRefusesAnIPAddressIssuer(t *testing.T) {
	h := &harness{t: t, data: t.TempDir()}
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	msg := h.fail(cli.ExitUsage, "serve", "--listen", addr, "--issuer", "http://127.0.0.1:"+port)
	wantContains(t, msg, "IP address", "passkey", "--issuer http://localhost:"+port)
	msg = h.fail(cli.ExitUsage, "serve", "--listen", "0.0.0.0:"+port)
	wantContains(t, msg, "IP address", "--issuer https://")
	wantContains(t, h.fail(cli.ExitUsage, "init", "--issuer", "https://192.0.2.10"), "IP address", "host name")
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("a refused serve is listening on %s", addr)
	}
}
