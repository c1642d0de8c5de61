package scim_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

// signedIn gives the user a session the way the sign-in page does: a pass, then
// a sign-in with it. It returns the session's id hash.
func signedIn(t *testing.T, env *testenv.Env, upn string) string {
	t.Helper()
	ctx := context.Background()
	env.EnablePassPolicy(t)
	once := false
	p, err := env.Dir.IssuePass(ctx, domain.SystemActor(), upn, domain.PassRequest{IsUsableOnce: &once})
	if err != nil {
		t.Fatalf("issue pass: %v", err)
	}
	res, err := env.Dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: upn, IPAddress: "192.0.2.7"}, p.Code)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return res.Session.IDHash
}

// auditsOf lists the audit records about one target, newest first.
func auditsOf(t *testing.T, env *testenv.Env, targetID string) []domain.AuditRecord {
	t.Helper()
	recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 100,
		Filter: odata.Any{Collection: "targetResources", Inner: odata.Compare{Field: "id", Op: odata.Eq,
			Value: odata.Value{Kind: odata.KindString, String: targetID}}}})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestEntraIDProvisioningSequence replays the requests Microsoft documents for
// Entra ID's provisioning service ("Develop and plan provisioning for a SCIM
// endpoint", user and group operations; and the known-issues page's string
// booleans and path-less replace): create, get, query by userName (a match and
// none), update multi- and single-valued attributes, disable, delete; create a
// group, get and query it without members, rename it, add and remove members.
// userNames are userPrincipalNames, as Entra ID's default mapping sends.
func TestEntraIDProvisioningSequence(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, app := provisioner(t, env)
		ctx := context.Background()

		// Create User.
		create := map[string]any{
			"schemas":    []string{coreUser, enterprise},
			"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			"userName":   "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com",
			"active":     true,
			"emails":     []any{map[string]any{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}},
			"meta":       map[string]any{"resourceType": "User"},
			"name":       map[string]any{"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
			"roles":      []any{},
		}
		r := c.do(http.MethodPost, "/Users", create).must(t, http.StatusCreated)
		id := r.str("id")
		if r.str("externalId") != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" || r.str("emails.0.value") != "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com" ||
			r.str("emails.0.type") != "work" || r.at("emails.0.primary") != true || r.str("meta.resourceType") != "User" {
			t.Fatalf("created: %s", r.Raw)
		}

		// Get User; Get User by query; Get User by query - Zero results.
		c.get("/Users/"+id).must(t, http.StatusOK)
		r = c.list("/Users", `userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com"`).must(t, http.StatusOK)
		r.total(t, 1)
		if r.JSON["itemsPerPage"] != 1.0 || r.JSON["startIndex"] != 1.0 || r.resources(t)[0]["id"] != id {
			t.Fatalf("by query: %s", r.Raw)
		}
		r = c.list("/Users", `userName eq "non-existent user"`).must(t, http.StatusOK)
		r.total(t, 0)
		if len(r.resources(t)) != 0 {
			t.Fatalf("zero results: %s", r.Raw)
		}
		// Entra ID also matches on externalId and the work address.
		c.list("/Users", `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`).must(t, http.StatusOK).total(t, 1)
		c.list("/Users", `emails[type eq "work"].value eq "test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"`).must(t, http.StatusOK).total(t, 1)

		// Update User [Multi-valued properties].
		r = c.do(http.MethodPatch, "/Users/"+id, ops(
			op("Replace", `emails[type eq "work"].value`, "updatedEmail@microsoft.com"),
			op("Replace", "name.familyName", "updatedFamilyName"),
		)).must(t, http.StatusOK)
		if r.str("emails.0.value") != "updatedEmail@microsoft.com" || r.str("name.familyName") != "updatedFamilyName" {
			t.Fatalf("multi-valued update: %s", r.Raw)
		}
		// Update User [Single-valued properties].
		r = c.do(http.MethodPatch, "/Users/"+id, ops(op("Replace", "userName", "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"))).must(t, http.StatusOK)
		if r.str("userName") != "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" {
			t.Fatalf("single-valued update: %s", r.Raw)
		}
		// Entra ID's enterprise attributes, the manager as a bare id, and the
		// path-less replace keyed by paths.
		boss := c.do(http.MethodPost, "/Users", map[string]any{"userName": "boss@testuser.com", "displayName": "Boss"}).must(t, http.StatusCreated).str("id")
		r = c.do(http.MethodPatch, "/Users/"+id, ops(
			op("Add", enterprise+":employeeNumber", "701984"),
			op("Add", enterprise+":department", "Tour Operations"),
			op("Add", enterprise+":manager", boss),
			op("Replace", "", map[string]any{"displayName": "Given Updated", "name.givenName": "Given", "title": "Guide",
				firstkeyExt + ":employeeHireDate": "2026-09-01"}),
		)).must(t, http.StatusOK)
		if r.str(enterprise+".employeeNumber") != "701984" || r.str(enterprise+".manager.value") != boss ||
			r.str("displayName") != "Given Updated" || r.str("name.givenName") != "Given" || r.str("title") != "Guide" ||
			r.str(firstkeyExt+".employeeHireDate") != "2026-09-01T00:00:00Z" {
			t.Fatalf("enterprise and path-less updates: %s", r.Raw)
		}
		u, _ := env.Dir.ResolveUser(ctx, id)
		if u.EmployeeID != "701984" || u.Department != "Tour Operations" || u.ManagerID != boss || u.JobTitle != "Guide" ||
			u.EmployeeHireDate == nil || u.EmployeeHireDate.Format("2006-01-02") != "2026-09-01" {
			t.Fatalf("directory user %+v", u)
		}

		// Disable User: the account is disabled and its sessions end. Entra ID
		// sends the boolean as a string in some flows.
		session := signedIn(t, env, u.UserPrincipalName)
		disable := map[string]any{"Operations": []any{op("Replace", "active", false)}, "schemas": []string{patchOp}}
		if r = c.do(http.MethodPatch, "/Users/"+id, disable).must(t, http.StatusOK); r.at("active") != false {
			t.Fatalf("disable: %s", r.Raw)
		}
		if _, err := env.Store.GetSession(ctx, session); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the disabled user's session survived: %v", err)
		}
		c.list("/Users", `active eq false`).must(t, http.StatusOK).total(t, 1)
		for _, v := range []any{"True", "False", "true", "false"} {
			want := strings.EqualFold(v.(string), "true")
			if r = c.do(http.MethodPatch, "/Users/"+id, ops(op("Replace", "active", v))).must(t, http.StatusOK); r.at("active") != want {
				t.Fatalf("active %q: %s", v, r.Raw)
			}
		}
		c.do(http.MethodPatch, "/Users/"+id, ops(op("Replace", "active", "maybe"))).wantError(t, http.StatusBadRequest, "invalidValue", "active")

		// Every change is audited with the provisioning client as initiator.
		var recs []domain.AuditRecord
		for _, a := range auditsOf(t, env, id) {
			if a.LoggedByService == domain.ServiceCoreDirectory { // not the test's own pass issuance
				recs = append(recs, a)
			}
		}
		if len(recs) < 5 {
			t.Fatalf("%d audit records", len(recs))
		}
		for _, a := range recs {
			if a.InitiatedBy.Type != domain.ActorApp || a.InitiatedBy.AppID != app.ClientID || a.InitiatedBy.AppName != app.DisplayName {
				t.Fatalf("audit %q initiated by %+v, want the provisioning app", a.ActivityDisplayName, a.InitiatedBy)
			}
		}
		if !slices.ContainsFunc(recs, func(a domain.AuditRecord) bool { return a.ActivityDisplayName == domain.ActivityAddUser }) {
			t.Errorf("no %q record among %d", domain.ActivityAddUser, len(recs))
		}

		// Create Group, with Entra ID's own schema listed.
		g := c.do(http.MethodPost, "/Groups", map[string]any{
			"schemas":     []string{coreGroup, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"},
			"externalId":  "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
			"displayName": "displayName",
			"meta":        map[string]any{"resourceType": "Group"},
		}).must(t, http.StatusCreated)
		gid := g.str("id")
		if m, ok := g.at("members").([]any); !ok || len(m) != 0 || g.str("externalId") != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
			t.Fatalf("created group: %s", g.Raw)
		}
		// Get Group; Get Group by displayName; both without members.
		if r = c.get("/Groups/"+gid+"?excludedAttributes=members").must(t, http.StatusOK); r.at("members") != nil || r.str("displayName") != "displayName" {
			t.Fatalf("get group: %s", r.Raw)
		}
		r = c.list("/Groups", `displayName eq "displayName"`, "excludedAttributes", "members").must(t, http.StatusOK)
		r.total(t, 1)
		if res := r.resources(t)[0]; res["id"] != gid || res["members"] != nil {
			t.Fatalf("group by displayName: %s", r.Raw)
		}
		// Update Group [Non-member attributes]: no schemas in the body, 204.
		c.do(http.MethodPatch, "/Groups/"+gid, map[string]any{"Operations": []any{
			op("Replace", "displayName", "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName")}}).must(t, http.StatusNoContent)
		// Update Group [Add Members] and [Remove Members], as Entra ID sends them.
		member := map[string]any{"$ref": nil, "value": id}
		c.do(http.MethodPatch, "/Groups/"+gid, map[string]any{"Operations": []any{op("Add", "members", []any{member})}}).must(t, http.StatusNoContent)
		c.list("/Groups", `members[value eq "`+id+`"]`).must(t, http.StatusOK).total(t, 1)
		c.do(http.MethodPatch, "/Groups/"+gid, map[string]any{"Operations": []any{op("Remove", "members", []any{member})}}).must(t, http.StatusNoContent)
		c.list("/Groups", `members[value eq "`+id+`"]`).must(t, http.StatusOK).total(t, 0)
		// The newer removal by value filter.
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("Add", "members", []any{member}))).must(t, http.StatusNoContent)
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("Remove", `members[value eq "`+id+`"]`, nil))).must(t, http.StatusNoContent)
		r = c.get("/Groups/"+gid).must(t, http.StatusOK)
		if r.str("displayName") != "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" || len(r.at("members").([]any)) != 0 {
			t.Fatalf("group after updates: %s", r.Raw)
		}
		for _, a := range auditsOf(t, env, gid) {
			if a.InitiatedBy.AppID != app.ClientID {
				t.Fatalf("group audit %q initiated by %+v", a.ActivityDisplayName, a.InitiatedBy)
			}
		}

		// Delete User; Delete Group.
		c.do(http.MethodDelete, "/Users/"+id, nil).must(t, http.StatusNoContent)
		c.do(http.MethodDelete, "/Groups/"+gid, nil).must(t, http.StatusNoContent)
		c.get("/Users/"+id).wantError(t, http.StatusNotFound, "")
	})
}

// TestOktaProvisioningSequence replays the requests of Okta's SCIM 2.0
// reference and its SCIM test flows: find the user by userName with paging,
// create (with a password, which a passwordless directory drops), get, update
// with PUT, deactivate with a path-less replace, reactivate; groups: list,
// find by displayName, create, rename with a path-less replace that repeats
// the id, add members, remove a member by value filter, delete.
func TestOktaProvisioningSequence(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		c.contentType = "application/json" // Okta's test flows send application/json too
		ctx := context.Background()

		find := "/Users?filter=" + url.QueryEscape(`userName eq "test.user@okta.local"`) + "&startIndex=1&count=100"
		r := c.get(find).must(t, http.StatusOK)
		r.total(t, 0)

		create := map[string]any{
			"schemas":     []string{coreUser},
			"userName":    "test.user@okta.local",
			"name":        map[string]any{"givenName": "Test", "familyName": "User"},
			"emails":      []any{map[string]any{"primary": true, "value": "test.user@okta.local", "type": "work"}},
			"displayName": "Test User",
			"locale":      "en-US",
			"externalId":  "00ujl29u0le5T6Aj10h7",
			"groups":      []any{},
			"password":    "1mz050nq",
			"active":      true,
		}
		r = c.do(http.MethodPost, "/Users", create).must(t, http.StatusCreated)
		id := r.str("id")
		if r.at("password") != nil || r.at("locale") != nil || r.str("displayName") != "Test User" {
			t.Fatalf("created: %s", r.Raw)
		}
		if strings.Contains(env.Logs(), "1mz050nq") {
			t.Fatal("the password Okta sent was logged")
		}
		r = c.get(find).must(t, http.StatusOK)
		r.total(t, 1)
		if r.resources(t)[0]["id"] != id {
			t.Fatalf("find: %s", r.Raw)
		}
		c.get("/Users/"+id).must(t, http.StatusOK)

		// Profile update: Okta PUTs the whole user.
		put := map[string]any{
			"schemas": []string{coreUser}, "id": id, "userName": "test.user@okta.local",
			"name":        map[string]any{"givenName": "Another", "familyName": "User"},
			"emails":      []any{map[string]any{"primary": true, "value": "test.user@okta.local", "type": "work"}},
			"displayName": "Another User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7", "groups": []any{},
			"active": true, "meta": map[string]any{"resourceType": "User"},
		}
		if r = c.do(http.MethodPut, "/Users/"+id, put).must(t, http.StatusOK); r.str("name.givenName") != "Another" || r.str("displayName") != "Another User" {
			t.Fatalf("PUT: %s", r.Raw)
		}

		// Deactivate and reactivate: a replace without a path.
		session := signedIn(t, env, "test.user@okta.local")
		deactivate := ops(op("replace", "", map[string]any{"active": false}))
		if r = c.do(http.MethodPatch, "/Users/"+id, deactivate).must(t, http.StatusOK); r.at("active") != false {
			t.Fatalf("deactivate: %s", r.Raw)
		}
		if _, err := env.Store.GetSession(ctx, session); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the deactivated user's session survived: %v", err)
		}
		if u, _ := env.Dir.ResolveUser(ctx, id); u.AccountEnabled {
			t.Fatal("deactivated in SCIM, enabled in the directory")
		}
		if r = c.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "", map[string]any{"active": true}))).must(t, http.StatusOK); r.at("active") != true {
			t.Fatalf("reactivate: %s", r.Raw)
		}
		// A PUT without active leaves the account as it is.
		delete(put, "active")
		c.do(http.MethodPatch, "/Users/"+id, deactivate).must(t, http.StatusOK)
		if r = c.do(http.MethodPut, "/Users/"+id, put).must(t, http.StatusOK); r.at("active") != false {
			t.Fatalf("a PUT without active re-enabled the user: %s", r.Raw)
		}

		// Groups.
		other := c.do(http.MethodPost, "/Users", map[string]any{"userName": "other@okta.local"}).must(t, http.StatusCreated).str("id")
		c.get("/Groups?startIndex=1&count=100").must(t, http.StatusOK).total(t, 0)
		c.get("/Groups?filter="+url.QueryEscape(`displayName eq "Test SCIMv2"`)+"&startIndex=1&count=100").must(t, http.StatusOK).total(t, 0)
		g := c.do(http.MethodPost, "/Groups", map[string]any{"schemas": []string{coreGroup}, "displayName": "Test SCIMv2", "members": []any{}}).
			must(t, http.StatusCreated)
		gid := g.str("id")
		c.get("/Groups?filter="+url.QueryEscape(`displayName eq "Test SCIMv2"`)+"&startIndex=1&count=100").must(t, http.StatusOK).total(t, 1)
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("replace", "", map[string]any{"id": gid, "displayName": "Test SCIMv2 renamed"}))).
			must(t, http.StatusNoContent)
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("replace", "", map[string]any{"id": other, "displayName": "x"}))).
			wantError(t, http.StatusBadRequest, "mutability", "id")
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("add", "members", []any{
			map[string]any{"value": id, "display": "test.user@okta.local"},
			map[string]any{"value": other, "display": "other@okta.local"},
		}))).must(t, http.StatusNoContent)
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("remove", `members[value eq "`+other+`"]`, nil))).must(t, http.StatusNoContent)
		r = c.get("/Groups/"+gid).must(t, http.StatusOK)
		members, _ := r.at("members").([]any)
		if r.str("displayName") != "Test SCIMv2 renamed" || len(members) != 1 || r.str("members.0.value") != id ||
			r.str("members.0.display") != "Another User" || r.str("members.0.$ref") != env.URL+"/scim/v2/Users/"+id {
			t.Fatalf("group: %s", r.Raw)
		}
		// The group is the one the Graph API sees.
		gm, _, err := env.Dir.ListGroupMembers(ctx, domain.SystemActor(), gid, store.ListOptions{})
		if err != nil || len(gm) != 1 || gm[0].ID != id {
			t.Fatalf("directory members %v, %v", gm, err)
		}
		c.do(http.MethodDelete, "/Groups/"+gid, nil).must(t, http.StatusNoContent)
		c.get("/Groups?startIndex=1&count=100").must(t, http.StatusOK).total(t, 0)
	})
}
