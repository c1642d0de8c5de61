package directory

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// BulkRow is one new joiner (or person to recover) of a bulk issuance: the user
// to find or create, and the pass to issue them.
type BulkRow struct {
	Line              int // where the row came from (a CSV line), for the report
	UserPrincipalName string
	DisplayName       string // needed only to create the user
	Mail              string
	Manager           string     // UPN or id of an existing user
	EmployeeHireDate  *time.Time // the pass starts on that day's morning unless StartDateTime is set
	StartDateTime     *time.Time
	LifetimeInMinutes *int
	IsUsableOnce      *bool
	Deliver           string
	// Invalid, when set, is why the row could not even be read; it fails as is.
	Invalid string
}

// BulkOptions steer a bulk issuance.
type BulkOptions struct {
	// DryRun checks every row as far as it can without changing anything.
	DryRun bool
	// SkipExisting leaves alone a user who already holds a pass that is usable or
	// still to start, so that re-running a file issues only what is missing.
	SkipExisting bool
	// HireDayStart is when on the hire date a pass starts, in Location (default
	// 08:00; Location defaults to the directory's time zone): a new joiner's pass
	// works from the morning of their first day.
	HireDayStart time.Duration
	Location     *time.Location
	// Workers run rows at once; 0 means one per core (hashing bounds the rate).
	Workers int
	// Progress, when set, is called after each row with how many are done.
	Progress func(done int)
}

// Bulk row outcomes.
const (
	BulkIssued  = "issued"  // a pass was issued (UserCreated says whether the user was new)
	BulkSkipped = "skipped" // SkipExisting: the user already holds a live pass
	BulkValid   = "valid"   // DryRun: the row would succeed
	BulkFailed  = "failed"
)

// BulkResult is the outcome of one row.
type BulkResult struct {
	Line              int
	UserPrincipalName string
	Status            string
	UserCreated       bool
	Pass              *IssuedPass // the issued pass, code included: shown to the operator once
	Error             string      // why the row failed, in words safe to show
}

// DefaultHireDayStart is when a new joiner's pass starts on their first day.
const DefaultHireDayStart = 8 * time.Hour

// BulkIssue finds or creates each row's user and issues them a pass. Each row
// succeeds or fails on its own, with a reason; a failed row never stops the
// others, and rows that succeeded stay in place. Rows run in parallel, so the
// rate is bounded by pass hashing over every core. Results are in row order.
func (s *Service) BulkIssue(ctx context.Context, actor domain.Actor, rows []BulkRow, opts BulkOptions) []BulkResult {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.Location == nil {
		loc, err := s.TimeZone(ctx)
		if err != nil {
			s.log.ErrorContext(ctx, "read the directory's time zone; hire dates are read in UTC", "err", err)
			loc = time.UTC
		}
		opts.Location = loc
	}
	if opts.HireDayStart == 0 {
		opts.HireDayStart = DefaultHireDayStart
	}
	results := make([]BulkResult, len(rows))
	next := make(chan int)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range min(opts.Workers, max(len(rows), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = s.bulkRow(ctx, actor, rows[i], opts)
				if opts.Progress != nil {
					opts.Progress(int(done.Add(1)))
				}
			}
		}()
	}
	for i := range rows {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func (s *Service) bulkRow(ctx context.Context, actor domain.Actor, row BulkRow, opts BulkOptions) BulkResult {
	res := BulkResult{Line: row.Line, UserPrincipalName: strings.TrimSpace(row.UserPrincipalName)}
	fail := func(err error) BulkResult {
		res.Status, res.Error = BulkFailed, s.bulkReason(ctx, row, err)
		return res
	}
	if row.Invalid != "" {
		return fail(domain.Invalid("%s", row.Invalid))
	}
	if err := domain.ValidateUPN(res.UserPrincipalName); err != nil {
		return fail(err)
	}
	deliver, err := domain.ParseDeliverSpec(row.Deliver)
	if err != nil {
		return fail(err)
	}
	if err := s.deliveryAvailable(deliver); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	req := domain.PassRequest{StartDateTime: row.StartDateTime, LifetimeInMinutes: row.LifetimeInMinutes, IsUsableOnce: row.IsUsableOnce, Deliver: deliver}
	if req.StartDateTime == nil && row.EmployeeHireDate != nil {
		start, err := s.HireDayStart(ctx, *row.EmployeeHireDate, opts.HireDayStart, opts.Location)
		if err != nil {
			return fail(err)
		}
		req.StartDateTime = &start
	}

	u, err := s.ResolveUser(ctx, res.UserPrincipalName)
	switch {
	case domain.KindOf(err) == domain.KindNotFound:
		if u, err = s.bulkNewUser(ctx, actor, row, opts.DryRun); err != nil {
			return fail(err)
		}
		res.UserCreated = !opts.DryRun
	case err != nil:
		return fail(err)
	case opts.SkipExisting:
		live, err := s.holdsLivePass(ctx, u)
		if err != nil {
			return fail(err)
		}
		if live {
			res.Status = BulkSkipped
			return res
		}
	}
	res.UserPrincipalName = u.UserPrincipalName
	if opts.DryRun {
		if err := s.checkIssuable(ctx, actor, u, req); err != nil {
			return fail(err)
		}
		res.Status = BulkValid
		return res
	}
	issued, err := s.IssuePass(ctx, actor, u.ID, req)
	if err != nil {
		return fail(err)
	}
	res.Status, res.Pass = BulkIssued, &issued
	return res
}

// bulkNewUser creates a row's user, or in a dry run checks that it could.
func (s *Service) bulkNewUser(ctx context.Context, actor domain.Actor, row BulkRow, dryRun bool) (domain.User, error) {
	u := domain.User{UserPrincipalName: strings.TrimSpace(row.UserPrincipalName), DisplayName: strings.TrimSpace(row.DisplayName),
		Mail: strings.TrimSpace(row.Mail), AccountEnabled: true, EmployeeHireDate: row.EmployeeHireDate}
	if u.DisplayName == "" {
		return domain.User{}, domain.Invalid("The user %s does not exist, and displayName is required to create them.", u.UserPrincipalName)
	}
	if m := strings.TrimSpace(row.Manager); m != "" {
		mgr, err := s.ResolveUser(ctx, m)
		if err != nil {
			return domain.User{}, domain.Invalid("The manager %q does not exist.", m)
		}
		u.ManagerID = mgr.ID
	}
	if dryRun {
		if err := actor.Require(domain.ActWriteUsers); err != nil {
			return domain.User{}, err
		}
		return u, u.Validate()
	}
	return s.CreateUser(ctx, actor, u)
}

// holdsLivePass reports whether a user holds a pass that is usable now or is
// still to start.
func (s *Service) holdsLivePass(ctx context.Context, u domain.User) (bool, error) {
	views, err := s.passViews(ctx, u)
	if err != nil {
		return false, err
	}
	for _, v := range views {
		if v.IsUsable || v.Reason == domain.NotYetValid {
			return true, nil
		}
	}
	return false, nil
}

// checkIssuable checks, without writing, what IssuePass would: the actor's right
// over the user, the account, and the terms against the policy.
func (s *Service) checkIssuable(ctx context.Context, actor domain.Actor, u domain.User, req domain.PassRequest) error {
	if err := actor.Require(domain.ActWriteMethods); err != nil {
		return err
	}
	if u.ID != "" {
		roles, err := s.store.ListUserRoles(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := actor.CanManageMethodsOf(u, roles); err != nil {
			return err
		}
		if !u.AccountEnabled {
			return domain.Invalid("The user %s is disabled; enable the account before issuing a Temporary Access Pass.", u.UserPrincipalName)
		}
	}
	policy, err := s.store.GetTAPPolicy(ctx)
	if err != nil {
		return err
	}
	_, err = req.Terms(s.now(), policy)
	return err
}

// bulkReason is what a report may say about a failed row: a rule's own message,
// or, for anything unexpected, a generic line (the details go to the log).
func (s *Service) bulkReason(ctx context.Context, row BulkRow, err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "Not done: the run was stopped before this row."
	}
	if errors.Is(err, store.ErrInvalidText) {
		return "The row holds text that is not valid (control characters or invalid UTF-8)."
	}
	s.log.ErrorContext(ctx, "bulk issuance row failed", "line", row.Line, "err", err)
	return "An internal error stopped this row; see the server log."
}
