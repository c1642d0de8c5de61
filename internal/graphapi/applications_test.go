package graphapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

const graphResource = "00000003-0000-0000-c000-000000000000"

// globalAdmin calls the API as a signed-in Global Administrator.
func globalAdmin(t *testing.T, env *testenv.Env) *api {
	u := env.CreateUser(t, "globaladmin@example.com", domain.RoleGlobalAdministrator)
	return userAPI(t, env, u.ID)
}

// tokenStatus asks the token endpoint for a client credentials token and returns
// the HTTP status only.
func tokenStatus(t *testing.T, env *testenv.Env, clientID, clientSecret string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, _ := http.NewRequest(http.MethodPost, env.TokenEndpoint(t), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// auditText is every audit record of env, printed in full, for searching.
func allAudits(t *testing.T, env *testenv.Env) string {
	t.Helper()
	recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v", recs)
}

func auditsOf(t *testing.T, env *testenv.Env, activity string) []domain.AuditRecord {
	t.Helper()
	var out []domain.AuditRecord
	recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.ActivityDisplayName == activity {
			out = append(out, r)
		}
	}
	return out
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func redirects(r map[string]any, kind string) []string {
	o, _ := r[kind].(map[string]any)
	return strs(o["redirectUris"])
}

func TestApplicationsCreateAndGet(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		post := func(body any) resp { t.Helper(); return a.do(http.MethodPost, "/v1.0/applications", body) }

		post(map[string]any{"web": map[string]any{"redirectUris": []string{}}}).wantError(t, http.StatusBadRequest, "badRequest", "displayName")
		post(map[string]any{"displayName": "x", "web": map[string]any{"redirectUris": []string{"http://evil.example.com/cb"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "web.redirectUris", "https")
		post(map[string]any{"displayName": "x", "publicClient": map[string]any{"redirectUris": []string{"https://a.example.com/cb#frag"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "publicClient.redirectUris")
		post(map[string]any{"displayName": "x", "web": "https://a.example.com"}).wantError(t, http.StatusBadRequest, "badRequest", "'web'")
		post(map[string]any{"displayName": "x", "permissions": []string{"Everything.All"}}).
			wantError(t, http.StatusBadRequest, "badRequest", "permissions", "Everything.All")
		post(map[string]any{"displayName": "x", "requiredAuthenticationStrength": "strong"}).
			wantError(t, http.StatusBadRequest, "badRequest", "requiredAuthenticationStrength")
		post(map[string]any{"displayName": "x", "idTokenSignedResponseAlg": "HS256"}).
			wantError(t, http.StatusBadRequest, "badRequest", "idTokenSignedResponseAlg", "RS256", "ES256")
		post(map[string]any{"displayName": "x", "idTokenSignedResponseAlg": true}).
			wantError(t, http.StatusBadRequest, "badRequest", "idTokenSignedResponseAlg")
		post(map[string]any{"displayName": "x", "requiredResourceAccess": []any{map[string]any{"resourceAppId": graphResource,
			"resourceAccess": []any{map[string]any{"id": "11111111-2222-3333-4444-555555555555", "type": "Role"}}}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "requiredResourceAccess")
		post(map[string]any{"displayName": "x", "web": map[string]any{"redirectUris": []string{"https://a.example.com/cb"}},
			"publicClient": map[string]any{"redirectUris": []string{"http://localhost:3000/cb"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "web.redirectUris", "public client")
		if n := len(auditsOf(t, env, domain.ActivityAddApplication)); n != 0 {
			t.Fatalf("%d applications were added by refused requests", n)
		}

		// A confidential client: permissions by name and by Graph app role id.
		c := post(map[string]any{
			"displayName": "Provisioning", "web": map[string]any{"redirectUris": []string{"https://app.example.com/cb"}},
			"permissions": []string{"user.read.all"},
			"requiredResourceAccess": []any{map[string]any{"resourceAppId": graphResource, "resourceAccess": []any{
				map[string]any{"id": "b0afded3-3588-46d8-8b3d-9842eff778da", "type": "Role"}}}},
			"requiredAuthenticationStrength": "mfa",
		}).must(t, http.StatusCreated)
		id, appID, sec := c.str("id"), c.str("appId"), c.str("clientSecret")
		if id == "" || appID == "" || id == appID || len(sec) < 32 || c.str("displayName") != "Provisioning" ||
			c.str("@odata.context") != env.URL+"/v1.0/$metadata#applications/$entity" ||
			c.Header.Get("Location") != env.URL+"/v1.0/applications/"+id || c.str("createdDateTime") == "" ||
			c.JSON["isFallbackPublicClient"] != false || c.str("requiredAuthenticationStrength") != "mfa" ||
			c.str("idTokenSignedResponseAlg") != "RS256" {
			t.Fatalf("created application: %s", c.Raw)
		}
		if got := redirects(c.JSON, "web"); len(got) != 1 || got[0] != "https://app.example.com/cb" || len(redirects(c.JSON, "publicClient")) != 0 {
			t.Errorf("redirect URIs: %s", c.Raw)
		}
		if got := strs(c.JSON["permissions"]); strings.Join(got, ",") != "AuditLog.Read.All,User.Read.All" {
			t.Errorf("permissions = %v", got)
		}
		if !strings.Contains(string(c.Raw), `"requiredResourceAccess":[{"resourceAppId":"`+graphResource+`","resourceAccess":[{"id":"b0afded3-3588-46d8-8b3d-9842eff778da","type":"Role"},{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Role"}]}]`) {
			t.Errorf("requiredResourceAccess: %s", c.Raw)
		}
		// The secret works at the token endpoint, and is never shown again.
		if st := tokenStatus(t, env, appID, sec); st != http.StatusOK {
			t.Errorf("token with the new secret: %d", st)
		}
		for _, path := range []string{"/v1.0/applications/" + id, "/v1.0/applications(appId='" + appID + "')", "/v1.0/applications"} {
			g := a.get(path).must(t, http.StatusOK)
			if strings.Contains(string(g.Raw), sec) || strings.Contains(string(g.Raw), "clientSecret") {
				t.Errorf("GET %s shows the secret: %s", path, g.Raw)
			}
		}
		byKey := a.get("/v1.0/applications(appId='"+appID+"')").must(t, http.StatusOK)
		if byKey.str("id") != id || byKey.str("appId") != appID {
			t.Errorf("by appId: %s", byKey.Raw)
		}
		sel := a.get("/v1.0/applications/"+id+"?$select=appId,web").must(t, http.StatusOK)
		if len(sel.JSON) != 4 || sel.str("appId") != appID || len(redirects(sel.JSON, "web")) != 1 {
			t.Errorf("$select: %s", sel.Raw)
		}

		// A public client: no secret, redirect URIs under publicClient.
		p := post(map[string]any{"displayName": "Portal", "publicClient": map[string]any{"redirectUris": []string{"http://localhost:3000/cb"}},
			"requiredAuthenticationStrength": nil, "idTokenSignedResponseAlg": "ES256"}).must(t, http.StatusCreated)
		if p.str("idTokenSignedResponseAlg") != "ES256" {
			t.Errorf("idTokenSignedResponseAlg of a new application: %s", p.Raw)
		}
		// Changed through the API, it is audited; null restores the default.
		a.do(http.MethodPatch, "/v1.0/applications/"+p.str("id"), map[string]any{"idTokenSignedResponseAlg": nil}).must(t, http.StatusNoContent)
		if g := a.get("/v1.0/applications/"+p.str("id")).must(t, http.StatusOK); g.str("idTokenSignedResponseAlg") != "RS256" {
			t.Errorf("after PATCH null: %s", g.Raw)
		}
		if upd := auditsOf(t, env, domain.ActivityUpdateApplication); len(upd) == 0 ||
			!strings.Contains(fmt.Sprint(upd[0].TargetResources), "idTokenSignedResponseAlg") {
			t.Errorf("the change of idTokenSignedResponseAlg is not audited: %+v", upd)
		}
		if p.JSON["clientSecret"] != nil || p.JSON["isFallbackPublicClient"] != true || len(redirects(p.JSON, "web")) != 0 ||
			strings.Join(redirects(p.JSON, "publicClient"), ",") != "http://localhost:3000/cb" || p.JSON["requiredAuthenticationStrength"] != nil {
			t.Errorf("public client: %s", p.Raw)
		}

		a.get("/v1.0/applications/00000000-0000-0000-0000-000000000000").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.get("/v1.0/applications(appId='nope')").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.get("/v1.0/applications(appId='"+appID+"')/owners").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodPut, "/v1.0/applications/"+id, map[string]any{}).wantError(t, http.StatusMethodNotAllowed, "Request_BadRequest", "PATCH")

		if strings.Contains(env.Logs(), sec) || strings.Contains(allAudits(t, env), sec) {
			t.Error("a client secret is in the log or the audit records")
		}
		added := auditsOf(t, env, domain.ActivityAddApplication)
		if len(added) != 2 || added[0].InitiatedBy.UserID == "" {
			t.Errorf("Add application audits: %+v", added)
		}
	})
}

func TestApplicationsListAndPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		var appIDs []string
		for i := range 7 {
			r := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": fmt.Sprintf("svc-%02d", i)}).must(t, http.StatusCreated)
			appIDs = append(appIDs, r.str("appId"))
		}
		var got []string
		next, pages := "/v1.0/applications?$top=3&$filter="+url.QueryEscape("startswith(displayName,'svc-')"), 0
		for next != "" {
			r := a.get(next).must(t, http.StatusOK)
			for _, v := range r.values(t) {
				got = append(got, v["displayName"].(string))
			}
			next = r.str("@odata.nextLink")
			pages++
		}
		if pages != 3 || strings.Join(got, ",") != "svc-00,svc-01,svc-02,svc-03,svc-04,svc-05,svc-06" {
			t.Fatalf("%d pages: %v", pages, got)
		}
		one := a.get("/v1.0/applications?$filter="+url.QueryEscape("appId eq '"+appIDs[4]+"'")).must(t, http.StatusOK).values(t)
		if len(one) != 1 || one[0]["displayName"] != "svc-04" {
			t.Errorf("appId eq: %v", one)
		}
		byName := a.get("/v1.0/applications?$filter="+url.QueryEscape("displayName eq 'svc-02'")).must(t, http.StatusOK).values(t)
		if len(byName) != 1 || byName[0]["appId"] != appIDs[2] {
			t.Errorf("displayName eq: %v", byName)
		}
		if c := a.get("/v1.0/applications/$count?$filter="+url.QueryEscape("startswith(displayName,'svc-0')")).must(t, http.StatusOK); string(c.Raw) != "7" {
			t.Errorf("$count = %s", c.Raw)
		}
		a.get("/v1.0/applications?$filter="+url.QueryEscape("secret eq 'x'")).wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery")

		// Who may manage applications: Application.ReadWrite.All, Global Administrators.
		newAPI(t, env, env.AppToken(t, domain.PermUserReadWriteAll)).get("/v1.0/applications").
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		ua := env.CreateUser(t, "useradmin@example.com", domain.RoleUserAdministrator)
		userAPI(t, env, ua.ID).do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "x"}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		mgr := appAPI(t, env, domain.PermApplicationReadWriteAll, domain.PermUserReadAll)
		if n := len(mgr.get("/v1.0/applications").must(t, http.StatusOK).values(t)); n < 7 {
			t.Errorf("an Application.ReadWrite.All app lists %d applications", n)
		}
		// An application grants only what it holds itself, and cannot take over a
		// stronger one by giving it a new secret.
		mgr.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "x", "permissions": []string{"User.ReadWrite.All"}}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "User.ReadWrite.All")
		weak := mgr.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "weak", "permissions": []string{"User.Read.All"}}).
			must(t, http.StatusCreated)
		mgr.do(http.MethodPatch, "/v1.0/applications/"+weak.str("id"), map[string]any{"permissions": []string{"RoleManagement.ReadWrite.Directory"}}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		strong := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "strong", "permissions": []string{"User.ReadWrite.All"}}).
			must(t, http.StatusCreated)
		mgr.do(http.MethodPost, "/v1.0/applications/"+strong.str("id")+"/addPassword", map[string]any{}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		mgr.do(http.MethodPost, "/v1.0/applications/"+weak.str("id")+"/addPassword", nil).must(t, http.StatusOK)
	})
}

func TestApplicationsPatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		c := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Before",
			"web": map[string]any{"redirectUris": []string{"https://a.example.com/cb"}}, "permissions": []string{"User.Read.All"},
			"requiredAuthenticationStrength": "phishing_resistant"}).must(t, http.StatusCreated)
		path := "/v1.0/applications/" + c.str("id")
		before := a.get(path).must(t, http.StatusOK)

		// Every refused PATCH leaves everything as it was, even the valid parts.
		for _, bad := range []struct {
			body any
			name string
		}{
			{map[string]any{"displayName": "After", "web": map[string]any{"redirectUris": []string{"ftp//nope"}}}, "web.redirectUris"},
			{map[string]any{"displayName": "After", "permissions": []string{"User.Read.All", "Nope.All"}}, "permissions"},
			{map[string]any{"displayName": "After", "requiredAuthenticationStrength": "biometric"}, "requiredAuthenticationStrength"},
			{map[string]any{"displayName": nil}, "displayName"},
			{map[string]any{"displayName": ""}, "displayName"},
			{map[string]any{"displayName": "After", "isFallbackPublicClient": true}, "isFallbackPublicClient"},
			{map[string]any{"displayName": "After", "publicClient": map[string]any{"redirectUris": []string{"http://localhost/cb"}}}, "publicClient.redirectUris"},
			{map[string]any{"permissions": "User.Read.All"}, "permissions"},
			{map[string]any{"displayName": "After", "spa": map[string]any{"redirectUris": []string{"https://spa.example.com/"}}}, "spa.redirectUris"},
		} {
			a.do(http.MethodPatch, path, bad.body).wantError(t, http.StatusBadRequest, "badRequest", bad.name)
		}
		if after := a.get(path).must(t, http.StatusOK); string(after.Raw) != string(before.Raw) {
			t.Fatalf("a refused PATCH changed the application:\n%s\n%s", before.Raw, after.Raw)
		}
		if n := len(auditsOf(t, env, domain.ActivityUpdateApplication)); n != 0 {
			t.Fatalf("%d updates audited for refused PATCHes", n)
		}

		a.do(http.MethodPatch, path, map[string]any{"displayName": "After"}).must(t, http.StatusNoContent)
		got := a.get(path).must(t, http.StatusOK)
		if got.str("displayName") != "After" || strings.Join(redirects(got.JSON, "web"), ",") != "https://a.example.com/cb" ||
			strings.Join(strs(got.JSON["permissions"]), ",") != "User.Read.All" || got.str("requiredAuthenticationStrength") != "phishing_resistant" {
			t.Fatalf("after a displayName PATCH: %s", got.Raw)
		}
		a.do(http.MethodPatch, path, map[string]any{"web": map[string]any{"redirectUris": []string{"https://b.example.com/cb", "http://127.0.0.1:8400/cb"}},
			"permissions": []string{"AuditLog.Read.All"}, "requiredAuthenticationStrength": nil}).must(t, http.StatusNoContent)
		got = a.get("/v1.0/applications(appId='"+c.str("appId")+"')").must(t, http.StatusOK)
		if strings.Join(redirects(got.JSON, "web"), ",") != "https://b.example.com/cb,http://127.0.0.1:8400/cb" ||
			strings.Join(strs(got.JSON["permissions"]), ",") != "AuditLog.Read.All" || got.JSON["requiredAuthenticationStrength"] != nil {
			t.Fatalf("after a second PATCH: %s", got.Raw)
		}
		a.do(http.MethodPatch, "/v1.0/applications(appId='"+c.str("appId")+"')", map[string]any{"web": nil}).must(t, http.StatusNoContent)
		if got := a.get(path).must(t, http.StatusOK); len(redirects(got.JSON, "web")) != 0 {
			t.Errorf("web: null did not clear the redirect URIs: %s", got.Raw)
		}
		a.do(http.MethodPatch, "/v1.0/applications/00000000-0000-0000-0000-000000000000", map[string]any{"displayName": "x"}).
			wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		ups := auditsOf(t, env, domain.ActivityUpdateApplication)
		if len(ups) != 3 {
			t.Fatalf("%d Update application audits, want 3", len(ups))
		}
		var props []string
		for _, r := range ups {
			for _, p := range r.TargetResources[0].ModifiedProperties {
				props = append(props, p.DisplayName+":"+p.OldValue+"->"+p.NewValue)
			}
		}
		all := strings.Join(props, "|")
		for _, want := range []string{"displayName:Before->After", "permissions:User.Read.All->AuditLog.Read.All",
			"requiredAuthenticationStrength:phishing_resistant->", "redirectUris:https://b.example.com/cb http://127.0.0.1:8400/cb->"} {
			if !strings.Contains(all, want) {
				t.Errorf("audited changes %q lack %q", all, want)
			}
		}
	})
}

func TestApplicationsAddPassword(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		c := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Rotating", "permissions": []string{"User.Read.All"}}).
			must(t, http.StatusCreated)
		id, appID, oldSecret := c.str("id"), c.str("appId"), c.str("clientSecret")
		oldToken := newAPI(t, env, env.ClientCredentialsToken(t, appID, oldSecret))
		oldToken.get("/v1.0/users").must(t, http.StatusOK)

		pw := a.do(http.MethodPost, "/v1.0/applications/"+id+"/addPassword",
			map[string]any{"passwordCredential": map[string]any{"displayName": "ci"}}).must(t, http.StatusOK)
		newSecret := pw.str("secretText")
		if len(newSecret) < 32 || newSecret == oldSecret || pw.str("keyId") == "" || pw.str("hint") != newSecret[:3] ||
			pw.str("displayName") != "ci" || pw.str("startDateTime") == "" {
			t.Fatalf("addPassword: %s", pw.Raw)
		}
		// The old secret gets no more tokens; a token it got keeps working until it expires.
		if st := tokenStatus(t, env, appID, oldSecret); st != http.StatusUnauthorized {
			t.Errorf("token with the replaced secret: %d, want 401", st)
		}
		oldToken.get("/v1.0/users").must(t, http.StatusOK)
		newAPI(t, env, env.ClientCredentialsToken(t, appID, newSecret)).get("/v1.0/users").must(t, http.StatusOK)
		advance(env, oidc.DefaultAccessTokenLifetime+time.Minute, a)
		oldToken.get("/v1.0/users").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")

		// Graph's alternate key, and an empty body, work too; each secret replaces the last.
		again := a.do(http.MethodPost, "/v1.0/applications(appId='"+appID+"')/addPassword", nil).must(t, http.StatusOK)
		third := again.str("secretText")
		if st := tokenStatus(t, env, appID, newSecret); st != http.StatusUnauthorized {
			t.Errorf("token with the second secret after a third: %d", st)
		}
		if st := tokenStatus(t, env, appID, third); st != http.StatusOK {
			t.Errorf("token with the third secret: %d", st)
		}
		for _, path := range []string{"/v1.0/applications/" + id, "/v1.0/applications"} {
			if g := a.get(path).must(t, http.StatusOK); strings.Contains(string(g.Raw), third) {
				t.Errorf("GET %s shows the secret", path)
			}
		}
		a.do(http.MethodGet, "/v1.0/applications/"+id+"/addPassword", nil).wantError(t, http.StatusMethodNotAllowed, "Request_BadRequest")
		a.do(http.MethodPost, "/v1.0/applications/"+id+"/addPassword", `{"passwordCredential": 5}`).
			wantError(t, http.StatusBadRequest, "badRequest", "passwordCredential")
		pub := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "SPA", "isFallbackPublicClient": true}).must(t, http.StatusCreated)
		a.do(http.MethodPost, "/v1.0/applications/"+pub.str("id")+"/addPassword", nil).wantError(t, http.StatusBadRequest, "badRequest", "public client")
		a.do(http.MethodPost, "/v1.0/applications/00000000-0000-0000-0000-000000000000/addPassword", nil).
			wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		recs := auditsOf(t, env, domain.ActivityUpdateApplicationSecrets)
		if len(recs) != 2 || recs[0].TargetResources[0].ID != id {
			t.Fatalf("secret audits: %+v", recs)
		}
		logs, audits := env.Logs(), allAudits(t, env)
		for _, s := range []string{oldSecret, newSecret, third} {
			if strings.Contains(logs, s) || strings.Contains(audits, s) {
				t.Error("a client secret is in the log or the audit records")
			}
		}
		if !strings.Contains(audits, pw.str("keyId")) {
			t.Error("the audit records do not name the new secret's keyId")
		}
	})
}

func TestApplicationsDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		c := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Doomed", "permissions": []string{"User.Read.All"}}).
			must(t, http.StatusCreated)
		victim := newAPI(t, env, env.ClientCredentialsToken(t, c.str("appId"), c.str("clientSecret")))
		victim.get("/v1.0/users").must(t, http.StatusOK)

		a.do(http.MethodDelete, "/v1.0/applications/"+c.str("id"), nil).must(t, http.StatusNoContent)
		victim.get("/v1.0/users").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")
		if st := tokenStatus(t, env, c.str("appId"), c.str("clientSecret")); st != http.StatusUnauthorized {
			t.Errorf("token for a deleted application: %d", st)
		}
		a.get("/v1.0/applications/"+c.str("id")).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodDelete, "/v1.0/applications/"+c.str("id"), nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		d := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Also doomed"}).must(t, http.StatusCreated)
		a.do(http.MethodDelete, "/v1.0/applications(appId='"+d.str("appId")+"')", nil).must(t, http.StatusNoContent)
		if recs := auditsOf(t, env, domain.ActivityDeleteApplication); len(recs) != 2 {
			t.Errorf("%d Delete application audits, want 2", len(recs))
		}
		newAPI(t, env, env.AppToken(t, domain.PermUserReadAll)).do(http.MethodDelete, "/v1.0/applications/"+d.str("id"), nil).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

// Graph's spa platform registers a single-page application: a public client
// (no secret) whose spa.redirectUris are kept apart from publicClient's. It
// cannot be given to a confidential client, and its URIs must be web addresses.
func TestApplicationsSPAPlatform(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		c := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Dashboard",
			"spa": map[string]any{"redirectUris": []string{"https://dash.example.com/", "http://localhost:5173/cb"}}}).
			must(t, http.StatusCreated)
		if strings.Join(redirects(c.JSON, "spa"), ",") != "https://dash.example.com/,http://localhost:5173/cb" ||
			c.JSON["isFallbackPublicClient"] != true || c.JSON["clientSecret"] != nil || len(redirects(c.JSON, "publicClient")) != 0 {
			t.Fatalf("created: %s", c.Raw)
		}
		path := "/v1.0/applications/" + c.str("id")
		a.do(http.MethodPatch, path, map[string]any{"spa": map[string]any{"redirectUris": []string{"https://dash.example.com/app"}},
			"publicClient": map[string]any{"redirectUris": []string{"http://localhost/native"}}}).must(t, http.StatusNoContent)
		got := a.get(path).must(t, http.StatusOK)
		if strings.Join(redirects(got.JSON, "spa"), ",") != "https://dash.example.com/app" ||
			strings.Join(redirects(got.JSON, "publicClient"), ",") != "http://localhost/native" {
			t.Fatalf("after PATCH: %s", got.Raw)
		}

		before := len(auditsOf(t, env, domain.ActivityAddApplication))
		for _, bad := range []map[string]any{
			{"displayName": "Web", "isFallbackPublicClient": false, "spa": map[string]any{"redirectUris": []string{"https://w.example.com/"}}},
			{"displayName": "Plain http", "spa": map[string]any{"redirectUris": []string{"http://dash.example.com/"}}},
			{"displayName": "Custom scheme", "spa": map[string]any{"redirectUris": []string{"myapp://cb"}}},
		} {
			a.do(http.MethodPost, "/v1.0/applications", bad).wantError(t, http.StatusBadRequest, "badRequest", "spa.redirectUris")
		}
		if n := len(auditsOf(t, env, domain.ActivityAddApplication)); n != before {
			t.Fatalf("%d applications added by refused POSTs", n-before)
		}
		// An empty spa platform, as scripts written for Entra send, is no obstacle.
		c = a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Web app",
			"spa": map[string]any{"redirectUris": []string{}}, "web": map[string]any{"redirectUris": []string{"https://web.example.com/cb"}}}).
			must(t, http.StatusCreated)
		if c.JSON["isFallbackPublicClient"] != false || len(redirects(c.JSON, "spa")) != 0 {
			t.Fatalf("created: %s", c.Raw)
		}
	})
}

// TestApplicationsPasswordCredentials: an application lists its secret as a
// passwordCredential (never its text), and removePassword by keyId withdraws it.
func TestApplicationsPasswordCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := globalAdmin(t, env)
		c := a.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Keyed", "permissions": []string{"User.Read.All"}}).
			must(t, http.StatusCreated)
		id, appID, secret := c.str("id"), c.str("appId"), c.str("clientSecret")
		creds := func() []any {
			t.Helper()
			g := a.get("/v1.0/applications/"+id).must(t, http.StatusOK)
			if strings.Contains(string(g.Raw), secret) {
				t.Fatal("the application shows its secret")
			}
			l, _ := g.JSON["passwordCredentials"].([]any)
			return l
		}
		first := creds()
		if len(first) != 1 || first[0].(map[string]any)["hint"] != secret[:3] || first[0].(map[string]any)["secretText"] != nil {
			t.Fatalf("passwordCredentials after create: %v", first)
		}
		pw := a.do(http.MethodPost, "/v1.0/applications/"+id+"/addPassword",
			map[string]any{"passwordCredential": map[string]any{"displayName": "ci"}}).must(t, http.StatusOK)
		second := creds()
		if len(second) != 1 || second[0].(map[string]any)["keyId"] != pw.str("keyId") || second[0].(map[string]any)["displayName"] != "ci" {
			t.Fatalf("passwordCredentials after addPassword: %v", second)
		}
		oldKey := first[0].(map[string]any)["keyId"].(string)
		a.do(http.MethodPost, "/v1.0/applications/"+id+"/removePassword", map[string]any{"keyId": oldKey}).
			wantError(t, http.StatusNotFound, "Request_ResourceNotFound", "keyId")
		a.do(http.MethodPost, "/v1.0/applications/"+id+"/removePassword", map[string]any{}).must(t, http.StatusBadRequest)
		a.do(http.MethodPost, "/v1.0/applications(appId='"+appID+"')/removePassword", map[string]any{"keyId": pw.str("keyId")}).
			must(t, http.StatusNoContent)
		if got := creds(); len(got) != 0 {
			t.Errorf("passwordCredentials after removePassword: %v", got)
		}
		if st := tokenStatus(t, env, appID, pw.str("secretText")); st != http.StatusUnauthorized {
			t.Errorf("token with a removed secret: %d, want 401", st)
		}
	})
}
