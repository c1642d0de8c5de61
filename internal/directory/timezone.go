package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// settingTimeZone holds the directory's time zone: new joiners' passes start on
// the morning of their hire date there.
const settingTimeZone = "directory.timeZone"

// TimeZone is the directory's time zone; UTC until one is set.
func (s *Service) TimeZone(ctx context.Context) (*time.Location, error) {
	name, err := s.store.GetSetting(ctx, settingTimeZone)
	if errors.Is(err, store.ErrNotFound) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read time zone: %w", err)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("stored time zone %q: %w", name, err)
	}
	return loc, nil
}

// SetTimeZone sets the directory's time zone, by IANA name (Europe/Berlin).
func (s *Service) SetTimeZone(ctx context.Context, actor domain.Actor, name string) error {
	if err := actor.Require(domain.ActWritePolicy); err != nil {
		return err
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return domain.Invalid("The time zone %q is not an IANA time zone name like Europe/Berlin or America/New_York.", name)
	}
	old, err := s.TimeZone(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.PutSetting(ctx, settingTimeZone, loc.String(), false); err != nil {
			return fmt.Errorf("store time zone: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateDirectorySetting, category: domain.CategoryPolicy, op: "Update",
			targets: []domain.AuditTarget{{DisplayName: "Directory time zone", Type: "Directory",
				ModifiedProperties: []domain.ModifiedProperty{{DisplayName: "timeZone", OldValue: old.String(), NewValue: loc.String()}}}}})
	})
}

// HireDayStart is when a pass for a hire date starts: that day at start (time
// of day) in the directory's time zone.
func (s *Service) HireDayStart(ctx context.Context, hire time.Time, start time.Duration, loc *time.Location) (time.Time, error) {
	if loc == nil {
		var err error
		if loc, err = s.TimeZone(ctx); err != nil {
			return time.Time{}, err
		}
	}
	d := hire.UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Add(start), nil
}
