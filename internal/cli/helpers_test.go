package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// The developer's own configuration must not leak into the tests; passes are
	// hashed with cheap parameters so that tests stay fast.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "FIRSTKEY_") && k != "FIRSTKEY_TEST_POSTGRES" {
			os.Unsetenv(k)
		}
	}
	os.Setenv("FIRSTKEY_TEST_FAST_HASH", "1")
	// serve sets a soft memory limit sized for one server unless GOMEMLIMIT is
	// set; here many servers share the test process (TestServeMemoryLimit
	// clears it).
	os.Setenv("GOMEMLIMIT", "off")
	os.Exit(m.Run())
}

// harness runs the command line in-process against one fresh directory.
type harness struct {
	t       *testing.T
	backend string
	data    string
	dsn     string // empty for SQLite
}

// eachBackend runs fn against a fresh, empty directory on every database.
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			h := &harness{t: t, backend: b.Name, data: t.TempDir()}
			if b.Name == "postgres" {
				h.dsn = storetest.PostgresDSN(t)
			}
			fn(t, h)
		})
	}
}

// initialised is eachBackend with `firstkey init --admin admin@example.com` done.
func initialised(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.ok("init", "--admin", "admin@example.com", "--issuer", "https://id.example.com")
		fn(t, h)
	})
}

func (h *harness) global() []string {
	g := []string{"--data", h.data}
	if h.dsn != "" {
		g = append(g, "--database", h.dsn)
	}
	return g
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs firstkey with args followed by the harness's --data/--database.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(append(args, h.global()...), strings.NewReader(""), &out, &errb)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// ok runs a command that must succeed and returns its stdout.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.code != cli.ExitOK {
		h.t.Fatalf("firstkey %s: exit %d, stderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fail runs a command that must fail with code; it returns the error message
// after checking that it is one line starting with "firstkey: ".
func (h *harness) fail(code int, args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.code != code {
		h.t.Fatalf("firstkey %s: exit %d, want %d; stdout: %s stderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	msg := strings.TrimSuffix(r.stderr, "\n")
	if !strings.HasPrefix(msg, "firstkey: ") || strings.Contains(msg, "\n") {
		h.t.Fatalf("firstkey %s: stderr is not one 'firstkey: …' line: %q", strings.Join(args, " "), r.stderr)
	}
	return msg
}

// json runs a command with --output json that must succeed and decodes its output into v.
func (h *harness) json(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append(args, "--output", "json")...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		h.t.Fatalf("firstkey %s --output json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// obj runs a command with --output json and returns the object it prints.
func (h *harness) obj(args ...string) map[string]any {
	h.t.Helper()
	var m map[string]any
	out := h.ok(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		h.t.Fatalf("firstkey %s --output json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return m
}

// list runs a command with --output json and returns the array it prints.
func (h *harness) list(args ...string) []map[string]any {
	h.t.Helper()
	var l []map[string]any
	out := h.ok(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		h.t.Fatalf("firstkey %s --output json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return l
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output does not contain %q:\n%s", w, got)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
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

// runCtx runs firstkey with a context the test controls.
func runCtx(ctx context.Context, args []string, stdout, stderr *syncBuffer) int {
	return cli.Execute(ctx, args, strings.NewReader(""), stdout, stderr)
}
