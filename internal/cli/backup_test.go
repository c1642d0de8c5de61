package cli_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The move a growing directory makes: `firstkey backup` on one database,
// `firstkey restore` into an empty one of the other kind, and a server started
// there signs in the application and the person the first one knew.
func TestBackupRestoreMovesBetweenDatabases(t *testing.T) {
	for _, pair := range [][2]string{{"sqlite", "postgres"}, {"postgres", "sqlite"}} {
		t.Run(pair[0]+"_to_"+pair[1], func(t *testing.T) {
			t.Parallel()
			src := &harness{t: t, backend: pair[0], data: t.TempDir()}
			dst := &harness{t: t, backend: pair[1], data: t.TempDir()}
			for _, h := range []*harness{src, dst} {
				if h.backend == "postgres" {
					h.dsn = storetest.PostgresDSN(t)
				}
			}
			src.ok("init", "--admin", "admin@example.com", "--issuer", "https://id.example.com")
			src.ok("user", "create", "--upn", "ada@example.com", "--display-name", "Ada")
			pass, _ := src.obj("tap", "create", "ada@example.com", "--multi-use")["temporaryAccessPass"].(string)
			app := src.obj("app", "create", "--name", "reports", "--permission", "User.Read.All")
			file := filepath.Join(t.TempDir(), "firstkey.backup")
			out := src.ok("backup", "--output", file)
			wantContains(t, out, "restoring needs master key")

			// Without the key the backup needs, restore says which one.
			msg := dst.fail(cli.ExitRejected, "restore", "--input", file)
			wantContains(t, msg, "needs master key", "master.key")
			other := filepath.Join(t.TempDir(), "other.key")
			os.WriteFile(other, []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o600)
			msg = dst.fail(cli.ExitRejected, "restore", "--input", file, "--master-key-file", other)
			wantContains(t, msg, "the master key is not the one the backup needs", "nothing was changed")

			key, err := os.ReadFile(filepath.Join(src.data, "master.key"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dst.data, "master.key"), key, 0o600)
			wantContains(t, dst.ok("restore", "--input", file), "restored")
			wantContains(t, dst.fail(cli.ExitRejected, "restore", "--input", file), "not empty", "--force")
			wantContains(t, dst.ok("restore", "--input", file, "--force"), "restored")
			wantContains(t, dst.ok("user", "list"), "ada@example.com")

			cfg := server.Config{DataDir: dst.data, DatabaseURL: dst.dsn, Hasher: secret.Hasher{Argon2: secret.FastArgon2}}
			e := testenv.NewWithConfig(t, cfg)
			e.ClientCredentialsToken(t, app["clientId"].(string), app["clientSecret"].(string))
			jar, _ := cookiejar.New(nil)
			resp := e.SignInWithPass(t, &http.Client{Jar: jar, Timeout: 30 * time.Second}, "ada@example.com", pass, "")
			if resp.StatusCode != http.StatusOK || strings.HasPrefix(resp.Request.URL.Path, "/login") {
				t.Fatalf("sign-in on the restored directory: %d at %s", resp.StatusCode, resp.Request.URL)
			}
		})
	}
}

// rotate-master from the command line: the old key is required, and afterwards
// only the new key opens the directory.
func TestKeysRotateMaster(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("keys", "rotate")
		wantContains(t, h.fail(cli.ExitUsage, "keys", "rotate-master"), "--previous-master-key-file")
		old := filepath.Join(h.data, "master.key")
		next := filepath.Join(t.TempDir(), "new.key")
		os.WriteFile(next, []byte("EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=\n"), 0o600)
		out := h.ok("keys", "rotate-master", "--master-key-file", next, "--previous-master-key-file", old, "--settle", "10ms")
		wantContains(t, out, "re-sealed", "remove the old key")
		h.ok("keys", "list", "--master-key-file", next)
		wantContains(t, h.fail(cli.ExitError, "keys", "list"), "does not match")
		var n int
		fmt.Sscanf(out, "re-sealed %d", &n)
		if n < 3 {
			t.Fatalf("re-sealed %d values, want the marker and two signing keys: %s", n, out)
		}
	})
}
