package cli_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestRoleCommands(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "help@example.com", "--display-name", "Helpdesk")
		h.ok("user", "create", "--upn", "ga@example.com", "--display-name", "Second admin")

		// A role by display name, by name without spaces, or by template id.
		wantContains(t, h.ok("role", "assign", "help@example.com", "Authentication Administrator"), "now holds", "Authentication Administrator")
		h.ok("role", "assign", "help@example.com", "reportsreader")
		h.ok("role", "assign", "ga@example.com", "62e90394-69f5-4237-9190-012177145e10")
		wantContains(t, h.fail(cli.ExitRejected, "role", "assign", "help@example.com", "AuthenticationAdministrator"), "already holds")
		wantContains(t, h.fail(cli.ExitUsage, "role", "assign", "help@example.com", "Wizard"), "unknown role", "Global Administrator")
		h.fail(cli.ExitNotFound, "role", "assign", "ghost@example.com", "Reports Reader")

		var all []struct {
			Role, RoleTemplateID, UserID, UserPrincipalName string
		}
		h.json(&all, "role", "list")
		if len(all) != 4 {
			t.Fatalf("role list = %+v, want 4 assignments", all)
		}
		held := map[string]string{}
		for _, a := range all {
			held[a.UserPrincipalName+"/"+a.Role] = a.RoleTemplateID
		}
		for k, id := range map[string]string{
			"admin@example.com/Global Administrator":        "62e90394-69f5-4237-9190-012177145e10",
			"ga@example.com/Global Administrator":           "62e90394-69f5-4237-9190-012177145e10",
			"help@example.com/Authentication Administrator": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
			"help@example.com/Reports Reader":               "4a5d8f65-41da-4de4-8968-e035b65339cf",
		} {
			if held[k] != id {
				t.Errorf("assignment %s: template %q, want %q", k, held[k], id)
			}
		}
		if mine := h.list("role", "list", "help@example.com"); len(mine) != 2 {
			t.Errorf("role list help@ = %v", mine)
		}
		wantContains(t, h.ok("role", "list"), "ROLE", "Authentication Administrator", "help@example.com")

		h.ok("role", "remove", "help@example.com", "Reports Reader")
		wantContains(t, h.fail(cli.ExitNotFound, "role", "remove", "help@example.com", "Reports Reader"), "does not hold")
		// The last Global Administrator stays.
		h.ok("role", "remove", "ga@example.com", "Global Administrator")
		wantContains(t, h.fail(cli.ExitRejected, "role", "remove", "admin@example.com", "Global Administrator"), "last Global Administrator")
		if got := h.list("role", "list", "admin@example.com"); len(got) != 1 {
			t.Errorf("the last Global Administrator lost the role: %v", got)
		}
	})
}
