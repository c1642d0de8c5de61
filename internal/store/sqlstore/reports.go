package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// The registration reports are computed from the users, their passkeys, passes
// and roles as they are now: one derived table, "r", holds a row per user.

// registrations is the FROM clause of the registration reports and its
// arguments (the instant a pass must outlive, then the policy's groups).
func (s *Store) registrations(q domain.RegistrationQuery) (string, []any) {
	allowed, args := scopeCondition(q.PasskeyScope)
	from := `(SELECT k.*, (k.device_bound + k.synced > 0) AS mfa_registered,
			(k.device_bound + k.synced > 0 AND k.allowed) AS capable
		FROM (SELECT u.id AS id, u.user_principal_name AS upn, u.upn_key AS upn_key,
			u.display_name AS display_name, u.last_modified_at AS modified_at,
			EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id) AS is_admin,
			(SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id AND NOT p.backup_eligible) AS device_bound,
			(SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id AND p.backup_eligible) AS synced,
			(SELECT MAX(p.created_at) FROM passkeys p WHERE p.user_id = u.id) AS key_at,
			EXISTS (SELECT 1 FROM temporary_access_passes t WHERE t.user_id = u.id AND t.end_at > ?
				AND (NOT t.usable_once OR t.used_at IS NULL)) AS has_pass,
			(SELECT MAX(t.created_at) FROM temporary_access_passes t WHERE t.user_id = u.id) AS pass_at,
			` + allowed + ` AS allowed
		FROM users u) k) r`
	return from, append([]any{s.d.time(q.Now)}, args...)
}

// scopeCondition is a condition on the user u that holds when scope admits them.
func scopeCondition(scope domain.MethodScope) (string, []any) {
	if scope.Nobody {
		return "(1 = 0)", nil
	}
	var args []any
	member := func(groups []string) string {
		for _, g := range groups {
			args = append(args, g)
		}
		return "EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id IN (" +
			placeholders(len(groups)) + "))"
	}
	cond := "(1 = 1)"
	switch {
	case scope.Everyone:
	case len(scope.Include) == 0:
		return "(1 = 0)", nil
	default:
		cond = member(scope.Include)
	}
	if len(scope.Exclude) > 0 {
		cond = "(" + cond + " AND NOT " + member(scope.Exclude) + ")"
	}
	return cond, args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// alwaysFalse is a boolean column that no row has set: firstkey has no
// passwords to reset and no system-preferred second factors.
var alwaysFalse = field{col: "(1 = 0)", typ: boolField}

var registrationFilter = filterSpec{
	fields: map[string]field{
		"id":                    {col: "r.id", typ: exactField},
		"userPrincipalName":     {col: "r.upn_key", typ: upnField},
		"userDisplayName":       {col: "r.display_name", typ: textField},
		"userType":              {col: "'member'", typ: exactField},
		"isAdmin":               {col: "r.is_admin", typ: boolField},
		"isMfaRegistered":       {col: "r.mfa_registered", typ: boolField},
		"isMfaCapable":          {col: "r.capable", typ: boolField},
		"isPasswordlessCapable": {col: "r.capable", typ: boolField},
		"isSsprCapable":         alwaysFalse,
		"isSsprEnabled":         alwaysFalse,
		"isSsprRegistered":      alwaysFalse,
		"isSystemPreferredAuthenticationMethodEnabled": alwaysFalse,
	},
	collections: map[string]collection{
		// A lambda over the method names the user holds, e.g.
		// methodsRegistered/any(m:m eq 'passKeySynced').
		"methodsRegistered": {
			exists: `EXISTS (SELECT 1 FROM (SELECT '` + domain.RegisteredPassKeyDeviceBound + `' AS method
				UNION ALL SELECT '` + domain.RegisteredPassKeySynced + `'
				UNION ALL SELECT '` + domain.RegisteredTemporaryAccessPass + `') m
				WHERE ((m.method = '` + domain.RegisteredPassKeyDeviceBound + `' AND r.device_bound > 0)
				OR (m.method = '` + domain.RegisteredPassKeySynced + `' AND r.synced > 0)
				OR (m.method = '` + domain.RegisteredTemporaryAccessPass + `' AND r.has_pass)) AND `,
			fields: map[string]field{"": {col: "m.method", typ: exactField}},
		},
	},
}

const registrationColumns = `r.id, r.upn, r.display_name, r.is_admin, r.device_bound, r.synced, r.has_pass,
	r.allowed, r.modified_at, r.key_at, r.pass_at`

func scanRegistration(row rowScanner) (domain.RegistrationDetails, error) {
	var d domain.RegistrationDetails
	var keyAt, passAt *time.Time
	err := row.Scan(&d.UserID, &d.UserPrincipalName, &d.UserDisplayName, &d.IsAdmin, &d.DeviceBoundKeys,
		&d.SyncedKeys, &d.HasPass, &d.PasskeysAllowed, timeDest{&d.LastUpdatedDateTime},
		nullTimeDest{&keyAt}, nullTimeDest{&passAt})
	for _, t := range []*time.Time{keyAt, passAt} {
		if t != nil && t.After(d.LastUpdatedDateTime) {
			d.LastUpdatedDateTime = *t
		}
	}
	return d, err
}

// ListRegistrationDetails lists each user's registration state.
func (s *Store) ListRegistrationDetails(ctx context.Context, q domain.RegistrationQuery, opts store.ListOptions) ([]domain.RegistrationDetails, int, error) {
	from, args := s.registrations(q)
	return list(ctx, s, listQuery{
		what: "list registration details", columns: registrationColumns, from: from, whereArgs: args,
		spec: registrationFilter, order: []odata.OrderBy{{Field: "userPrincipalName"}}, idCol: "r.id",
	}, opts, scanRegistration)
}

// SummarizeRegistrations counts the users q covers, per method and per feature.
func (s *Store) SummarizeRegistrations(ctx context.Context, q domain.RegistrationQuery) (domain.RegistrationSummary, error) {
	from, args := s.registrations(q)
	var conds []string
	switch q.Roles {
	case domain.RolesPrivilegedAdmin:
		conds = append(conds, "EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = r.id AND ra.role IN ("+
			placeholders(len(domain.PrivilegedRoles))+"))")
		for _, role := range domain.PrivilegedRoles {
			args = append(args, string(role))
		}
	case domain.RolesAdmin:
		conds = append(conds, "r.is_admin")
	case domain.RolesUser:
		conds = append(conds, "NOT r.is_admin")
	}
	if q.Types == domain.TypesGuest {
		conds = append(conds, "(1 = 0)") // every firstkey user is a member
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	count := func(cond string) string { return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)" }
	sum := domain.RegistrationSummary{ByMethod: map[string]int{}, ByFeature: map[string]int{}}
	var deviceBound, synced, pass, capable int
	err := s.queryRow(ctx, "SELECT COUNT(*), "+count("r.device_bound > 0")+", "+count("r.synced > 0")+", "+
		count("r.has_pass")+", "+count("r.capable")+" FROM "+from+where, args...).
		Scan(&sum.TotalUsers, &deviceBound, &synced, &pass, &capable)
	if err != nil {
		return domain.RegistrationSummary{}, s.fail("summarize registrations", err)
	}
	sum.ByMethod[domain.RegisteredPassKeyDeviceBound] = deviceBound
	sum.ByMethod[domain.RegisteredPassKeySynced] = synced
	sum.ByMethod[domain.RegisteredTemporaryAccessPass] = pass
	for _, f := range domain.RegistrationFeatures {
		sum.ByFeature[f] = 0
	}
	sum.ByFeature[domain.FeatureMfaCapable] = capable
	sum.ByFeature[domain.FeaturePasswordlessCapable] = capable
	return sum, nil
}

// dayOf turns a DayNumber back into the day's midnight, UTC.
func dayOf(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// TallySignIns counts sign-ins per UTC day, method, requirement and outcome.
func (s *Store) TallySignIns(ctx context.Context, from, to time.Time) ([]domain.SignInTally, error) {
	rows, err := s.query(ctx, "SELECT "+s.d.DayNumber("created_at")+`, authentication_method,
		authentication_requirement, succeeded, error_code, COUNT(*) FROM sign_ins
		WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
		s.d.time(from), s.d.time(to))
	if err != nil {
		return nil, s.fail("tally sign-ins", err)
	}
	return scanAll(rows, "tally sign-ins", func(r rowScanner) (domain.SignInTally, error) {
		var t domain.SignInTally
		var day int64
		err := r.Scan(&day, &t.Method, &t.Requirement, &t.Succeeded, &t.ErrorCode, &t.Count)
		t.Day = dayOf(day)
		return t, err
	})
}

// dayCounts runs a query whose rows are a day number and a count.
func (s *Store) dayCounts(ctx context.Context, what, query string, args ...any) ([]domain.DayCount, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(what, err)
	}
	return scanAll(rows, what, func(r rowScanner) (domain.DayCount, error) {
		var c domain.DayCount
		var day int64
		err := r.Scan(&day, &c.Count)
		c.Day = dayOf(day)
		return c, err
	})
}

// CountPassesUsedByDay counts the distinct passes signed in with per UTC day.
func (s *Store) CountPassesUsedByDay(ctx context.Context, from, to time.Time) ([]domain.DayCount, error) {
	return s.dayCounts(ctx, "count passes used", "SELECT "+s.d.DayNumber("created_at")+`,
		COUNT(DISTINCT authentication_method_detail) FROM sign_ins
		WHERE authentication_method = ? AND succeeded = ? AND authentication_method_detail <> ''
		AND created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
		domain.MethodTemporaryAccess, true, s.d.time(from), s.d.time(to))
}

// CountAuditsByDay counts successful audit records of one activity per UTC day.
func (s *Store) CountAuditsByDay(ctx context.Context, activity string, from, to time.Time) ([]domain.DayCount, error) {
	return s.dayCounts(ctx, fmt.Sprintf("count %q audits", activity), "SELECT "+s.d.DayNumber("activity_at")+`,
		COUNT(*) FROM audits WHERE activity_display_name = ? AND result = 'success'
		AND activity_at >= ? AND activity_at < ? GROUP BY 1 ORDER BY 1`,
		activity, s.d.time(from), s.d.time(to))
}

const firstPasskeys = "(SELECT MIN(created_at) AS first_at FROM passkeys GROUP BY user_id) f"

// CountFirstPasskeysByDay counts users by the day of their oldest passkey.
func (s *Store) CountFirstPasskeysByDay(ctx context.Context, from, to time.Time) (int, []domain.DayCount, error) {
	var before int
	if err := s.queryRow(ctx, "SELECT COUNT(*) FROM "+firstPasskeys+" WHERE f.first_at < ?", s.d.time(from)).Scan(&before); err != nil {
		return 0, nil, s.fail("count first passkeys", err)
	}
	days, err := s.dayCounts(ctx, "count first passkeys", "SELECT "+s.d.DayNumber("f.first_at")+", COUNT(*) FROM "+
		firstPasskeys+" WHERE f.first_at >= ? AND f.first_at < ? GROUP BY 1 ORDER BY 1", s.d.time(from), s.d.time(to))
	return before, days, err
}
