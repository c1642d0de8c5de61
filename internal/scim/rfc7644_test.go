package scim_test

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/testenv"
)

// The request and response examples of RFC 7644 §3, replayed. firstkey's
// userName is a userPrincipalName, so the RFC's "bjensen" becomes
// bjensen@example.com (and "bjensen" alone is refused, which is checked too).

// TestRFC7644Create follows §3.3: a User is created with its name parts and an
// externalId; the response carries the resource with its id and meta, a
// Location and an ETag; a second one with the same userName is a 409 uniqueness.
func TestRFC7644Create(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		body := map[string]any{
			"schemas":    []string{coreUser},
			"userName":   "bjensen@example.com",
			"externalId": "bjensen",
			"name": map[string]any{
				"formatted":  "Ms. Barbara J Jensen III",
				"familyName": "Jensen",
				"givenName":  "Barbara",
			},
		}
		r := c.do(http.MethodPost, "/Users", body).must(t, http.StatusCreated)
		id := r.str("id")
		if len(id) != 36 {
			t.Fatalf("id %q", id)
		}
		if r.str("userName") != "bjensen@example.com" || r.str("externalId") != "bjensen" ||
			r.str("name.familyName") != "Jensen" || r.str("name.givenName") != "Barbara" || r.at("active") != true {
			t.Errorf("created resource: %s", r.Raw)
		}
		// With no displayName, the formatted name is shown.
		if r.str("displayName") != "Ms. Barbara J Jensen III" {
			t.Errorf("displayName %q", r.str("displayName"))
		}
		loc := env.URL + "/scim/v2/Users/" + id
		if r.Header.Get("Location") != loc || r.str("meta.location") != loc || r.str("meta.resourceType") != "User" {
			t.Errorf("location %q, meta %v", r.Header.Get("Location"), r.at("meta"))
		}
		if et := r.Header.Get("ETag"); et == "" || !strings.HasPrefix(et, `W/"`) || r.str("meta.version") != et {
			t.Errorf("ETag %q, meta.version %q", et, r.str("meta.version"))
		}
		for _, k := range []string{"meta.created", "meta.lastModified"} {
			if _, err := time.Parse(time.RFC3339, r.str(k)); err != nil {
				t.Errorf("%s %q: %v", k, r.str(k), err)
			}
		}
		if s, _ := r.at("schemas").([]any); len(s) != 1 || s[0] != coreUser {
			t.Errorf("schemas %v", r.at("schemas"))
		}

		// The same user, seen through the Graph API: one directory.
		u, err := env.Dir.ResolveUser(t.Context(), id)
		if err != nil || u.UserPrincipalName != "bjensen@example.com" || u.GivenName != "Barbara" || u.Surname != "Jensen" || u.ExternalID != "bjensen" {
			t.Fatalf("directory user %+v, %v", u, err)
		}

		body["externalId"] = "other"
		body["userName"] = "BJensen@Example.com"
		c.do(http.MethodPost, "/Users", body).wantError(t, http.StatusConflict, "uniqueness", "userName")

		body["userName"] = "bjensen"
		c.do(http.MethodPost, "/Users", body).wantError(t, http.StatusBadRequest, "invalidValue", "userName", "alias@domain")
		delete(body, "userName")
		c.do(http.MethodPost, "/Users", body).wantError(t, http.StatusBadRequest, "invalidValue", "userName is required")
	})
}

// TestRFC7644RetrieveAndVersion follows §3.4.1 and §3.14: a GET returns the
// resource and its ETag; If-None-Match with it is a 304; a PUT with a stale
// If-Match is a 412 and changes nothing; a GET of an unknown id is §3.12's 404.
func TestRFC7644RetrieveAndVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		created := c.do(http.MethodPost, "/Users", map[string]any{"schemas": []string{coreUser}, "userName": "bjensen@example.com",
			"displayName": "Babs Jensen"}).must(t, http.StatusCreated)
		id, v1 := created.str("id"), created.Header.Get("ETag")

		got := c.get("/Users/"+id).must(t, http.StatusOK)
		if got.Header.Get("ETag") != v1 || got.str("displayName") != "Babs Jensen" {
			t.Fatalf("GET: ETag %q, %s", got.Header.Get("ETag"), got.Raw)
		}
		c.do(http.MethodGet, "/Users/"+id, nil, "If-None-Match", v1).must(t, http.StatusNotModified)

		// §3.5.1: PUT with If-Match replaces; the version moves on.
		put := map[string]any{"schemas": []string{coreUser}, "id": id, "userName": "bjensen@example.com",
			"externalId": "bjensen", "displayName": "Barbara Jensen",
			"name":   map[string]any{"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
			"roles":  []any{},
			"emails": []any{map[string]any{"value": "bjensen@example.com"}, map[string]any{"value": "babs@jensen.org"}},
		}
		replaced := c.do(http.MethodPut, "/Users/"+id, put, "If-Match", v1).must(t, http.StatusOK)
		v2 := replaced.Header.Get("ETag")
		if v2 == v1 || replaced.str("meta.version") != v2 || replaced.str("emails.0.value") != "bjensen@example.com" ||
			replaced.str("displayName") != "Barbara Jensen" || replaced.str("externalId") != "bjensen" {
			t.Fatalf("PUT: ETag %q after %q, %s", v2, v1, replaced.Raw)
		}
		c.do(http.MethodGet, "/Users/"+id, nil, "If-None-Match", v1).must(t, http.StatusOK)

		// A stale version is refused, with every change.
		put["displayName"] = "Lost update"
		c.do(http.MethodPut, "/Users/"+id, put, "If-Match", v1).wantError(t, http.StatusPreconditionFailed, "", "If-Match")
		c.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "displayName", "Lost update")), "If-Match", v1).
			wantError(t, http.StatusPreconditionFailed, "")
		c.do(http.MethodDelete, "/Users/"+id, nil, "If-Match", v1).wantError(t, http.StatusPreconditionFailed, "")
		if now := c.get("/Users/" + id); now.str("displayName") != "Barbara Jensen" || now.Header.Get("ETag") != v2 {
			t.Fatalf("a refused change changed the user: %s", now.Raw)
		}
		// The current one, a strong form of it, or * is accepted.
		strong := strings.TrimPrefix(v2, "W/")
		c.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "title", "Tour Guide")), "If-Match", strong).must(t, http.StatusOK)
		c.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "title", "Guide")), "If-Match", "*").must(t, http.StatusOK)

		// §3.12's 404.
		c.get("/Users/2819c223-7f76-453a-919d-413861904646").wantError(t, http.StatusNotFound, "", "2819c223-7f76-453a-919d-413861904646")
		c.get("/Users/bjensen@example.com").wantError(t, http.StatusNotFound, "") // ids only, not names
	})
}

// seedUsers creates the users the filter examples look for.
func seedUsers(t *testing.T, c *client) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, u := range []map[string]any{
		{"userName": "bjensen@example.com", "displayName": "Barbara Jensen", "title": "Tour Guide",
			"name":   map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true}}},
		{"userName": "jsmith@example.org", "displayName": "John Smith",
			"name":   map[string]any{"givenName": "John", "familyName": "O'Malley"},
			"emails": []any{map[string]any{"value": "john@example.org", "type": "work"}}, "active": false},
		{"userName": "Jane.Smith@example.com", "displayName": "Jane Smith", "title": "Engineer", "externalId": "E-17",
			enterprise: map[string]any{"employeeNumber": "701984", "department": "Tour Operations"}},
	} {
		u["schemas"] = []string{coreUser, enterprise}
		ids[u["userName"].(string)] = c.do(http.MethodPost, "/Users", u).must(t, http.StatusCreated).str("id")
	}
	return ids
}

func userNames(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, res := range r.resources(t) {
		out = append(out, res["userName"].(string))
	}
	sort.Strings(out)
	return out
}

// TestRFC7644Filters follows §3.4.2.2's examples, with the attributes firstkey
// keeps; those naming attributes it does not keep (userType, ims) are refused
// with invalidFilter rather than answered wrongly.
func TestRFC7644Filters(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		ids := seedUsers(t, c)
		all := []string{"Jane.Smith@example.com", "bjensen@example.com", "jsmith@example.org"}
		for _, tc := range []struct {
			filter string
			want   []string
		}{
			{`userName eq "bjensen@example.com"`, []string{"bjensen@example.com"}},
			{`userName Eq "BJENSEN@example.com"`, []string{"bjensen@example.com"}}, // operators and userName ignore case
			{`name.familyName co "O'Malley"`, []string{"jsmith@example.org"}},
			{`userName sw "J"`, []string{"Jane.Smith@example.com", "jsmith@example.org"}},
			{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, []string{"Jane.Smith@example.com", "jsmith@example.org"}},
			{`title pr`, []string{"Jane.Smith@example.com", "bjensen@example.com"}},
			{`meta.lastModified gt "2011-05-13T04:42:34Z"`, all},
			{`meta.lastModified lt "2011-05-13T04:42:34Z"`, nil},
			{`title pr and (emails co "example.com" or emails.value co "example.org")`, []string{"bjensen@example.com"}},
			{`userName ne "bjensen@example.com" and not (emails co "example.com" or emails.value co "example.org")`, []string{"Jane.Smith@example.com"}},
			{`emails[type eq "work" and value co "@example.com"]`, []string{"bjensen@example.com"}},
			{`emails[type eq "home"]`, nil},
			{`emails[type eq "work"].value eq "john@example.org"`, []string{"jsmith@example.org"}}, // as Entra ID writes it
			{`emails.value ew ".ORG"`, []string{"jsmith@example.org"}},
			{`displayName eq "jane smith" or externalId eq "E-17"`, []string{"Jane.Smith@example.com"}},
			{`externalId eq "e-17"`, nil}, // caseExact
			{`active eq false`, []string{"jsmith@example.org"}},
			{`active eq "True"`, []string{"Jane.Smith@example.com", "bjensen@example.com"}},
			{`id eq "` + ids["jsmith@example.org"] + `"`, []string{"jsmith@example.org"}},
			{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, []string{"Jane.Smith@example.com"}},
			{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "tour"`, []string{"Jane.Smith@example.com"}},
			{`(userName sw "b" or userName sw "j") and not (active eq false)`, []string{"Jane.Smith@example.com", "bjensen@example.com"}},
		} {
			t.Run(tc.filter, func(t *testing.T) {
				r := c.list("/Users", tc.filter).must(t, http.StatusOK)
				r.total(t, len(tc.want))
				if got := userNames(t, r); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		for _, tc := range []struct{ filter, detail string }{
			{`title pr and userType eq "Employee"`, "userType"},
			{`title pr or userType eq "Intern"`, "userType"},
			{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, "schemas"},
			{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, "ims"},
			{`userName eq`, "position"},
			{`userName eq bjensen`, "double quotes"},
			{`userName xx "a"`, "unknown operator"},
			{`(userName eq "a"`, "')'"},
			{`userName eq "unterminated`, "closing quote"},
			{`nosuch eq "a"`, "nosuch"},
			{`name.nosuch eq "a"`, "name.nosuch"},
			{`active gt true`, "eq or ne"},
			{`meta.created gt "yesterday"`, "date-time"},
			{`userName eq 42`, "string"},
			{`emails[value eq "a"`, "']'"},
			{strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40), "nesting"},
		} {
			t.Run("refused "+tc.filter, func(t *testing.T) {
				c.list("/Users", tc.filter).wantError(t, http.StatusBadRequest, "invalidFilter", tc.detail)
			})
		}
	})
}

// TestRFC7644ListPagingAndAttributes follows §3.4.2.4 (startIndex, count),
// §3.4.2.5 (attributes, excludedAttributes) and §3.4.3 (POST /.search).
func TestRFC7644ListPagingAndAttributes(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		seedUsers(t, c)

		// GET /Users?attributes=userName: each resource has its id and userName only.
		r := c.list("/Users", "", "attributes", "userName").must(t, http.StatusOK)
		r.total(t, 3)
		for _, res := range r.resources(t) {
			for k := range res {
				if k != "id" && k != "userName" && k != "schemas" {
					t.Errorf("attributes=userName returned %s: %v", k, res)
				}
			}
			if res["id"] == nil || res["userName"] == nil {
				t.Errorf("attributes=userName lost id or userName: %v", res)
			}
		}
		r = c.list("/Users", `userName eq "jane.smith@example.com"`, "attributes",
			"emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber,name.givenName")
		res := r.must(t, http.StatusOK).resources(t)[0]
		ent, _ := res[enterprise].(map[string]any)
		if ent == nil || ent["employeeNumber"] != "701984" || ent["department"] != nil || res["userName"] != nil {
			t.Errorf("attributes with sub-attributes and an extension: %v", res)
		}
		r = c.list("/Users", `userName eq "bjensen@example.com"`, "excludedAttributes", "emails,name.familyName,meta")
		res = r.must(t, http.StatusOK).resources(t)[0]
		if res["emails"] != nil || res["meta"] != nil || res["name"].(map[string]any)["familyName"] != nil ||
			res["name"].(map[string]any)["givenName"] != "Barbara" || res["userName"] != "bjensen@example.com" {
			t.Errorf("excludedAttributes: %v", res)
		}
		c.list("/Users", "", "attributes", "nosuch").wantError(t, http.StatusBadRequest, "invalidValue", "nosuch")

		// Paging: 1-based, ordered the same way every time.
		page := func(start, count string) []string {
			r := c.list("/Users", "", "startIndex", start, "count", count).must(t, http.StatusOK)
			r.total(t, 3)
			if n, _ := strconv.Atoi(start); r.JSON["startIndex"] != float64(n) || int(r.JSON["itemsPerPage"].(float64)) != len(r.resources(t)) {
				t.Errorf("startIndex %v, itemsPerPage %v", r.JSON["startIndex"], r.JSON["itemsPerPage"])
			}
			var names []string
			for _, res := range r.resources(t) {
				names = append(names, res["userName"].(string))
			}
			return names
		}
		first, second, third := page("1", "1"), page("2", "1"), page("3", "1")
		if len(first) != 1 || len(second) != 1 || len(third) != 1 || first[0] == second[0] || second[0] == third[0] {
			t.Fatalf("pages %v %v %v", first, second, third)
		}
		if rest := page("2", "10"); !slices.Equal(rest, append(second, third...)) {
			t.Fatalf("startIndex=2 gave %v", rest)
		}
		if none := page("4", "10"); len(none) != 0 {
			t.Fatalf("past the end: %v", none)
		}
		// count=0 asks only for the total; a startIndex below 1 is 1 (§3.4.2.4).
		r = c.list("/Users", "", "count", "0").must(t, http.StatusOK)
		r.total(t, 3)
		if len(r.resources(t)) != 0 {
			t.Errorf("count=0 returned resources")
		}
		if r := c.list("/Users", "", "startIndex", "0", "count", "1").must(t, http.StatusOK); r.JSON["startIndex"] != 1.0 {
			t.Errorf("startIndex=0 answered as %v", r.JSON["startIndex"])
		}
		c.list("/Users", "", "count", "ten").wantError(t, http.StatusBadRequest, "invalidValue", "count")

		// §3.4.3: the same query as a POST.
		search := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"attributes": []string{"displayName", "userName"}, "excludedAttributes": []string{},
			"filter": `displayName sw "j"`, "startIndex": 1, "count": 10}
		r = c.do(http.MethodPost, "/Users/.search", search).must(t, http.StatusOK)
		r.total(t, 2)
		for _, res := range r.resources(t) {
			if res["displayName"] == nil || res["emails"] != nil {
				t.Errorf(".search resource %v", res)
			}
		}
	})
}

// TestRFC7644Patch follows §3.5.2's examples on a user and a group: add with
// and without a path, remove by value filter, remove all, remove-then-add,
// replace of a list, of a filtered value's sub-attribute and without a path;
// and §3.12's mutability error for the read-only id.
func TestRFC7644Patch(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		ids := seedUsers(t, c)
		babs, john, jane := ids["bjensen@example.com"], ids["jsmith@example.org"], ids["Jane.Smith@example.com"]
		g := c.do(http.MethodPost, "/Groups", map[string]any{"schemas": []string{coreGroup}, "displayName": "Tour Guides"}).
			must(t, http.StatusCreated)
		gid, gtag := g.str("id"), g.Header.Get("ETag")
		members := func() []string {
			r := c.get("/Groups/"+gid).must(t, http.StatusOK)
			var out []string
			for _, m := range r.at("members").([]any) {
				out = append(out, m.(map[string]any)["value"].(string))
			}
			sort.Strings(out)
			return out
		}
		sorted := func(s ...string) []string { sort.Strings(s); return s }

		// §3.5.2.1: add members, with If-Match.
		r := c.do(http.MethodPatch, "/Groups/"+gid, ops(op("add", "members", []any{map[string]any{
			"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/" + babs, "value": babs}})), "If-Match", gtag)
		r.must(t, http.StatusNoContent)
		if r.Header.Get("ETag") == gtag || r.Header.Get("ETag") == "" {
			t.Errorf("ETag after PATCH %q", r.Header.Get("ETag"))
		}
		if got := members(); !slices.Equal(got, []string{babs}) {
			t.Fatalf("members %v", got)
		}
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("add", "members", []any{map[string]any{"value": john}, map[string]any{"value": jane}}))).
			must(t, http.StatusNoContent)

		// §3.5.2.2: remove one member by filter; remove all; remove-then-add.
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("remove", `members[value eq "`+babs+`"]`, nil))).must(t, http.StatusNoContent)
		if got := members(); !slices.Equal(got, sorted(john, jane)) {
			t.Fatalf("after remove by filter: %v", got)
		}
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("remove", "members", nil))).must(t, http.StatusNoContent)
		if got := members(); len(got) != 0 {
			t.Fatalf("after remove all: %v", got)
		}
		c.do(http.MethodPatch, "/Groups/"+gid, ops(
			op("remove", "members", nil),
			op("add", "members", []any{map[string]any{"display": "Babs Jensen", "value": babs}, map[string]any{"display": "James Smith", "value": john}}),
		)).must(t, http.StatusNoContent)
		if got := members(); !slices.Equal(got, sorted(babs, john)) {
			t.Fatalf("after remove-then-add: %v", got)
		}
		// §3.5.2.3: replace the members.
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("replace", "members", []any{map[string]any{"value": jane}}))).must(t, http.StatusNoContent)
		if got := members(); !slices.Equal(got, []string{jane}) {
			t.Fatalf("after replace: %v", got)
		}
		// A PATCH asking for attributes gets the group back.
		r = c.do(http.MethodPatch, "/Groups/"+gid+"?attributes=displayName", ops(op("replace", "displayName", "Guides")))
		if r.must(t, http.StatusOK).str("displayName") != "Guides" || r.at("members") != nil {
			t.Fatalf("PATCH with attributes: %s", r.Raw)
		}

		// On a user: add without a path (a home address next to the work one;
		// "nickname" is an attribute firstkey does not keep).
		r = c.do(http.MethodPatch, "/Users/"+babs, ops(op("add", "", map[string]any{
			"emails": []any{map[string]any{"value": "babs@jensen.org", "type": "home"}}, "nickName": "Babs"})))
		if r.must(t, http.StatusOK).str("emails.0.value") != "bjensen@example.com" {
			t.Fatalf("a home address replaced the work one: %s", r.Raw)
		}
		// Replace without a path, as §3.5.2.3 shows it.
		r = c.do(http.MethodPatch, "/Users/"+john, ops(op("replace", "", map[string]any{
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
				map[string]any{"value": "babs@jensen.org", "type": "home"}},
			"nickName": "Babs"})))
		if r.must(t, http.StatusOK).str("emails.0.value") != "bjensen@example.com" {
			t.Fatalf("replace without a path: %s", r.Raw)
		}
		// Replace a filtered value's sub-attribute; attributes firstkey does not keep are dropped.
		r = c.do(http.MethodPatch, "/Users/"+babs, ops(
			op("replace", `emails[type eq "work"].value`, "barbara@example.com"),
			op("replace", `addresses[type eq "work"].streetAddress`, "1010 Broadway Ave"),
			op("replace", `addresses[type eq "work"]`, map[string]any{"type": "work", "streetAddress": "911 Universal City Plaza"}),
		))
		if r.must(t, http.StatusOK).str("emails.0.value") != "barbara@example.com" || r.at("addresses") != nil {
			t.Fatalf("replace by value filter: %s", r.Raw)
		}
		// Remove values by a filter: the work address goes.
		r = c.do(http.MethodPatch, "/Users/"+babs, ops(op("remove", `emails[type eq "work" and value ew "example.com"]`, nil)))
		if r.must(t, http.StatusOK).at("emails") != nil {
			t.Fatalf("remove by filter: %s", r.Raw)
		}
		if u, _ := env.Dir.ResolveUser(t.Context(), babs); u.Mail != "" {
			t.Fatalf("directory mail %q after removal", u.Mail)
		}

		// §3.12 mutability; a PATCH is all or nothing.
		c.do(http.MethodPatch, "/Users/"+babs, ops(op("replace", "id", "something-else"))).wantError(t, http.StatusBadRequest, "mutability", "id")
		c.do(http.MethodPatch, "/Users/"+babs, ops(op("replace", "meta.created", "2020-01-01T00:00:00Z"))).wantError(t, http.StatusBadRequest, "mutability")
		c.do(http.MethodPatch, "/Users/"+babs, ops(
			op("replace", "displayName", "Half done"),
			op("replace", "userName", "not a name"),
		)).wantError(t, http.StatusBadRequest, "invalidValue", "userName")
		if u, _ := env.Dir.ResolveUser(t.Context(), babs); u.DisplayName != "Barbara Jensen" {
			t.Fatalf("a refused PATCH changed displayName to %q", u.DisplayName)
		}
		c.do(http.MethodPatch, "/Users/"+babs, ops(op("replace", "nosuch", "x"))).wantError(t, http.StatusBadRequest, "invalidPath", "nosuch")
		c.do(http.MethodPatch, "/Users/"+babs, ops(op("remove", "", nil))).wantError(t, http.StatusBadRequest, "noTarget")
		c.do(http.MethodPatch, "/Users/"+babs, ops(op("move", "title", "x"))).wantError(t, http.StatusBadRequest, "invalidSyntax", "move")
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("replace", `members[value eq "`+jane+`"].display`, "x"))).
			wantError(t, http.StatusBadRequest, "mutability")
		c.do(http.MethodPatch, "/Groups/"+gid, ops(op("add", "members", []any{map[string]any{"value": "2819c223-7f76-453a-919d-413861904646"}}))).
			wantError(t, http.StatusBadRequest, "invalidValue", "does not exist")
		if got := members(); !slices.Equal(got, []string{jane}) {
			t.Fatalf("a refused member change changed members: %v", got)
		}
	})
}

// TestRFC7644Delete follows §3.6: DELETE answers 204, and the resource is gone.
func TestRFC7644Delete(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		id := c.do(http.MethodPost, "/Users", map[string]any{"userName": "bjensen@example.com"}).must(t, http.StatusCreated).str("id")
		gid := c.do(http.MethodPost, "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": id}}}).
			must(t, http.StatusCreated).str("id")
		if r := c.do(http.MethodDelete, "/Users/"+id, nil).must(t, http.StatusNoContent); len(r.Raw) != 0 {
			t.Errorf("DELETE body %s", r.Raw)
		}
		c.get("/Users/"+id).wantError(t, http.StatusNotFound, "")
		c.do(http.MethodDelete, "/Users/"+id, nil).wantError(t, http.StatusNotFound, "")
		if m := c.get("/Groups/"+gid).must(t, http.StatusOK).at("members"); len(m.([]any)) != 0 {
			t.Errorf("a deleted user is still a member: %v", m)
		}
		c.do(http.MethodDelete, "/Groups/"+gid, nil).must(t, http.StatusNoContent)
		c.get("/Groups/"+gid).wantError(t, http.StatusNotFound, "")
	})
}
