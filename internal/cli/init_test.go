package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestInitPrintsThePassOnceAndIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		first := h.obj("init", "--admin", "admin@example.com", "--issuer", "https://id.example.com/")
		if len(first) != 4 {
			t.Errorf("init JSON has keys %v, want exactly userPrincipalName, temporaryAccessPass, signInUrl, tenantId", first)
		}
		tenant, _ := first["tenantId"].(string)
		if _, err := uuid.Parse(tenant); err != nil || len(tenant) != 36 {
			t.Errorf("tenantId = %q, want a GUID", tenant)
		}
		if first["userPrincipalName"] != "admin@example.com" {
			t.Errorf("userPrincipalName = %v", first["userPrincipalName"])
		}
		if first["signInUrl"] != "https://id.example.com/mysecurityinfo" {
			t.Errorf("signInUrl = %v", first["signInUrl"])
		}
		pass, _ := first["temporaryAccessPass"].(string)
		if len(pass) != 8 {
			t.Fatalf("temporaryAccessPass = %q, want the policy's 8 characters", pass)
		}
		passes := h.list("tap", "list", "admin@example.com")
		if len(passes) != 1 || passes[0]["isUsableOnce"] != true || passes[0]["isUsable"] != true {
			t.Fatalf("after init the administrator holds %v, want one usable one-time pass", passes)
		}
		roles := h.list("role", "list", "admin@example.com")
		if len(roles) != 1 || roles[0]["role"] != "Global Administrator" {
			t.Errorf("administrator roles = %v", roles)
		}

		again := h.obj("init", "--admin", "someone-else@example.com")
		if len(again) != 4 || again["alreadyInitialized"] != true || again["userPrincipalName"] != "admin@example.com" ||
			again["newPassCommand"] != "firstkey tap create admin@example.com" || again["tenantId"] != tenant {
			t.Errorf("second init JSON = %v, want alreadyInitialized, the first administrator, how to get a new pass and tenant id %s", again, tenant)
		}
		wantContains(t, h.ok("init"), "already initialised", "admin@example.com", "nothing was changed", "firstkey tap create admin@example.com", tenant)
		// init without --issuer keeps the issuer the first one set; tap create prints it.
		if issued := h.obj("tap", "create", "admin@example.com"); issued["signInUrl"] != "https://id.example.com/mysecurityinfo" {
			t.Errorf("tap create without --issuer printed %v, want the kept issuer's URL", issued["signInUrl"])
		}
		after := h.list("tap", "list", "admin@example.com")
		if len(after) != 1 || after[0]["id"] == passes[0]["id"] {
			t.Errorf("tap create did not replace the administrator's pass: %v, was %v", after, passes)
		}
		if r := h.run("user", "show", "someone-else@example.com"); r.code != cli.ExitNotFound {
			t.Errorf("a second init created its --admin (exit %d)", r.code)
		}
		for _, out := range []string{h.ok("tap", "list", "admin@example.com"), h.ok("user", "show", "admin@example.com")} {
			if strings.Contains(out, pass) {
				t.Errorf("the bootstrap pass is shown again:\n%s", out)
			}
		}
	})
}

func TestInitTableOutputAndMasterKeyFile(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		out := h.ok("init", "--admin", "root@example.org")
		wantContains(t, out, "root@example.org", "Temporary Access Pass:", "Sign in at:", "http://localhost:8080/mysecurityinfo", "only this once", "Tenant ID:")
		fi, err := os.Stat(filepath.Join(h.data, "master.key"))
		if err != nil {
			t.Fatalf("master key file: %v", err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("master.key mode = %o, want 600", perm)
		}
		key, _ := os.ReadFile(filepath.Join(h.data, "master.key"))
		if strings.Contains(out, strings.TrimSpace(string(key))) {
			t.Error("init printed the master key")
		}
	})
}

func TestInitRejectsABadAdministratorName(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		msg := h.fail(cli.ExitRejected, "init", "--admin", "not-an-address")
		wantContains(t, msg, "alias@domain")
		h.ok("init", "--admin", "admin@example.com")
	})
}

func TestMasterKeyFromFlagFileAndEnvironment(t *testing.T) {
	// Not parallel: it sets FIRSTKEY_MASTER_KEY.
	data := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "keys", "firstkey.key")
	h := &harness{t: t, data: data}
	h.ok("init", "--admin", "admin@example.com", "--master-key-file", keyFile)
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("--master-key-file was not created: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %o, want 600", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(data, "master.key")); err == nil {
		t.Error("a master.key was created in the data directory although --master-key-file was given")
	}
	h.ok("user", "list", "--master-key-file", keyFile)

	// The same key from the environment opens the directory; another key is refused.
	key, _ := os.ReadFile(keyFile)
	t.Setenv("FIRSTKEY_MASTER_KEY", strings.TrimSpace(string(key)))
	h.ok("user", "list")
	t.Setenv("FIRSTKEY_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	msg := h.fail(cli.ExitError, "user", "list")
	wantContains(t, msg, "master key")
	if strings.Contains(msg, "AAAAAAAA") {
		t.Errorf("the error repeats the master key: %s", msg)
	}
}

func TestCommandsRefuseAMissingDirectory(t *testing.T) {
	data := filepath.Join(t.TempDir(), "nowhere")
	h := &harness{t: t, data: data}
	msg := h.fail(cli.ExitError, "user", "list")
	wantContains(t, msg, "firstkey init")
	if _, err := os.Stat(data); err == nil {
		t.Error("a management command created the data directory")
	}
}
