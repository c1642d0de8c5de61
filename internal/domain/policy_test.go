package domain

import (
	"strings"
	"testing"
)

func TestDefaultPolicyFollowsEntra(t *testing.T) {
	p := DefaultTAPPolicy()
	if p.MinimumLifetimeInMinutes != 60 || p.MaximumLifetimeInMinutes != 480 || p.DefaultLifetimeInMinutes != 60 ||
		p.DefaultLength != 8 || p.IsUsableOnce || p.State != StateDisabled {
		t.Fatalf("defaults differ from Entra's: %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
}

func TestPolicyValidateNamesFieldAndRange(t *testing.T) {
	cases := []struct {
		name   string
		change func(*TAPPolicy)
		want   string // substring of the error; "" means valid
	}{
		{"valid bounds", func(p *TAPPolicy) { p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes = 10, 43200 }, ""},
		{"min below 10", func(p *TAPPolicy) { p.MinimumLifetimeInMinutes = 9 }, "minimumLifetimeInMinutes must be between 10 and 43200"},
		{"max above 30 days", func(p *TAPPolicy) { p.MaximumLifetimeInMinutes = 43201 }, "maximumLifetimeInMinutes must be between 10 and 43200"},
		{"max below min", func(p *TAPPolicy) { p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes = 120, 100 }, "maximumLifetimeInMinutes (100) must be at least minimumLifetimeInMinutes (120)"},
		{"default outside", func(p *TAPPolicy) { p.DefaultLifetimeInMinutes = 500 }, "defaultLifetimeInMinutes must be between minimumLifetimeInMinutes (60) and maximumLifetimeInMinutes (480)"},
		{"length 7", func(p *TAPPolicy) { p.DefaultLength = 7 }, "defaultLength must be between 8 and 48"},
		{"length 49", func(p *TAPPolicy) { p.DefaultLength = 49 }, "defaultLength must be between 8 and 48"},
		{"length 48 ok", func(p *TAPPolicy) { p.DefaultLength = 48 }, ""},
		{"bad state", func(p *TAPPolicy) { p.State = "on" }, "state must be 'enabled' or 'disabled'"},
		{"no include", func(p *TAPPolicy) { p.IncludeTargets = nil }, "includeTargets"},
		{"exclude all", func(p *TAPPolicy) { p.ExcludeTargets = []Target{{ID: AllUsers, TargetType: "group"}} }, "excludeTargets cannot contain all_users"},
		{"bad target type", func(p *TAPPolicy) { p.IncludeTargets = []Target{{ID: "x", TargetType: "user"}} }, "targetType must be 'group'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultTAPPolicy()
			c.change(&p)
			err := p.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if KindOf(err) != KindInvalid {
				t.Fatalf("kind %v, want KindInvalid", KindOf(err))
			}
		})
	}
}

func TestPolicyIncludes(t *testing.T) {
	p := DefaultTAPPolicy()
	if !p.Includes(nil) {
		t.Fatal("all_users should include a user in no group")
	}
	p.ExcludeTargets = []Target{{ID: "contractors", TargetType: "group"}}
	if p.Includes([]string{"staff", "contractors"}) {
		t.Fatal("exclusion must win over inclusion")
	}
	p.IncludeTargets = []Target{{ID: "joiners", TargetType: "group"}}
	if p.Includes([]string{"staff"}) || !p.Includes([]string{"joiners"}) {
		t.Fatal("group inclusion wrong")
	}
}

// TestDanglingTargetsNeverWiden: a target whose group is gone (Missing) can only
// narrow a policy. An excluded group that is gone might have held anyone, so it
// excludes everyone; an included group that is gone includes no one, never "all
// users". The passkey policy shares the rule.
func TestDanglingTargetsNeverWiden(t *testing.T) {
	gone := func(id string) Target { return Target{ID: id, TargetType: "group", Missing: true} }
	group := func(id string) Target { return Target{ID: id, TargetType: "group"} }
	all := Target{ID: AllUsers, TargetType: "group"}
	cases := []struct {
		name             string
		include, exclude []Target
		memberOf         []string
		want             bool
	}{
		{"missing exclusion, user was in it", []Target{all}, []Target{gone("contractors")}, nil, false},
		{"missing exclusion, anyone else", []Target{all}, []Target{gone("contractors")}, []string{"staff"}, false},
		{"missing exclusion beside a live one", []Target{group("staff")}, []Target{group("interns"), gone("contractors")}, []string{"staff"}, false},
		{"missing inclusion alone", []Target{gone("joiners")}, nil, nil, false},
		{"missing inclusion, stale membership", []Target{gone("joiners")}, nil, []string{"joiners"}, false},
		{"missing inclusion beside a live one", []Target{gone("joiners"), group("staff")}, nil, []string{"staff"}, true},
		{"missing inclusion beside a live one, not a member", []Target{gone("joiners"), group("staff")}, nil, []string{"sales"}, false},
		{"live targets as before", []Target{all}, []Target{group("contractors")}, []string{"staff"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tap := TAPPolicy{IncludeTargets: c.include, ExcludeTargets: c.exclude}
			if got := tap.Includes(c.memberOf); got != c.want {
				t.Errorf("TAP policy Includes = %v, want %v", got, c.want)
			}
			keys := Fido2Policy{IncludeTargets: c.include, ExcludeTargets: c.exclude}
			if got := keys.Includes(c.memberOf); got != c.want {
				t.Errorf("passkey policy Includes = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTargetsGroup(t *testing.T) {
	p := TAPPolicy{IncludeTargets: []Target{{ID: "inc"}}, ExcludeTargets: []Target{{ID: "exc"}}}
	for id, want := range map[string]string{"inc": "includeTargets", "EXC": "excludeTargets", "other": ""} {
		if got := p.TargetsGroup(id); got != want {
			t.Errorf("TargetsGroup(%q) = %q, want %q", id, got, want)
		}
	}
}
