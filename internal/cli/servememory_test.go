package cli_test

import (
	"runtime/debug"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

// serve sets the runtime's soft memory limit: by default from the hash slots
// (48 MiB + 32 MiB each), from --memory-limit or FIRSTKEY_MEMORY_LIMIT when
// given, and not at all when GOMEMLIMIT is set and nothing else is; a size it
// cannot read is a usage error naming the flag.
func TestServeMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	limitAfter := func(args ...string) (int64, string) {
		t.Helper()
		debug.SetMemoryLimit(before)
		srv := h.serve(args...)
		got := debug.SetMemoryLimit(-1)
		srv.stop()
		return got, srv.stderr.String()
	}

	t.Setenv("GOMEMLIMIT", "")
	if got, log := limitAfter("--hash-concurrency", "3"); got != 144<<20 {
		t.Errorf("default with 3 hash slots: limit %d, want %d (144 MiB); log: %s", got, 144<<20, log)
	} else {
		wantContains(t, log, `"msg":"memory limit"`, `"default":true`)
	}
	if got, _ := limitAfter("--memory-limit", "1GiB"); got != 1<<30 {
		t.Errorf("--memory-limit 1GiB: limit %d, want %d", got, 1<<30)
	}
	t.Setenv("FIRSTKEY_MEMORY_LIMIT", "200MiB")
	if got, _ := limitAfter(); got != 200<<20 {
		t.Errorf("FIRSTKEY_MEMORY_LIMIT=200MiB: limit %d, want %d", got, 200<<20)
	}
	t.Setenv("FIRSTKEY_MEMORY_LIMIT", "")

	t.Setenv("GOMEMLIMIT", "300MiB") // the runtime read it at start; serve leaves the limit as it is
	if got, log := limitAfter(); got != before {
		t.Errorf("with GOMEMLIMIT set: limit %d, want it left at %d", got, before)
	} else {
		wantContains(t, log, "memory limit from GOMEMLIMIT")
	}

	for _, bad := range []string{"lots", "-5MiB", "12TB"} {
		wantContains(t, h.fail(cli.ExitUsage, "serve", "--listen", freeAddr(t), "--memory-limit", bad), "memory-limit", "not a memory size")
	}
}
