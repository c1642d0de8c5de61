package graphapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// batchResponses posts a batch and returns its answers by id, checking the
// shape every Graph SDK relies on: integer status, headers an object of strings
// with the exact key Content-Type, body a JSON object.
func batchResponses(t *testing.T, a *api, batch any, headers ...string) map[string]map[string]any {
	t.Helper()
	r := a.do(http.MethodPost, "/v1.0/$batch", batch, headers...).must(t, http.StatusOK)
	list, ok := r.JSON["responses"].([]any)
	if !ok {
		t.Fatalf("no responses array: %s", r.Raw)
	}
	out := map[string]map[string]any{}
	for _, x := range list {
		m := x.(map[string]any)
		id, _ := m["id"].(string)
		status, ok := m["status"].(float64)
		if !ok || status != float64(int(status)) {
			t.Errorf("response %q: status %v is not an integer", id, m["status"])
		}
		if h, ok := m["headers"].(map[string]any); ok {
			for k, v := range h {
				if _, isString := v.(string); !isString {
					t.Errorf("response %q: header %s is %T, want a string", id, k, v)
				}
			}
			if m["body"] != nil && h["Content-Type"] == nil {
				t.Errorf("response %q: headers %v lack the exact key Content-Type", id, h)
			}
		}
		if b, ok := m["body"]; ok {
			if _, isObject := b.(map[string]any); !isObject {
				t.Errorf("response %q: body %v is not a JSON object", id, b)
			}
		}
		out[id] = m
	}
	return out
}

func status(m map[string]any) int { s, _ := m["status"].(float64); return int(s) }

func TestBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := appAPI(t, env, domain.PermUserReadWriteAll, domain.PermUserAuthenticationMethodReadWrite)
		env.EnablePassPolicy(t)
		reqs := []map[string]any{
			{"id": "1", "method": "POST", "url": "/users", "headers": map[string]string{"Content-Type": "application/json"},
				"body": map[string]any{"userPrincipalName": "ada@example.com", "displayName": "Ada", "accountEnabled": true}},
			{"id": "2", "method": "POST", "url": "/users/ada@example.com/authentication/temporaryAccessPassMethods",
				"body": map[string]any{"lifetimeInMinutes": 60}, "dependsOn": []string{"1"}},
			// %24 for $, and a query, as the SDKs may send them.
			{"id": "3", "method": "GET", "url": "users?%24filter=startswith(userPrincipalName,'ada')&%24select=userPrincipalName", "dependsOn": []string{"1"}},
			{"id": "4", "method": "GET", "url": "/users/nobody@example.com"},
			{"id": "5", "method": "GET", "url": "/users/nobody@example.com/authentication/methods", "dependsOn": []string{"4"}},
		}
		got := batchResponses(t, a, map[string]any{"requests": reqs})
		if len(got) != len(reqs) {
			t.Fatalf("%d responses for %d requests", len(got), len(reqs))
		}
		if status(got["1"]) != http.StatusCreated || status(got["2"]) != http.StatusCreated || status(got["3"]) != http.StatusOK {
			t.Fatalf("statuses 1=%d 2=%d 3=%d", status(got["1"]), status(got["2"]), status(got["3"]))
		}
		if pass, _ := got["2"]["body"].(map[string]any)["temporaryAccessPass"].(string); pass == "" {
			t.Errorf("the batch's pass creation returned no pass: %v", got["2"]["body"])
		}
		if vals, _ := got["3"]["body"].(map[string]any)["value"].([]any); len(vals) != 1 {
			t.Errorf("filtered list in a batch: %v", got["3"]["body"])
		}
		if status(got["4"]) != http.StatusNotFound {
			t.Errorf("unknown user in a batch: %d", status(got["4"]))
		}
		if status(got["5"]) != http.StatusFailedDependency {
			t.Errorf("request depending on a failed one: %d, want 424", status(got["5"]))
		}

		// The outer body may be gzip-compressed, as the SDKs send it.
		gz := gzipped(t, map[string]any{"requests": []map[string]any{{"id": "a", "method": "GET", "url": "/users/ada@example.com"}}})
		r := a.do(http.MethodPost, "/v1.0/$batch", gz, "Content-Encoding", "gzip").must(t, http.StatusOK)
		if !strings.Contains(string(r.Raw), `"status":200`) {
			t.Errorf("gzip batch: %s", r.Raw)
		}
	})
}

func TestBatchLimitsAndAuthorization(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := appAPI(t, env, domain.PermUserReadAll)
		many := func(n int) map[string]any {
			reqs := make([]map[string]any, n)
			for i := range reqs {
				reqs[i] = map[string]any{"id": fmt.Sprint(i + 1), "method": "GET", "url": "/users?$top=1"}
			}
			return map[string]any{"requests": reqs}
		}
		if got := batchResponses(t, a, many(20)); len(got) != 20 {
			t.Errorf("20 requests: %d answers", len(got))
		}
		a.do(http.MethodPost, "/v1.0/$batch", many(21)).wantError(t, http.StatusBadRequest, "badRequest", "maximum of 20")
		a.do(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
			{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/groups"},
		}}).wantError(t, http.StatusBadRequest, "badRequest", "more than one request with the id '1'")
		a.do(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
			{"id": "1", "method": "GET", "url": "/users", "dependsOn": []string{"2"}},
			{"id": "2", "method": "GET", "url": "/users", "dependsOn": []string{"1"}},
		}}).wantError(t, http.StatusBadRequest, "badRequest", "cycle")
		a.do(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
			{"id": "1", "method": "GET", "url": "/users", "dependsOn": []string{"9"}},
		}}).wantError(t, http.StatusBadRequest, "badRequest", "depends on '9'")
		a.do(http.MethodPost, "/v1.0/$batch", `{"requests":"nope"}`).wantError(t, http.StatusBadRequest, "badRequest", "requests")

		// Each inner request is authorised as if sent alone: reading users is
		// allowed, creating one is not, and a batch without a token is refused whole.
		got := batchResponses(t, a, map[string]any{"requests": []map[string]any{
			{"id": "read", "method": "GET", "url": "/users"},
			{"id": "write", "method": "POST", "url": "/users", "body": map[string]any{"userPrincipalName": "eve@example.com", "displayName": "Eve", "accountEnabled": true}},
			{"id": "nested", "method": "POST", "url": "/$batch", "body": map[string]any{"requests": []any{}}},
			{"id": "absolute", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"},
		}})
		if status(got["read"]) != http.StatusOK || status(got["write"]) != http.StatusForbidden {
			t.Errorf("read %d, write %d: want 200 and 403", status(got["read"]), status(got["write"]))
		}
		if status(got["nested"]) != http.StatusBadRequest || status(got["absolute"]) != http.StatusBadRequest {
			t.Errorf("nested %d, absolute %d: want 400 each", status(got["nested"]), status(got["absolute"]))
		}
		raw, _ := json.Marshal(got["write"]["body"])
		if !strings.Contains(string(raw), "Authorization_RequestDenied") {
			t.Errorf("refused inner request: %s", raw)
		}
		anon := newAPI(t, env, "")
		anon.do(http.MethodPost, "/v1.0/$batch", many(1)).wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")
	})
}
