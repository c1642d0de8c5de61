package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

func newRoleCmd(g *globals) *cobra.Command {
	return newGroup(g, "role", "Assign and remove directory roles",
		roleChangeCmd(g, true), roleChangeCmd(g, false), roleListCmd(g))
}

func roleNames() string {
	names := make([]string, len(domain.Roles))
	for i, r := range domain.Roles {
		names[i] = "  " + r.DisplayName() + " (" + string(r) + ")"
	}
	return strings.Join(names, "\n")
}

// parseRole reads a role as typed on the command line; a wrong name is a usage error.
func parseRole(s string) (domain.Role, error) {
	r, err := domain.ParseRole(s)
	if err != nil {
		return "", usageError{err}
	}
	return r, nil
}

func roleChangeCmd(g *globals, assign bool) *cobra.Command {
	use, short := "assign USER ROLE", "Give a user a directory role"
	if !assign {
		use, short = "remove USER ROLE", "Take a directory role from a user (never the last Global Administrator)"
	}
	c := &cobra.Command{
		Use: use, Short: short, Args: exactArgs(2),
		Long: short + `.

ROLE is a display name ("Authentication Administrator"), the same without spaces
(AuthenticationAdministrator, any case) or a role template id. Roles:
` + roleNames(),
		Example: "  firstkey role " + strings.Fields(use)[0] + " helpdesk@example.com 'Authentication Administrator'",
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		role, err := parseRole(args[1])
		if err != nil {
			return err
		}
		if assign {
			if err := s.dir.AssignRole(ctx, s.actor, args[0], role); err != nil {
				return err
			}
			return g.done("%s now holds the role %s.", args[0], role.DisplayName())
		}
		if err := s.dir.RemoveRole(ctx, s.actor, args[0], role); err != nil {
			return err
		}
		return g.done("%s no longer holds the role %s.", args[0], role.DisplayName())
	})
	return c
}

func roleListCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "list [USER]",
		Short: "List who holds which directory role, or the roles of one user",
		Args:  cobra.MaximumNArgs(1),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		all, err := s.dir.ListRoleAssignments(ctx, s.actor)
		if err != nil {
			return err
		}
		if len(args) == 1 {
			u, err := s.dir.ResolveUser(ctx, args[0])
			if err != nil {
				return err
			}
			mine := []directory.RoleMember{}
			for _, m := range all {
				if m.User.ID == u.ID {
					mine = append(mine, m)
				}
			}
			all = mine
		}
		if g.jsonOutput() {
			out := make([]roleAssignmentJSON, len(all))
			for i, m := range all {
				out[i] = roleAssignmentJSON{Role: m.Role.DisplayName(), RoleTemplateID: string(m.Role), UserID: m.User.ID, UserPrincipalName: m.User.UserPrincipalName}
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "ROLE", "USER PRINCIPAL NAME", "USER ID")
		for _, m := range all {
			t.row(m.Role.DisplayName(), m.User.UserPrincipalName, m.User.ID)
		}
		return t.flush()
	})
	return c
}
