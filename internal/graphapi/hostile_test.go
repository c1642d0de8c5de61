package graphapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// hostileIDs are path segments no stored object can have: a NUL, overlong and
// truncated UTF-8, a lone surrogate, bytes that are never UTF-8, and the same
// inside a plausible user principal name. PostgreSQL refuses such text outright,
// which once turned each of them into a 500.
var hostileIDs = []string{
	"%00", "abc%00def", "%C0%AE", "%C0%AE%C0%AE", "%FF%FE", "%ED%A0%80", "%E2%82", "%C3%28",
	"ada%00@example.com", "ad%C0%AEa@example.com", "ada@exa%FFmple.com",
}

// hostileStrings are JSON string values (as they appear between the quotes of
// a body) that must never reach storage: a NUL escape, raw invalid UTF-8, other
// control characters, and a lone surrogate escape.
var hostileStrings = []string{`a\u0000b`, "a\xffb", "\xc0\xae", `x\u0001y`, `line\u001bbreak`}

func TestHostileInputIsRefusedWithoutStoring(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		ada := env.CreateUser(t, "ada@example.com")
		admin := appAPI(t, env, domain.Permissions...)
		g := admin.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "Pilots"}).must(t, http.StatusCreated).str("id")
		app := admin.do(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": "Portal"}).must(t, http.StatusCreated)
		appID, clientID := app.str("id"), app.str("appId")
		pass := admin.do(http.MethodPost, passPath(ada.ID), map[string]any{}).must(t, http.StatusCreated).str("id")
		me := userAPI(t, env, ada.ID)

		before := snapshot(t, admin)

		// Every route that takes an id or a userPrincipalName from the path, with
		// the hostile segment in each place in turn.
		var calls []hostileCall
		for _, bad := range hostileIDs {
			user := "/v1.0/users/" + bad
			good := "/v1.0/users/" + ada.ID
			calls = append(calls,
				hostileCall{admin, "GET", user, nil},
				hostileCall{admin, "PATCH", user, `{"jobTitle":"Pilot"}`},
				hostileCall{admin, "DELETE", user, nil},
				hostileCall{admin, "GET", user + "/authentication/methods", nil},
				hostileCall{admin, "GET", user + "/authentication/temporaryAccessPassMethods", nil},
				hostileCall{admin, "POST", user + "/authentication/temporaryAccessPassMethods", `{}`},
				hostileCall{admin, "GET", user + "/authentication/temporaryAccessPassMethods/" + pass, nil},
				hostileCall{admin, "DELETE", user + "/authentication/temporaryAccessPassMethods/" + pass, nil},
				hostileCall{admin, "GET", good + "/authentication/temporaryAccessPassMethods/" + bad, nil},
				hostileCall{admin, "DELETE", good + "/authentication/temporaryAccessPassMethods/" + bad, nil},
				hostileCall{admin, "GET", user + "/authentication/fido2Methods", nil},
				hostileCall{admin, "GET", good + "/authentication/fido2Methods/" + bad, nil},
				hostileCall{admin, "DELETE", good + "/authentication/fido2Methods/" + bad, nil},
				hostileCall{me, "GET", "/v1.0/me/authentication/temporaryAccessPassMethods/" + bad, nil},
				hostileCall{me, "DELETE", "/v1.0/me/authentication/fido2Methods/" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/groups/" + bad, nil},
				hostileCall{admin, "DELETE", "/v1.0/groups/" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/groups/" + bad + "/members", nil},
				hostileCall{admin, "POST", "/v1.0/groups/" + bad + "/members/$ref", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/` + ada.ID + `"}`},
				hostileCall{admin, "POST", "/v1.0/groups/" + g + "/members/$ref", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/` + bad + `"}`},
				hostileCall{admin, "DELETE", "/v1.0/groups/" + g + "/members/" + bad + "/$ref", nil},
				hostileCall{admin, "DELETE", "/v1.0/groups/" + bad + "/members/" + ada.ID + "/$ref", nil},
				hostileCall{admin, "GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + bad, nil},
				hostileCall{admin, "PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + bad, `{"state":"enabled"}`},
				hostileCall{admin, "GET", "/v1.0/auditLogs/directoryAudits/" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/auditLogs/signIns/" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/applications/" + bad, nil},
				hostileCall{admin, "PATCH", "/v1.0/applications/" + bad, `{"displayName":"x"}`},
				hostileCall{admin, "DELETE", "/v1.0/applications/" + bad, nil},
				hostileCall{admin, "POST", "/v1.0/applications/" + bad + "/addPassword", `{}`},
				hostileCall{admin, "GET", "/v1.0/applications(appId='" + bad + "')", nil},
				hostileCall{admin, "POST", "/v1.0/applications(appId='" + bad + "')/addPassword", `{}`},
				hostileCall{admin, "GET", "/v1.0/" + bad, nil},
				// Query options carry text into SQL too.
				hostileCall{admin, "GET", "/v1.0/users?$filter=displayName%20eq%20'" + bad + "'", nil},
				hostileCall{admin, "GET", "/v1.0/users?$filter=startswith(userPrincipalName,'" + bad + "')", nil},
				hostileCall{admin, "GET", "/v1.0/groups?$filter=id%20eq%20'" + bad + "'", nil},
				hostileCall{admin, "GET", "/v1.0/applications?$filter=appId%20eq%20'" + bad + "'", nil},
				hostileCall{admin, "GET", "/v1.0/auditLogs/directoryAudits?$filter=targetResources/any(t:t/userPrincipalName%20eq%20'" + bad + "')", nil},
				hostileCall{admin, "GET", "/v1.0/auditLogs/signIns?$filter=userPrincipalName%20eq%20'" + bad + "'", nil},
				hostileCall{admin, "GET", "/v1.0/users?$select=" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/users?$orderby=" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/users?$top=" + bad, nil},
				hostileCall{admin, "GET", "/v1.0/users?$skiptoken=" + bad, nil},
			)
		}

		// Every string property of every body, with each hostile value.
		bodies := []struct {
			method, path string
			tmpl         string // %s is where the hostile string goes
		}{
			{"POST", "/v1.0/users", `{"displayName":"%s","userPrincipalName":"new@example.com"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"n%s@example.com"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","givenName":"%s"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","surname":"%s"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","mail":"n%s@example.com"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","mailNickname":"%s"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","jobTitle":"%s"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","department":"%s"}`},
			{"POST", "/v1.0/users", `{"displayName":"New","userPrincipalName":"new@example.com","employeeHireDate":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"displayName":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"userPrincipalName":"a%s@example.com"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"givenName":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"surname":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"mail":"%s@example.com"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"mailNickname":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"jobTitle":"%s"}`},
			{"PATCH", "/v1.0/users/" + ada.ID, `{"department":"%s"}`},
			{"PATCH", "/v1.0/users/ada@example.com", `{"department":"%s"}`},
			{"POST", "/v1.0/groups", `{"displayName":"%s"}`},
			{"POST", "/v1.0/groups", `{"displayName":"G","description":"%s"}`},
			{"POST", "/v1.0/groups", `{"displayName":"G","mailNickname":"%s"}`},
			{"POST", "/v1.0/groups/" + g + "/members/$ref", `{"@odata.id":"https://graph.microsoft.com/v1.0/users/%s"}`},
			{"POST", "/v1.0/groups/" + g + "/members/$ref", `{"@odata.id":"%s"}`},
			{"POST", "/v1.0/applications", `{"displayName":"%s"}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","web":{"redirectUris":["https://rp.example.com/%s"]}}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","publicClient":{"redirectUris":["http://localhost/%s"]}}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","permissions":["%s"]}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","requiredAuthenticationStrength":"%s"}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","requiredResourceAccess":[{"resourceAppId":"%s","resourceAccess":[]}]}`},
			{"POST", "/v1.0/applications", `{"displayName":"A","requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"%s","type":"Role"}]}]}`},
			{"PATCH", "/v1.0/applications/" + appID, `{"displayName":"%s"}`},
			{"PATCH", "/v1.0/applications/" + appID, `{"web":{"redirectUris":["https://rp.example.com/%s"]}}`},
			{"PATCH", "/v1.0/applications(appId='" + clientID + "')", `{"displayName":"%s"}`},
			{"POST", "/v1.0/applications/" + appID + "/addPassword", `{"passwordCredential":{"displayName":"%s"}}`},
			{"POST", passPath(ada.ID), `{"startDateTime":"%s"}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", `{"state":"%s"}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", `{"@odata.type":"%s"}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", `{"includeTargets":[{"targetType":"group","id":"%s"}]}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", `{"excludeTargets":[{"targetType":"%s","id":"` + g + `"}]}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", `{"keyRestrictions":{"enforcementType":"%s"}}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", `{"keyRestrictions":{"aaGuids":["%s"]}}`},
			{"PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", `{"includeTargets":[{"targetType":"group","id":"%s"}]}`},
		}
		for _, b := range bodies {
			for _, s := range hostileStrings {
				calls = append(calls, hostileCall{admin, b.method, b.path, fmt.Sprintf(b.tmpl, s)})
			}
		}
		// A body that is not UTF-8 at all, and a property name with a NUL.
		calls = append(calls,
			hostileCall{admin, "POST", "/v1.0/groups", "{\"displayName\":\"G\xff\xfe\"}"},
			hostileCall{admin, "POST", "/v1.0/groups", "\xff\xfe{\x00\"\x00d\x00\"\x00}"},
			hostileCall{admin, "POST", "/v1.0/groups", `{"display\u0000Name":"G","displayName":"G\u0000"}`},
		)

		for _, c := range calls {
			r := c.api.do(c.method, c.path, c.body)
			if r.Status >= 500 || r.Status < 400 {
				t.Errorf("%s %s %q: status %d, want 4xx; body %s", c.method, c.path, c.body, r.Status, r.Raw)
				continue
			}
			if e, _ := r.JSON["error"].(map[string]any); e == nil || e["code"] == "" || e["message"] == "" {
				t.Errorf("%s %s %q: %d without the Graph error envelope: %s", c.method, c.path, c.body, r.Status, r.Raw)
			}
		}

		// What the client is told names the problem.
		admin.get("/v1.0/users/ada%00@example.com").wantError(t, http.StatusBadRequest, "Request_BadRequest", "path segment")
		admin.do("POST", "/v1.0/groups", `{"displayName":"a\u0000b"}`).wantError(t, http.StatusBadRequest, "badRequest", "property 'displayName'", "NUL")
		admin.do("POST", "/v1.0/groups", "{\"displayName\":\"a\xffb\"}").wantError(t, http.StatusBadRequest, "badRequest", "UTF-8")
		admin.do("PATCH", "/v1.0/users/"+ada.ID, `{"jobTitle":"x\u001by"}`).wantError(t, http.StatusBadRequest, "badRequest", "jobTitle", "U+001B")

		if after := snapshot(t, admin); after != before {
			t.Errorf("hostile requests changed stored data:\nbefore %s\nafter  %s", before, after)
		}
		if strings.Contains(env.Logs(), `"status":500`) {
			t.Errorf("a request ended in 500:\n%s", grepLines(env.Logs(), `"status":500`))
		}
		// Line breaks are text where a property allows them.
		admin.do("POST", "/v1.0/groups", `{"displayName":"G","description":"two\nlines"}`).must(t, http.StatusCreated)
	})
}

// TestBrokenBodiesAreClientErrors sends bodies the server cannot read at all: a
// chunked body whose framing is wrong (written on a raw connection, since no
// client library sends one), a body cut short, and one over the size limit.
func TestBrokenBodiesAreClientErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		admin := appAPI(t, env, domain.PermGroupReadWriteAll, domain.PermGroupReadAll)
		before := admin.get("/v1.0/groups").must(t, http.StatusOK).values(t)

		for name, chunked := range map[string]string{
			"bad chunk size":       "zz\r\n{}\r\n0\r\n\r\n",
			"chunk longer than 16": "10\r\n{\"displayName\":\"Chunky\"}\r\n0\r\n\r\n",
			"missing CRLF":         "5\r\n{\"dis0\r\n\r\n",
			"huge chunk size":      "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
		} {
			t.Run(name, func(t *testing.T) {
				status, body := rawRequest(t, env.URL, "POST /v1.0/groups HTTP/1.1\r\n"+
					"Host: firstkey\r\nAuthorization: Bearer "+admin.token+"\r\n"+
					"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+chunked)
				if status != http.StatusBadRequest || !strings.Contains(body, `"code":"badRequest"`) || !strings.Contains(body, "could not be read") {
					t.Errorf("status %d, want 400 with the Graph error envelope; body %s", status, body)
				}
			})
		}

		t.Run("body shorter than Content-Length", func(t *testing.T) {
			status, body := rawRequestHalfClose(t, env.URL, "POST /v1.0/groups HTTP/1.1\r\n"+
				"Host: firstkey\r\nAuthorization: Bearer "+admin.token+"\r\n"+
				"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"displayName\":")
			if status != 0 && (status < 400 || status >= 500) {
				t.Errorf("status %d, want 4xx or no answer; body %s", status, body)
			}
		})

		t.Run("oversized", func(t *testing.T) {
			big := `{"displayName":"Big","description":"` + strings.Repeat("x", 2<<20) + `"}`
			admin.do(http.MethodPost, "/v1.0/groups", big).wantError(t, http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
		})

		after := admin.get("/v1.0/groups").must(t, http.StatusOK).values(t)
		if len(after) != len(before) {
			t.Errorf("groups before %d, after %d: a broken body was stored", len(before), len(after))
		}
		if strings.Contains(env.Logs(), `"status":500`) {
			t.Errorf("a request ended in 500:\n%s", grepLines(env.Logs(), `"status":500`))
		}
	})
}

type hostileCall struct {
	api    *api
	method string
	path   string
	body   any
}

// snapshot is everything an administrator can read that a refused request must
// leave as it was.
func snapshot(t *testing.T, a *api) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/v1.0/users?$orderby=userPrincipalName", "/v1.0/groups", "/v1.0/applications",
		"/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
		"/v1.0/auditLogs/directoryAudits",
	} {
		b.WriteString(p)
		b.WriteByte('=')
		b.Write(a.get(p).must(t, http.StatusOK).Raw)
		b.WriteByte('\n')
	}
	users := a.get("/v1.0/users").must(t, http.StatusOK).values(t)
	for _, u := range users {
		for _, p := range []string{"/authentication/methods", "/authentication/temporaryAccessPassMethods"} {
			b.Write(a.get("/v1.0/users/"+u["id"].(string)+p).must(t, http.StatusOK).Raw)
		}
	}
	return b.String()
}

// rawRequest writes req as it is on a new connection and returns the status
// and body of the answer.
func rawRequest(t *testing.T, base, req string) (int, string) {
	t.Helper()
	conn := dial(t, base)
	defer conn.Close()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("write request: %v", err)
	}
	return readAnswer(t, conn)
}

// rawRequestHalfClose writes req and closes the writing side, so that the server
// sees the body end early. A server may then answer or just close.
func rawRequestHalfClose(t *testing.T, base, req string) (int, string) {
	t.Helper()
	conn := dial(t, base)
	defer conn.Close()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("write request: %v", err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	return readAnswer(t, conn)
}

func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn
}

func readAnswer(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
