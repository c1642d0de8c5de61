package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/domain"
)

func newPolicyCmd(g *globals) *cobra.Command {
	return newGroup(g, "policy", "Show and change the Temporary Access Pass policy",
		policyShowCmd(g), policySetCmd(g))
}

func policyShowCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "show", Short: "Show the Temporary Access Pass policy", Args: cobra.NoArgs}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		p, err := s.dir.GetTAPPolicy(ctx, s.actor)
		if err != nil {
			return err
		}
		return g.printPolicy(ctx, s, p)
	})
	return c
}

func (g *globals) printPolicy(ctx context.Context, s *session, p domain.TAPPolicy) error {
	if g.jsonOutput() {
		return printJSON(g.stdout, policyView(p))
	}
	return fields(g.stdout,
		"State", p.State,
		"Minimum lifetime", fmt.Sprintf("%d minutes", p.MinimumLifetimeInMinutes),
		"Maximum lifetime", fmt.Sprintf("%d minutes", p.MaximumLifetimeInMinutes),
		"Default lifetime", fmt.Sprintf("%d minutes", p.DefaultLifetimeInMinutes),
		"Length", fmt.Sprintf("%d characters", p.DefaultLength),
		"One-time only", yesNo(p.IsUsableOnce),
		"Include", targetNames(ctx, s, p.IncludeTargets),
		"Exclude", targetNames(ctx, s, p.ExcludeTargets),
		"Last modified", orDash(stamp(p.LastModifiedDateTime)),
	)
}

// targetNames names policy targets by group name where the actor may read it.
func targetNames(ctx context.Context, s *session, ts []domain.Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.ID
		if t.ID == domain.AllUsers {
			continue
		}
		if gr, err := s.dir.GetGroup(ctx, s.actor, t.ID); err == nil {
			names[i] = gr.DisplayName + " (" + t.ID + ")"
		}
	}
	return orDash(strings.Join(names, ", "))
}

func policySetCmd(g *globals) *cobra.Command {
	var state, oneTime string
	var minL, maxL, defL, length int
	var include, exclude []string
	c := &cobra.Command{
		Use:   "set [flags]",
		Short: "Change the Temporary Access Pass policy; only the flags given change",
		Long: fmt.Sprintf(`Change the Temporary Access Pass policy. Only the settings named by flags change.
The result is validated as a whole; if it is invalid nothing changes and the error
names the setting and its allowed range.

Lifetimes are in minutes, from %d to %d, with min <= default <= max; the length is
%d to %d characters. --include and --exclude replace the target lists; they take
groups by id or name (repeat the flag or separate with commas), and --include
takes all_users for everybody. --exclude '' clears the exclusions. Disabling the
policy makes every existing pass unusable at once without deleting it.`,
			domain.MinLifetimeMinutes, domain.MaxLifetimeMinutes, domain.MinPassLength, domain.MaxPassLength),
		Example: "  firstkey policy set --state enabled --max 1440 --default 480\n  firstkey policy set --include 'New joiners' --exclude Executives --one-time true",
		Args:    cobra.NoArgs,
	}
	f := c.Flags()
	f.StringVar(&state, "state", "", "enabled or disabled")
	f.IntVar(&minL, "min", 0, "minimum lifetime in minutes")
	f.IntVar(&maxL, "max", 0, "maximum lifetime in minutes")
	f.IntVar(&defL, "default", 0, "default lifetime in minutes")
	f.IntVar(&length, "length", 0, "characters in a new pass")
	f.StringVar(&oneTime, "one-time", "", "true: every pass is one-time; false: the issuer chooses")
	f.StringSliceVar(&include, "include", nil, "groups whose members may use a pass, or all_users")
	f.StringSliceVar(&exclude, "exclude", nil, "groups whose members may not use a pass")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		changed := c.Flags().Changed
		if !anyChanged(c, "state", "min", "max", "default", "length", "one-time", "include", "exclude") {
			return usagef("name at least one setting to change, e.g. --state enabled")
		}
		var once bool
		if changed("one-time") {
			b, err := strconv.ParseBool(oneTime)
			if err != nil {
				return usagef("--one-time must be true or false, not %q", oneTime)
			}
			once = b
		}
		if changed("state") && state != domain.StateEnabled && state != domain.StateDisabled {
			return usagef("--state must be enabled or disabled, not %q", state)
		}
		var inc, exc []domain.Target
		var err error
		if changed("include") {
			if inc, err = policyTargets(ctx, s, include, true); err != nil {
				return err
			}
		}
		if changed("exclude") {
			if exc, err = policyTargets(ctx, s, exclude, false); err != nil {
				return err
			}
		}
		p, err := s.dir.UpdateTAPPolicy(ctx, s.actor, func(p *domain.TAPPolicy) error {
			if changed("state") {
				p.State = state
			}
			if changed("min") {
				p.MinimumLifetimeInMinutes = minL
			}
			if changed("max") {
				p.MaximumLifetimeInMinutes = maxL
			}
			if changed("default") {
				p.DefaultLifetimeInMinutes = defL
			}
			if changed("length") {
				p.DefaultLength = length
			}
			if changed("one-time") {
				p.IsUsableOnce = once
			}
			if changed("include") {
				p.IncludeTargets = inc
			}
			if changed("exclude") {
				p.ExcludeTargets = exc
			}
			return nil
		})
		if err != nil {
			return err
		}
		return g.printPolicy(ctx, s, p)
	})
	return c
}

// policyTargets resolves group names to policy targets.
func policyTargets(ctx context.Context, s *session, refs []string, include bool) ([]domain.Target, error) {
	out := []domain.Target{}
	for _, ref := range refs {
		ref = strings.TrimSpace(ref)
		switch {
		case ref == "":
			continue
		case strings.EqualFold(ref, domain.AllUsers):
			if !include {
				return nil, domain.Invalid("excludeTargets cannot contain all_users; disable the policy instead.")
			}
			out = append(out, domain.Target{ID: domain.AllUsers, TargetType: "group"})
		default:
			gr, err := resolveGroup(ctx, s, ref)
			if err != nil {
				return nil, err
			}
			out = append(out, domain.Target{ID: gr.ID, TargetType: "group"})
		}
	}
	return out, nil
}

func anyChanged(c *cobra.Command, names ...string) bool {
	for _, n := range names {
		if c.Flags().Changed(n) {
			return true
		}
	}
	return false
}
