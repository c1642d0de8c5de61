package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
)

type passOut struct {
	ID                    string
	UserID                string
	UserPrincipalName     string
	TemporaryAccessPass   *string
	CreatedDateTime       string
	StartDateTime         string
	EndDateTime           string
	LifetimeInMinutes     int
	IsUsableOnce          bool
	IsUsable              bool
	MethodUsabilityReason string
	SignInURL             string
}

func TestTapCreateListDelete(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		bob := h.obj("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")

		var p passOut
		h.json(&p, "tap", "create", "bob@example.com", "--issuer", "https://id.example.com")
		if p.TemporaryAccessPass == nil || len(*p.TemporaryAccessPass) != 8 {
			t.Fatalf("created pass has no 8-character code: %+v", p)
		}
		if p.SignInURL != "https://id.example.com/mysecurityinfo" || p.UserPrincipalName != "bob@example.com" || p.UserID != bob["id"] {
			t.Errorf("created pass = %+v", p)
		}
		// Policy defaults: 60 minutes, multi-use allowed and chosen by default.
		if p.LifetimeInMinutes != 60 || p.IsUsableOnce || !p.IsUsable || p.MethodUsabilityReason != "EnabledByPolicy" {
			t.Errorf("created pass = %+v", p)
		}
		start, _ := time.Parse(time.RFC3339, p.StartDateTime)
		end, _ := time.Parse(time.RFC3339, p.EndDateTime)
		if end.Sub(start) != time.Hour {
			t.Errorf("pass runs %s to %s, want one hour", p.StartDateTime, p.EndDateTime)
		}

		// Read back: metadata only, the code is null.
		var listed []passOut
		h.json(&listed, "tap", "list", "bob@example.com")
		if len(listed) != 1 || listed[0].ID != p.ID || listed[0].TemporaryAccessPass != nil {
			t.Fatalf("tap list = %+v", listed)
		}
		table := h.ok("tap", "list", "bob@example.com")
		wantContains(t, table, p.ID, "60 min", "yes (EnabledByPolicy)")
		if strings.Contains(table, *p.TemporaryAccessPass) {
			t.Error("tap list shows the pass")
		}

		// A new pass replaces the old one; table output shows the code and the URL.
		out := h.ok("tap", "create", "bob@example.com", "--one-time", "--lifetime", "120",
			"--start", time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339))
		wantContains(t, out, "Temporary Access Pass for bob@example.com", "Sign in at:", "/mysecurityinfo", "one-time", "no (NotYetValid)")
		h.json(&listed, "tap", "list", "bob@example.com")
		if len(listed) != 1 || listed[0].ID == p.ID || !listed[0].IsUsableOnce || listed[0].LifetimeInMinutes != 120 || listed[0].MethodUsabilityReason != "NotYetValid" {
			t.Fatalf("after replacing, tap list = %+v", listed)
		}

		// delete, then nothing left; deleting again is not found.
		wantContains(t, h.ok("tap", "delete", "bob@example.com", listed[0].ID), "Deleted")
		h.json(&listed, "tap", "list", "bob@example.com")
		if len(listed) != 0 {
			t.Errorf("after delete, tap list = %+v", listed)
		}
		h.fail(cli.ExitNotFound, "tap", "delete", "bob@example.com", p.ID)
		h.fail(cli.ExitNotFound, "tap", "list", "ghost@example.com")
		h.fail(cli.ExitNotFound, "tap", "create", "ghost@example.com")

		var purged map[string]int
		h.json(&purged, "tap", "purge-expired")
		if purged["deleted"] != 0 {
			t.Errorf("purge-expired = %v", purged)
		}
		wantContains(t, h.ok("tap", "purge-expired"), "Deleted 0 expired")
	})
}

func TestTapCreateRules(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")
		h.ok("user", "create", "--upn", "helpdesk@example.com", "--display-name", "Helpdesk")
		h.ok("user", "create", "--upn", "privileged@example.com", "--display-name", "Privileged")
		h.ok("user", "create", "--upn", "nobody@example.com", "--display-name", "No role")
		h.ok("role", "assign", "helpdesk@example.com", "Authentication Administrator")
		h.ok("role", "assign", "privileged@example.com", "Privileged Authentication Administrator")
		noPass := func(upn string) {
			t.Helper()
			if got := h.list("tap", "list", upn); len(got) != 0 {
				t.Errorf("a refused issuance left %s a pass: %v", upn, got)
			}
		}

		// Lifetime out of the policy's bounds: the message names them.
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--lifetime", "30"),
			"Invalid lifetimeInMinutes specified. The valid range is between 60 and 480.")
		h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--lifetime", "481")
		noPass("bob@example.com")
		// Malformed command lines.
		h.fail(cli.ExitUsage, "tap", "create", "bob@example.com", "--one-time", "--multi-use")
		wantContains(t, h.fail(cli.ExitUsage, "tap", "create", "bob@example.com", "--start", "tomorrow"), "--start")
		h.fail(cli.ExitUsage, "tap", "create", "bob@example.com", "--lifetime", "an hour")
		h.fail(cli.ExitUsage, "tap", "create")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--start", "2001-01-01T00:00:00Z"), "startDateTime")

		// --as: the Authentication Administrator rules apply.
		var p passOut
		h.json(&p, "tap", "create", "bob@example.com", "--as", "helpdesk@example.com")
		if p.UserPrincipalName != "bob@example.com" || p.TemporaryAccessPass == nil {
			t.Errorf("helpdesk issued %+v", p)
		}
		wantContains(t, h.fail(cli.ExitForbidden, "tap", "create", "privileged@example.com", "--as", "helpdesk@example.com"), "no directory role")
		noPass("privileged@example.com")
		wantContains(t, h.fail(cli.ExitForbidden, "tap", "create", "helpdesk@example.com", "--as", "helpdesk@example.com"), "their own")
		noPass("helpdesk@example.com")
		wantContains(t, h.fail(cli.ExitForbidden, "tap", "create", "bob@example.com", "--as", "nobody@example.com"), "Insufficient privileges")
		h.fail(cli.ExitForbidden, "tap", "create", "bob@example.com", "--as", "ghost@example.com")
		h.ok("tap", "create", "helpdesk@example.com", "--as", "privileged@example.com")
		h.fail(cli.ExitForbidden, "tap", "delete", "privileged@example.com", "whatever", "--as", "helpdesk@example.com")

		// The audit log names who issued: the CLI operator or the --as user.
		by := map[string]string{}
		for _, a := range h.list("logs", "audit", "--filter", "activityDisplayName eq 'Admin registered security info'") {
			targets, _ := a["targets"].([]any)
			if len(targets) == 1 {
				by[targets[0].(string)] += a["initiatedBy"].(string) + ";"
			}
		}
		if by["bob@example.com"] != "helpdesk@example.com;" || by["helpdesk@example.com"] != "privileged@example.com;" || by["admin@example.com"] != "firstkey CLI;" {
			t.Errorf("issuances by target = %v", by)
		}

		// A disabled account gets no pass.
		h.ok("user", "disable", "nobody@example.com")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "nobody@example.com"), "disabled")

		// A multi-use pass while the policy requires one-time ones; then a disabled policy.
		h.ok("policy", "set", "--one-time", "true")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--multi-use"), "isUsableOnce")
		h.json(&p, "tap", "create", "bob@example.com")
		if !p.IsUsableOnce {
			t.Errorf("the policy requires one-time passes, got %+v", p)
		}
		h.ok("policy", "set", "--state", "disabled")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com"), "policy is disabled")
		var listed []passOut
		h.json(&listed, "tap", "list", "bob@example.com")
		if len(listed) != 1 || listed[0].ID != p.ID || listed[0].IsUsable || listed[0].MethodUsabilityReason != "DisabledByPolicy" {
			t.Errorf("with the policy disabled, bob's pass = %+v", listed)
		}
	})
}
