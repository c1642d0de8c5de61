package cli

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

func newGroupCmd(g *globals) *cobra.Command {
	return newGroup(g, "group", "Create groups and manage their members",
		groupCreateCmd(g), groupListCmd(g), groupShowCmd(g), groupDeleteCmd(g),
		groupMemberCmd(g, true), groupMemberCmd(g, false), groupMembersCmd(g))
}

// resolveGroup finds a group by id or by its display name, which must then be unique.
func resolveGroup(ctx context.Context, s *session, ref string) (domain.Group, error) {
	if _, err := uuid.Parse(ref); err == nil && len(ref) == 36 {
		return s.dir.GetGroup(ctx, s.actor, ref)
	}
	byName, _, lerr := s.dir.ListGroups(ctx, s.actor, store.ListOptions{Top: 2,
		Filter: odata.Compare{Field: "displayName", Op: odata.Eq, Value: odata.Value{Kind: odata.KindString, String: ref}}})
	if lerr != nil {
		return domain.Group{}, lerr
	}
	switch len(byName) {
	case 0:
		return domain.Group{}, domain.NotFound("no group with id or name %q.", ref)
	case 1:
		return byName[0], nil
	}
	return domain.Group{}, domain.Invalid("more than one group is named %q; name it by id.", ref)
}

func groupCreateCmd(g *globals) *cobra.Command {
	var gr domain.Group
	c := &cobra.Command{Use: "create --name NAME", Short: "Create a group", Args: cobra.NoArgs,
		Example: "  firstkey group create --name 'New joiners' --description 'Starting this month'"}
	c.Flags().StringVar(&gr.DisplayName, "name", "", "display name (required)")
	c.Flags().StringVar(&gr.Description, "description", "", "description")
	_ = c.MarkFlagRequired("name")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		created, err := s.dir.CreateGroup(ctx, s.actor, gr)
		if err != nil {
			return err
		}
		return g.printGroup(created)
	})
	return c
}

func (g *globals) printGroup(gr domain.Group) error {
	if g.jsonOutput() {
		return printJSON(g.stdout, groupView(gr))
	}
	return fields(g.stdout, "Name", gr.DisplayName, "ID", gr.ID, "Description", orDash(gr.Description), "Created", stamp(gr.CreatedDateTime))
}

func groupListCmd(g *globals) *cobra.Command {
	var filter string
	var top int
	c := &cobra.Command{Use: "list", Short: "List groups", Args: cobra.NoArgs}
	c.Flags().StringVar(&filter, "filter", "", "OData filter on id, displayName, description or createdDateTime")
	c.Flags().IntVar(&top, "top", 0, "list at most N groups (default all)")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		if top < 0 {
			return usagef("--top must be a positive number")
		}
		groups, err := listAll(top, filter, func(o store.ListOptions) ([]domain.Group, int, error) {
			return s.dir.ListGroups(ctx, s.actor, o)
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			out := make([]groupJSON, len(groups))
			for i, gr := range groups {
				out[i] = groupView(gr)
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "NAME", "DESCRIPTION", "ID")
		for _, gr := range groups {
			t.row(gr.DisplayName, gr.Description, gr.ID)
		}
		return t.flush()
	})
	return c
}

func groupShowCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "show GROUP", Short: "Show a group, by id or name", Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		gr, err := resolveGroup(ctx, s, args[0])
		if err != nil {
			return err
		}
		return g.printGroup(gr)
	})
	return c
}

func groupDeleteCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "delete GROUP", Short: "Delete a group; its members stay in the directory", Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		gr, err := resolveGroup(ctx, s, args[0])
		if err != nil {
			return err
		}
		if err := s.dir.DeleteGroup(ctx, s.actor, gr.ID); err != nil {
			return err
		}
		return g.done("Deleted group %s.", gr.DisplayName)
	})
	return c
}

func groupMemberCmd(g *globals, add bool) *cobra.Command {
	use, short := "add-member GROUP USER", "Add a user to a group"
	if !add {
		use, short = "remove-member GROUP USER", "Remove a user from a group"
	}
	c := &cobra.Command{Use: use, Short: short, Args: exactArgs(2),
		Example: "  firstkey group " + strings.Fields(use)[0] + " 'New joiners' bob@example.com"}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		gr, err := resolveGroup(ctx, s, args[0])
		if err != nil {
			return err
		}
		if add {
			if err := s.dir.AddGroupMember(ctx, s.actor, gr.ID, args[1]); err != nil {
				return err
			}
			return g.done("Added %s to %s.", args[1], gr.DisplayName)
		}
		if err := s.dir.RemoveGroupMember(ctx, s.actor, gr.ID, args[1]); err != nil {
			return err
		}
		return g.done("Removed %s from %s.", args[1], gr.DisplayName)
	})
	return c
}

func groupMembersCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "members GROUP", Short: "List the users of a group", Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		gr, err := resolveGroup(ctx, s, args[0])
		if err != nil {
			return err
		}
		users, err := listAll(0, "", func(o store.ListOptions) ([]domain.User, int, error) {
			return s.dir.ListGroupMembers(ctx, s.actor, gr.ID, o)
		})
		if err != nil {
			return err
		}
		return g.printUsers(users)
	})
	return c
}
