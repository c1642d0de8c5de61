package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func newUserCmd(g *globals) *cobra.Command {
	return newGroup(g, "user", "Create, list, show, disable, enable and delete users",
		userCreateCmd(g), userListCmd(g), userShowCmd(g),
		userEnableCmd(g, false), userEnableCmd(g, true), userDeleteCmd(g))
}

func userCreateCmd(g *globals) *cobra.Command {
	var u domain.User
	var hireDate string
	var disabled bool
	c := &cobra.Command{
		Use:     "create --upn UPN --display-name NAME",
		Short:   "Create a user",
		Example: "  firstkey user create --upn bob@example.com --display-name 'Bob Smith' --hire-date 2025-09-01 --manager alice@example.com",
		Args:    cobra.NoArgs,
	}
	f := c.Flags()
	f.StringVar(&u.UserPrincipalName, "upn", "", "userPrincipalName, name@domain (required)")
	f.StringVar(&u.DisplayName, "display-name", "", "display name (required)")
	f.StringVar(&u.Mail, "mail", "", "e-mail address")
	f.StringVar(&u.GivenName, "given-name", "", "given name")
	f.StringVar(&u.Surname, "surname", "", "surname")
	f.StringVar(&u.JobTitle, "job-title", "", "job title")
	f.StringVar(&u.Department, "department", "", "department")
	f.StringVar(&u.ManagerID, "manager", "", "manager, by UPN or id")
	f.StringVar(&hireDate, "hire-date", "", "first working day, YYYY-MM-DD")
	f.BoolVar(&disabled, "disabled", false, "create the account disabled")
	_ = c.MarkFlagRequired("upn")
	_ = c.MarkFlagRequired("display-name")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		if hireDate != "" {
			d, err := parseDate(hireDate)
			if err != nil {
				return usagef("--hire-date: %v", err)
			}
			u.EmployeeHireDate = &d
		}
		u.AccountEnabled = !disabled
		created, err := s.dir.CreateUser(ctx, s.actor, u)
		if err != nil {
			return err
		}
		return g.printUser(created, nil)
	})
	return c
}

// parseDate reads a calendar date (or a full RFC 3339 time) as UTC.
func parseDate(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2025-09-01", s)
	}
	return t.UTC(), nil
}

func userListCmd(g *globals) *cobra.Command {
	var filter string
	var top int
	c := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Long: `List users, ordered by userPrincipalName. --filter takes an OData $filter on
id, userPrincipalName, displayName, givenName, surname, mail, accountEnabled,
createdDateTime or employeeHireDate.`,
		Example: "  firstkey user list --filter \"startswith(displayName,'Bo')\"\n  firstkey user list --filter 'accountEnabled eq false' --output json",
		Args:    cobra.NoArgs,
	}
	c.Flags().StringVar(&filter, "filter", "", "OData filter, e.g. \"startswith(userPrincipalName,'bob')\"")
	c.Flags().IntVar(&top, "top", 0, "list at most N users (default all)")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		if top < 0 {
			return usagef("--top must be a positive number")
		}
		users, err := listAll(top, filter, func(o store.ListOptions) ([]domain.User, int, error) {
			return s.dir.ListUsers(ctx, s.actor, o)
		})
		if err != nil {
			return err
		}
		return g.printUsers(users)
	})
	return c
}

func (g *globals) printUsers(users []domain.User) error {
	if g.jsonOutput() {
		out := make([]userJSON, len(users))
		for i, u := range users {
			out[i] = userView(u)
		}
		return printJSON(g.stdout, out)
	}
	t := newTable(g.stdout, "USER PRINCIPAL NAME", "DISPLAY NAME", "ENABLED", "ID")
	for _, u := range users {
		t.row(u.UserPrincipalName, u.DisplayName, yesNo(u.AccountEnabled), u.ID)
	}
	return t.flush()
}

func userShowCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "show UPN|ID",
		Short: "Show a user and the directory roles they hold",
		Args:  exactArgs(1),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		u, err := s.dir.GetUser(ctx, s.actor, args[0])
		if err != nil {
			return err
		}
		roles, err := s.dir.UserRoles(ctx, u.ID)
		if err != nil {
			return err
		}
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = r.DisplayName()
		}
		return g.printUser(u, names)
	})
	return c
}

func (g *globals) printUser(u domain.User, roles []string) error {
	if g.jsonOutput() {
		v := userView(u)
		v.Roles = roles
		return printJSON(g.stdout, v)
	}
	hire := ""
	if u.EmployeeHireDate != nil {
		hire = u.EmployeeHireDate.UTC().Format(time.DateOnly)
	}
	return fields(g.stdout,
		"User principal name", u.UserPrincipalName,
		"Display name", u.DisplayName,
		"ID", u.ID,
		"Enabled", yesNo(u.AccountEnabled),
		"Given name", orDash(u.GivenName),
		"Surname", orDash(u.Surname),
		"Mail", orDash(u.Mail),
		"Job title", orDash(u.JobTitle),
		"Department", orDash(u.Department),
		"Manager", orDash(u.ManagerID),
		"Hire date", orDash(hire),
		"Created", stamp(u.CreatedDateTime),
		"Roles", orDash(strings.Join(roles, ", ")),
	)
}

func userEnableCmd(g *globals, enable bool) *cobra.Command {
	verb, short := "disable", "Disable a user: they cannot sign in, and their sessions end"
	if enable {
		verb, short = "enable", "Enable a disabled user"
	}
	c := &cobra.Command{Use: verb + " UPN|ID", Short: short, Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		u, err := s.dir.UpdateUser(ctx, s.actor, args[0], func(u *domain.User) error {
			u.AccountEnabled = enable
			return nil
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, userView(u))
		}
		_, err = fmt.Fprintf(g.stdout, "%s is %sd.\n", u.UserPrincipalName, verb)
		return err
	})
	return c
}

func userDeleteCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "delete UPN|ID",
		Short: "Delete a user with their passes, sessions, roles and memberships",
		Args:  exactArgs(1),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		if err := s.dir.DeleteUser(ctx, s.actor, args[0]); err != nil {
			return err
		}
		return g.done("Deleted user %s.", args[0])
	})
	return c
}

// done confirms an action that has no data to print; JSON output stays empty.
func (g *globals) done(format string, args ...any) error {
	if g.jsonOutput() {
		return nil
	}
	_, err := fmt.Fprintf(g.stdout, format+"\n", args...)
	return err
}

// exactArgs is cobra.ExactArgs with a message that names the arguments.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			want := strings.TrimSpace(strings.TrimPrefix(cmd.Use, cmd.Name()))
			return usagef("%s takes %d argument(s): %s; got %d", cmd.CommandPath(), n, want, len(args))
		}
		return nil
	}
}
