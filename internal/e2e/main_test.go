package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the firstkey built for this test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "firstkey-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "firstkey")
	build := exec.Command("go", "build", "-o", binary, "github.com/firstkey/firstkey/cmd/firstkey")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build firstkey:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is this process's environment without any FIRSTKEY_* setting, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FIRSTKEY_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// fastHash makes the processes hash passes with cheap argon2 parameters; it is
// meant for tests only.
const fastHash = "FIRSTKEY_TEST_FAST_HASH=1"

func newMasterKey(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `firstkey serve` process.
type server struct {
	t              *testing.T
	name           string
	base           string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{}
	err            error // from Wait, once exited is closed
}

// startServe starts `firstkey serve --listen addr args…` in dir, on a free port
// when addr is empty. It is stopped (SIGTERM, then SIGKILL) when the test ends.
func startServe(t *testing.T, name, dir, addr string, env []string, args ...string) *server {
	t.Helper()
	if addr == "" {
		addr = freeAddr(t)
	}
	cmd := exec.Command(binary, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	s := &server{t: t, name: name, base: localBase(addr), cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", name, s.stdout.String(), name, s.stderr.String())
		}
	})
	return s
}

// waitHealthy waits until /healthz answers 200.
func (s *server) waitHealthy() {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			s.t.Fatalf("%s exited (%v) before it was healthy:\n%s", s.name, s.err, s.stderr.String())
		default:
		}
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s did not become healthy:\n%s", s.name, s.stderr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the process to end, killing it if it will not.
// It returns the process's exit code.
func (s *server) stop() int {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			s.t.Errorf("%s did not stop within 30s of SIGTERM; killing it", s.name)
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	return s.cmd.ProcessState.ExitCode()
}

// cli runs a firstkey command in dir and returns its stdout; it must succeed.
func cli(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("firstkey %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// cliJSON runs a firstkey command with --output json and decodes its output.
func cliJSON(t *testing.T, dir string, env []string, v any, args ...string) {
	t.Helper()
	out := cli(t, dir, env, append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("firstkey %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

var noRedirects = &http.Client{
	Timeout:       60 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// clientFrom is noRedirects sending from the loopback address ip (Linux routes
// all of 127.0.0.0/8 to loopback), as a distinct host would.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		Timeout: noRedirects.Timeout, CheckRedirect: noRedirects.CheckRedirect}
}

// call makes an HTTP request with an optional bearer token and JSON body and
// decodes a JSON answer into out (when not nil). It returns the status.
func call(t *testing.T, method, url, token string, body, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	if out != nil && raw.Len() > 0 {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %d, body is not JSON: %v\n%s", method, url, resp.StatusCode, err, raw.String())
		}
	}
	return resp.StatusCode
}

// localBase is the default issuer of a server listening on a loopback addr:
// http://localhost:PORT, since passkeys need a host name.
func localBase(addr string) string {
	return "http://localhost:" + addr[strings.LastIndex(addr, ":")+1:]
}
