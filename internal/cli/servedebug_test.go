package cli_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

// Profiles are served only where asked and only on loopback: they show what
// is in flight, and the heap holds keys.
func TestServeDebugListener(t *testing.T) {
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	for _, addr := range []string{"0.0.0.0:6060", "192.0.2.1:6060", ":6060", "example.com:6060", "nonsense"} {
		msg := h.fail(cli.ExitUsage, "serve", "--debug-listen", addr)
		if !strings.Contains(msg, "--debug-listen") {
			t.Errorf("--debug-listen %s refused with %q, which does not name the flag", addr, msg)
		}
	}

	s := h.serve()
	if resp, err := http.Get(s.base + "/debug/pprof/"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/debug/pprof/ on the main listener: %d, want 404", resp.StatusCode)
		}
	}
	s.stop()

	addr := freeAddr(t)
	s = h.serve("--debug-listen", addr)
	defer s.stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("heap profile on --debug-listen: %d\n%.300s", resp.StatusCode, body)
	}
	if resp, err := http.Get(s.base + "/debug/pprof/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/debug/pprof/ on the main listener with --debug-listen: %d, want 404", resp.StatusCode)
		}
	}
}
