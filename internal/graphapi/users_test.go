package graphapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestUsersCRUD(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermUserReadWriteAll))

		a.do(http.MethodPost, "/v1.0/users", map[string]any{"userPrincipalName": "carol@example.com"}).
			wantError(t, http.StatusBadRequest, "badRequest", "displayName")
		a.do(http.MethodPost, "/v1.0/users", map[string]any{"displayName": "Carol", "userPrincipalName": 7}).
			wantError(t, http.StatusBadRequest, "badRequest", "userPrincipalName")
		a.do(http.MethodPost, "/v1.0/users", map[string]any{"displayName": "Carol", "userPrincipalName": "carol"}).
			wantError(t, http.StatusBadRequest, "badRequest", "alias@domain")

		c := a.do(http.MethodPost, "/v1.0/users", map[string]any{
			"displayName": "Carol Danvers", "userPrincipalName": "carol@example.com", "jobTitle": "Pilot",
			"employeeHireDate": "2030-03-01T00:00:00Z", "passwordProfile": map[string]any{"password": "ignored"},
		}).must(t, http.StatusCreated)
		id := c.str("id")
		if c.str("userPrincipalName") != "carol@example.com" || c.JSON["accountEnabled"] != true || c.str("jobTitle") != "Pilot" ||
			c.str("employeeHireDate") != "2030-03-01T00:00:00Z" || c.str("@odata.context") != env.URL+"/v1.0/$metadata#users/$entity" ||
			c.JSON["givenName"] != nil {
			t.Fatalf("created user: %s", c.Raw)
		}
		a.do(http.MethodPost, "/v1.0/users", map[string]any{"displayName": "Other", "userPrincipalName": "CAROL@example.com"}).
			wantError(t, http.StatusBadRequest, "Request_BadRequest", "userPrincipalName")

		byUPN := a.get("/v1.0/users/carol%40example.com").must(t, http.StatusOK)
		if byUPN.str("id") != id {
			t.Fatalf("by UPN: %s", byUPN.Raw)
		}
		sel := a.get("/v1.0/users/"+id+"?$select=displayName,jobTitle").must(t, http.StatusOK)
		if len(sel.JSON) != 4 || sel.str("id") != id || sel.str("displayName") != "Carol Danvers" || sel.str("jobTitle") != "Pilot" {
			t.Fatalf("$select on one user: %s", sel.Raw)
		}

		a.do(http.MethodPatch, "/v1.0/users/"+id, map[string]any{"jobTitle": nil, "department": "Air", "accountEnabled": false}).
			must(t, http.StatusNoContent)
		got := a.get("/v1.0/users/"+id).must(t, http.StatusOK)
		if got.JSON["jobTitle"] != nil || got.str("department") != "Air" || got.JSON["accountEnabled"] != false || got.str("displayName") != "Carol Danvers" {
			t.Fatalf("after PATCH: %s", got.Raw)
		}
		a.do(http.MethodPatch, "/v1.0/users/"+id, map[string]any{"accountEnabled": "no"}).wantError(t, http.StatusBadRequest, "badRequest", "accountEnabled")
		a.do(http.MethodPatch, "/v1.0/users/"+id, map[string]any{"displayName": ""}).wantError(t, http.StatusBadRequest, "badRequest", "displayName")
		a.do(http.MethodPatch, "/v1.0/users/nobody%40example.com", map[string]any{"department": "x"}).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		a.do(http.MethodDelete, "/v1.0/users/"+id, nil).must(t, http.StatusNoContent)
		a.get("/v1.0/users/"+id).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodDelete, "/v1.0/users/"+id, nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		ro := newAPI(t, env, env.AppToken(t, domain.PermUserReadAll))
		ro.do(http.MethodPost, "/v1.0/users", map[string]any{"displayName": "X", "userPrincipalName": "x@example.com"}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

func TestUsersQuery(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermUserReadAll))
		var want []string
		for i := range 23 {
			name := fmt.Sprintf("user%02d@example.com", i)
			if i%2 == 0 {
				name = fmt.Sprintf("admin%02d@example.com", i)
			}
			env.CreateUser(t, name)
			want = append(want, name)
		}
		sort.Strings(want)

		// Paging: follow nextLink as given until it runs out.
		var got []string
		next, pages := "/v1.0/users?$top=5&$select=userPrincipalName", 0
		for next != "" {
			r := a.get(next).must(t, http.StatusOK)
			vals := r.values(t)
			if len(vals) > 5 {
				t.Fatalf("page of %d with $top=5", len(vals))
			}
			for _, v := range vals {
				if len(v) != 2 || v["id"] == nil {
					t.Fatalf("$select=userPrincipalName item %v: want id and userPrincipalName only", v)
				}
				got = append(got, v["userPrincipalName"].(string))
			}
			next = r.str("@odata.nextLink")
			if next != "" && !strings.HasPrefix(next, env.URL+"/v1.0/users?") {
				t.Fatalf("nextLink %q is not absolute on the base URL", next)
			}
			pages++
		}
		if pages != 5 || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%d pages gave %v, want 5 pages of %v", pages, got, want)
		}

		list := func(q string) []string {
			t.Helper()
			r := a.get("/v1.0/users?"+q).must(t, http.StatusOK)
			var out []string
			for _, v := range r.values(t) {
				out = append(out, v["userPrincipalName"].(string))
			}
			return out
		}
		f := func(s string) string { return "$filter=" + url.QueryEscape(s) }
		if got := list(f("userPrincipalName eq 'USER03@example.com'")); len(got) != 1 || got[0] != "user03@example.com" {
			t.Errorf("eq: %v", got)
		}
		if got := list(f("startswith(userPrincipalName,'admin1')")); len(got) != 5 {
			t.Errorf("startswith: %v", got)
		}
		if got := list(f("startswith(displayName,'admin') and startswith(displayName,'admin2')")); len(got) != 2 {
			t.Errorf("and: %v", got)
		}
		if got := list(f("displayName eq 'user01' or displayName eq 'admin00'")); strings.Join(got, ",") != "admin00@example.com,user01@example.com" {
			t.Errorf("or: %v", got)
		}
		if got := list("$orderby=userPrincipalName%20desc&$top=2"); strings.Join(got, ",") != "user21@example.com,user19@example.com" {
			t.Errorf("orderby desc: %v", got)
		}
		counted := a.get("/v1.0/users?$count=true&$top=3&"+f("startswith(displayName,'user')")).must(t, http.StatusOK)
		if counted.JSON["@odata.count"] != float64(11) || len(counted.values(t)) != 3 || counted.str("@odata.nextLink") == "" {
			t.Errorf("$count=true: %s", counted.Raw)
		}
		c := a.get("/v1.0/users/$count?"+f("startswith(displayName,'admin')")).must(t, http.StatusOK)
		if string(c.Raw) != "12" || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("/users/$count: %q (%s)", c.Raw, c.Header.Get("Content-Type"))
		}
		filtered := a.get("/v1.0/users?$top=4&"+f("startswith(displayName,'user')")).must(t, http.StatusOK)
		if next, _ := url.Parse(filtered.str("@odata.nextLink")); next == nil || next.Query().Get("$filter") != "startswith(displayName,'user')" {
			t.Errorf("nextLink does not repeat the filter: %s", filtered.str("@odata.nextLink"))
		}

		a.get("/v1.0/users?"+f("favouriteColour eq 'green'")).wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "favouriteColour")
		a.get("/v1.0/users?$orderby=favouriteColour").wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery")
		a.get("/v1.0/users?"+f("displayName eq")).wantError(t, http.StatusBadRequest, "Request_BadRequest", "Invalid filter clause")
		a.get("/v1.0/users?$top=0").wantError(t, http.StatusBadRequest, "Request_BadRequest", "page size")
		a.get("/v1.0/users?$select=shoeSize").wantError(t, http.StatusBadRequest, "badRequest", "shoeSize")
		a.get("/v1.0/users?$skiptoken=forged").wantError(t, http.StatusBadRequest, "Request_BadRequest", "skiptoken")
		a.get("/v1.0/users?$expand=memberOf").wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "memberOf")
		a.get("/v1.0/groups?$expand=manager").wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "manager")
		a.get("/v1.0/users?$search=%22displayName:ad%22").wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery")
	})
}
