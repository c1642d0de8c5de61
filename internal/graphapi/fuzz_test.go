package graphapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The fuzz targets here call the whole server in-process: one firstkey on
// SQLite per fuzzing process, one application token, and for each input a
// request to every route that takes it. Whatever the input, the API answers
// below 500, logs no error, and puts every refusal in Graph's error envelope.

// fuzzAPI is the server a fuzz target talks to and the objects its inputs name
// ({USER}, {MEMBER}, {GROUP} and {APP} in a seed stand for their ids).
type fuzzAPI struct {
	env   *testenv.FuzzEnv
	token string
	ids   *strings.Replacer
	// user, group and app are the objects that PATCHes and sub-resources change.
	user, member, group, app string
	policy                   domain.TAPPolicy // as reset puts it back
}

func newFuzzAPI(f *testing.F) *fuzzAPI {
	f.Helper()
	env := testenv.NewFuzz(f, testenv.Options{})
	env.EnablePassPolicy(f)
	ctx, sys := context.Background(), domain.SystemActor()
	a := &fuzzAPI{env: env, token: env.AppToken(f,
		domain.PermUserReadWriteAll, domain.PermGroupReadWriteAll, domain.PermUserAuthenticationMethodReadWrite,
		domain.PermPolicyReadWriteAuthMethod, domain.PermApplicationReadWriteAll, domain.PermAuditLogReadAll)}
	a.user = env.CreateUser(f, "target@example.com").ID
	a.member = env.CreateUser(f, "member@example.com").ID
	for i := range 4 {
		env.CreateUser(f, fmt.Sprintf("person%d@example.com", i))
	}
	g, err := env.Dir.CreateGroup(ctx, sys, domain.Group{DisplayName: "Fuzz group", Description: "target"})
	if err != nil {
		f.Fatal(err)
	}
	a.group = g.ID
	if err := env.Dir.AddGroupMember(ctx, sys, g.ID, a.member); err != nil {
		f.Fatal(err)
	}
	app, _, err := env.Dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "Fuzz target app"})
	if err != nil {
		f.Fatal(err)
	}
	a.app = app.ID
	// A failed pass sign-in, so that the sign-in log has a row to filter.
	r := httptest.NewRequest(http.MethodPost, "/login/tap", strings.NewReader("username=target%40example.com&pass=WRONGPASS"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	env.Serve(r)
	if a.policy, err = env.Dir.GetTAPPolicy(ctx, sys); err != nil {
		f.Fatal(err)
	}
	a.ids = strings.NewReplacer("{USER}", a.user, "{MEMBER}", a.member, "{GROUP}", a.group, "{APP}", a.app, "{APPID}", app.ClientID)
	env.TakeErrors()
	return a
}

// reset undoes what earlier inputs changed that would make every later one
// fail early: the target account enabled, the pass policy on, the target
// application confidential. Each input then meets the same server.
func (a *fuzzAPI) reset(t *testing.T) {
	t.Helper()
	ctx, sys := context.Background(), domain.SystemActor()
	if _, err := a.env.Dir.UpdateUser(ctx, sys, a.user, func(u *domain.User) error {
		u.AccountEnabled = true
		return nil
	}); err != nil {
		t.Fatalf("reset user: %v", err)
	}
	if _, err := a.env.Dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error {
		modified := p.LastModifiedDateTime
		*p = a.policy
		p.LastModifiedDateTime = modified
		return nil
	}); err != nil {
		t.Fatalf("reset pass policy: %v", err)
	}
	if _, err := a.env.Dir.UpdateApplication(ctx, sys, a.app, func(app *domain.Application) error {
		app.PublicClient = false
		return nil
	}); err != nil {
		t.Fatalf("reset application: %v", err)
	}
	a.env.TakeErrors()
}

// do sends one request in-process with the application's token. It returns
// nil for a target that is no request line at all (net/http answers those 400
// before any handler runs).
func (a *fuzzAPI) do(method, target string, body []byte, header ...string) *httptest.ResponseRecorder {
	if strings.ContainsFunc(target, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	r := httptest.NewRequest(method, "/", bytes.NewReader(body))
	r.URL, r.RequestURI = u, target
	r.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return a.env.Serve(r)
}

// check asserts what holds for every answer of the API.
func (a *fuzzAPI) check(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w == nil {
		return
	}
	body := w.Body.Bytes()
	if w.Code >= 500 {
		t.Fatalf("%s: status %d\n%s", what, w.Code, body)
	}
	if errs := a.env.TakeErrors(); len(errs) > 0 {
		t.Fatalf("%s: status %d, but the server logged an error: %s", what, w.Code, strings.Join(errs, "\n"))
	}
	if w.Code >= 300 && w.Code < 400 {
		return // ServeMux's redirect to the cleaned path (an empty or dot segment)
	}
	if w.Header().Get("request-id") == "" {
		t.Fatalf("%s: status %d without a request-id header", what, w.Code)
	}
	if w.Code >= 400 {
		var env struct {
			Error struct {
				Code       string            `json:"code"`
				Message    string            `json:"message"`
				InnerError map[string]string `json:"innerError"`
			} `json:"error"`
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || json.Unmarshal(body, &env) != nil {
			t.Fatalf("%s: status %d without a JSON body (%s): %s", what, w.Code, w.Header().Get("Content-Type"), body)
		}
		e := env.Error
		if e.Code == "" || e.Message == "" || e.InnerError["request-id"] != w.Header().Get("request-id") || e.InnerError["date"] == "" {
			t.Fatalf("%s: status %d, not a Graph error envelope: %s", what, w.Code, body)
		}
		return
	}
	if len(body) > 0 && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && !json.Valid(body) {
		t.Fatalf("%s: status %d with broken JSON: %s", what, w.Code, body)
	}
}

// bodyRoutes are the API's routes that read a JSON body.
var bodyRoutes = []struct{ method, path string }{
	{http.MethodPost, "/v1.0/users"},
	{http.MethodPatch, "/v1.0/users/{USER}"},
	{http.MethodPost, "/v1.0/groups"},
	{http.MethodPost, "/v1.0/groups/{GROUP}/members/$ref"},
	{http.MethodPost, "/v1.0/users/{USER}/authentication/temporaryAccessPassMethods"},
	{http.MethodPatch, "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"},
	{http.MethodPatch, "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"},
	{http.MethodPost, "/v1.0/applications"},
	{http.MethodPatch, "/v1.0/applications/{APP}"},
	{http.MethodPatch, "/v1.0/applications(appId='{APPID}')"},
	{http.MethodPost, "/v1.0/applications/{APP}/addPassword"},
}

// Ways a fuzzed body is sent (the input's encoding byte, modulo their number).
const (
	sendPlain      = iota
	sendGzipped    // compressed, with Content-Encoding: gzip
	sendClaimsGzip // as it is, but labelled gzip
	sendModes
)

// FuzzJSONBodies sends each input as the body of every route that takes JSON.
func FuzzJSONBodies(f *testing.F) {
	for _, s := range []string{
		// One valid body per route.
		`{"displayName":"Adele Vance","userPrincipalName":"adele@example.com","accountEnabled":true,"givenName":"Adele","surname":"Vance","mail":"adele@example.com","mailNickname":"adele","jobTitle":"Analyst","department":"Retail","employeeHireDate":"2024-01-31T09:00:00Z"}`,
		`{"jobTitle":null,"employeeHireDate":null,"accountEnabled":false,"displayName":"Changed"}`,
		`{"displayName":"Sales","description":"Everyone in sales","mailNickname":"sales"}`,
		`{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{USER}"}`,
		`{"@odata.id":"http://localhost/v1.0/users/{MEMBER}"}`,
		`{"startDateTime":"2030-01-01T00:00:00Z","lifetimeInMinutes":60,"isUsableOnce":false}`,
		`{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","state":"enabled","minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,"defaultLifetimeInMinutes":60,"defaultLength":8,"isUsableOnce":false,"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false}],"excludeTargets":[{"targetType":"group","id":"{GROUP}"}]}`,
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","state":"enabled","isSelfServiceRegistrationAllowed":true,"isAttestationEnforced":false,"keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["cb69481e-8ff7-4039-93ec-0a2729a154a8"]},"userVerification":"required","revokeTemporaryAccessPassOnFirstPasskey":true}`,
		`{"displayName":"Payroll","web":{"redirectUris":["https://payroll.example.com/callback"]},"permissions":["User.Read.All"],"requiredAuthenticationStrength":"mfa"}`,
		`{"displayName":"CLI","isFallbackPublicClient":true,"publicClient":{"redirectUris":["http://localhost"]},"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Role"}]}]}`,
		`{"passwordCredential":{"displayName":"rotated"}}`,
		`{"spa":{"redirectUris":[]},"requiredAuthenticationStrength":null}`,
		// Edges of JSON and of the properties.
		``, `{}`, `null`, `[]`, `"x"`, `1`, `{"a":1}{"b":2}`, `{"displayName":`, `{"displayName":"a","DISPLAYNAME":"b"}`,
		`{"displayName":null,"userPrincipalName":null}`,
		`{"displayName":"\u0000","userPrincipalName":"a\u0000@example.com"}`,
		`{"displayName":"\ud800","mailNickname":"\udfff\ud800"}`,
		"{\"displayName\":\"\xff\xfe\",\"description\":\"\xc0\xae\"}",
		`{"lifetimeInMinutes":1e400}`, `{"lifetimeInMinutes":-1}`, `{"lifetimeInMinutes":9223372036854775808}`, `{"lifetimeInMinutes":1.5}`,
		`{"startDateTime":"0000-01-01T00:00:00Z"}`, `{"startDateTime":"9999-12-31T23:59:59Z"}`, `{"startDateTime":"2026-02-30T25:61:61+99:99"}`,
		`{"employeeHireDate":"-0001-01-01T00:00:00Z"}`,
		`{"minimumLifetimeInMinutes":2147483648,"maximumLifetimeInMinutes":-2147483649,"defaultLength":0}`,
		`{"includeTargets":null,"excludeTargets":[{}],"state":""}`,
		`{"includeTargets":[{"id":"","targetType":"user"}]}`,
		`{"keyRestrictions":{"aaGuids":null,"enforcementType":"block"}}`,
		`{"keyRestrictions":[]}`,
		`{"keyRestrictions":{"aaGuids":["not-a-guid",""]}}`,
		`{"web":{"redirectUris":["javascript:alert(1)","https://a.example/%zz","http://[::1"]}}`,
		`{"permissions":["Directory.ReadWrite.All",""],"requiredResourceAccess":[{}]}`,
		`{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/%00"}`,
		`{"@odata.id":"::::"}`,
		`{"passwordCredential":"x"}`,
		`{"displayName":"` + strings.Repeat("A", 300) + `","userPrincipalName":"` + strings.Repeat("a", 120) + `@` + strings.Repeat("b", 200) + `.com"}`,
		strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200),
		`{"displayName":"<script>alert(1)</script>","userPrincipalName":"x@<b>.com"}`,
	} {
		f.Add([]byte(s), byte(sendPlain))
	}
	f.Add([]byte(`{"displayName":"Zipped group"}`), byte(sendGzipped))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"), byte(sendClaimsGzip))

	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, raw []byte, mode byte) {
		a.reset(t)
		body := []byte(a.ids.Replace(string(raw)))
		var header []string
		switch mode % sendModes {
		case sendGzipped:
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
			header = []string{"Content-Encoding", "gzip"}
		case sendClaimsGzip:
			header = []string{"Content-Encoding", "gzip"}
		}
		for _, rt := range bodyRoutes {
			path := a.ids.Replace(rt.path)
			w := a.do(rt.method, path, body, header...)
			a.check(t, rt.method+" "+path, w)
		}
	})
}

// queryRoutes are the API's reads that take OData options.
var queryRoutes = []string{
	"/v1.0/users",
	"/v1.0/users/$count",
	"/v1.0/users/{USER}",
	"/v1.0/groups",
	"/v1.0/groups/$count",
	"/v1.0/groups/{GROUP}",
	"/v1.0/groups/{GROUP}/members",
	"/v1.0/applications",
	"/v1.0/applications/$count",
	"/v1.0/applications/{APP}",
	"/v1.0/auditLogs/directoryAudits",
	"/v1.0/auditLogs/signIns",
}

// idRoutes are the reads of one object by an id from the URL; {ID} is the input.
var idRoutes = []string{
	"/v1.0/users/{ID}",
	"/v1.0/groups/{ID}",
	"/v1.0/groups/{ID}/members",
	"/v1.0/applications/{ID}",
	"/v1.0/applications(appId='{ID}')",
	"/v1.0/auditLogs/directoryAudits/{ID}",
	"/v1.0/auditLogs/signIns/{ID}",
	"/v1.0/users/{ID}/authentication/methods",
	"/v1.0/users/{USER}/authentication/temporaryAccessPassMethods/{ID}",
	"/v1.0/users/{USER}/authentication/fido2Methods/{ID}",
	"/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ID}",
}

// FuzzQueryOptions sends each input as the query string of every list and
// entity read ($filter, $select, $orderby, $top, $skiptoken, $count, $search,
// and whatever else), and its id as the object id of every read by id. A page
// that offers an @odata.nextLink must be able to follow it.
func FuzzQueryOptions(f *testing.F) {
	for _, s := range [][2]string{
		{"", "{USER}"},
		{"$top=1", "{GROUP}"},
		{"$top=2&$count=true&$orderby=displayName%20desc", "{APP}"},
		{"$select=id,displayName,userPrincipalName&$top=3", "{MEMBER}"},
		{"$filter=startswith(displayName,'person')&$orderby=userPrincipalName", "TemporaryAccessPass"},
		{"$filter=accountEnabled%20eq%20true%20and%20createdDateTime%20ge%202020-01-01T00:00:00Z", "Fido2"},
		{"$filter=employeeHireDate%20eq%20null%20or%20mail%20ne%20null", "{APPID}"},
		{"$filter=targetResources/any(t:t/id%20eq%20'{USER}')&$orderby=activityDateTime", "x"},
		{"$filter=status/errorCode%20eq%2050126&$select=id,status", ""},
		{"$filter=userPrincipalName%20eq%20'TARGET@EXAMPLE.COM'", "%00"},
		{"$filter=startswith(displayName,'%25_\\')", "..%2F..%2Fusers"},
		{"$filter=id%20in%20('{USER}','{GROUP}')", "'"},
		{"$filter=displayName%20eq%20'a%00b'", "\x00"},
		{"$filter=displayName%20eq%20'%FF'", "\xc0\xae"},
		{"$skiptoken=AQAAAAAAAAABzuKFRw", "00000000-0000-0000-0000-000000000000"},
		{"$skiptoken=AQAAAAB_____fgBdXg&$top=999", "{USER}x"},
		{"$search=%22displayName:ad%22", "a/b"},
		{"$expand=manager&$format=json", "$count"},
		{"$top=0", "appId='x'"},
		{"$select=*", ")"},
		{"$count=true&$count=false", "{ID}"},
		{"%zz&$top=%", strings.Repeat("9", 300)},
	} {
		f.Add(s[0], s[1])
	}

	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, query, id string) {
		query = a.ids.Replace(query)
		for _, p := range queryRoutes {
			path := a.ids.Replace(p)
			w := a.do(http.MethodGet, path+"?"+query, nil)
			a.check(t, "GET "+path+"?"+query, w)
			if w != nil && w.Code == http.StatusOK && strings.HasSuffix(path, "/$count") {
				if _, err := strconv.Atoi(w.Body.String()); err != nil {
					t.Fatalf("GET %s?%s: count %q is not a number", path, query, w.Body)
				}
			}
			a.followNextLink(t, w)
		}
		escaped := url.PathEscape(a.ids.Replace(id))
		for _, p := range idRoutes {
			path := a.ids.Replace(strings.ReplaceAll(p, "{ID}", escaped))
			a.check(t, "GET "+path, a.do(http.MethodGet, path, nil))
		}
	})
}

// followNextLink asks for the next page a list offers, which must be served.
func (a *fuzzAPI) followNextLink(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w == nil || w.Code != http.StatusOK {
		return
	}
	var page struct {
		Next string `json:"@odata.nextLink"`
	}
	if json.Unmarshal(w.Body.Bytes(), &page) != nil || page.Next == "" {
		return
	}
	u, err := url.Parse(page.Next)
	if err != nil {
		t.Fatalf("nextLink %q: %v", page.Next, err)
	}
	next := a.do(http.MethodGet, u.RequestURI(), nil)
	a.check(t, "GET nextLink "+page.Next, next)
	if next.Code != http.StatusOK {
		t.Fatalf("nextLink %s: status %d\n%s", page.Next, next.Code, next.Body)
	}
}
