package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// registrationQuery is what the registration reports are computed against now:
// the passkey policy decides who is capable.
func (s *Service) registrationQuery(ctx context.Context) (domain.RegistrationQuery, error) {
	policy, err := s.store.GetFido2Policy(ctx)
	if err != nil {
		return domain.RegistrationQuery{}, fmt.Errorf("read passkey policy: %w", err)
	}
	return domain.RegistrationQuery{Now: s.now(),
		PasskeyScope: domain.ScopeOf(policy.State, policy.IncludeTargets, policy.ExcludeTargets)}, nil
}

// ListRegistrationDetails lists each user's registration state (Graph
// userRegistrationDetails), computed from what they hold now.
func (s *Service) ListRegistrationDetails(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.RegistrationDetails, int, error) {
	if err := actor.Require(domain.ActReadReports); err != nil {
		return nil, 0, err
	}
	q, err := s.registrationQuery(ctx)
	if err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListRegistrationDetails(ctx, q, opts))
}

// GetRegistrationDetails returns one user's registration state.
func (s *Service) GetRegistrationDetails(ctx context.Context, actor domain.Actor, userID string) (domain.RegistrationDetails, error) {
	rows, _, err := s.ListRegistrationDetails(ctx, actor, store.ListOptions{Top: 1,
		Filter: odata.Compare{Field: "id", Op: odata.Eq, Value: odata.Value{Kind: odata.KindString, String: userID}}})
	if err != nil {
		return domain.RegistrationDetails{}, err
	}
	if len(rows) == 0 {
		return domain.RegistrationDetails{}, notFound(store.ErrNotFound, "user registration details", userID)
	}
	return rows[0], nil
}

// SummarizeRegistrations counts the users of the given roles and types per
// registered method and per feature.
func (s *Service) SummarizeRegistrations(ctx context.Context, actor domain.Actor, roles domain.IncludedUserRoles, types domain.IncludedUserTypes) (domain.RegistrationSummary, error) {
	if err := actor.Require(domain.ActReadReports); err != nil {
		return domain.RegistrationSummary{}, err
	}
	q, err := s.registrationQuery(ctx)
	if err != nil {
		return domain.RegistrationSummary{}, err
	}
	q.Roles, q.Types = roles, types
	sum, err := s.store.SummarizeRegistrations(ctx, q)
	if err != nil {
		return sum, fmt.Errorf("summarize registrations: %w", err)
	}
	return sum, nil
}

// Activity is what happened in a time range, per UTC day: sign-ins by method,
// requirement and outcome, passes issued and used, people who became
// passwordless.
type Activity struct {
	From, To time.Time
	Days     []time.Time // every day of the range, for charts with gaps
	SignIns  []domain.SignInTally
	// PassesIssued counts passes created by administrators (the audit log);
	// PassesUsed the distinct passes someone signed in with.
	PassesIssued, PassesUsed []domain.DayCount
	// PasswordlessBefore is how many people held a passkey before the range;
	// FirstPasskeys how many registered their first one on each day.
	PasswordlessBefore int
	FirstPasskeys      []domain.DayCount
}

// ReportActivity gathers the activity of [from, to).
func (s *Service) ReportActivity(ctx context.Context, actor domain.Actor, from, to time.Time) (Activity, error) {
	if err := actor.Require(domain.ActReadReports); err != nil {
		return Activity{}, err
	}
	if err := domain.ValidateReportRange(from, to); err != nil {
		return Activity{}, err
	}
	a := Activity{From: from.UTC(), To: to.UTC(), Days: domain.DaysBetween(from, to)}
	var err error
	if a.SignIns, err = s.store.TallySignIns(ctx, from, to); err != nil {
		return a, fmt.Errorf("tally sign-ins: %w", err)
	}
	if a.PassesIssued, err = s.store.CountAuditsByDay(ctx, domain.ActivityAdminRegisteredSecurityInfo, from, to); err != nil {
		return a, fmt.Errorf("count passes issued: %w", err)
	}
	if a.PassesUsed, err = s.store.CountPassesUsedByDay(ctx, from, to); err != nil {
		return a, fmt.Errorf("count passes used: %w", err)
	}
	if a.PasswordlessBefore, a.FirstPasskeys, err = s.store.CountFirstPasskeysByDay(ctx, from, to); err != nil {
		return a, fmt.Errorf("count first passkeys: %w", err)
	}
	return a, nil
}

// TallySignIns counts the sign-ins of [from, to) per day, method, requirement
// and outcome.
func (s *Service) TallySignIns(ctx context.Context, actor domain.Actor, from, to time.Time) ([]domain.SignInTally, error) {
	if err := actor.Require(domain.ActReadReports); err != nil {
		return nil, err
	}
	if err := domain.ValidateReportRange(from, to); err != nil {
		return nil, err
	}
	t, err := s.store.TallySignIns(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("tally sign-ins: %w", err)
	}
	return t, nil
}
