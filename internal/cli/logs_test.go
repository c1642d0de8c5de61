package cli_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestLogsCommands(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "reader@example.com", "--display-name", "Reader")
		h.ok("user", "create", "--upn", "nobody@example.com", "--display-name", "No role")
		h.ok("role", "assign", "reader@example.com", "Reports Reader")

		audits := h.list("logs", "audit", "--as", "reader@example.com")
		if len(audits) < 4 || audits[0]["activityDisplayName"] != "Add member to role" || audits[0]["initiatedBy"] != "firstkey CLI" {
			t.Fatalf("newest audit records = %v", audits)
		}
		for _, key := range []string{"id", "activityDateTime", "category", "result", "targets", "additionalDetails"} {
			if _, ok := audits[0][key]; !ok {
				t.Errorf("audit record has no %s: %v", key, audits[0])
			}
		}
		if got := h.list("logs", "audit", "--top", "2"); len(got) != 2 {
			t.Errorf("--top 2 gave %d records", len(got))
		}
		got := h.list("logs", "audit", "--filter", "activityDisplayName eq 'Bootstrap directory'")
		if len(got) != 1 {
			t.Errorf("bootstrap audit records = %v", got)
		}
		wantContains(t, h.ok("logs", "audit"), "ACTIVITY", "Add user", "reader@example.com", "firstkey CLI")
		if got := h.list("logs", "signins"); len(got) != 0 {
			t.Errorf("sign-ins before anyone signed in = %v", got)
		}

		h.fail(cli.ExitForbidden, "logs", "signins", "--as", "nobody@example.com")
		h.fail(cli.ExitForbidden, "logs", "audit", "--as", "nobody@example.com")
		h.fail(cli.ExitUsage, "logs", "audit", "--filter", "activityDisplayName eq")
		h.fail(cli.ExitUsage, "logs", "signins", "--top", "-3")
		wantContains(t, h.fail(cli.ExitRejected, "logs", "signins", "--filter", "favouriteColour eq 'blue'"), "favouriteColour")
	})
}
