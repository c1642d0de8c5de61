package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/firstkey/firstkey/internal/directory"
)

// hireOpts are the flags that place a pass on the morning of a hire date.
type hireOpts struct{ tz, start string }

func hireFlags(f *pflag.FlagSet) *hireOpts {
	h := &hireOpts{}
	f.StringVar(&h.tz, "time-zone", "", "time zone of hire dates, e.g. Europe/Berlin (default: the directory's, see 'firstkey timezone')")
	f.StringVar(&h.start, "hire-day-start", "08:00", "when on the hire date the pass starts, HH:MM")
	return h
}

// resolve reads the flags: loc is nil when the directory's time zone applies.
func (h *hireOpts) resolve() (loc *time.Location, start time.Duration, err error) {
	if h.tz != "" {
		if loc, err = time.LoadLocation(h.tz); err != nil {
			return nil, 0, usagef("--time-zone: %q is not a time zone name like Europe/Berlin", h.tz)
		}
	}
	t, err := time.Parse("15:04", h.start)
	if err != nil {
		return nil, 0, usagef("--hire-day-start: %q is not a time like 08:00", h.start)
	}
	return loc, time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// startOn is when a pass for the hire date starts.
func (h *hireOpts) startOn(ctx context.Context, dir *directory.Service, hire time.Time) (time.Time, error) {
	loc, start, err := h.resolve()
	if err != nil {
		return time.Time{}, err
	}
	return dir.HireDayStart(ctx, hire, start, loc)
}

func newTimeZoneCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "timezone [ZONE]",
		Short: "Show or set the directory's time zone (new joiners' passes start on their hire date's morning there)",
		Long: `Show the directory's time zone, or set it by IANA name (Europe/Berlin, America/New_York).
Passes issued for a hire date (tap create --at-hire-date, tap bulk with employeeHireDate)
start on that day's morning in this time zone. Setting it needs the rights to change the
authentication methods policy, and is audited.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s takes at most one argument, the time zone; got %d", cmd.CommandPath(), len(args))
			}
			return nil
		},
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		if len(args) == 1 {
			if err := s.dir.SetTimeZone(ctx, s.actor, args[0]); err != nil {
				return err
			}
		}
		loc, err := s.dir.TimeZone(ctx)
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, map[string]string{"timeZone": loc.String()})
		}
		return fields(g.stdout, "Time zone", loc.String())
	})
	return c
}
