package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var userTests = []test{
	{"User/CreateGet", testUserCreateGet},
	{"User/CreateDuplicate", testUserCreateDuplicate},
	{"User/GetByUPNIgnoresCase", testUserGetByUPN},
	{"User/ManagerMustExist", testUserManagerMustExist},
	{"User/Update", testUserUpdate},
	{"User/UpdateErrors", testUserUpdateErrors},
	{"User/DeleteCascades", testUserDeleteCascades},
	{"User/List", testUserList},
	{"User/LeaveDate", testUserLeaveDate},
}

// testUserLeaveDate keeps a leave date, finds leavers by it (users without one
// never match), and clears it.
func testUserLeaveDate(t *testing.T, s store.Store) {
	leaving, staying := newUser("u1", "a@example.com"), newUser("u2", "b@example.com")
	leave := t0.Add(time.Hour)
	leaving.EmployeeLeaveDateTime = &leave
	createUsers(t, s, leaving, staying)
	got, err := s.GetUser(ctx, "u1")
	must(t, err)
	if got.EmployeeLeaveDateTime == nil || !got.EmployeeLeaveDateTime.Equal(at(time.Hour)) {
		t.Fatalf("leave date %v, want %v", got.EmployeeLeaveDateTime, at(time.Hour))
	}
	f, err := odata.ParseFilter("employeeLeaveDateTime le " + at(2*time.Hour).Format(time.RFC3339Nano) + " and accountEnabled eq true")
	must(t, err)
	list, _, err := s.ListUsers(ctx, store.ListOptions{Filter: f})
	must(t, err)
	wantIDs(t, idsOf(list, userID), []string{"u1"})
	got, err = s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) { u.EmployeeLeaveDateTime = nil; return u, nil })
	must(t, err)
	if got.EmployeeLeaveDateTime != nil {
		t.Fatalf("leave date not cleared: %v", got.EmployeeLeaveDateTime)
	}
}

func newUser(id, upn string) domain.User {
	return domain.User{
		ID: id, UserPrincipalName: upn, DisplayName: "User " + id,
		AccountEnabled: true, CreatedDateTime: t0,
	}
}

func createUsers(t testing.TB, s store.Store, users ...domain.User) {
	t.Helper()
	for _, u := range users {
		must(t, s.CreateUser(ctx, u))
	}
}

// stored is u as the store returns it.
func stored(u domain.User) domain.User {
	if u.Version == 0 {
		u.Version = 1
	}
	if u.LastModifiedDateTime.IsZero() {
		u.LastModifiedDateTime = u.CreatedDateTime
	}
	u.LastModifiedDateTime = norm(u.LastModifiedDateTime)
	u.CreatedDateTime = norm(u.CreatedDateTime)
	if u.EmployeeHireDate != nil {
		u.EmployeeHireDate = ptr(norm(*u.EmployeeHireDate))
	}
	return u
}

func testUserCreateGet(t *testing.T, s store.Store) {
	boss := newUser("boss", "boss@example.com")
	u := domain.User{
		ID: "u1", UserPrincipalName: "Ada.Lovelace@Example.com", DisplayName: "Ada Lovelace",
		GivenName: "Ada", Surname: "Lovelace", Mail: "ada@example.com", MailNickname: "ada",
		JobTitle: "Analyst", Department: "Engines", AccountEnabled: true,
		CreatedDateTime: t0, ManagerID: "boss", EmployeeHireDate: ptr(t0.Add(24 * time.Hour)),
		EmployeeID: "E-1042", ExternalID: "hr:Ada.Lovelace", Version: 7, LastModifiedDateTime: t0.Add(time.Hour),
	}
	disabled := newUser("u2", "off@example.com")
	disabled.AccountEnabled = false
	createUsers(t, s, boss, u, disabled)

	got, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, got, stored(u))
	if got.CreatedDateTime.Location() != time.UTC || got.CreatedDateTime.Nanosecond() != 123456000 {
		t.Errorf("created time %v: want UTC truncated to microseconds", got.CreatedDateTime)
	}
	got, err = s.GetUser(ctx, "u2")
	must(t, err)
	wantEqual(t, got, stored(disabled))
	// A new user without a version starts at 1, last modified when created.
	if got.Version != 1 || !got.LastModifiedDateTime.Equal(norm(t0)) {
		t.Errorf("defaults: version %d, last modified %v", got.Version, got.LastModifiedDateTime)
	}

	_, err = s.GetUser(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, "U1")
	wantErr(t, err, store.ErrNotFound)
}

func testUserCreateDuplicate(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	wantErr(t, s.CreateUser(ctx, newUser("u1", "other@example.com")), store.ErrAlreadyExists)
	wantErr(t, s.CreateUser(ctx, newUser("u2", "a@example.com")), store.ErrAlreadyExists)
	wantErr(t, s.CreateUser(ctx, newUser("u3", "A@EXAMPLE.COM")), store.ErrAlreadyExists)
	must(t, s.CreateUser(ctx, newUser("u4", "É@example.com")))
	wantErr(t, s.CreateUser(ctx, newUser("u5", "é@EXAMPLE.com")), store.ErrAlreadyExists)
	users, _, err := s.ListUsers(ctx, store.ListOptions{})
	must(t, err)
	wantIDs(t, idsOf(users, userID), []string{"u1", "u4"})
}

func testUserGetByUPN(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "Mixed.Case@Example.com"), newUser("u2", "Ünal@example.com"))
	for _, upn := range []string{"Mixed.Case@Example.com", "mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM", " mixed.case@example.com "} {
		u, err := s.GetUserByUPN(ctx, upn)
		must(t, err)
		if u.ID != "u1" || u.UserPrincipalName != "Mixed.Case@Example.com" {
			t.Errorf("GetUserByUPN(%q) = %s %q, want u1 with its name as created", upn, u.ID, u.UserPrincipalName)
		}
	}
	u, err := s.GetUserByUPN(ctx, "üNAL@example.com")
	must(t, err)
	wantEqual(t, u.ID, "u2")
	_, err = s.GetUserByUPN(ctx, "mixed@example.com")
	wantErr(t, err, store.ErrNotFound)
}

func testUserManagerMustExist(t *testing.T, s store.Store) {
	u := newUser("u1", "a@example.com")
	u.ManagerID = "ghost"
	wantErr(t, s.CreateUser(ctx, u), store.ErrNotFound)
	_, err := s.GetUser(ctx, "u1")
	wantErr(t, err, store.ErrNotFound)
}

func userID(u domain.User) string { return u.ID }

func testUserUpdate(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("boss", "boss@example.com"), newUser("u1", "a@example.com"))
	got, err := s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
		if u.UserPrincipalName != "a@example.com" {
			t.Errorf("fn got %+v, want the stored user", u)
		}
		u.ID = "ignored"
		u.UserPrincipalName = "B@example.com"
		u.DisplayName = "Renamed"
		u.AccountEnabled = false
		u.ManagerID = "boss"
		u.EmployeeHireDate = ptr(t0.Add(time.Hour))
		u.EmployeeID, u.ExternalID = "E-7", "ext-7"
		u.Version, u.LastModifiedDateTime = 2, t0.Add(2*time.Hour)
		return u, nil
	})
	must(t, err)
	want := stored(newUser("u1", "B@example.com"))
	want.DisplayName, want.AccountEnabled, want.ManagerID = "Renamed", false, "boss"
	want.EmployeeHireDate = ptr(at(time.Hour))
	want.EmployeeID, want.ExternalID = "E-7", "ext-7"
	want.Version, want.LastModifiedDateTime = 2, at(2*time.Hour)
	wantEqual(t, got, want)
	fetched, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, fetched, want)
	// The old name is free again, the new one is taken in any case.
	_, err = s.GetUserByUPN(ctx, "a@example.com")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUserByUPN(ctx, "b@EXAMPLE.com")
	must(t, err)
	_, err = s.GetUser(ctx, "ignored")
	wantErr(t, err, store.ErrNotFound)

	// Clearing optional fields.
	got, err = s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
		u.ManagerID, u.EmployeeHireDate, u.EmployeeID, u.ExternalID = "", nil, "", ""
		return u, nil
	})
	must(t, err)
	if got.ManagerID != "" || got.EmployeeHireDate != nil || got.EmployeeID != "" || got.ExternalID != "" {
		t.Errorf("cleared fields came back: %+v", got)
	}
}

func testUserUpdateErrors(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	called := false
	_, err := s.UpdateUser(ctx, "nobody", func(u domain.User) (domain.User, error) { called = true; return u, nil })
	wantErr(t, err, store.ErrNotFound)
	if called {
		t.Error("fn called for a missing user")
	}

	errVeto := errors.New("veto")
	_, err = s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
		u.DisplayName = "changed"
		return u, errVeto
	})
	wantErr(t, err, errVeto)

	_, err = s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
		u.DisplayName = "changed"
		u.UserPrincipalName = "B@EXAMPLE.COM"
		return u, nil
	})
	wantErr(t, err, store.ErrAlreadyExists)

	_, err = s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
		u.DisplayName = "changed"
		u.ManagerID = "ghost"
		return u, nil
	})
	wantErr(t, err, store.ErrNotFound)

	got, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, got, stored(newUser("u1", "a@example.com")))
}

func testUserDeleteCascades(t *testing.T, s store.Store) {
	victim, report, other := newUser("victim", "v@example.com"), newUser("report", "r@example.com"), newUser("other", "o@example.com")
	report.ManagerID = "victim"
	createUsers(t, s, victim, report, other)
	must(t, s.CreateGroup(ctx, newGroup("g1", "Group")))
	for _, id := range []string{"victim", "other"} {
		must(t, s.AddGroupMember(ctx, "g1", id))
		must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: id, Role: domain.RoleReportsReader}))
		must(t, s.CreatePass(ctx, newPass("pass-"+id, id)))
		must(t, s.CreateSession(ctx, newSession("session-"+id, id)))
	}

	must(t, s.DeleteUser(ctx, "victim"))
	wantErr(t, s.DeleteUser(ctx, "victim"), store.ErrNotFound)

	_, err := s.GetUser(ctx, "victim")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetPass(ctx, "pass-victim")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetSession(ctx, "session-victim")
	wantErr(t, err, store.ErrNotFound)
	roles, err := s.ListUserRoles(ctx, "victim")
	must(t, err)
	wantEqual(t, roles, []domain.Role{})
	groups, err := s.ListUserGroupIDs(ctx, "victim")
	must(t, err)
	wantIDs(t, groups, nil)
	members, _, err := s.ListGroupMembers(ctx, "g1", store.ListOptions{})
	must(t, err)
	wantIDs(t, idsOf(members, userID), []string{"other"})
	r, err := s.GetUser(ctx, "report")
	must(t, err)
	wantEqual(t, r.ManagerID, "")

	// Nothing of the other user's went.
	_, err = s.GetPass(ctx, "pass-other")
	must(t, err)
	_, err = s.GetSession(ctx, "session-other")
	must(t, err)
	assignments, err := s.ListRoleAssignments(ctx)
	must(t, err)
	wantEqual(t, assignments, []domain.RoleAssignment{{UserID: "other", Role: domain.RoleReportsReader}})
	// The victim's name is free again.
	createUsers(t, s, newUser("new", "V@example.com"))
}

func testUserList(t *testing.T, s store.Store) {
	users, n, err := s.ListUsers(ctx, store.ListOptions{Count: true})
	must(t, err)
	if len(users) != 0 || users == nil || n != 0 {
		t.Fatalf("empty store: got %v (nil %v), count %d; want an empty slice", users, users == nil, n)
	}
	createUsers(t, s, newUser("u2", "b@example.com"), newUser("u1", "C@example.com"), newUser("u3", "a@example.com"))
	users, n, err = s.ListUsers(ctx, store.ListOptions{})
	must(t, err)
	// Default order is by userPrincipalName, ignoring case.
	wantIDs(t, idsOf(users, userID), []string{"u3", "u2", "u1"})
	wantEqual(t, n, 0) // no count asked
	wantEqual(t, users[2], stored(newUser("u1", "C@example.com")))
}
