package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestIfMatchUnderConcurrency: of several updates sent at once against one
// version, exactly one is applied; the others get 412 and must read again.
func TestIfMatchUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		created := c.do(http.MethodPost, "/Users", map[string]any{"userName": "race@example.com"}).must(t, http.StatusCreated)
		id, v1 := created.str("id"), created.Header.Get("ETag")
		gid := c.do(http.MethodPost, "/Groups", map[string]any{"displayName": "Race"}).must(t, http.StatusCreated).str("id")
		gv1 := c.get("/Groups/" + gid).Header.Get("ETag")

		const n = 6
		send := func(path, etag string, i int) int {
			body, _ := json.Marshal(ops(op("replace", "displayName", "writer "+string(rune('A'+i)))))
			req, _ := http.NewRequest(http.MethodPatch, env.URL+"/scim/v2"+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set("Content-Type", "application/scim+json")
			req.Header.Set("If-Match", etag)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0
			}
			res.Body.Close()
			return res.StatusCode
		}
		for _, target := range []struct{ path, etag string }{{"/Users/" + id, v1}, {"/Groups/" + gid, gv1}} {
			statuses := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { statuses[i] = send(target.path, target.etag, i) })
			}
			wg.Wait()
			won, lost := 0, 0
			for _, s := range statuses {
				switch s {
				case http.StatusOK, http.StatusNoContent:
					won++
				case http.StatusPreconditionFailed:
					lost++
				}
			}
			if won != 1 || lost != n-1 {
				t.Fatalf("%s: statuses %v, want one success and %d 412s", target.path, statuses, n-1)
			}
		}
	})
}

// TestOneDirectoryWithGraph: a user created over SCIM is the Graph API's user,
// and a change made through the Graph API is a new SCIM version, so a
// provisioning client holding the old ETag is told to read again.
func TestOneDirectoryWithGraph(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		c, _ := provisioner(t, env)
		created := c.do(http.MethodPost, "/Users", map[string]any{"userName": "both@example.com", "displayName": "Both",
			enterprise: map[string]any{"department": "Sales"}}).must(t, http.StatusCreated)
		id, v1 := created.str("id"), created.Header.Get("ETag")
		gid := c.do(http.MethodPost, "/Groups", map[string]any{"displayName": "Both"}).must(t, http.StatusCreated).str("id")
		gv1 := c.get("/Groups/" + gid).Header.Get("ETag")

		graph := env.AppToken(t, domain.PermUserReadWriteAll, domain.PermGroupReadWriteAll)
		call := func(method, path, body string) (int, map[string]any) {
			req, _ := http.NewRequest(method, env.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+graph)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(res.Body).Decode(&out)
			return res.StatusCode, out
		}
		if st, u := call(http.MethodGet, "/v1.0/users/"+id, ""); st != http.StatusOK || u["userPrincipalName"] != "both@example.com" || u["department"] != "Sales" {
			t.Fatalf("Graph GET: %d %v", st, u)
		}
		if st, _ := call(http.MethodPatch, "/v1.0/users/"+id, `{"displayName":"Changed in Graph"}`); st != http.StatusNoContent {
			t.Fatalf("Graph PATCH: %d", st)
		}
		r := c.get("/Users/"+id).must(t, http.StatusOK)
		if r.str("displayName") != "Changed in Graph" || r.Header.Get("ETag") == v1 {
			t.Fatalf("after the Graph change: ETag %q, %s", r.Header.Get("ETag"), r.Raw)
		}
		c.do(http.MethodPatch, "/Users/"+id, ops(op("replace", "title", "x")), "If-Match", v1).wantError(t, http.StatusPreconditionFailed, "")

		if st, _ := call(http.MethodPost, "/v1.0/groups/"+gid+"/members/$ref", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/`+id+`"}`); st != http.StatusNoContent {
			t.Fatalf("Graph add member: %d", st)
		}
		g := c.get("/Groups/"+gid).must(t, http.StatusOK)
		if g.Header.Get("ETag") == gv1 || g.str("members.0.value") != id {
			t.Fatalf("after the Graph membership change: ETag %q, %s", g.Header.Get("ETag"), g.Raw)
		}
	})
}
