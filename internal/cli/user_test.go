package cli_test

import (
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestUserCommands(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		alice := h.obj("user", "create", "--upn", "alice@example.com", "--display-name", "Alice Manager")
		bob := h.obj("user", "create", "--upn", "bob@example.com", "--display-name", "Bob Smith",
			"--mail", "bob@mail.example.com", "--given-name", "Bob", "--surname", "Smith", "--job-title", "Engineer",
			"--department", "R&D", "--manager", "alice@example.com", "--hire-date", "2026-09-01")
		want := map[string]any{
			"userPrincipalName": "bob@example.com", "displayName": "Bob Smith", "mail": "bob@mail.example.com",
			"givenName": "Bob", "surname": "Smith", "jobTitle": "Engineer", "department": "R&D",
			"accountEnabled": true, "employeeHireDate": "2026-09-01T00:00:00Z", "managerId": alice["id"],
		}
		for k, v := range want {
			if bob[k] != v {
				t.Errorf("created user %s = %v, want %v", k, bob[k], v)
			}
		}
		if id, _ := bob["id"].(string); len(id) != 36 {
			t.Errorf("created user id = %v", bob["id"])
		}
		if alice["mail"] != nil || alice["employeeHireDate"] != nil {
			t.Errorf("unset properties should be null: %v", alice)
		}
		carol := h.obj("user", "create", "--upn", "carol@example.com", "--display-name", "Carol", "--disabled")
		if carol["accountEnabled"] != false {
			t.Errorf("--disabled user accountEnabled = %v", carol["accountEnabled"])
		}

		// Rule violations exit 5 with the rule's message; nothing is created.
		wantContains(t, h.fail(cli.ExitRejected, "user", "create", "--upn", "BOB@example.com", "--display-name", "Dup"), "already exists")
		wantContains(t, h.fail(cli.ExitRejected, "user", "create", "--upn", "nodomain", "--display-name", "X"), "alias@domain")
		wantContains(t, h.fail(cli.ExitRejected, "user", "create", "--upn", "x@example.com", "--display-name", "X", "--manager", "ghost@example.com"), "manager")
		// Command-line mistakes exit 2.
		wantContains(t, h.fail(cli.ExitUsage, "user", "create", "--display-name", "X"), `"upn"`)
		wantContains(t, h.fail(cli.ExitUsage, "user", "create", "--upn", "x@example.com", "--display-name", "X", "--hire-date", "next monday"), "--hire-date")
		if r := h.run("user", "show", "x@example.com"); r.code != cli.ExitNotFound {
			t.Errorf("a refused create left a user behind (exit %d)", r.code)
		}

		// list: all, filtered, limited; table and JSON.
		table := h.ok("user", "list")
		wantContains(t, table, "USER PRINCIPAL NAME", "admin@example.com", "alice@example.com", "bob@example.com", "carol@example.com")
		all := h.list("user", "list")
		if len(all) != 4 || all[0]["userPrincipalName"] != "admin@example.com" {
			t.Errorf("user list = %v", all)
		}
		got := h.list("user", "list", "--filter", "startswith(displayName,'Bob')")
		if len(got) != 1 || got[0]["id"] != bob["id"] {
			t.Errorf("filtered list = %v", got)
		}
		if got := h.list("user", "list", "--filter", "accountEnabled eq false"); len(got) != 1 || got[0]["userPrincipalName"] != "carol@example.com" {
			t.Errorf("accountEnabled filter = %v", got)
		}
		if got := h.list("user", "list", "--top", "2"); len(got) != 2 {
			t.Errorf("--top 2 listed %d users", len(got))
		}
		wantContains(t, h.fail(cli.ExitUsage, "user", "list", "--filter", "displayName eq"), "--filter")
		h.fail(cli.ExitUsage, "user", "list", "--top", "-1")
		h.fail(cli.ExitUsage, "user", "list", "--top", "many")

		// show by UPN (any case) and by id.
		shown := h.obj("user", "show", "BOB@example.com")
		if shown["id"] != bob["id"] {
			t.Errorf("show by UPN = %v", shown)
		}
		if shown := h.obj("user", "show", bob["id"].(string)); shown["userPrincipalName"] != "bob@example.com" {
			t.Errorf("show by id = %v", shown)
		}
		admin := h.obj("user", "show", "admin@example.com")
		if roles, _ := admin["roles"].([]any); len(roles) != 1 || roles[0] != "Global Administrator" {
			t.Errorf("admin roles = %v", admin["roles"])
		}
		wantContains(t, h.ok("user", "show", "bob@example.com"), "Bob Smith", "R&D", "2026-09-01", alice["id"].(string))
		wantContains(t, h.fail(cli.ExitNotFound, "user", "show", "ghost@example.com"), "ghost@example.com", "does not exist")
		h.fail(cli.ExitUsage, "user", "show")
		h.fail(cli.ExitUsage, "user", "show", "a@example.com", "b@example.com")

		// disable / enable.
		if u := h.obj("user", "disable", "bob@example.com"); u["accountEnabled"] != false {
			t.Errorf("disable: %v", u)
		}
		if u := h.obj("user", "show", "bob@example.com"); u["accountEnabled"] != false {
			t.Errorf("bob is still enabled: %v", u)
		}
		wantContains(t, h.ok("user", "enable", "bob@example.com"), "enabled")
		if u := h.obj("user", "show", "bob@example.com"); u["accountEnabled"] != true {
			t.Errorf("bob is still disabled: %v", u)
		}
		h.fail(cli.ExitNotFound, "user", "disable", "ghost@example.com")

		// delete.
		wantContains(t, h.ok("user", "delete", "carol@example.com"), "Deleted")
		h.fail(cli.ExitNotFound, "user", "show", "carol@example.com")
		h.fail(cli.ExitNotFound, "user", "delete", "carol@example.com")
		if out := h.ok("user", "delete", "alice@example.com", "--output", "json"); out != "" {
			t.Errorf("delete --output json printed %q", out)
		}
		if u := h.obj("user", "show", "bob@example.com"); u["managerId"] != nil {
			t.Errorf("bob keeps a deleted manager: %v", u["managerId"])
		}
	})
}

func TestUserCommandsAsADirectoryUser(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "ua@example.com", "--display-name", "User Admin")
		h.ok("user", "create", "--upn", "nobody@example.com", "--display-name", "No Role")
		h.ok("role", "assign", "ua@example.com", "User Administrator")

		h.ok("user", "create", "--upn", "new@example.com", "--display-name", "New", "--as", "ua@example.com")
		msg := h.fail(cli.ExitForbidden, "user", "create", "--upn", "x@example.com", "--display-name", "X", "--as", "nobody@example.com")
		wantContains(t, msg, "Insufficient privileges")
		h.fail(cli.ExitForbidden, "user", "list", "--as", "nobody@example.com")
		wantContains(t, h.fail(cli.ExitForbidden, "user", "list", "--as", "ghost@example.com"), "--as ghost@example.com")
		h.ok("user", "disable", "nobody@example.com")
		h.fail(cli.ExitForbidden, "user", "list", "--as", "nobody@example.com") // disabled: no longer anyone
		// A user administrator cannot hand out roles.
		h.fail(cli.ExitForbidden, "role", "assign", "new@example.com", "Global Administrator", "--as", "ua@example.com")
		if strings.Contains(h.ok("role", "list"), "new@example.com") {
			t.Error("a refused role assignment happened")
		}
	})
}

// TestUserAdministratorLimitsAs: with --as, the CLI is held to the same role
// rules as the API (issue #10 finding 10): a User Administrator cannot disable,
// change or delete the Global Administrator or a Privileged Authentication
// Administrator, and can manage a person without a role.
func TestUserAdministratorLimitsAs(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		for _, u := range []string{"ua@example.com", "pa@example.com", "plain@example.com"} {
			h.ok("user", "create", "--upn", u, "--display-name", u)
		}
		h.ok("role", "assign", "ua@example.com", "User Administrator")
		h.ok("role", "assign", "pa@example.com", "Privileged Authentication Administrator")
		h.ok("group", "create", "--name", "Staff")

		for _, target := range []string{"admin@example.com", "pa@example.com"} {
			wantContains(t, h.fail(cli.ExitForbidden, "user", "disable", target, "--as", "ua@example.com"), "Only a Global Administrator")
			wantContains(t, h.fail(cli.ExitForbidden, "user", "delete", target, "--as", "ua@example.com"), "Only a Global Administrator")
			wantContains(t, h.fail(cli.ExitForbidden, "group", "add-member", "Staff", target, "--as", "ua@example.com"), "group memberships")
			if u := h.obj("user", "show", target); u["accountEnabled"] != true {
				t.Fatalf("%s was changed by a refused command: %v", target, u)
			}
		}
		wantContains(t, h.ok("user", "disable", "plain@example.com", "--as", "ua@example.com"), "disabled")
		h.ok("group", "add-member", "Staff", "plain@example.com", "--as", "ua@example.com")
		h.ok("user", "delete", "plain@example.com", "--as", "ua@example.com")
		h.fail(cli.ExitNotFound, "user", "show", "plain@example.com")
		// The operator (and a Global Administrator) still may.
		h.ok("user", "disable", "pa@example.com", "--as", "admin@example.com")
		h.ok("user", "delete", "pa@example.com")
	})
}
