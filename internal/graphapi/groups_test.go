package graphapi_test

import (
	"net/http"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermGroupReadWriteAll))
		dana := env.CreateUser(t, "dana@example.com")
		eve := env.CreateUser(t, "eve@example.com")

		a.do(http.MethodPost, "/v1.0/groups", map[string]any{"description": "no name"}).wantError(t, http.StatusBadRequest, "badRequest", "displayName")
		g := a.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "New joiners", "description": "Start in March",
			"mailEnabled": false, "securityEnabled": true, "mailNickname": "newjoiners"}).must(t, http.StatusCreated)
		gid := g.str("id")
		if g.str("displayName") != "New joiners" || g.str("description") != "Start in March" || g.str("@odata.context") != env.URL+"/v1.0/$metadata#groups/$entity" {
			t.Fatalf("created group: %s", g.Raw)
		}
		if got := a.get("/v1.0/groups/"+gid).must(t, http.StatusOK); got.str("mailNickname") != "newjoiners" {
			t.Fatalf("get group: %s", got.Raw)
		}
		if vals := a.get("/v1.0/groups?$filter=startswith(displayName,'new')").must(t, http.StatusOK).values(t); len(vals) != 1 || vals[0]["id"] != gid {
			t.Fatalf("group list: %v", vals)
		}

		ref := gidPath(gid) + "/members/$ref"
		a.do(http.MethodPost, ref, map[string]any{"@odata.id": env.URL + "/v1.0/directoryObjects/" + dana.ID}).must(t, http.StatusNoContent)
		a.do(http.MethodPost, ref, map[string]any{"@odata.id": env.URL + "/v1.0/users/" + eve.ID}).must(t, http.StatusNoContent)
		a.do(http.MethodPost, ref, map[string]any{"@odata.id": env.URL + "/v1.0/users/" + eve.ID}).wantError(t, http.StatusBadRequest, "Request_BadRequest", "already exist")
		a.do(http.MethodPost, ref, map[string]any{}).wantError(t, http.StatusBadRequest, "badRequest", "@odata.id")
		a.do(http.MethodPost, ref, map[string]any{"@odata.id": "not a reference"}).wantError(t, http.StatusBadRequest, "badRequest", "@odata.id")
		a.do(http.MethodPost, ref, map[string]any{"@odata.id": env.URL + "/v1.0/directoryObjects/6d3a1b2c-0000-4000-8000-000000000000"}).
			wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		members := a.get(gidPath(gid)+"/members").must(t, http.StatusOK)
		vals := members.values(t)
		if len(vals) != 2 || members.str("@odata.context") != env.URL+"/v1.0/$metadata#directoryObjects" {
			t.Fatalf("members: %s", members.Raw)
		}
		for _, v := range vals {
			if v["@odata.type"] != "#microsoft.graph.user" {
				t.Errorf("member without @odata.type: %v", v)
			}
		}

		a.do(http.MethodDelete, gidPath(gid)+"/members/"+dana.ID+"/$ref", nil).must(t, http.StatusNoContent)
		a.do(http.MethodDelete, gidPath(gid)+"/members/"+dana.ID+"/$ref", nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if vals := a.get(gidPath(gid)+"/members").must(t, http.StatusOK).values(t); len(vals) != 1 || vals[0]["id"] != eve.ID {
			t.Fatalf("members after removal: %v", vals)
		}

		a.do(http.MethodDelete, gidPath(gid), nil).must(t, http.StatusNoContent)
		a.get(gidPath(gid)).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.get(gidPath(gid)+"/members").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		ro := newAPI(t, env, env.AppToken(t, domain.PermGroupReadAll))
		ro.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "x"}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

func gidPath(id string) string { return "/v1.0/groups/" + id }
