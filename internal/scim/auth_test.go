package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/scim"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestAuthentication: a provisioning token or a client-credentials access token
// of an application authenticates; what the caller may do is its permissions'
// (Provisioning.ReadWrite.All writes users and groups, not methods); a revoked
// or replaced token, a deleted application, a missing or malformed header are
// 401s in SCIM's error shape; discovery needs no token; no token is logged.
func TestAuthentication(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		newUser := map[string]any{"userName": "joiner@example.com"}

		// An access token from the token endpoint, as a client-credentials client gets it.
		provID, provSecret := env.CreateApp(t, domain.PermProvisioningReadWriteAll)
		access := &client{t: t, env: env, token: env.ClientCredentialsToken(t, provID, provSecret), contentType: "application/scim+json"}
		id := access.do(http.MethodPost, "/Users", newUser).must(t, http.StatusCreated).str("id")

		// The provisioning token of the same application.
		_, provToken, err := env.Dir.IssueProvisioningToken(ctx, domain.SystemActor(), provID)
		if err != nil {
			t.Fatal(err)
		}
		prov := &client{t: t, env: env, token: provToken, contentType: "application/scim+json"}
		prov.get("/Users/"+id).must(t, http.StatusOK)

		// A Provisioning.ReadWrite.All token cannot issue passes through the Graph API.
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods",
			strings.NewReader(`{"isUsableOnce":true}`))
		req.Header.Set("Authorization", "Bearer "+access.token)
		req.Header.Set("Content-Type", "application/json")
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("a provisioning client issued a pass: %v %v", res.Status, err)
		}

		// Permissions decide: a reader may read, not write; a methods admin neither.
		reader := &client{t: t, env: env, token: env.AppToken(t, domain.PermUserReadAll), contentType: "application/scim+json"}
		reader.get("/Users/"+id).must(t, http.StatusOK)
		reader.do(http.MethodPost, "/Users", map[string]any{"userName": "x@example.com"}).wantError(t, http.StatusForbidden, "", "write users")
		reader.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "active", false))).wantError(t, http.StatusForbidden, "")
		methods := &client{t: t, env: env, token: env.AppToken(t, domain.PermUserAuthenticationMethodReadWrite)}
		methods.get("/Users").wantError(t, http.StatusForbidden, "")
		methods.get("/Groups").wantError(t, http.StatusForbidden, "")

		// A person's token: their directory roles decide.
		admin := env.CreateUser(t, "admin@example.com", domain.RoleUserAdministrator)
		plain := env.CreateUser(t, "plain@example.com")
		(&client{t: t, env: env, token: env.UserToken(t, admin.ID)}).get("/Users/"+id).must(t, http.StatusOK)
		(&client{t: t, env: env, token: env.UserToken(t, plain.ID)}).get("/Users/"+id).wantError(t, http.StatusForbidden, "")

		// Refused credentials.
		for name, hdr := range map[string]string{
			"no header":            "",
			"basic":                "Basic " + provToken,
			"empty bearer":         "Bearer ",
			"unknown token":        "Bearer fkscim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"garbage access token": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		} {
			t.Run(name, func(t *testing.T) {
				c := &client{t: t, env: env}
				r := c.do(http.MethodGet, "/Users", nil, "Authorization", hdr)
				r.wantError(t, http.StatusUnauthorized, "")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
		// A replaced token stops at once; the new one works.
		_, newToken, err := env.Dir.IssueProvisioningToken(ctx, domain.SystemActor(), provID)
		if err != nil {
			t.Fatal(err)
		}
		prov.get("/Users").wantError(t, http.StatusUnauthorized, "", "replaced or revoked")
		prov.token = newToken
		prov.get("/Users").must(t, http.StatusOK)
		// A deleted application's tokens stop at once.
		if err := env.Dir.DeleteApplication(ctx, domain.SystemActor(), provID); err != nil {
			t.Fatal(err)
		}
		prov.get("/Users").wantError(t, http.StatusUnauthorized, "")
		access.get("/Users").wantError(t, http.StatusUnauthorized, "")

		// Discovery needs no token.
		anon := &client{t: t, env: env}
		anon.get("/ServiceProviderConfig").must(t, http.StatusOK)

		logs := env.Logs()
		for _, secret := range []string{provToken, newToken, access.token, provSecret} {
			if strings.Contains(logs, secret) {
				t.Fatal("a token or secret is in the log")
			}
		}
		if !strings.Contains(logs, `"msg":"SCIM request"`) || !strings.Contains(logs, `"app_id":"`+provID+`"`) {
			t.Error("the access log does not name the provisioning client")
		}
	})
}

// TestRateLimit: each client has its own allowance, a spent one is a 429 with
// Retry-After in SCIM's shape, and it comes back with time; refused credentials
// are charged to the address they come from.
func TestRateLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		h := scim.New(scim.Config{Directory: env.Dir, BaseURL: "http://scim.test", Rate: scim.Rate{Requests: 3, Per: time.Minute}})
		mux := http.NewServeMux()
		h.Mount(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		token := func() string {
			id, _ := env.CreateApp(t, domain.PermProvisioningReadWriteAll)
			_, tok, err := env.Dir.IssueProvisioningToken(ctx, domain.SystemActor(), id)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		one, two := &client{t: t, env: env, token: token()}, &client{t: t, env: env, token: token()}
		for i := 0; i < 3; i++ {
			one.get(srv.URL+"/scim/v2/Users").must(t, http.StatusOK)
		}
		r := one.get(srv.URL + "/scim/v2/Users")
		r.wantError(t, http.StatusTooManyRequests, "", "retry after")
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		two.get(srv.URL+"/scim/v2/Users").must(t, http.StatusOK) // its own allowance
		env.Clock.Advance(20 * time.Second)                      // one request's worth
		one.get(srv.URL+"/scim/v2/Users").must(t, http.StatusOK)
		one.get(srv.URL+"/scim/v2/Users").wantError(t, http.StatusTooManyRequests, "")

		bad := &client{t: t, env: env, token: "fkscim_wrong"}
		for i := 0; i < 3; i++ {
			bad.get(srv.URL+"/scim/v2/Users").wantError(t, http.StatusUnauthorized, "")
		}
		bad.get(srv.URL+"/scim/v2/Users").wantError(t, http.StatusTooManyRequests, "")
	})
}

// TestDiscovery: ServiceProviderConfig, ResourceTypes and Schemas describe what
// the endpoint does (RFC 7644 §4), consistently with what it does.
func TestDiscovery(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c := &client{t: t, env: env}
		r := c.get("/ServiceProviderConfig").must(t, http.StatusOK)
		if r.at("patch.supported") != true || r.at("filter.supported") != true || r.at("etag.supported") != true ||
			r.at("bulk.supported") != false || r.at("sort.supported") != false || r.at("changePassword.supported") != false ||
			r.str("authenticationSchemes.0.type") != "oauthbearertoken" {
			t.Fatalf("ServiceProviderConfig: %s", r.Raw)
		}
		r = c.get("/ResourceTypes").must(t, http.StatusOK)
		r.total(t, 2)
		user := c.get("/ResourceTypes/User").must(t, http.StatusOK)
		if user.str("endpoint") != "/Users" || user.str("schema") != coreUser ||
			user.str("schemaExtensions.0.schema") != enterprise || user.str("schemaExtensions.1.schema") != firstkeyExt {
			t.Fatalf("User resource type: %s", user.Raw)
		}
		c.get("/ResourceTypes/Nope").wantError(t, http.StatusNotFound, "")
		r = c.get("/Schemas").must(t, http.StatusOK)
		r.total(t, 4)
		ent := c.get("/Schemas/"+enterprise).must(t, http.StatusOK)
		names := map[string]bool{}
		for _, a := range ent.at("attributes").([]any) {
			names[a.(map[string]any)["name"].(string)] = true
		}
		if !names["employeeNumber"] || !names["department"] || !names["manager"] {
			t.Fatalf("enterprise schema: %s", ent.Raw)
		}
		core := c.get("/Schemas/"+coreUser).must(t, http.StatusOK)
		var userName map[string]any
		for _, a := range core.at("attributes").([]any) {
			if a.(map[string]any)["name"] == "userName" {
				userName = a.(map[string]any)
			}
		}
		if userName["required"] != true || userName["uniqueness"] != "server" || userName["caseExact"] != false {
			t.Fatalf("userName in the core schema: %v", userName)
		}
		hire := c.get("/Schemas/"+firstkeyExt).must(t, http.StatusOK)
		if hire.str("attributes.0.name") != "employeeHireDate" || hire.str("attributes.0.type") != "dateTime" {
			t.Fatalf("firstkey extension: %s", hire.Raw)
		}
		c.get("/Schemas/urn:nope").wantError(t, http.StatusNotFound, "")
		c.do(http.MethodPost, "/ServiceProviderConfig", "{}").wantError(t, http.StatusMethodNotAllowed, "")
		c.get("/Nope").wantError(t, http.StatusNotFound, "")
	})
}

// TestHostileInput: bodies and queries a careless or hostile client sends are
// answered 4xx in SCIM's shape, never 500, and change nothing.
func TestHostileInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		id := c.do(http.MethodPost, "/Users", map[string]any{"userName": "target@example.com", "displayName": "Target"}).must(t, http.StatusCreated).str("id")
		gid := c.do(http.MethodPost, "/Groups", map[string]any{"displayName": "G"}).must(t, http.StatusCreated).str("id")
		huge := bytes.Repeat([]byte("a"), 2<<20)
		manyOps := make([]map[string]any, 1001)
		for i := range manyOps {
			manyOps[i] = op("replace", "title", "x")
		}
		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
			scimType           string
		}{
			{"NUL in userName", "POST", "/Users", `{"userName":"a\u0000b@example.com"}`, 400, "invalidValue"},
			{"NUL in displayName", "POST", "/Users", `{"userName":"n@example.com","displayName":"a\u0000"}`, 400, "invalidValue"},
			{"NUL in a key", "POST", "/Users", `{"userName":"n@example.com","dis\u0000play":"x"}`, 400, "invalidValue"},
			{"NUL in a PATCH value", "PATCH", "/Users/" + id, ops(op("replace", "displayName", "x\x00y")), 400, "invalidValue"},
			{"NUL in a group name", "PATCH", "/Groups/" + gid, ops(op("replace", "displayName", "x\x00y")), 400, "invalidValue"},
			{"bad UTF-8", "POST", "/Users", []byte("{\"userName\":\"\xff\xfe@example.com\"}"), 400, "invalidSyntax"},
			{"bad UTF-8 in PATCH", "PATCH", "/Users/" + id, []byte("{\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"\xc3\"}]}"), 400, "invalidSyntax"},
			{"huge body", "POST", "/Users", append(append([]byte(`{"userName":"`), huge...), `"}`...), 413, "tooMany"},
			{"not JSON", "POST", "/Users", "userName=a", 400, "invalidSyntax"},
			{"JSON array", "POST", "/Users", `[{"userName":"a@example.com"}]`, 400, "invalidSyntax"},
			{"two values", "POST", "/Users", `{"userName":"a@example.com"}{}`, 400, "invalidSyntax"},
			{"empty body", "POST", "/Users", "", 400, "invalidSyntax"},
			{"deep nesting", "POST", "/Users", strings.Repeat("[", 20000), 400, "invalidSyntax"},
			{"long userName", "POST", "/Users", map[string]any{"userName": strings.Repeat("a", 5000) + "@example.com"}, 400, "invalidValue"},
			{"long displayName", "POST", "/Users", map[string]any{"userName": "l@example.com", "displayName": strings.Repeat("é", 300)}, 400, "invalidValue"},
			{"long externalId", "POST", "/Users", map[string]any{"userName": "l@example.com", "externalId": strings.Repeat("x", 300)}, 400, "invalidValue"},
			{"userName a number", "POST", "/Users", `{"userName":42}`, 400, "invalidValue"},
			{"active a number", "POST", "/Users", `{"userName":"a@example.com","active":1}`, 400, "invalidValue"},
			{"name a string", "POST", "/Users", `{"userName":"a@example.com","name":"Ada"}`, 400, "invalidValue"},
			{"bad hire date", "POST", "/Users", map[string]any{"userName": "a@example.com", firstkeyExt: map[string]any{"employeeHireDate": "soon"}}, 400, "invalidValue"},
			{"unknown manager", "POST", "/Users", map[string]any{"userName": "a@example.com", enterprise: map[string]any{"manager": map[string]any{"value": "2819c223-7f76-453a-919d-413861904646"}}}, 400, "invalidValue"},
			{"own manager", "PATCH", "/Users/" + id, ops(op("replace", enterprise+":manager", id)), 400, "invalidValue"},
			{"too many operations", "PATCH", "/Users/" + id, ops(manyOps...), 400, "tooMany"},
			{"operations not a list", "PATCH", "/Users/" + id, `{"Operations":{"op":"add"}}`, 400, "invalidSyntax"},
			{"no operations", "PATCH", "/Users/" + id, `{"schemas":["` + patchOp + `"]}`, 400, "invalidSyntax"},
			{"wrong message schema", "PATCH", "/Users/" + id, map[string]any{"schemas": []string{coreUser}, "Operations": []any{op("add", "title", "x")}}, 400, "invalidSyntax"},
			{"garbage path", "PATCH", "/Users/" + id, ops(op("replace", `emails[type eq`, "x")), 400, "invalidPath"},
			{"filter on a single value", "PATCH", "/Users/" + id, ops(op("replace", `title[value eq "x"]`, "x")), 400, "invalidPath"},
			{"path too deep", "PATCH", "/Users/" + id, ops(op("replace", "name.givenName.first", "x")), 400, "invalidPath"},
			{"group without name", "POST", "/Groups", `{"displayName":"  "}`, 400, "invalidValue"},
			{"filter with NUL", "GET", "/Users?filter=userName%20eq%20%22a%00%22", nil, 400, "invalidValue"},
			{"filter with bad UTF-8", "GET", "/Users?filter=userName%20eq%20%22%ff%22", nil, 400, "invalidValue"},
			{"long filter", "GET", "/Users?filter=" + strings.Repeat("a", 5000), nil, 400, "invalidValue"},
			{"filter on one resource", "GET", "/Users/" + id + "?filter=userName%20pr", nil, 400, "invalidFilter"},
			{"bad .search", "POST", "/Users/.search", `{"filter":5}`, 400, "invalidValue"},
			{"unknown .search parameter", "POST", "/Users/.search", `{"sql":"drop"}`, 400, "invalidSyntax"},
			{"not a GUID", "GET", "/Users/..%2f..%2fetc", nil, 404, ""},
			{"wrong method", "POST", "/Users/" + id, `{}`, 405, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.do(tc.method, tc.path, tc.body).wantError(t, tc.status, tc.scimType)
			})
		}
		t.Run("wrong content type", func(t *testing.T) {
			c := *c
			c.contentType = "text/plain"
			c.do(http.MethodPost, "/Users", `{"userName":"ct@example.com"}`).wantError(t, http.StatusUnsupportedMediaType, "invalidSyntax")
		})
		t.Run("compressed body", func(t *testing.T) {
			c.do(http.MethodPost, "/Users", `{"userName":"gz@example.com"}`, "Content-Encoding", "br").wantError(t, http.StatusUnsupportedMediaType, "invalidSyntax")
		})

		// Nothing changed, and nothing failed inside.
		users := c.list("/Users", "").must(t, http.StatusOK)
		users.total(t, 1)
		if u := c.get("/Users/"+id).must(t, http.StatusOK); u.str("displayName") != "Target" || u.at(enterprise) != nil {
			t.Fatalf("hostile input changed the user: %s", u.Raw)
		}
		if g := c.get("/Groups/"+gid).must(t, http.StatusOK); g.str("displayName") != "G" {
			t.Fatalf("hostile input changed the group: %s", g.Raw)
		}
		for _, line := range strings.Split(env.Logs(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && (rec["level"] == "ERROR" || rec["status"] == 500.0) {
				t.Errorf("logged an internal failure: %s", line)
			}
		}
	})
}
