package graphapi_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

const reportsPath = "/v1.0/reports/authenticationMethods"

// reportFixture: boss is a Global Administrator; ada signs in with a pass
// (and keeps it, multi-use); bob holds a synced passkey; dee is a Reports
// Reader with nothing registered; one sign-in with a wrong pass fails.
type reportFixture struct {
	boss, ada, bob, dee domain.User
}

func newReportFixture(t *testing.T, env *testenv.Env) reportFixture {
	t.Helper()
	env.EnablePassPolicy(t)
	f := reportFixture{
		boss: env.CreateUser(t, "boss@example.com", domain.RoleGlobalAdministrator),
		ada:  env.CreateUser(t, "ada@example.com"),
		bob:  env.CreateUser(t, "bob@example.com"),
		dee:  env.CreateUser(t, "dee@example.com", domain.RoleReportsReader),
	}
	pass := env.IssuePass(t, f.ada.ID, false)
	env.SignInWithPass(t, testenv.Browser(t), "ada@example.com", pass, "")
	env.SignInWithPass(t, testenv.Browser(t), "ada@example.com", "wrong-pass", "")
	// A passkey needs an authenticator; the browser tests register real ones.
	key := domain.Passkey{ID: "3b0c4b5e-7f36-4b0e-9f3c-1d7c6a1e2f01", UserID: f.bob.ID, CredentialID: []byte{1, 2, 3},
		PublicKey: []byte{1}, AttestationType: "none", AttestationLevel: "notAttested",
		AAGUID: "00000000-0000-0000-0000-000000000000", Transports: []string{"internal"},
		BackupEligible: true, DisplayName: "Phone", CreatedDateTime: env.Clock.Now()}
	if err := env.Store.CreatePasskey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	return f
}

func byUPN(t *testing.T, rows []map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range rows {
		out[r["userPrincipalName"].(string)] = r
	}
	return out
}

func TestUserRegistrationDetails(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		f := newReportFixture(t, env)
		a := appAPI(t, env, domain.PermAuditLogReadAll)
		r := a.get(reportsPath+"/userRegistrationDetails").must(t, http.StatusOK)
		rows := byUPN(t, r.values(t))
		if len(rows) != 4 {
			t.Fatalf("got %d rows, want 4: %s", len(rows), r.Raw)
		}
		ada, bob, boss := rows["ada@example.com"], rows["bob@example.com"], rows["boss@example.com"]
		if m := strs(ada["methodsRegistered"]); !slices.Equal(m, []string{"temporaryAccessPass"}) || ada["isPasswordlessCapable"] != false || ada["isMfaCapable"] != false {
			t.Errorf("ada = %v, want only a pass and not passwordless", ada)
		}
		if m := strs(bob["methodsRegistered"]); !slices.Equal(m, []string{"passKeySynced"}) || bob["isPasswordlessCapable"] != true ||
			bob["isMfaCapable"] != true || bob["isMfaRegistered"] != true || bob["isAdmin"] != false {
			t.Errorf("bob = %v, want a synced passkey, passwordless, not an admin", bob)
		}
		if boss["isAdmin"] != true || boss["userType"] != "member" || boss["isSsprCapable"] != false || boss["id"] != f.boss.ID ||
			boss["userDisplayName"] != "boss" || boss["lastUpdatedDateTime"] == nil {
			t.Errorf("boss = %v", boss)
		}

		// $filter on each kind of property Graph supports.
		filters := map[string][]string{
			"isAdmin eq true":                                          {"boss@example.com", "dee@example.com"},
			"isPasswordlessCapable eq true":                            {"bob@example.com"},
			"isMfaCapable eq false and isAdmin eq false":               {"ada@example.com"},
			"methodsRegistered/any(m:m eq 'passKeySynced')":            {"bob@example.com"},
			"methodsRegistered/any(x:x eq 'temporaryAccessPass')":      {"ada@example.com"},
			"startswith(userPrincipalName,'B')":                        {"bob@example.com", "boss@example.com"},
			"userType eq 'member' and startswith(userDisplayName,'d')": {"dee@example.com"},
			"userType eq 'guest'":                                      {},
		}
		for filter, want := range filters {
			got := a.get(reportsPath+"/userRegistrationDetails?$filter="+url.QueryEscape(filter)).must(t, http.StatusOK).values(t)
			upns := []string{}
			for _, row := range got {
				upns = append(upns, row["userPrincipalName"].(string))
			}
			if !slices.Equal(upns, want) {
				t.Errorf("$filter=%s: got %v, want %v", filter, upns, want)
			}
		}
		a.get(reportsPath+"/userRegistrationDetails?$filter="+url.QueryEscape("mail eq 'x'")).
			wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "mail")

		// $top, $orderby, $count and the next link, followed as given.
		page := a.get(reportsPath+"/userRegistrationDetails?$top=3&$orderby=userPrincipalName%20desc&$count=true").must(t, http.StatusOK)
		if page.JSON["@odata.count"] != float64(4) || len(page.values(t)) != 3 || page.values(t)[0]["userPrincipalName"] != "dee@example.com" {
			t.Fatalf("first page: %s", page.Raw)
		}
		next := page.str("@odata.nextLink")
		last := a.get(next).must(t, http.StatusOK)
		if v := last.values(t); len(v) != 1 || v[0]["userPrincipalName"] != "ada@example.com" || last.str("@odata.nextLink") != "" {
			t.Fatalf("second page from %s: %s", next, last.Raw)
		}
		sel := a.get(reportsPath+"/userRegistrationDetails?$select=userPrincipalName,methodsRegistered&$top=1").must(t, http.StatusOK).values(t)
		if len(sel[0]) != 3 {
			t.Errorf("$select kept %v, want id, userPrincipalName, methodsRegistered", sel[0])
		}
		if n := a.get(reportsPath + "/userRegistrationDetails/$count?$filter=isAdmin%20eq%20true"); n.Status != http.StatusOK || string(n.Raw) != "2" {
			t.Errorf("$count: %d %s", n.Status, n.Raw)
		}

		one := a.get(reportsPath+"/userRegistrationDetails/"+f.bob.ID).must(t, http.StatusOK)
		if one.str("userPrincipalName") != "bob@example.com" {
			t.Errorf("get by id: %s", one.Raw)
		}
		a.get(reportsPath+"/userRegistrationDetails/00000000-0000-0000-0000-000000000000").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		// Deleting the passkey shows at once.
		if err := env.Dir.DeletePasskey(context.Background(), domain.SystemActor(), f.bob.ID, "3b0c4b5e-7f36-4b0e-9f3c-1d7c6a1e2f01", true); err != nil {
			t.Fatal(err)
		}
		if got := a.get(reportsPath+"/userRegistrationDetails/"+f.bob.ID).must(t, http.StatusOK); got.JSON["isPasswordlessCapable"] != false {
			t.Errorf("after deleting the passkey: %s", got.Raw)
		}
	})
}

func TestRegistrationSummaries(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		newReportFixture(t, env)
		a := appAPI(t, env, domain.PermReportsReadAll)
		counts := func(r resp, list, key string) map[string]float64 {
			t.Helper()
			out := map[string]float64{}
			items, ok := r.JSON[list].([]any)
			if !ok {
				t.Fatalf("no %s: %s", list, r.Raw)
			}
			for _, it := range items {
				m := it.(map[string]any)
				out[m[key].(string)] = m["userCount"].(float64)
			}
			return out
		}
		for _, path := range []string{"/usersRegisteredByMethod()", "/usersRegisteredByMethod",
			"/usersRegisteredByMethod(includedUserTypes='all',includedUserRoles='all')",
			"/usersRegisteredByMethod(includedUserRoles='all',includedUserTypes='member')"} {
			r := a.get(reportsPath+path).must(t, http.StatusOK)
			c := counts(r, "userRegistrationMethodCounts", "authenticationMethod")
			if r.JSON["totalUserCount"] != float64(4) || c["passKeySynced"] != 1 || c["passKeyDeviceBound"] != 0 || c["temporaryAccessPass"] != 1 ||
				r.str("@odata.type") != "#microsoft.graph.userRegistrationMethodSummary" || r.str("userRoles") != "all" {
				t.Errorf("%s: %s", path, r.Raw)
			}
		}
		priv := a.get(reportsPath+"/usersRegisteredByMethod(includedUserTypes='all',includedUserRoles='privilegedAdmin')").must(t, http.StatusOK)
		if priv.JSON["totalUserCount"] != float64(1) || priv.str("userRoles") != "privilegedAdmin" {
			t.Errorf("privileged admins (boss only; a Reports Reader is not one): %s", priv.Raw)
		}
		admins := a.get(reportsPath+"/usersRegisteredByMethod(includedUserTypes='member',includedUserRoles='admin')").must(t, http.StatusOK)
		if admins.JSON["totalUserCount"] != float64(2) {
			t.Errorf("admins: %s", admins.Raw)
		}
		users := a.get(reportsPath+"/usersRegisteredByFeature(includedUserTypes='all',includedUserRoles='user')").must(t, http.StatusOK)
		fc := counts(users, "userRegistrationFeatureCounts", "feature")
		if users.JSON["totalUserCount"] != float64(2) || fc["passwordlessCapable"] != 1 || fc["mfaCapable"] != 1 || fc["ssprRegistered"] != 0 ||
			len(fc) != 5 || users.str("@odata.type") != "#microsoft.graph.userRegistrationFeatureSummary" {
			t.Errorf("features of people without a role: %s", users.Raw)
		}
		guests := a.get(reportsPath+"/usersRegisteredByFeature(includedUserTypes='guest',includedUserRoles='all')").must(t, http.StatusOK)
		if guests.JSON["totalUserCount"] != float64(0) {
			t.Errorf("guests: %s", guests.Raw)
		}

		// Bad arguments: 400 naming the argument, and what is allowed.
		bad := map[string][]string{
			"/usersRegisteredByMethod(includedUserTypes='all',includedUserRoles='everyone')": {"includedUserRoles", "privilegedAdmin"},
			"/usersRegisteredByMethod(includedUserTypes='staff')":                            {"includedUserTypes", "member"},
			"/usersRegisteredByFeature(includedUserRoles='All')":                             {"includedUserRoles"},
			"/usersRegisteredByFeature(userTypes='all')":                                     {"userTypes", "includedUserTypes"},
			"/usersRegisteredByMethod(includedUserTypes=all)":                                {"includedUserTypes", "quoted"},
			"/usersRegisteredByMethod(includedUserTypes='all'":                               {"')'"},
			"/usersRegisteredByMethod(includedUserTypes='all',includedUserTypes='all')":      {"twice"},
			"/userSignInsByAuthMethodSummary()":                                              {"period"},
			"/userSignInsByAuthMethodSummary(period='d2')":                                   {"period", "d30"},
		}
		for path, parts := range bad {
			a.get(reportsPath+path).wantError(t, http.StatusBadRequest, "badRequest", parts...)
		}
		a.get(reportsPath+"/usersRegisteredBySomething()").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
	})
}

func TestSignInReports(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		newReportFixture(t, env)
		a := appAPI(t, env, domain.PermAuditLogReadAll)
		r := a.get(reportsPath+"/userSignInsByAuthMethodSummary(period='d7')").must(t, http.StatusOK)
		got := map[string]any{}
		for _, v := range r.values(t) {
			got[v["authenticationMethod"].(string)] = v["successActivityCount"]
		}
		if got["temporaryAccessPass"] != float64(1) || got["fido2"] != float64(0) {
			t.Errorf("successful sign-ins by method: %s", r.Raw)
		}

		days := a.get(reportsPath+"/userMfaSignInSummary").must(t, http.StatusOK).values(t)
		if len(days) != 30 {
			t.Fatalf("got %d days, want the last 30", len(days))
		}
		today := days[29]
		if today["createdDateTime"] != env.Clock.Now().UTC().Format("2006-01-02")+"T00:00:00Z" ||
			today["totalSignIns"] != float64(2) || today["multiFactorSignIns"] != float64(2) || today["singleFactorSignIns"] != float64(0) {
			t.Errorf("today: %v", today)
		}
		day := env.Clock.Now().UTC().Format("2006-01-02")
		a.get(reportsPath+"/userMfaSignInSummary?$filter="+url.QueryEscape("createdDateTime ge "+day+"T00:00:00Z and createdDateTime lt "+day+"T00:00:00Z")).
			wantError(t, http.StatusBadRequest, "badRequest", "must be before its end")
		one := a.get(reportsPath+"/userMfaSignInSummary?$filter="+url.QueryEscape("createdDateTime ge "+day+"T00:00:00Z")).must(t, http.StatusOK).values(t)
		if len(one) != 1 || one[0]["createdDateTime"] != day+"T00:00:00Z" || one[0]["totalSignIns"] != float64(2) {
			t.Errorf("from today to the default end: %v", one)
		}
		a.get(reportsPath+"/userMfaSignInSummary?$filter="+url.QueryEscape("totalSignIns gt 1")).
			wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "createdDateTime")
		a.get(reportsPath+"/userMfaSignInSummary?$filter="+url.QueryEscape("createdDateTime ge 2020-01-01T00:00:00Z")).
			wantError(t, http.StatusBadRequest, "badRequest", "366 days")
	})
}

func TestReportPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		f := newReportFixture(t, env)
		paths := []string{"/userRegistrationDetails", "/usersRegisteredByMethod()", "/usersRegisteredByFeature()",
			"/userSignInsByAuthMethodSummary(period='d1')", "/userMfaSignInSummary"}
		check := func(who string, a *api, want int) {
			t.Helper()
			for _, p := range paths {
				r := a.get(reportsPath + p)
				if want == http.StatusForbidden {
					r.wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "reports")
				} else if r.Status != want {
					t.Errorf("%s GET %s: %d, want %d: %s", who, p, r.Status, want, r.Raw)
				}
			}
		}
		check("Reports.Read.All app", appAPI(t, env, domain.PermReportsReadAll), http.StatusOK)
		check("User.Read.All app", appAPI(t, env, domain.PermUserReadAll), http.StatusForbidden)
		check("Reports Reader", userAPI(t, env, f.dee.ID), http.StatusOK)
		check("Global Administrator", userAPI(t, env, f.boss.ID), http.StatusOK)
		check("person without a role", userAPI(t, env, f.ada.ID), http.StatusForbidden)
		authAdmin := env.CreateUser(t, "helpdesk@example.com", domain.RoleAuthenticationAdministrator)
		check("Authentication Administrator", userAPI(t, env, authAdmin.ID), http.StatusOK)
		userAdmin := env.CreateUser(t, "hr@example.com", domain.RoleUserAdministrator)
		check("User Administrator", userAPI(t, env, userAdmin.ID), http.StatusForbidden)
		newAPI(t, env, "").get(reportsPath+"/userRegistrationDetails").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")
	})
}
