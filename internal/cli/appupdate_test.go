package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestAppUpdate(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		created := h.obj("app", "create", "--name", "portal", "--redirect-uri", "https://a.example.com/cb", "--permission", "User.Read.All")
		id := created["clientId"].(string)

		upd := h.obj("app", "update", id, "--name", "Portal 2", "--require-strength", "mfa")
		if upd["displayName"] != "Portal 2" || upd["requiredAuthenticationStrength"] != "mfa" {
			t.Errorf("after update: %v", upd)
		}
		if uris, _ := upd["redirectUris"].([]any); len(uris) != 1 || uris[0] != "https://a.example.com/cb" {
			t.Errorf("an update without --redirect-uri changed them: %v", upd["redirectUris"])
		}
		upd = h.obj("app", "update", created["id"].(string), "--redirect-uri", "https://b.example.com/cb,http://localhost:9000/cb",
			"--permission", "AuditLog.Read.All", "--permission", "Group.Read.All", "--require-strength", "")
		if perms, _ := upd["permissions"].([]any); len(perms) != 2 || perms[0] != "AuditLog.Read.All" || perms[1] != "Group.Read.All" {
			t.Errorf("permissions = %v", upd["permissions"])
		}
		if uris, _ := upd["redirectUris"].([]any); len(uris) != 2 || upd["requiredAuthenticationStrength"] != nil {
			t.Errorf("after a second update: %v", upd)
		}
		upd = h.obj("app", "update", id, "--permission", "")
		if perms, _ := upd["permissions"].([]any); len(perms) != 0 {
			t.Errorf("--permission \"\" left %v", upd["permissions"])
		}
		wantContains(t, h.ok("app", "update", id, "--name", "Portal 3"), "Portal 3", id)
		if upd := h.obj("app", "update", id, "--id-token-alg", "ES256"); upd["idTokenSignedResponseAlg"] != "ES256" {
			t.Errorf("after --id-token-alg ES256: %v", upd)
		}
		wantContains(t, h.fail(cli.ExitRejected, "app", "update", id, "--id-token-alg", "HS256"), "idTokenSignedResponseAlg", "RS256")
		if upd := h.obj("app", "update", id, "--id-token-alg", ""); upd["idTokenSignedResponseAlg"] != "RS256" {
			t.Errorf("after --id-token-alg \"\": %v", upd)
		}

		before := h.obj("app", "show", id)
		wantContains(t, h.fail(cli.ExitUsage, "app", "update", id), "nothing to change")
		wantContains(t, h.fail(cli.ExitUsage, "app", "update", id, "--permission", "Root.All"), "unknown permission")
		wantContains(t, h.fail(cli.ExitRejected, "app", "update", id, "--name", "x", "--redirect-uri", "http://evil.example.com/cb"), "https")
		wantContains(t, h.fail(cli.ExitRejected, "app", "update", id, "--require-strength", "strong"), "requiredAuthenticationStrength")
		wantContains(t, h.fail(cli.ExitRejected, "app", "update", id, "--name", " "), "displayName")
		h.fail(cli.ExitNotFound, "app", "update", "no-such-app", "--name", "x")
		h.fail(cli.ExitUsage, "app", "update", "--name", "x")
		if after := h.obj("app", "show", id); after["displayName"] != before["displayName"] || after["requiredAuthenticationStrength"] != nil {
			t.Errorf("a refused update changed the application: %v", after)
		}

		h.ok("user", "create", "--upn", "nobody@example.com", "--display-name", "No role")
		h.fail(cli.ExitForbidden, "app", "update", id, "--name", "x", "--as", "nobody@example.com")
		logs := h.list("logs", "audit")
		var updates int
		for _, r := range logs {
			if r["activityDisplayName"] == "Update application" {
				updates++
			}
		}
		if updates != 6 {
			t.Errorf("%d Update application audit records, want 6", updates)
		}
	})
}

func TestAppSecret(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		srv := h.serve("--admin", "boot@example.com")
		created := h.obj("app", "create", "--name", "svc", "--permission", "Application.ReadWrite.All")
		id, oldSecret := created["clientId"].(string), created["clientSecret"].(string)
		code, oldToken := clientToken(t, srv.base, id, oldSecret)
		if code != http.StatusOK {
			t.Fatalf("token with the first secret: %d", code)
		}

		out := h.obj("app", "secret", id)
		newSecret, _ := out["clientSecret"].(string)
		if len(newSecret) < 32 || newSecret == oldSecret || out["keyId"] == "" || out["clientId"] != id {
			t.Fatalf("app secret = %v", out)
		}
		if code, _ := clientToken(t, srv.base, id, oldSecret); code != http.StatusUnauthorized {
			t.Errorf("token with the replaced secret: %d, want 401", code)
		}
		if st := apiStatus(t, srv.base, "/v1.0/applications", oldToken); st != http.StatusOK {
			t.Errorf("a token got with the old secret before the change: %d", st)
		}
		if code, _ := clientToken(t, srv.base, id, newSecret); code != http.StatusOK {
			t.Errorf("token with the new secret: %d", code)
		}
		table := h.ok("app", "secret", created["id"].(string))
		wantContains(t, table, "Client secret:", "shown only this once", "Key ID:")

		pub := h.obj("app", "create", "--name", "spa", "--public")
		wantContains(t, h.fail(cli.ExitRejected, "app", "secret", pub["clientId"].(string)), "public client")
		h.fail(cli.ExitNotFound, "app", "secret", "no-such-app")
		h.fail(cli.ExitUsage, "app", "secret")

		for _, o := range []string{h.ok("app", "show", id), h.ok("logs", "audit", "--output", "json"), srv.stderr.String()} {
			if strings.Contains(o, newSecret) || strings.Contains(o, oldSecret) {
				t.Error("a client secret is shown again, audited or logged")
			}
		}
	})
}
