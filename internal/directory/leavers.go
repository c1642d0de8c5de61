package directory

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// leaversPerRun bounds one pass over leavers; the next run takes the rest.
const leaversPerRun = 500

// ProcessLeavers disables every enabled account whose employeeLeaveDateTime has
// come, deletes their passes and ends their sessions and tokens, each audited
// with firstkey as the initiator. It returns how many accounts it disabled. A
// running server calls it every minute; replicas may run it at once, since each
// step is a transaction that finds the account already done.
func (s *Service) ProcessLeavers(ctx context.Context) (int, error) {
	now := s.now()
	filter, err := odata.ParseFilter(fmt.Sprintf("accountEnabled eq true and employeeLeaveDateTime le %s", now.Format("2006-01-02T15:04:05.999999Z")))
	if err != nil {
		return 0, fmt.Errorf("leavers filter: %w", err)
	}
	users, _, err := s.store.ListUsers(ctx, store.ListOptions{Filter: filter, Top: leaversPerRun})
	if err != nil {
		return 0, fmt.Errorf("list leavers: %w", err)
	}
	actor := domain.AutomaticActor()
	done := 0
	for _, u := range users {
		disabled := false
		_, err := s.UpdateUser(ctx, actor, u.ID, func(x *domain.User) error {
			// Read again inside the transaction: the date may have moved, or
			// another replica may have been first.
			if x.AccountEnabled && x.EmployeeLeaveDateTime != nil && !x.EmployeeLeaveDateTime.After(now) {
				x.AccountEnabled, disabled = false, true
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("disable leaver %s: %w", u.ID, err)
		}
		if !disabled {
			continue
		}
		passes, err := s.store.ListUserPasses(ctx, u.ID)
		if err != nil {
			return done, fmt.Errorf("list passes of leaver %s: %w", u.ID, err)
		}
		for _, p := range passes {
			err := s.store.InTx(ctx, func(tx store.Store) error {
				return s.removePass(ctx, tx, actor, u, p, "The holder left: their employeeLeaveDateTime passed")
			})
			if err != nil {
				return done, fmt.Errorf("delete pass of leaver %s: %w", u.ID, err)
			}
		}
		if _, err := s.store.RevokeGrants(ctx, domain.GrantFilter{UserID: u.ID}, now, "the user left"); err != nil {
			return done, fmt.Errorf("revoke tokens of leaver %s: %w", u.ID, err)
		}
		s.log.InfoContext(ctx, "leaver's account disabled", "user_id", u.ID, "passes_deleted", len(passes))
		done++
	}
	return done, nil
}
