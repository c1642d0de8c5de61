package graphapi_test

import (
	"net/http"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestGroupPatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := appAPI(t, env, domain.PermGroupReadWriteAll, domain.PermAuditLogReadAll)
		g := a.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "Joiners", "description": "Autumn"}).must(t, http.StatusCreated)
		id := g.str("id")
		a.do(http.MethodPatch, "/v1.0/groups/"+id, map[string]any{"description": "Autumn 2026", "@odata.type": "#microsoft.graph.group"}).must(t, http.StatusNoContent)
		got := a.get("/v1.0/groups/"+id).must(t, http.StatusOK)
		if got.str("displayName") != "Joiners" || got.str("description") != "Autumn 2026" {
			t.Errorf("after PATCH: %s", got.Raw)
		}
		a.do(http.MethodPatch, "/v1.0/groups/"+id, map[string]any{"displayName": ""}).wantError(t, http.StatusBadRequest, "badRequest", "displayName")
		a.do(http.MethodPatch, "/v1.0/groups/"+id, map[string]any{"displayName": 7}).must(t, http.StatusBadRequest)
		a.do(http.MethodPatch, "/v1.0/groups/00000000-0000-0000-0000-000000000000", map[string]any{"description": "x"}).must(t, http.StatusNotFound)
		if after := a.get("/v1.0/groups/"+id).must(t, http.StatusOK); after.str("displayName") != "Joiners" {
			t.Errorf("a refused PATCH changed the group: %s", after.Raw)
		}
		audits := a.get("/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName%20eq%20'Update%20group'").must(t, http.StatusOK).values(t)
		if len(audits) != 1 {
			t.Errorf("%d 'Update group' audit records, want 1", len(audits))
		}
		appAPI(t, env, domain.PermGroupReadAll).do(http.MethodPatch, "/v1.0/groups/"+id, map[string]any{"description": "y"}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

func TestManagerAndMemberOf(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := appAPI(t, env, domain.PermUserReadWriteAll, domain.PermGroupReadWriteAll)
		boss := env.CreateUser(t, "boss@example.com")
		ada := env.CreateUser(t, "ada@example.com")
		a.get("/v1.0/users/ada@example.com/manager").wantError(t, http.StatusNotFound, "Request_ResourceNotFound", "manager")
		a.do(http.MethodPut, "/v1.0/users/ada%40example.com/manager/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/directoryObjects/" + boss.ID}).must(t, http.StatusNoContent)
		m := a.get("/v1.0/users/"+ada.ID+"/manager").must(t, http.StatusOK)
		if m.str("id") != boss.ID || m.str("@odata.type") != "#microsoft.graph.user" {
			t.Errorf("manager: %s", m.Raw)
		}
		ref := a.get("/v1.0/users/"+ada.ID+"/manager/$ref").must(t, http.StatusOK)
		if ref.str("@odata.id") != env.Issuer+"/v1.0/directoryObjects/"+boss.ID {
			t.Errorf("manager reference: %s", ref.Raw)
		}
		// Nobody manages themselves, directly or through a chain.
		a.do(http.MethodPut, "/v1.0/users/"+boss.ID+"/manager/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/users/" + ada.ID}).wantError(t, http.StatusBadRequest, "badRequest", "manager")
		a.do(http.MethodPut, "/v1.0/users/"+ada.ID+"/manager/$ref", map[string]any{"@odata.id": "not a reference"}).must(t, http.StatusBadRequest)
		a.do(http.MethodPut, "/v1.0/users/"+ada.ID+"/manager/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/users/nobody@example.com"}).must(t, http.StatusNotFound)
		a.do(http.MethodDelete, "/v1.0/users/"+ada.ID+"/manager/$ref", nil).must(t, http.StatusNoContent)
		a.get("/v1.0/users/"+ada.ID+"/manager").must(t, http.StatusNotFound)
		a.do(http.MethodDelete, "/v1.0/users/"+ada.ID+"/manager/$ref", nil).must(t, http.StatusNotFound)

		g := a.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "Joiners"}).must(t, http.StatusCreated)
		a.do(http.MethodPost, "/v1.0/groups/"+g.str("id")+"/members/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/directoryObjects/" + ada.ID}).must(t, http.StatusNoContent)
		groups := a.get("/v1.0/users/ada@example.com/memberOf").must(t, http.StatusOK).values(t)
		if len(groups) != 1 || groups[0]["id"] != g.str("id") || groups[0]["@odata.type"] != "#microsoft.graph.group" {
			t.Errorf("memberOf: %v", groups)
		}
		if none := a.get("/v1.0/users/boss@example.com/memberOf").must(t, http.StatusOK).values(t); len(none) != 0 {
			t.Errorf("memberOf of someone in no group: %v", none)
		}
		appAPI(t, env, domain.PermUserReadAll).do(http.MethodPut, "/v1.0/users/"+ada.ID+"/manager/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/users/" + boss.ID}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

func TestGetOneAuthenticationMethod(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		a := appAPI(t, env, domain.PermUserReadWriteAll, domain.PermUserAuthenticationMethodReadWrite)
		env.CreateUser(t, "ada@example.com")
		p := a.do(http.MethodPost, "/v1.0/users/ada@example.com/authentication/temporaryAccessPassMethods", map[string]any{}).must(t, http.StatusCreated)
		got := a.get("/v1.0/users/ada@example.com/authentication/methods/"+p.str("id")).must(t, http.StatusOK)
		if got.str("@odata.type") != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" || got.JSON["temporaryAccessPass"] != nil {
			t.Errorf("one method: %s", got.Raw)
		}
		a.get("/v1.0/users/ada@example.com/authentication/methods/00000000-0000-0000-0000-000000000000").must(t, http.StatusNotFound)
	})
}
