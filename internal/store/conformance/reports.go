package conformance

import (
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var reportTests = []test{
	{"Report/RegistrationDetails", testRegistrationDetails},
	{"Report/RegistrationFilters", testRegistrationFilters},
	{"Report/RegistrationScope", testRegistrationScope},
	{"Report/RegistrationSummary", testRegistrationSummary},
	{"Report/SignInTallies", testSignInTallies},
	{"Report/DailyCounts", testDailyCounts},
	{"SignIn/FilterMethodAndNames", testSignInLogFilters},
}

var everyone = domain.MethodScope{Everyone: true, Include: []string{}, Exclude: []string{}}

// registrationFixture: ada has a device-bound key and a pass; bob a synced key
// and is a Global Administrator; cy only a pass, used up (one-time); dee
// nothing but a Reports Reader role; eve a pass that has ended.
func registrationFixture(t *testing.T, s store.Store) time.Time {
	t.Helper()
	createUsers(t, s, newUser("u-ada", "ada@example.com"), newUser("u-bob", "bob@example.com"),
		newUser("u-cy", "cy@example.com"), newUser("u-dee", "dee@example.com"), newUser("u-eve", "eve@example.com"))
	k1 := newPasskey("k1", "u-ada", 1)
	k1.CreatedDateTime = t0.Add(time.Hour)
	must(t, s.CreatePasskey(ctx, k1))
	k2 := newPasskey("k2", "u-bob", 2)
	k2.BackupEligible = true
	must(t, s.CreatePasskey(ctx, k2))
	ada := newPass("p-ada", "u-ada")
	ada.CreatedDateTime = t0.Add(2 * time.Hour)
	must(t, s.CreatePass(ctx, ada))
	must(t, s.CreatePass(ctx, newPass("p-cy", "u-cy")))
	must(t, s.ConsumePass(ctx, "p-cy", t0.Add(2*time.Minute)))
	eve := newPass("p-eve", "u-eve")
	eve.StartDateTime = t0.Add(-3 * time.Hour)
	must(t, s.CreatePass(ctx, eve))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u-bob", Role: domain.RoleGlobalAdministrator}))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u-dee", Role: domain.RoleReportsReader}))
	return t0.Add(5 * time.Minute) // ada's pass is live, eve's ended
}

func registrationQuery(now time.Time) domain.RegistrationQuery {
	return domain.RegistrationQuery{Now: now, PasskeyScope: everyone}
}

func registrationID(r domain.RegistrationDetails) string { return r.UserID }

func testRegistrationDetails(t *testing.T, s store.Store) {
	now := registrationFixture(t, s)
	got, total, err := s.ListRegistrationDetails(ctx, registrationQuery(now), store.ListOptions{Count: true})
	must(t, err)
	wantIDs(t, idsOf(got, registrationID), []string{"u-ada", "u-bob", "u-cy", "u-dee", "u-eve"})
	wantEqual(t, total, 5)
	wantEqual(t, got[0], domain.RegistrationDetails{UserID: "u-ada", UserPrincipalName: "ada@example.com",
		UserDisplayName: "User u-ada", DeviceBoundKeys: 1, HasPass: true, PasskeysAllowed: true,
		LastUpdatedDateTime: norm(t0.Add(2 * time.Hour))})
	wantEqual(t, got[0].MethodsRegistered(), []string{domain.RegisteredPassKeyDeviceBound, domain.RegisteredTemporaryAccessPass})
	wantEqual(t, got[1].MethodsRegistered(), []string{domain.RegisteredPassKeySynced})
	if !got[1].IsAdmin || !got[1].IsPasswordlessCapable() || got[1].LastUpdatedDateTime != norm(t0) {
		t.Errorf("bob = %+v, want an admin, passwordless, last updated at t0", got[1])
	}
	// A used one-time pass and an ended pass are not registered methods.
	for _, r := range got[2:] {
		if len(r.MethodsRegistered()) != 0 || r.IsMfaRegistered() {
			t.Errorf("%s registered %v, want nothing", r.UserID, r.MethodsRegistered())
		}
	}
	if !got[3].IsAdmin || got[2].IsAdmin {
		t.Errorf("isAdmin: dee %v, cy %v; want true, false", got[3].IsAdmin, got[2].IsAdmin)
	}

	// Paging and order.
	page, _, err := s.ListRegistrationDetails(ctx, registrationQuery(now), store.ListOptions{
		Top: 2, Skip: 1, OrderBy: []odata.OrderBy{{Field: "userPrincipalName", Desc: true}}})
	must(t, err)
	wantIDs(t, idsOf(page, registrationID), []string{"u-dee", "u-cy"})

	// Deleting a passkey shows at once: the report is computed, not kept.
	must(t, s.DeletePasskey(ctx, "k1"))
	got, _, err = s.ListRegistrationDetails(ctx, registrationQuery(now), store.ListOptions{Filter: cmp("id", odata.Eq, str("u-ada"))})
	must(t, err)
	wantEqual(t, got[0].MethodsRegistered(), []string{domain.RegisteredTemporaryAccessPass})
}

func testRegistrationFilters(t *testing.T, s store.Store) {
	now := registrationFixture(t, s)
	method := func(m string) odata.Expr {
		return odata.Any{Collection: "methodsRegistered", Inner: cmp("", odata.Eq, str(m))}
	}
	cases := []struct {
		name   string
		filter odata.Expr
		want   []string
	}{
		{"isAdmin", cmp("isAdmin", odata.Eq, boolean(true)), []string{"u-bob", "u-dee"}},
		{"notAdmin", cmp("isAdmin", odata.Eq, boolean(false)), []string{"u-ada", "u-cy", "u-eve"}},
		{"mfaCapable", cmp("isMfaCapable", odata.Eq, boolean(true)), []string{"u-ada", "u-bob"}},
		{"passwordless", cmp("isPasswordlessCapable", odata.Eq, boolean(false)), []string{"u-cy", "u-dee", "u-eve"}},
		{"mfaRegistered", cmp("isMfaRegistered", odata.Eq, boolean(true)), []string{"u-ada", "u-bob"}},
		{"sspr", cmp("isSsprRegistered", odata.Eq, boolean(true)), []string{}},
		{"deviceBound", method(domain.RegisteredPassKeyDeviceBound), []string{"u-ada"}},
		{"pass", method(domain.RegisteredTemporaryAccessPass), []string{"u-ada"}},
		{"anyPasskey", or(method(domain.RegisteredPassKeySynced), method(domain.RegisteredPassKeyDeviceBound)), []string{"u-ada", "u-bob"}},
		{"noMethod", odata.Not{Inner: odata.Any{Collection: "methodsRegistered", Inner: cmp("", odata.Ne, str(""))}}, []string{"u-cy", "u-dee", "u-eve"}},
		{"upnStartswith", startswith("userPrincipalName", "B"), []string{"u-bob"}},
		{"displayName", cmp("userDisplayName", odata.Eq, str("user u-cy")), []string{"u-cy"}},
		{"member", cmp("userType", odata.Eq, str("member")), []string{"u-ada", "u-bob", "u-cy", "u-dee", "u-eve"}},
		{"guest", cmp("userType", odata.Eq, str("guest")), []string{}},
		{"combined", and(cmp("isAdmin", odata.Eq, boolean(true)), cmp("isMfaCapable", odata.Eq, boolean(true))), []string{"u-bob"}},
	}
	for _, c := range cases {
		got, total, err := s.ListRegistrationDetails(ctx, registrationQuery(now), store.ListOptions{Filter: c.filter, Count: true})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ids := idsOf(got, registrationID); !equalIDs(ids, c.want) || total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, ids, total, c.want)
		}
	}
	_, _, err := s.ListRegistrationDetails(ctx, registrationQuery(now), store.ListOptions{Filter: cmp("mail", odata.Eq, str("x"))})
	wantUnsupported(t, err, "mail")
}

func equalIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testRegistrationScope: a passkey outside the policy's scope is registered
// but does not make its holder capable.
func testRegistrationScope(t *testing.T, s store.Store) {
	now := registrationFixture(t, s)
	must(t, s.CreateGroup(ctx, newGroup("g-pilot", "Pilot")))
	must(t, s.CreateGroup(ctx, newGroup("g-out", "Excluded")))
	must(t, s.AddGroupMember(ctx, "g-pilot", "u-ada"))
	must(t, s.AddGroupMember(ctx, "g-pilot", "u-bob"))
	must(t, s.AddGroupMember(ctx, "g-out", "u-bob"))
	capable := func(scope domain.MethodScope) []string {
		t.Helper()
		q := registrationQuery(now)
		q.PasskeyScope = scope
		got, _, err := s.ListRegistrationDetails(ctx, q, store.ListOptions{Filter: cmp("isMfaCapable", odata.Eq, boolean(true))})
		must(t, err)
		return idsOf(got, registrationID)
	}
	wantIDs(t, capable(domain.MethodScope{Nobody: true}), []string{})
	wantIDs(t, capable(domain.MethodScope{Include: []string{"g-pilot"}}), []string{"u-ada", "u-bob"})
	wantIDs(t, capable(domain.MethodScope{Include: []string{"g-pilot"}, Exclude: []string{"g-out"}}), []string{"u-ada"})
	wantIDs(t, capable(domain.MethodScope{Everyone: true, Exclude: []string{"g-out"}}), []string{"u-ada"})
	wantIDs(t, capable(domain.MethodScope{Include: []string{"g-none"}}), []string{})
	q := registrationQuery(now)
	q.PasskeyScope = domain.MethodScope{Everyone: true, Exclude: []string{"g-out"}}
	bob, _, err := s.ListRegistrationDetails(ctx, q, store.ListOptions{Filter: cmp("id", odata.Eq, str("u-bob"))})
	must(t, err)
	if !bob[0].IsMfaRegistered() || bob[0].IsMfaCapable() {
		t.Errorf("bob excluded from passkeys: registered %v, capable %v; want true, false", bob[0].IsMfaRegistered(), bob[0].IsMfaCapable())
	}
}

func testRegistrationSummary(t *testing.T, s store.Store) {
	now := registrationFixture(t, s)
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u-ada", Role: domain.RoleAuthenticationAdministrator}))
	cases := []struct {
		roles                         domain.IncludedUserRoles
		types                         domain.IncludedUserTypes
		total, device, synced, passes int
		capable                       int
	}{
		{domain.RolesAll, domain.TypesAll, 5, 1, 1, 1, 2},
		{"", "", 5, 1, 1, 1, 2},
		{domain.RolesAdmin, domain.TypesMember, 3, 1, 1, 1, 2},        // ada, bob, dee
		{domain.RolesPrivilegedAdmin, domain.TypesAll, 2, 1, 1, 1, 2}, // ada, bob (not the Reports Reader)
		{domain.RolesUser, domain.TypesAll, 2, 0, 0, 0, 0},            // cy, eve
		{domain.RolesAll, domain.TypesGuest, 0, 0, 0, 0, 0},           // no guests in firstkey
		{domain.RolesPrivilegedAdmin, domain.TypesGuest, 0, 0, 0, 0, 0},
	}
	for _, c := range cases {
		q := registrationQuery(now)
		q.Roles, q.Types = c.roles, c.types
		sum, err := s.SummarizeRegistrations(ctx, q)
		must(t, err)
		want := domain.RegistrationSummary{TotalUsers: c.total,
			ByMethod: map[string]int{domain.RegisteredPassKeyDeviceBound: c.device, domain.RegisteredPassKeySynced: c.synced,
				domain.RegisteredTemporaryAccessPass: c.passes},
			ByFeature: map[string]int{domain.FeatureSsprRegistered: 0, domain.FeatureSsprEnabled: 0, domain.FeatureSsprCapable: 0,
				domain.FeatureMfaCapable: c.capable, domain.FeaturePasswordlessCapable: c.capable}}
		if !equalSummary(sum, want) {
			t.Errorf("roles %q types %q: got %+v, want %+v", c.roles, c.types, sum, want)
		}
	}
	// An empty directory counts zero everywhere, not NULL.
	q := registrationQuery(now)
	q.Roles = domain.RolesUser
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u-cy", Role: domain.RoleReportsReader}))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u-eve", Role: domain.RoleReportsReader}))
	sum, err := s.SummarizeRegistrations(ctx, q)
	must(t, err)
	if sum.TotalUsers != 0 || sum.ByMethod[domain.RegisteredPassKeySynced] != 0 {
		t.Errorf("nobody without a role: got %+v", sum)
	}
}

func equalSummary(a, b domain.RegistrationSummary) bool {
	if a.TotalUsers != b.TotalUsers || len(a.ByMethod) != len(b.ByMethod) || len(a.ByFeature) != len(b.ByFeature) {
		return false
	}
	for k, v := range b.ByMethod {
		if a.ByMethod[k] != v {
			return false
		}
	}
	for k, v := range b.ByFeature {
		if a.ByFeature[k] != v {
			return false
		}
	}
	return true
}

func testSignInTallies(t *testing.T, s store.Store) {
	day1 := time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	ins := []domain.SignIn{
		newSignIn("s1", day1.Add(time.Hour), "u1", "a@example.com", 0),
		newSignIn("s2", day1.Add(2*time.Hour), "u1", "a@example.com", 0),
		newSignIn("s3", day1.Add(23*time.Hour+59*time.Minute), "u2", "b@example.com", domain.SignInPassExpired),
		newSignIn("s4", day2, "u2", "b@example.com", 0), // midnight belongs to the next day
		newSignIn("s5", day2.Add(time.Hour), "", "x@example.com", domain.SignInUserNotFound),
		newSignIn("s6", day2.Add(48*time.Hour), "u1", "a@example.com", 0), // outside the range
		newSignIn("s7", day1.Add(-time.Microsecond), "u1", "a@example.com", 0),
	}
	ins[3].AuthenticationMethod = domain.MethodPasskey
	ins[3].AuthenticationMethodDetail = "Laptop"
	ins[4].AuthenticationMethod, ins[4].AuthenticationMethodDetail, ins[4].AuthenticationRequirement = "", "", domain.RequirementSingleFactor
	ins[1].AuthenticationMethodDetail = "p2" // two passes used on day 1
	for _, si := range ins {
		must(t, s.CreateSignIn(ctx, si))
	}
	got, err := s.TallySignIns(ctx, day1, day2.Add(24*time.Hour))
	must(t, err)
	want := []domain.SignInTally{
		{Day: day1, Method: domain.MethodTemporaryAccess, Requirement: domain.RequirementMFA, Succeeded: false, ErrorCode: domain.SignInPassExpired, Count: 1},
		{Day: day1, Method: domain.MethodTemporaryAccess, Requirement: domain.RequirementMFA, Succeeded: true, ErrorCode: 0, Count: 2},
		{Day: day2, Method: "", Requirement: domain.RequirementSingleFactor, Succeeded: false, ErrorCode: domain.SignInUserNotFound, Count: 1},
		{Day: day2, Method: domain.MethodPasskey, Requirement: domain.RequirementMFA, Succeeded: true, ErrorCode: 0, Count: 1},
	}
	wantEqual(t, got, want)

	used, err := s.CountPassesUsedByDay(ctx, day1, day2.Add(24*time.Hour))
	must(t, err)
	wantEqual(t, used, []domain.DayCount{{Day: day1, Count: 2}})
	none, err := s.TallySignIns(ctx, day2.Add(24*time.Hour), day2.Add(48*time.Hour))
	must(t, err)
	wantEqual(t, len(none), 0)
}

func testDailyCounts(t *testing.T, s store.Store) {
	day1 := time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)
	for i, when := range []time.Duration{time.Hour, 2 * time.Hour, 26 * time.Hour} {
		a := newAudit("a"+string(rune('1'+i)), day1.Add(when), domain.ActivityAdminRegisteredSecurityInfo, "admin1", "admin1@example.com", "u1", "u1@example.com")
		must(t, s.CreateAudit(ctx, a))
	}
	failed := newAudit("a9", day1.Add(time.Hour), domain.ActivityAdminRegisteredSecurityInfo, "admin1", "admin1@example.com", "u1", "u1@example.com")
	failed.Result = "failure"
	must(t, s.CreateAudit(ctx, failed))
	must(t, s.CreateAudit(ctx, newAudit("a8", day1.Add(time.Hour), domain.ActivityAddUser, "admin1", "admin1@example.com", "u1", "u1@example.com")))
	issued, err := s.CountAuditsByDay(ctx, domain.ActivityAdminRegisteredSecurityInfo, day1, day1.Add(72*time.Hour))
	must(t, err)
	wantEqual(t, issued, []domain.DayCount{{Day: day1, Count: 2}, {Day: day1.Add(24 * time.Hour), Count: 1}})

	// Onboarding: the day of each user's oldest passkey still held.
	createUsers(t, s, newUser("u1", "u1@example.com"), newUser("u2", "u2@example.com"), newUser("u3", "u3@example.com"))
	keys := []struct {
		id, user string
		at       time.Time
	}{
		{"k1", "u1", day1.Add(-time.Hour)}, // before the range
		{"k2", "u1", day1.Add(time.Hour)},  // u1's second key does not count again
		{"k3", "u2", day1.Add(25 * time.Hour)},
		{"k4", "u3", day1.Add(30 * time.Hour)},
	}
	for i, k := range keys {
		p := newPasskey(k.id, k.user, byte(i+1))
		p.CreatedDateTime = k.at
		must(t, s.CreatePasskey(ctx, p))
	}
	before, days, err := s.CountFirstPasskeysByDay(ctx, day1, day1.Add(72*time.Hour))
	must(t, err)
	wantEqual(t, before, 1)
	wantEqual(t, days, []domain.DayCount{{Day: day1.Add(24 * time.Hour), Count: 2}})
	must(t, s.DeletePasskey(ctx, "k1"))
	before, days, err = s.CountFirstPasskeysByDay(ctx, day1, day1.Add(72*time.Hour))
	must(t, err)
	wantEqual(t, before, 0)
	wantEqual(t, days, []domain.DayCount{{Day: day1, Count: 1}, {Day: day1.Add(24 * time.Hour), Count: 2}})
}

// testSignInLogFilters: the filters the console's sign-in log offers.
func testSignInLogFilters(t *testing.T, s store.Store) {
	ins := []domain.SignIn{
		newSignIn("s1", t0, "u1", "ada@example.com", 0),
		newSignIn("s2", t0.Add(time.Second), "u2", "bob@example.com", domain.SignInPasskeyFailed),
		newSignIn("s3", t0.Add(2*time.Second), "u1", "ada@example.com", 0),
	}
	ins[1].AuthenticationMethod, ins[1].AppDisplayName, ins[1].UserDisplayName = domain.MethodPasskey, "Payroll", "Bob Jones"
	ins[2].AuthenticationMethod = domain.MethodPasskey
	for _, si := range ins {
		must(t, s.CreateSignIn(ctx, si))
	}
	method := func(m string) odata.Expr {
		return odata.Any{Collection: "authenticationDetails", Inner: cmp("authenticationMethod", odata.Eq, str(m))}
	}
	for _, c := range []struct {
		name   string
		filter odata.Expr
		want   []string
	}{
		{"passkey", method(domain.MethodPasskey), []string{"s3", "s2"}},
		{"pass", method(domain.MethodTemporaryAccess), []string{"s1"}},
		{"failed passkey", odata.Any{Collection: "authenticationDetails", Inner: and(cmp("authenticationMethod", odata.Eq, str(domain.MethodPasskey)),
			cmp("succeeded", odata.Eq, boolean(false)))}, []string{"s2"}},
		{"app name", odata.Func{Name: "contains", Field: "appDisplayName", Value: str("PAY")}, []string{"s2"}},
		{"user name", odata.Func{Name: "startswith", Field: "userDisplayName", Value: str("bob")}, []string{"s2"}},
		{"not a passkey", odata.Not{Inner: method(domain.MethodPasskey)}, []string{"s1"}},
	} {
		got, n, err := s.ListSignIns(ctx, store.ListOptions{Filter: c.filter, Count: true})
		must(t, err)
		if ids := idsOf(got, signInID); !equalIDs(ids, c.want) || n != len(c.want) {
			t.Errorf("%s: got %v (%d), want %v", c.name, ids, n, c.want)
		}
	}
}
