package cli_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestGroupCommands(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")
		h.ok("user", "create", "--upn", "eve@example.com", "--display-name", "Eve")
		joiners := h.obj("group", "create", "--name", "New joiners", "--description", "Starting this month")
		if joiners["displayName"] != "New joiners" || joiners["description"] != "Starting this month" {
			t.Errorf("created group = %v", joiners)
		}
		id := joiners["id"].(string)
		h.ok("group", "create", "--name", "Executives")
		h.fail(cli.ExitUsage, "group", "create", "--description", "no name")
		wantContains(t, h.fail(cli.ExitRejected, "group", "create", "--name", " "), "displayName")

		groups := h.list("group", "list")
		if len(groups) != 2 {
			t.Errorf("group list = %v", groups)
		}
		wantContains(t, h.ok("group", "list"), "NAME", "New joiners", "Executives", id)
		if got := h.obj("group", "show", "New joiners"); got["id"] != id {
			t.Errorf("show by name = %v", got)
		}

		// Members by group name or id, user by UPN or id.
		wantContains(t, h.ok("group", "add-member", "New joiners", "bob@example.com"), "Added")
		eve := h.obj("user", "show", "eve@example.com")
		h.ok("group", "add-member", id, eve["id"].(string))
		wantContains(t, h.fail(cli.ExitRejected, "group", "add-member", id, "bob@example.com"), "already exist")
		h.fail(cli.ExitNotFound, "group", "add-member", "Nobody's group", "bob@example.com")
		h.fail(cli.ExitNotFound, "group", "add-member", id, "ghost@example.com")
		h.fail(cli.ExitUsage, "group", "add-member", id)

		members := h.list("group", "members", "New joiners")
		if len(members) != 2 || members[0]["userPrincipalName"] != "bob@example.com" || members[1]["userPrincipalName"] != "eve@example.com" {
			t.Errorf("members = %v", members)
		}
		wantContains(t, h.ok("group", "members", id), "bob@example.com", "eve@example.com")

		h.ok("group", "remove-member", "New joiners", "bob@example.com")
		h.fail(cli.ExitNotFound, "group", "remove-member", "New joiners", "bob@example.com")
		if members := h.list("group", "members", id); len(members) != 1 || members[0]["userPrincipalName"] != "eve@example.com" {
			t.Errorf("members after removal = %v", members)
		}

		// Two groups with one name must be named by id.
		h.ok("group", "create", "--name", "Executives")
		wantContains(t, h.fail(cli.ExitRejected, "group", "members", "Executives"), "more than one group")

		h.ok("group", "delete", id)
		h.fail(cli.ExitNotFound, "group", "show", id)
		if u := h.obj("user", "show", "eve@example.com"); u["id"] != eve["id"] {
			t.Error("deleting a group deleted its member")
		}
	})
}

// TestGroupDeleteRefusedWhilePolicyTargetsIt: `group delete` cannot lift a pass
// policy's exclusion (issue #10 finding 11); the refusal names the policy.
func TestGroupDeleteRefusedWhilePolicyTargetsIt(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("group", "create", "--name", "Executives")
		h.ok("policy", "set", "--exclude", "Executives")
		wantContains(t, h.fail(cli.ExitRejected, "group", "delete", "Executives"),
			"Temporary Access Pass policy", "excludeTargets", "remove it from the policy")
		h.obj("group", "show", "Executives")
		h.ok("policy", "set", "--exclude", "")
		h.ok("group", "delete", "Executives")
		h.fail(cli.ExitNotFound, "group", "show", "Executives")
	})
}
