package cli_test

import (
	"reflect"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

type policyOut struct {
	ID                       string
	State                    string
	DefaultLifetimeInMinutes int
	DefaultLength            int
	MinimumLifetimeInMinutes int
	MaximumLifetimeInMinutes int
	IsUsableOnce             bool
	IncludeTargets           []struct {
		ID                     string
		TargetType             string
		IsRegistrationRequired bool
	}
	ExcludeTargets []struct {
		ID                     string
		TargetType             string
		IsRegistrationRequired bool
	}
	LastModifiedDateTime *string
}

func TestPolicyShowAndSet(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		var p policyOut
		h.json(&p, "policy", "show")
		// Entra's defaults, enabled by init.
		if p.ID != "TemporaryAccessPass" || p.State != "enabled" || p.MinimumLifetimeInMinutes != 60 || p.MaximumLifetimeInMinutes != 480 ||
			p.DefaultLifetimeInMinutes != 60 || p.DefaultLength != 8 || p.IsUsableOnce ||
			len(p.IncludeTargets) != 1 || p.IncludeTargets[0].ID != "all_users" || len(p.ExcludeTargets) != 0 {
			t.Fatalf("policy after init = %+v", p)
		}
		wantContains(t, h.ok("policy", "show"), "State:", "enabled", "60 minutes", "480 minutes", "all_users")

		// Only the flags given change.
		var q policyOut
		h.json(&q, "policy", "set", "--max", "1440", "--default", "120", "--length", "12")
		if q.MaximumLifetimeInMinutes != 1440 || q.DefaultLifetimeInMinutes != 120 || q.DefaultLength != 12 ||
			q.MinimumLifetimeInMinutes != 60 || q.State != "enabled" || q.IsUsableOnce {
			t.Errorf("after set = %+v", q)
		}
		var pass passOut
		h.json(&pass, "tap", "create", "admin@example.com")
		if len(*pass.TemporaryAccessPass) != 12 || pass.LifetimeInMinutes != 120 {
			t.Errorf("a pass under the new policy = %+v", pass)
		}

		// An invalid change names the field and its range, and changes nothing.
		var before policyOut
		h.json(&before, "policy", "show")
		for _, c := range []struct {
			args []string
			want []string
		}{
			{[]string{"--min", "5"}, []string{"minimumLifetimeInMinutes", "10 and 43200"}},
			{[]string{"--max", "50000", "--state", "disabled"}, []string{"maximumLifetimeInMinutes", "10 and 43200"}},
			{[]string{"--default", "2000"}, []string{"defaultLifetimeInMinutes", "60", "1440"}},
			{[]string{"--length", "7"}, []string{"defaultLength", "8 and 48"}},
			{[]string{"--min", "600", "--max", "500"}, []string{"maximumLifetimeInMinutes", "minimumLifetimeInMinutes"}},
			{[]string{"--exclude", "all_users"}, []string{"all_users"}},
		} {
			wantContains(t, h.fail(cli.ExitRejected, append([]string{"policy", "set"}, c.args...)...), c.want...)
		}
		h.fail(cli.ExitNotFound, "policy", "set", "--include", "No such group")
		h.fail(cli.ExitUsage, "policy", "set", "--one-time", "maybe")
		h.fail(cli.ExitUsage, "policy", "set", "--state", "on")
		h.fail(cli.ExitUsage, "policy", "set")
		var after policyOut
		h.json(&after, "policy", "show")
		if !reflect.DeepEqual(after, before) {
			t.Errorf("refused changes changed the policy:\n%+v\nwas\n%+v", after, before)
		}

		// Targets by group name; --exclude '' clears the exclusions.
		joiners := h.obj("group", "create", "--name", "New joiners")
		execs := h.obj("group", "create", "--name", "Executives")
		h.json(&q, "policy", "set", "--include", "New joiners", "--exclude", "Executives", "--one-time", "true")
		if len(q.IncludeTargets) != 1 || q.IncludeTargets[0].ID != joiners["id"] || q.IncludeTargets[0].TargetType != "group" ||
			len(q.ExcludeTargets) != 1 || q.ExcludeTargets[0].ID != execs["id"] || !q.IsUsableOnce {
			t.Errorf("targets = %+v", q)
		}
		wantContains(t, h.ok("policy", "show"), "New joiners ("+joiners["id"].(string)+")", "Executives")
		h.json(&q, "policy", "set", "--include", "all_users,New joiners", "--exclude", "")
		if len(q.IncludeTargets) != 2 || len(q.ExcludeTargets) != 0 {
			t.Errorf("targets = %+v", q)
		}
		h.json(&q, "policy", "set", "--state", "disabled", "--one-time", "false")
		if q.State != "disabled" || q.IsUsableOnce {
			t.Errorf("after disabling = %+v", q)
		}

		// Who may change it: an Authentication Policy Administrator, not an Authentication Administrator.
		h.ok("user", "create", "--upn", "pol@example.com", "--display-name", "Policy admin")
		h.ok("user", "create", "--upn", "help@example.com", "--display-name", "Helpdesk")
		h.ok("role", "assign", "pol@example.com", "Authentication Policy Administrator")
		h.ok("role", "assign", "help@example.com", "Authentication Administrator")
		h.ok("policy", "set", "--state", "enabled", "--as", "pol@example.com")
		h.ok("policy", "show", "--as", "help@example.com")
		h.fail(cli.ExitForbidden, "policy", "set", "--state", "disabled", "--as", "help@example.com")
		if h.json(&q, "policy", "show"); q.State != "enabled" {
			t.Errorf("a forbidden change happened: %+v", q)
		}
	})
}
