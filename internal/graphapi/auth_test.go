package graphapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestAuthentication(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		token := env.AppToken(t, domain.PermUserReadAll)
		ok := newAPI(t, env, token)
		ok.get("/v1.0/users").must(t, http.StatusOK)

		for name, tok := range map[string]string{
			"missing": "",
			"garbage": "not-a-jwt",
			"forged":  forge(token),
		} {
			r := newAPI(t, env, tok).get("/v1.0/users")
			r.wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s token: WWW-Authenticate %q", name, r.Header.Get("WWW-Authenticate"))
			}
		}
		basic := newAPI(t, env, "").do(http.MethodGet, "/v1.0/users", nil, "Authorization", "Basic dXNlcjpwYXNz")
		basic.wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")

		// A disabled person's token stops working at once.
		u := env.CreateUser(t, "ivan@example.com", domain.RoleReportsReader)
		person := newAPI(t, env, env.UserToken(t, u.ID))
		person.get("/v1.0/users").must(t, http.StatusOK)
		if _, err := env.Dir.UpdateUser(context.Background(), domain.SystemActor(), u.ID, func(x *domain.User) error {
			x.AccountEnabled = false
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		person.get("/v1.0/users").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")

		// Tokens expire by the server's clock.
		env.Clock.Advance(2 * time.Hour)
		ok.get("/v1.0/users").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken", "expired")

		// Wrong permission is 403, not 401.
		newAPI(t, env, env.AppToken(t, domain.PermAuditLogReadAll)).get("/v1.0/users").wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

// forge flips a character of the token's signature.
func forge(token string) string {
	b := []byte(token)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestRoutingAndEnvelope(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermUserReadWriteAll))

		r := a.do(http.MethodGet, "/v1.0/unicorns", nil, "client-request-id", "abc-123")
		r.wantError(t, http.StatusNotFound, "Request_ResourceNotFound", "unicorns")
		if inner := r.JSON["error"].(map[string]any)["innerError"].(map[string]any); inner["client-request-id"] != "abc-123" {
			t.Errorf("innerError does not echo client-request-id: %v", inner)
		}
		if r.Header.Get("client-request-id") != "abc-123" {
			t.Errorf("client-request-id header %q", r.Header.Get("client-request-id"))
		}
		newAPI(t, env, "").get("/v1.0/nothing/here").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		m := a.do(http.MethodPut, "/v1.0/users", map[string]any{})
		m.wantError(t, http.StatusMethodNotAllowed, "Request_BadRequest", "PUT")
		if m.Header.Get("Allow") != "GET, POST" {
			t.Errorf("Allow %q", m.Header.Get("Allow"))
		}
		a.do(http.MethodPost, "/v1.0/users/$count", nil).wantError(t, http.StatusMethodNotAllowed, "Request_BadRequest")

		ok := a.get("/v1.0/users")
		ok.must(t, http.StatusOK)
		if ok.Header.Get("request-id") == "" || ok.Header.Get("client-request-id") == "" ||
			!strings.HasPrefix(ok.Header.Get("Content-Type"), "application/json") || ok.str("@odata.context") != env.URL+"/v1.0/$metadata#users" {
			t.Errorf("success response: %v %s", ok.Header, ok.Raw)
		}
		if ids := [2]string{ok.Header.Get("request-id"), a.get("/v1.0/users").Header.Get("request-id")}; ids[0] == ids[1] {
			t.Errorf("two requests share request-id %s", ids[0])
		}
		a.do(http.MethodPost, "/v1.0/users", "").wantError(t, http.StatusBadRequest, "badRequest", "empty")

		// With the database gone, the client gets a generic 500; the details go to the log only.
		if err := env.Store.Close(); err != nil {
			t.Fatal(err)
		}
		broken := a.get("/v1.0/users")
		broken.wantError(t, http.StatusInternalServerError, "generalException", "request-id")
		if strings.Contains(strings.ToLower(string(broken.Raw)), "sql") || strings.Contains(string(broken.Raw), "closed") {
			t.Errorf("500 response leaks details: %s", broken.Raw)
		}
		if !strings.Contains(env.Logs(), broken.Header.Get("request-id")) {
			t.Errorf("the log does not name the failed request %s", broken.Header.Get("request-id"))
		}
	})
}
