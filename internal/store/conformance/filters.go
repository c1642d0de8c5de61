package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var filterTests = []test{
	{"Filter/Users", testUserFilters},
	{"Filter/Groups", testGroupFilters},
	{"Filter/Unsupported", testUnsupportedFilters},
	{"List/OrderBy", testOrderBy},
	{"List/Paging", testPaging},
	{"List/DefaultTop", testDefaultTop},
}

func dt(t time.Time) odata.Value { return odata.Value{Kind: odata.KindDateTime, Time: t.UTC()} }

func boolean(b bool) odata.Value { return odata.Value{Kind: odata.KindBool, Bool: b} }

var null = odata.Value{Kind: odata.KindNull}

func and(l, r odata.Expr) odata.Expr { return odata.Logical{Op: "and", Left: l, Right: r} }
func or(l, r odata.Expr) odata.Expr  { return odata.Logical{Op: "or", Left: l, Right: r} }

func cmp(field string, op odata.CompareOp, v odata.Value) odata.Expr {
	return odata.Compare{Field: field, Op: op, Value: v}
}

func startswith(field, prefix string) odata.Expr {
	return odata.Func{Name: "startswith", Field: field, Value: str(prefix)}
}

// filterUsers are four users whose fields tell them apart.
func filterUsers(t testing.TB, s store.Store) {
	t.Helper()
	u1 := domain.User{ID: "u1", UserPrincipalName: "alice@example.com", DisplayName: "Alice Adams",
		GivenName: "Alice", Surname: "Adams", Mail: "alice@example.com", AccountEnabled: true,
		CreatedDateTime: t0, EmployeeHireDate: ptr(t0.Add(30 * 24 * time.Hour)),
		JobTitle: "Engineer", Department: "R&D", EmployeeID: "E-001", ExternalID: "Ext-A",
		LastModifiedDateTime: t0.Add(5 * time.Hour)}
	u2 := domain.User{ID: "u2", UserPrincipalName: "Bob@Example.com", DisplayName: "bob Brown",
		GivenName: "Bob", Surname: "Brown", AccountEnabled: false, CreatedDateTime: t0.Add(time.Hour)}
	u3 := domain.User{ID: "u3", UserPrincipalName: "carol@example.org", DisplayName: "Carol Carter",
		GivenName: "Carol", Surname: "Carter", Mail: "carol@example.org", AccountEnabled: true,
		CreatedDateTime: t0.Add(2 * time.Hour), EmployeeHireDate: ptr(t0.Add(60 * 24 * time.Hour)),
		JobTitle: "Engineering Manager", Department: "r&d", EmployeeID: "E-003", ExternalID: "ext-a"}
	u4 := domain.User{ID: "u4", UserPrincipalName: "dave_x@example.com", DisplayName: "Émile Dupont",
		GivenName: "Émile", Surname: "Dupont", Mail: "Dave@Example.com", AccountEnabled: true,
		CreatedDateTime: t0.Add(3 * time.Hour)}
	createUsers(t, s, u1, u2, u3, u4)
}

func testUserFilters(t *testing.T, s store.Store) {
	filterUsers(t, s)
	hire30 := t0.Add(30 * 24 * time.Hour)
	for _, tc := range []struct {
		name   string
		filter odata.Expr
		want   []string
	}{
		{"id eq", cmp("id", odata.Eq, str("u2")), []string{"u2"}},
		{"id is exact", cmp("id", odata.Eq, str("U2")), nil},
		{"id guid literal", cmp("id", odata.Eq, odata.Value{Kind: odata.KindGUID, String: "u3"}), []string{"u3"}},
		{"id ne", cmp("id", odata.Ne, str("u2")), []string{"u1", "u3", "u4"}},
		{"upn eq ignores case", cmp("userPrincipalName", odata.Eq, str("BOB@example.COM")), []string{"u2"}},
		{"upn ne", cmp("userPrincipalName", odata.Ne, str("bob@example.com")), []string{"u1", "u3", "u4"}},
		{"upn startswith", startswith("userPrincipalName", "ALI"), []string{"u1"}},
		{"upn startswith underscore", startswith("userPrincipalName", "dave_"), []string{"u4"}},
		{"underscore is no wildcard", startswith("userPrincipalName", "b_b"), nil},
		{"percent is no wildcard", startswith("userPrincipalName", "%"), nil},
		{"upn gt", cmp("userPrincipalName", odata.Gt, str("C")), []string{"u3", "u4"}},
		{"displayName eq ignores case", cmp("displayName", odata.Eq, str("ALICE ADAMS")), []string{"u1"}},
		{"displayName startswith", startswith("displayName", "B"), []string{"u2"}},
		{"displayName startswith non-ASCII", startswith("displayName", "émile"), []string{"u4"}},
		{"displayName le", cmp("displayName", odata.Le, str("BOB BROWN")), []string{"u1", "u2"}},
		{"givenName eq", cmp("givenName", odata.Eq, str("carol")), []string{"u3"}},
		{"givenName startswith", startswith("givenName", "É"), []string{"u4"}},
		{"surname ge", cmp("surname", odata.Ge, str("c")), []string{"u3", "u4"}},
		{"surname lt", cmp("surname", odata.Lt, str("Brown")), []string{"u1"}},
		{"mail eq ignores case", cmp("mail", odata.Eq, str("dave@example.com")), []string{"u4"}},
		{"mail eq null", cmp("mail", odata.Eq, null), []string{"u2"}},
		{"mail ne null", cmp("mail", odata.Ne, null), []string{"u1", "u3", "u4"}},
		{"mail startswith", startswith("mail", "CA"), []string{"u3"}},
		{"accountEnabled eq false", cmp("accountEnabled", odata.Eq, boolean(false)), []string{"u2"}},
		{"accountEnabled ne true", cmp("accountEnabled", odata.Ne, boolean(true)), []string{"u2"}},
		{"createdDateTime gt", cmp("createdDateTime", odata.Gt, dt(t0.Add(time.Hour))), []string{"u3", "u4"}},
		{"createdDateTime ge", cmp("createdDateTime", odata.Ge, dt(t0.Add(time.Hour))), []string{"u2", "u3", "u4"}},
		{"createdDateTime lt", cmp("createdDateTime", odata.Lt, dt(t0.Add(time.Hour))), []string{"u1"}},
		{"createdDateTime le", cmp("createdDateTime", odata.Le, dt(t0.Add(time.Hour))), []string{"u1", "u2"}},
		{"createdDateTime eq exact", cmp("createdDateTime", odata.Eq, dt(t0.Truncate(time.Microsecond))), []string{"u1"}},
		{"createdDateTime ne", cmp("createdDateTime", odata.Ne, dt(t0.Truncate(time.Microsecond))), []string{"u2", "u3", "u4"}},
		{"hire date ge", cmp("employeeHireDate", odata.Ge, dt(hire30)), []string{"u1", "u3"}},
		{"hire date lt", cmp("employeeHireDate", odata.Lt, dt(hire30.Add(time.Hour))), []string{"u1"}},
		{"hire date eq null", cmp("employeeHireDate", odata.Eq, null), []string{"u2", "u4"}},
		{"hire date ne null", cmp("employeeHireDate", odata.Ne, null), []string{"u1", "u3"}},
		{"hire date ne keeps nulls", cmp("employeeHireDate", odata.Ne, dt(hire30)), []string{"u2", "u3", "u4"}},
		{"not hire date eq keeps nulls", odata.Not{Inner: cmp("employeeHireDate", odata.Eq, dt(hire30))}, []string{"u2", "u3", "u4"}},
		{"not hire date lt", odata.Not{Inner: cmp("employeeHireDate", odata.Lt, dt(hire30.Add(time.Hour)))}, []string{"u2", "u3", "u4"}},
		{"not", odata.Not{Inner: cmp("accountEnabled", odata.Eq, boolean(true))}, []string{"u2"}},
		{"and", and(cmp("accountEnabled", odata.Eq, boolean(true)), startswith("mail", "ca")), []string{"u3"}},
		{"or", or(cmp("id", odata.Eq, str("u1")), cmp("id", odata.Eq, str("u4"))), []string{"u1", "u4"}},
		{"and binds as given", and(or(cmp("id", odata.Eq, str("u1")), cmp("id", odata.Eq, str("u2"))),
			odata.Not{Inner: cmp("accountEnabled", odata.Eq, boolean(false))}), []string{"u1"}},
		{"or of ands", or(and(cmp("id", odata.Eq, str("u1")), cmp("accountEnabled", odata.Eq, boolean(false))),
			and(cmp("id", odata.Eq, str("u2")), cmp("accountEnabled", odata.Eq, boolean(false)))), []string{"u2"}},
		{"jobTitle eq", cmp("jobTitle", odata.Eq, str("engineer")), []string{"u1"}},
		{"jobTitle ne null", cmp("jobTitle", odata.Ne, null), []string{"u1", "u3"}},
		{"department eq ignores case", cmp("department", odata.Eq, str("R&D")), []string{"u1", "u3"}},
		{"employeeId eq", cmp("employeeId", odata.Eq, str("e-003")), []string{"u3"}},
		{"externalId is exact", cmp("externalId", odata.Eq, str("ext-a")), []string{"u3"}},
		{"externalId other case", cmp("externalId", odata.Eq, str("Ext-A")), []string{"u1"}},
		{"externalId eq null", cmp("externalId", odata.Eq, null), []string{"u2", "u4"}},
		{"lastModifiedDateTime gt", cmp("lastModifiedDateTime", odata.Gt, dt(t0.Add(4*time.Hour))), []string{"u1"}},
		{"lastModifiedDateTime defaults to created", cmp("lastModifiedDateTime", odata.Lt, dt(t0.Add(90*time.Minute))), []string{"u2"}},
		{"contains ignores case", odata.Func{Name: "contains", Field: "displayName", Value: str("ARTER")}, []string{"u3"}},
		{"contains on upn", odata.Func{Name: "contains", Field: "userPrincipalName", Value: str("@EXAMPLE.")}, []string{"u1", "u2", "u3", "u4"}},
		{"contains percent is no wildcard", odata.Func{Name: "contains", Field: "displayName", Value: str("%")}, nil},
		{"contains underscore is no wildcard", odata.Func{Name: "contains", Field: "userPrincipalName", Value: str("e_x")}, []string{"u4"}},
		{"endswith", odata.Func{Name: "endswith", Field: "mail", Value: str(".ORG")}, []string{"u3"}},
		{"endswith on upn", odata.Func{Name: "endswith", Field: "userPrincipalName", Value: str("example.com")}, []string{"u1", "u2", "u4"}},
		{"pointer nodes", &odata.Logical{Op: "and", Left: &odata.Compare{Field: "id", Op: odata.Ne, Value: str("u1")},
			Right: &odata.Not{Inner: &odata.Func{Name: "startswith", Field: "displayName", Value: str("c")}}}, []string{"u2", "u4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, n, err := s.ListUsers(ctx, store.ListOptions{Filter: tc.filter, Count: true})
			must(t, err)
			wantIDs(t, idsOf(users, userID), tc.want)
			wantEqual(t, n, len(tc.want))
		})
	}
}

func testGroupFilters(t *testing.T, s store.Store) {
	for i, name := range []string{"Sales", "sales EMEA", "Support"} {
		g := newGroup(fmt.Sprintf("g%d", i+1), name)
		g.CreatedDateTime = t0.Add(time.Duration(i) * time.Hour)
		if i == 2 {
			g.Description = ""
		}
		if i == 1 {
			g.ExternalID = "HR-2"
		}
		must(t, s.CreateGroup(ctx, g))
	}
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	must(t, s.AddGroupMember(ctx, "g1", "u1"))
	must(t, s.AddGroupMember(ctx, "g1", "u2"))
	must(t, s.AddGroupMember(ctx, "g3", "u1"))
	for _, tc := range []struct {
		name   string
		filter odata.Expr
		want   []string
	}{
		{"id", cmp("id", odata.Eq, str("g2")), []string{"g2"}},
		{"displayName eq", cmp("displayName", odata.Eq, str("SALES")), []string{"g1"}},
		{"displayName startswith", startswith("displayName", "sa"), []string{"g1", "g2"}},
		{"description", cmp("description", odata.Eq, str("About Sales EMEA")), []string{"g2"}},
		{"description null", cmp("description", odata.Eq, null), []string{"g3"}},
		{"createdDateTime", cmp("createdDateTime", odata.Ge, dt(t0.Add(time.Hour))), []string{"g2", "g3"}},
		{"externalId is exact", cmp("externalId", odata.Eq, str("HR-2")), []string{"g2"}},
		{"externalId other case", cmp("externalId", odata.Eq, str("hr-2")), nil},
		{"lastModifiedDateTime", cmp("lastModifiedDateTime", odata.Gt, dt(t0.Add(90*time.Minute))), []string{"g3"}},
		{"contains", odata.Func{Name: "contains", Field: "displayName", Value: str("EMEA")}, []string{"g2"}},
		{"members any", odata.Any{Collection: "members", Inner: cmp("id", odata.Eq, str("u1"))}, []string{"g1", "g3"}},
		{"members any or", odata.Any{Collection: "members", Inner: or(cmp("id", odata.Eq, str("u2")), cmp("id", odata.Eq, str("nobody")))}, []string{"g1"}},
		{"members any and displayName", and(odata.Any{Collection: "members", Inner: cmp("id", odata.Eq, str("u1"))},
			startswith("displayName", "su")), []string{"g3"}},
		{"not members any", odata.Not{Inner: odata.Any{Collection: "members", Inner: cmp("id", odata.Eq, str("u1"))}}, []string{"g2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups, n, err := s.ListGroups(ctx, store.ListOptions{Filter: tc.filter, Count: true})
			must(t, err)
			wantIDs(t, idsOf(groups, groupID), tc.want)
			wantEqual(t, n, len(tc.want))
		})
	}
	_, _, err := s.ListGroups(ctx, store.ListOptions{Filter: cmp("mailNickname", odata.Eq, str("g1"))})
	wantUnsupported(t, err, "mailNickname")
	_, _, err = s.ListGroups(ctx, store.ListOptions{Filter: odata.Any{Collection: "members", Inner: cmp("userPrincipalName", odata.Eq, str("a@example.com"))}})
	wantUnsupported(t, err, "userPrincipalName")
}

func testUnsupportedFilters(t *testing.T, s store.Store) {
	filterUsers(t, s)
	for _, tc := range []struct {
		name   string
		opts   store.ListOptions
		naming string
	}{
		{"unknown field", store.ListOptions{Filter: cmp("passwordProfile", odata.Eq, str("x"))}, "passwordProfile"},
		{"unknown field deep in tree", store.ListOptions{Filter: and(cmp("id", odata.Eq, str("u1")),
			odata.Not{Inner: cmp("manager/id", odata.Eq, str("x"))})}, "manager/id"},
		{"unknown operator", store.ListOptions{Filter: cmp("id", "has", str("x"))}, "has"},
		{"unknown logical operator", store.ListOptions{Filter: odata.Logical{Op: "xor", Left: cmp("id", odata.Eq, str("u1")),
			Right: cmp("id", odata.Eq, str("u2"))}}, "xor"},
		{"unknown function", store.ListOptions{Filter: odata.Func{Name: "matchesPattern", Field: "mail", Value: str("x")}}, "matchesPattern"},
		{"contains on boolean", store.ListOptions{Filter: odata.Func{Name: "contains", Field: "accountEnabled", Value: str("t")}}, "accountEnabled"},
		{"startswith on boolean", store.ListOptions{Filter: startswith("accountEnabled", "t")}, "accountEnabled"},
		{"startswith on unknown field", store.ListOptions{Filter: startswith("nickname", "t")}, "nickname"},
		{"boolean compared with string", store.ListOptions{Filter: cmp("accountEnabled", odata.Eq, str("true"))}, "accountEnabled"},
		{"date compared with string", store.ListOptions{Filter: cmp("createdDateTime", odata.Gt, str("2025"))}, "createdDateTime"},
		{"string compared with number", store.ListOptions{Filter: cmp("displayName", odata.Eq, num(1))}, "displayName"},
		{"null with gt", store.ListOptions{Filter: cmp("employeeHireDate", odata.Gt, null)}, "employeeHireDate"},
		{"non-nullable null", store.ListOptions{Filter: cmp("accountEnabled", odata.Eq, null)}, "accountEnabled"},
		{"any on users", store.ListOptions{Filter: odata.Any{Collection: "memberOf", Inner: cmp("id", odata.Eq, str("g"))}}, "memberOf"},
		{"order by unknown", store.ListOptions{OrderBy: []odata.OrderBy{{Field: "mailNickname"}}}, "mailNickname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, _, err := s.ListUsers(ctx, tc.opts)
			wantUnsupported(t, err, tc.naming)
			if users != nil {
				t.Errorf("got users %v with the error", users)
			}
		})
	}
}

func testOrderBy(t *testing.T, s store.Store) {
	filterUsers(t, s)
	// Two users share a surname so that the id tie-break shows. Ties run in the
	// direction of the last key, so that keyset paging compares one row value.
	createUsers(t, s, domain.User{ID: "u0", UserPrincipalName: "zed@example.com", DisplayName: "Aaron Adams",
		Surname: "adams", AccountEnabled: false, CreatedDateTime: t0.Add(time.Hour)})
	ob := func(keys ...odata.OrderBy) store.ListOptions { return store.ListOptions{OrderBy: keys} }
	for _, tc := range []struct {
		name string
		opts store.ListOptions
		want []string
	}{
		{"default is userPrincipalName", store.ListOptions{}, []string{"u1", "u2", "u3", "u4", "u0"}},
		// "bob Brown" sorts between "Alice" and "Carol" only if case is ignored.
		{"displayName ignores case", ob(odata.OrderBy{Field: "displayName"}), []string{"u0", "u1", "u2", "u3", "u4"}},
		{"displayName desc", ob(odata.OrderBy{Field: "displayName", Desc: true}), []string{"u4", "u3", "u2", "u1", "u0"}},
		{"ties break on id", ob(odata.OrderBy{Field: "surname"}), []string{"u0", "u1", "u2", "u3", "u4"}},
		{"two keys", ob(odata.OrderBy{Field: "accountEnabled"}, odata.OrderBy{Field: "createdDateTime", Desc: true}),
			[]string{"u2", "u0", "u4", "u3", "u1"}},
		{"createdDateTime desc", ob(odata.OrderBy{Field: "createdDateTime", Desc: true}), []string{"u4", "u3", "u2", "u0", "u1"}},
		{"nulls last", ob(odata.OrderBy{Field: "employeeHireDate"}), []string{"u1", "u3", "u0", "u2", "u4"}},
		{"nulls last descending too", ob(odata.OrderBy{Field: "employeeHireDate", Desc: true}), []string{"u3", "u1", "u4", "u2", "u0"}},
		{"with filter and paging", store.ListOptions{Filter: cmp("accountEnabled", odata.Eq, boolean(true)),
			OrderBy: []odata.OrderBy{{Field: "userPrincipalName", Desc: true}}, Top: 2}, []string{"u4", "u3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, _, err := s.ListUsers(ctx, tc.opts)
			must(t, err)
			wantIDs(t, idsOf(users, userID), tc.want)
		})
	}
}

func testPaging(t *testing.T, s store.Store) {
	filterUsers(t, s)
	for _, tc := range []struct {
		top, skip int
		want      []string
	}{
		{2, 0, []string{"u1", "u2"}},
		{2, 2, []string{"u3", "u4"}},
		{2, 3, []string{"u4"}},
		{2, 4, nil},
		{3, 100, nil},
		{0, 1, []string{"u2", "u3", "u4"}},
		{1, -1, []string{"u1"}}, // a negative skip is no skip
	} {
		t.Run(fmt.Sprintf("top%d_skip%d", tc.top, tc.skip), func(t *testing.T) {
			users, n, err := s.ListUsers(ctx, store.ListOptions{Top: tc.top, Skip: tc.skip, Count: true})
			must(t, err)
			wantIDs(t, idsOf(users, userID), tc.want)
			wantEqual(t, n, 4) // the count ignores paging
		})
	}
	users, n, err := s.ListUsers(ctx, store.ListOptions{Filter: cmp("accountEnabled", odata.Eq, boolean(true)), Top: 1, Skip: 1, Count: true})
	must(t, err)
	wantIDs(t, idsOf(users, userID), []string{"u3"})
	wantEqual(t, n, 3) // the count honours the filter
	_, n, err = s.ListUsers(ctx, store.ListOptions{Top: 1})
	must(t, err)
	wantEqual(t, n, 0) // no count asked
}

func testDefaultTop(t *testing.T, s store.Store) {
	must(t, s.InTx(ctx, func(tx store.Store) error {
		for i := range 101 {
			if err := tx.CreateUser(ctx, newUser(fmt.Sprintf("u%03d", i), fmt.Sprintf("user%03d@example.com", i))); err != nil {
				return err
			}
		}
		return nil
	}))
	users, n, err := s.ListUsers(ctx, store.ListOptions{Count: true})
	must(t, err)
	wantEqual(t, len(users), 100)
	wantEqual(t, n, 101)
	wantEqual(t, users[99].ID, "u099")
	users, _, err = s.ListUsers(ctx, store.ListOptions{Skip: 100})
	must(t, err)
	wantIDs(t, idsOf(users, userID), []string{"u100"})
}
