package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

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
