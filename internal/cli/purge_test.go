package cli_test

import (
	"context"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
)

// issueYesterday issues a pass to upn through a directory whose clock stands a
// day back, so that the pass has expired by now.
func (h *harness) issueYesterday(upn string) string {
	h.t.Helper()
	ctx := context.Background()
	dir, closer, err := server.OpenDirectory(ctx, server.Config{DataDir: h.data, DatabaseURL: h.dsn,
		Clock: domain.NewFakeClock(time.Now().Add(-24 * time.Hour)), Hasher: secret.Hasher{Argon2: secret.FastArgon2}})
	if err != nil {
		h.t.Fatalf("open directory: %v", err)
	}
	defer closer.Close()
	p, err := dir.IssuePass(ctx, domain.SystemActor(), upn, domain.PassRequest{})
	if err != nil {
		h.t.Fatalf("issue a pass to %s: %v", upn, err)
	}
	return p.ID
}

// TestPurgeExpiredIsAudited (issue #10 finding 12): `tap purge-expired` wrote no
// audit record. Every purged pass now has one, with the pass id and its holder,
// initiated by whoever ran the command.
func TestPurgeExpiredIsAudited(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		for _, u := range []string{"ann@example.com", "bob@example.com", "helpdesk@example.com", "pa@example.com"} {
			h.ok("user", "create", "--upn", u, "--display-name", u)
		}
		h.ok("role", "assign", "helpdesk@example.com", "Authentication Administrator")
		h.ok("role", "assign", "pa@example.com", "Privileged Authentication Administrator")
		expired := map[string]string{} // holder → pass id
		for _, u := range []string{"ann@example.com", "bob@example.com", "pa@example.com"} {
			expired[u] = h.issueYesterday(u)
		}
		h.ok("tap", "create", "helpdesk@example.com") // live: stays

		purges := func() map[string][2]string { // holder → pass id, initiator
			t.Helper()
			out := map[string][2]string{}
			for _, a := range h.list("logs", "audit", "--filter", "activityDisplayName eq 'Admin deleted security info'") {
				details, _ := a["additionalDetails"].(map[string]any)
				targets, _ := a["targets"].([]any)
				if len(targets) != 1 || details["Reason"] != "Purged: the pass had expired" {
					continue
				}
				out[targets[0].(string)] = [2]string{details["PassId"].(string), a["initiatedBy"].(string)}
			}
			return out
		}

		// An Authentication Administrator purges the passes of people without a role.
		var purged map[string]int
		h.json(&purged, "tap", "purge-expired", "--as", "helpdesk@example.com")
		if purged["deleted"] != 2 {
			t.Fatalf("purge-expired --as helpdesk = %v, want 2 deleted", purged)
		}
		wantContains(t, h.ok("tap", "purge-expired"), "Deleted 1 expired")
		got := purges()
		want := map[string][2]string{
			"ann@example.com": {expired["ann@example.com"], "helpdesk@example.com"},
			"bob@example.com": {expired["bob@example.com"], "helpdesk@example.com"},
			"pa@example.com":  {expired["pa@example.com"], "firstkey CLI"},
		}
		if len(got) != len(want) {
			t.Fatalf("purge audit records %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("purge of %s audited as %v, want %v", k, got[k], v)
			}
		}
		if n := len(h.list("tap", "list", "helpdesk@example.com")); n != 1 {
			t.Errorf("the live pass was purged: %d left", n)
		}
		h.fail(cli.ExitForbidden, "tap", "purge-expired", "--as", "ann@example.com")
	})
}
