package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

func newTapCmd(g *globals) *cobra.Command {
	return newGroup(g, "tap", "Issue, list and delete Temporary Access Passes",
		tapCreateCmd(g), tapListCmd(g), tapDeleteCmd(g), tapPurgeCmd(g), tapBulkCmd(g))
}

func tapCreateCmd(g *globals) *cobra.Command {
	var start, issuer, deliver string
	var lifetime int
	var oneTime, multiUse, recover, atHire bool
	c := &cobra.Command{
		Use:   "create USER",
		Short: "Issue a Temporary Access Pass, replacing the user's current one",
		Long: `Issue a Temporary Access Pass to a user (by UPN or id), replacing any pass they hold.
The pass is printed once, with the URL the user must open; it is stored only as a hash
and can never be shown again.

Without --lifetime the policy's default applies; a lifetime must lie within the policy's
bounds. Without --one-time or --multi-use the policy decides; --multi-use is refused while
the policy requires one-time passes. With --as, the issuer's directory roles decide whom
they may issue passes to, and nobody may issue a pass to themselves.`,
		Example: "  firstkey tap create bob@example.com\n  firstkey tap create bob@example.com --start 2025-09-01T08:00:00Z --lifetime 480 --multi-use",
		Args:    exactArgs(1),
	}
	f := c.Flags()
	f.StringVar(&start, "start", "", "when the pass starts working, RFC 3339 (default now)")
	f.IntVar(&lifetime, "lifetime", 0, "lifetime in minutes (default: the policy's)")
	f.BoolVar(&oneTime, "one-time", false, "the pass works for one sign-in only")
	f.BoolVar(&multiUse, "multi-use", false, "the pass works for every sign-in during its lifetime")
	f.BoolVar(&recover, "recover", false, "a recovery pass: the first passkey the user registers with it replaces the passkeys they had")
	f.BoolVar(&atHire, "at-hire-date", false, "start on the morning of the user's employeeHireDate, in the directory's time zone (--time-zone, --hire-day-start)")
	hire := hireFlags(f)
	f.StringVar(&deliver, "deliver", "", "deliver the pass instead of showing it: manager, email:ADDRESS or webhook (sent by the running server)")
	c.MarkFlagsMutuallyExclusive("one-time", "multi-use")
	c.MarkFlagsMutuallyExclusive("start", "at-hire-date")
	issuerFlag(c, &issuer)
	c.RunE = g.act(&issuer, func(ctx context.Context, s *session, args []string) error {
		var req domain.PassRequest
		var err error
		if req.Deliver, err = domain.ParseDeliverSpec(deliver); err != nil {
			return usagef("--deliver: %s", deliverError(err))
		}
		if start != "" {
			t, err := time.Parse(time.RFC3339, start)
			if err != nil {
				return usagef("--start: %q is not an RFC 3339 time like 2025-09-01T08:00:00Z", start)
			}
			req.StartDateTime = &t
		}
		if c.Flags().Changed("lifetime") {
			req.LifetimeInMinutes = &lifetime
		}
		if oneTime || multiUse {
			req.IsUsableOnce = &oneTime
		}
		req.Recovery = recover
		if atHire {
			u, err := s.dir.GetUser(ctx, s.actor, args[0])
			if err != nil {
				return err
			}
			if u.EmployeeHireDate == nil {
				return fmt.Errorf("%s has no employeeHireDate: set it (firstkey user update --hire-date) or give --start: %w",
					u.UserPrincipalName, domain.Invalid("no employeeHireDate"))
			}
			start, err := hire.startOn(ctx, s.dir, *u.EmployeeHireDate)
			if err != nil {
				return err
			}
			req.StartDateTime = &start
		}
		issued, err := s.dir.IssuePass(ctx, s.actor, args[0], req)
		if err != nil {
			return err
		}
		upn := args[0]
		if u, err := s.dir.ResolveUser(ctx, issued.UserID); err == nil {
			upn = u.UserPrincipalName
		}
		return g.printIssuedPass(upn, issued)
	})
	return c
}

// printIssuedPass shows a new pass: the only time its code is ever shown.
func (g *globals) printIssuedPass(upn string, p directory.IssuedPass) error {
	if g.jsonOutput() {
		v := passView(p.PassView)
		v.UserPrincipalName = upn
		if p.Delivery == nil {
			v.TemporaryAccessPass = &p.Code
		} else {
			v.Delivery = &deliveryJSON{ID: p.Delivery.ID, Method: p.Delivery.Method, Recipient: p.Delivery.Recipient, Status: p.Delivery.Status}
		}
		v.SignInURL = p.SignInURL
		return printJSON(g.stdout, v)
	}
	if p.Delivery != nil {
		fmt.Fprintf(g.stdout, "Temporary Access Pass for %s issued; it will be delivered %s and is not shown here.\n\n", upn, deliverySummary(p))
	} else {
		fmt.Fprintf(g.stdout, "Temporary Access Pass for %s (shown only this once):\n\n    %s\n\n", upn, p.Code)
	}
	return fields(g.stdout,
		"Sign in at", p.SignInURL,
		"Pass ID", p.ID,
		"Valid from", stamp(p.StartDateTime),
		"Valid until", stamp(p.End()),
		"Use", usage(p.IsUsableOnce),
		"Usable", usable(p.PassView),
	)
}

func usage(once bool) string {
	if once {
		return "one-time"
	}
	return "multiple sign-ins"
}

func usable(p directory.PassView) string {
	return yesNo(p.IsUsable) + " (" + string(p.Reason) + ")"
}

func tapListCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "list USER",
		Short: "Show a user's pass (never its code), including an expired one until it is purged",
		Args:  exactArgs(1),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		passes, err := s.dir.ListPasses(ctx, s.actor, args[0])
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			out := make([]passJSON, len(passes))
			for i, p := range passes {
				out[i] = passView(p)
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "ID", "START", "END", "LIFETIME", "USE", "USABLE")
		for _, p := range passes {
			t.row(p.ID, stamp(p.StartDateTime), stamp(p.End()), strconv.Itoa(p.LifetimeInMinutes)+" min", usage(p.IsUsableOnce), usable(p))
		}
		return t.flush()
	})
	return c
}

func tapDeleteCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "delete USER PASS_ID",
		Short: "Delete a user's pass and end every session obtained with it",
		Args:  exactArgs(2),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		if err := s.dir.DeletePass(ctx, s.actor, args[0], args[1]); err != nil {
			return err
		}
		return g.done("Deleted Temporary Access Pass %s of %s.", args[1], args[0])
	})
	return c
}

func tapPurgeCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "purge-expired",
		Short: "Delete every pass whose lifetime has ended",
		Args:  cobra.NoArgs,
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		n, err := s.dir.PurgeExpiredPasses(ctx, s.actor)
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, map[string]int{"deleted": n})
		}
		_, err = fmt.Fprintf(g.stdout, "Deleted %d expired Temporary Access Pass(es).\n", n)
		return err
	})
	return c
}
