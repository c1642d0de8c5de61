package graphapi_test

import (
	"net/http"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestUserAdministratorLimits reproduces issue #10 finding 10: a User
// Administrator disabled the Global Administrator and a Privileged
// Authentication Administrator. Only a Global Administrator may change them
// (SPEC §1); a User Administrator manages people with no role or with only
// the User Administrator / Reports Reader roles.
func TestUserAdministratorLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		global := env.CreateUser(t, "global@example.com", domain.RoleGlobalAdministrator)
		privileged := env.CreateUser(t, "privileged@example.com", domain.RolePrivilegedAuthenticationAdministrator)
		authAdmin := env.CreateUser(t, "authadmin@example.com", domain.RoleAuthenticationAdministrator)
		fellow := env.CreateUser(t, "fellow@example.com", domain.RoleUserAdministrator)
		reader := env.CreateUser(t, "reader@example.com", domain.RoleReportsReader)
		plain := env.CreateUser(t, "plain@example.com")
		ua := userAPI(t, env, env.CreateUser(t, "ua@example.com", domain.RoleUserAdministrator).ID)
		ga := userAPI(t, env, env.CreateUser(t, "ga@example.com", domain.RoleGlobalAdministrator).ID)
		g := ga.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "Staff"}).must(t, http.StatusCreated).str("id")

		for _, target := range []struct {
			user domain.User
			role string
		}{{global, "Global Administrator"}, {privileged, "Privileged Authentication Administrator"}} {
			path := "/v1.0/users/" + target.user.ID
			ua.do(http.MethodPatch, path, map[string]any{"accountEnabled": false}).
				wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "Only a Global Administrator", target.role)
			ua.do(http.MethodPatch, path, map[string]any{"displayName": "Renamed"}).
				wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "Only a Global Administrator")
			ua.do(http.MethodDelete, path, nil).
				wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "Only a Global Administrator")
			ua.do(http.MethodPost, gidPath(g)+"/members/$ref", map[string]any{"@odata.id": env.URL + "/v1.0/users/" + target.user.ID}).
				wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "group memberships")
			got := ga.get(path).must(t, http.StatusOK)
			if got.JSON["accountEnabled"] != true || got.str("displayName") == "Renamed" {
				t.Fatalf("a refused change happened: %s", got.Raw)
			}
		}
		// Other administrators are out of reach too, with the reason.
		ua.do(http.MethodPatch, "/v1.0/users/"+authAdmin.ID, map[string]any{"accountEnabled": false}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "no directory role or only the User Administrator or Reports Reader roles", "Authentication Administrator")

		// What a User Administrator may manage.
		for _, u := range []domain.User{plain, fellow, reader} {
			path := "/v1.0/users/" + u.ID
			ua.do(http.MethodPatch, path, map[string]any{"accountEnabled": false, "department": "Ops"}).must(t, http.StatusNoContent)
			if got := ga.get(path).must(t, http.StatusOK); got.JSON["accountEnabled"] != false || got.str("department") != "Ops" {
				t.Fatalf("%s after PATCH: %s", u.UserPrincipalName, got.Raw)
			}
			ua.do(http.MethodPost, gidPath(g)+"/members/$ref", map[string]any{"@odata.id": env.URL + "/v1.0/users/" + u.ID}).must(t, http.StatusNoContent)
			ua.do(http.MethodDelete, gidPath(g)+"/members/"+u.ID+"/$ref", nil).must(t, http.StatusNoContent)
		}
		ua.do(http.MethodDelete, "/v1.0/users/"+plain.ID, nil).must(t, http.StatusNoContent)
		ga.get("/v1.0/users/"+plain.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		// A Global Administrator may manage every administrator.
		ga.do(http.MethodPatch, "/v1.0/users/"+privileged.ID, map[string]any{"accountEnabled": false}).must(t, http.StatusNoContent)
		ga.do(http.MethodPatch, "/v1.0/users/"+global.ID, map[string]any{"department": "IT"}).must(t, http.StatusNoContent)
		ga.do(http.MethodDelete, "/v1.0/users/"+privileged.ID, nil).must(t, http.StatusNoContent)

		// An application with User.ReadWrite.All manages people without a role only.
		app := appAPI(t, env, domain.PermUserReadWriteAll)
		app.do(http.MethodPatch, "/v1.0/users/"+reader.ID, map[string]any{"accountEnabled": true}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "An application", "Reports Reader")
		app.do(http.MethodDelete, "/v1.0/users/"+global.ID, nil).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "Only a Global Administrator")
		other := env.CreateUser(t, "other@example.com")
		app.do(http.MethodPatch, "/v1.0/users/"+other.ID, map[string]any{"accountEnabled": false}).must(t, http.StatusNoContent)
	})
}
