package cli_test

import (
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestAppCommands(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		created := h.obj("app", "create", "--name", "provisioning",
			"--permission", "User.ReadWrite.All", "--permission", "userauthenticationmethod.readwrite.all,AuditLog.Read.All")
		clientID, _ := created["clientId"].(string)
		secret, _ := created["clientSecret"].(string)
		if clientID == "" || len(secret) < 32 {
			t.Fatalf("app create JSON has no clientId or clientSecret: %v", created)
		}
		perms, _ := created["permissions"].([]any)
		if len(perms) != 3 || perms[0] != "AuditLog.Read.All" || perms[2] != "UserAuthenticationMethod.ReadWrite.All" {
			t.Errorf("permissions = %v", created["permissions"])
		}
		if created["publicClient"] != false {
			t.Errorf("publicClient = %v", created["publicClient"])
		}

		public := h.obj("app", "create", "--name", "portal", "--public", "--redirect-uri", "http://localhost:3000/callback", "--require-strength", "phishing_resistant")
		if public["clientSecret"] != nil || public["publicClient"] != true || public["requiredAuthenticationStrength"] != "phishing_resistant" {
			t.Errorf("public app = %v", public)
		}
		if uris, _ := public["redirectUris"].([]any); len(uris) != 1 || uris[0] != "http://localhost:3000/callback" {
			t.Errorf("redirectUris = %v", public["redirectUris"])
		}
		table := h.ok("app", "create", "--name", "reporting", "--permission", "AuditLog.Read.All")
		wantContains(t, table, "Client ID:", "Client secret:", "shown only this once")

		wantContains(t, h.fail(cli.ExitUsage, "app", "create", "--name", "x", "--permission", "Everything.All"), "unknown permission")
		h.fail(cli.ExitUsage, "app", "create", "--permission", "User.Read.All")
		wantContains(t, h.fail(cli.ExitRejected, "app", "create", "--name", "x", "--public", "--redirect-uri", "http://evil.example.com/cb"), "https")
		wantContains(t, h.fail(cli.ExitRejected, "app", "create", "--name", "x", "--require-strength", "strong"), "requiredAuthenticationStrength")
		wantContains(t, h.fail(cli.ExitRejected, "app", "create", "--name", "x", "--id-token-alg", "none"), "idTokenSignedResponseAlg")
		es := h.obj("app", "create", "--name", "es", "--id-token-alg", "ES256")
		if es["idTokenSignedResponseAlg"] != "ES256" {
			t.Errorf("app create --id-token-alg ES256: %v", es)
		}
		h.ok("app", "delete", es["clientId"].(string))

		apps := h.list("app", "list")
		if len(apps) != 3 {
			t.Errorf("app list = %v", apps)
		}
		listTable := h.ok("app", "list")
		wantContains(t, listTable, "provisioning", clientID, "portal", "public")
		shown := h.obj("app", "show", clientID)
		if shown["id"] != created["id"] || shown["displayName"] != "provisioning" {
			t.Errorf("app show = %v", shown)
		}
		if _, ok := shown["clientSecret"]; ok {
			t.Error("app show has a clientSecret")
		}
		h.obj("app", "show", created["id"].(string))
		for _, out := range []string{h.ok("app", "show", clientID), listTable, h.ok("app", "list", "--output", "json")} {
			if strings.Contains(out, secret) {
				t.Error("the client secret is shown again")
			}
		}
	})
}

func TestAppDelete(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		created := h.obj("app", "create", "--name", "temp")
		wantContains(t, h.ok("app", "delete", created["clientId"].(string)), "Deleted")
		h.fail(cli.ExitNotFound, "app", "show", created["clientId"].(string))
		h.fail(cli.ExitNotFound, "app", "delete", created["clientId"].(string))
		h.ok("user", "create", "--upn", "nobody@example.com", "--display-name", "No role")
		h.fail(cli.ExitForbidden, "app", "create", "--name", "x", "--as", "nobody@example.com")
	})
}

func TestAppSCIMToken(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		created := h.obj("app", "create", "--name", "HR", "--permission", "Provisioning.ReadWrite.All")
		clientID := created["clientId"].(string)
		issued := h.obj("app", "scim-token", clientID)
		token, _ := issued["scimToken"].(string)
		if !strings.HasPrefix(token, "fkscim_") || len(token) < 40 || issued["clientId"] != clientID {
			t.Fatalf("scim-token JSON: %v", issued)
		}
		table := h.ok("app", "scim-token", clientID)
		wantContains(t, table, "SCIM token:", "fkscim_", "shown only this once")
		if strings.Contains(table, token) {
			t.Error("a second scim-token printed the first token again")
		}
		for _, out := range []string{h.ok("app", "show", clientID), h.ok("app", "list", "--output", "json")} {
			if strings.Contains(out, "fkscim_") {
				t.Error("a SCIM token is shown again")
			}
		}
		wantContains(t, h.ok("app", "scim-token", clientID, "--revoke"), "Revoked")
		wantContains(t, h.fail(cli.ExitRejected, "app", "scim-token", clientID, "--revoke"), "no provisioning token")

		other := h.obj("app", "create", "--name", "reader", "--permission", "User.Read.All")
		wantContains(t, h.fail(cli.ExitRejected, "app", "scim-token", other["clientId"].(string)), "Provisioning.ReadWrite.All")
		h.fail(cli.ExitNotFound, "app", "scim-token", "no-such-app")
		h.fail(cli.ExitUsage, "app", "scim-token")
	})
}

// --spa-redirect-uri registers a single-page application: a public client,
// without a secret, whose spa redirect URIs are listed apart.
func TestAppCreateSPA(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		spa := h.obj("app", "create", "--name", "dashboard", "--spa-redirect-uri", "https://dash.example.com/callback")
		uris, _ := spa["spaRedirectUris"].([]any)
		if spa["publicClient"] != true || spa["clientSecret"] != nil || len(uris) != 1 || uris[0] != "https://dash.example.com/callback" {
			t.Fatalf("spa app = %v", spa)
		}
		wantContains(t, h.ok("app", "show", spa["clientId"].(string)), "SPA redirect URIs:", "https://dash.example.com/callback")
		updated := h.obj("app", "update", spa["clientId"].(string), "--spa-redirect-uri", "http://localhost:5173/")
		if uris, _ := updated["spaRedirectUris"].([]any); len(uris) != 1 || uris[0] != "http://localhost:5173/" {
			t.Fatalf("after update: %v", updated)
		}
		web := h.obj("app", "create", "--name", "web")
		wantContains(t, h.fail(cli.ExitRejected, "app", "update", web["clientId"].(string), "--spa-redirect-uri", "https://w.example.com/"), "public client")
		wantContains(t, h.fail(cli.ExitRejected, "app", "create", "--name", "x", "--spa-redirect-uri", "http://dash.example.com/"), "https")
	})
}
