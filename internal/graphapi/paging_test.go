package graphapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestKeysetPagingUnderChurn walks /v1.0/users page by page, in several orders,
// while other clients create and delete users as fast as the server lets them.
// Every user that existed for the whole walk is seen exactly once, no user is
// seen twice, and no request of anyone fails with a 5xx: pages continue after
// the last row's key, not at an offset that insertions and deletions move.
func TestKeysetPagingUnderChurn(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		id, sec := env.CreateApp(t, domain.PermUserReadWriteAll)
		token := env.ClientCredentialsToken(t, id, sec)
		a := newAPI(t, env, token)

		stable := map[string]bool{}
		for i := range 60 {
			// Display names interleave with the churners' (a…, m…, z…), so that
			// rows appear and vanish before and after every page's position.
			u := env.CreateUser(t, fmt.Sprintf("stable%02d@example.com", i))
			stable[u.ID] = true
			a.do(http.MethodPatch, "/v1.0/users/"+u.ID, map[string]any{"displayName": fmt.Sprintf("%c stable %02d", "amz"[i%3], i)}).
				must(t, http.StatusNoContent)
		}
		var doomed []string
		for i := range 30 {
			doomed = append(doomed, env.CreateUser(t, fmt.Sprintf("doomed%02d@example.com", i)).ID)
		}

		var (
			stop      = make(chan struct{})
			wg        sync.WaitGroup
			churnOps  atomic.Int64
			failures  = make(chan string, 100)
			doomedIdx atomic.Int64
		)
		fail := func(format string, args ...any) {
			select {
			case failures <- fmt.Sprintf(format, args...):
			default:
			}
		}
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					upn := fmt.Sprintf("churn%d-%d@example.com", w, n)
					status, body := rawCall(env, token, http.MethodPost, "/v1.0/users", map[string]any{
						"displayName": fmt.Sprintf("%c churn %d %d", "bmy"[n%3], w, n), "userPrincipalName": upn,
						"accountEnabled": true, "mailNickname": "churn",
					})
					if status != http.StatusCreated {
						fail("create %s: %d %s", upn, status, body)
						return
					}
					var created struct{ ID string }
					_ = json.Unmarshal(body, &created)
					if n%2 == 0 { // half stay, half go again
						if status, body := rawCall(env, token, http.MethodDelete, "/v1.0/users/"+created.ID, nil); status != http.StatusNoContent {
							fail("delete %s: %d %s", created.ID, status, body)
						}
					}
					if i := doomedIdx.Add(1) - 1; i < int64(len(doomed)) {
						if status, body := rawCall(env, token, http.MethodDelete, "/v1.0/users/"+doomed[i], nil); status != http.StatusNoContent {
							fail("delete doomed %s: %d %s", doomed[i], status, body)
						}
					}
					churnOps.Add(1)
				}
			}()
		}

		walks := []string{
			"$top=7",
			"$top=5&$orderby=displayName%20desc&$count=true",
			"$top=4&$orderby=createdDateTime&$select=id,displayName",
			"$top=6&$filter=" + url.QueryEscape("startswith(userPrincipalName,'stable') or startswith(userPrincipalName,'churn')") + "&$orderby=displayName",
		}
		for _, q := range walks {
			seen := map[string]int{}
			next, pages := "/v1.0/users?"+q, 0
			for next != "" {
				r := a.get(next)
				if r.Status != http.StatusOK {
					t.Fatalf("walk %s, page %d: status %d: %s", q, pages, r.Status, r.Raw)
				}
				for _, v := range r.values(t) {
					seen[v["id"].(string)]++
				}
				next = r.str("@odata.nextLink")
				pages++
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("walk %s: user %s seen %d times", q, id, n)
				}
			}
			for id := range stable {
				if seen[id] != 1 {
					t.Errorf("walk %s: stable user %s seen %d times in %d pages", q, id, seen[id], pages)
				}
			}
		}
		close(stop)
		wg.Wait()
		close(failures)
		for f := range failures {
			t.Error(f)
		}
		if churnOps.Load() < 3 {
			t.Errorf("only %d changes happened during the walks: the test did not test churn", churnOps.Load())
		}
		t.Logf("%d creates (and deletes) during %d walks", churnOps.Load(), len(walks))
	})
}

// rawCall is an API call safe to make from any goroutine: it reports instead of
// failing the test.
func rawCall(env *testenv.Env, token, method, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, []byte(err.Error())
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	if err != nil {
		return 0, []byte(err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestSkipTokenRefused: a $skiptoken that was changed, cut, made for another
// $orderby, or forged with values that do not fit the order is a 400 naming
// $skiptoken, never a 5xx and never a page from somewhere else.
func TestSkipTokenRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermUserReadAll, domain.PermGroupReadAll, domain.PermAuditLogReadAll))
		for i := range 5 {
			env.CreateUser(t, fmt.Sprintf("user%d@example.com", i))
		}
		first := a.get("/v1.0/users?$top=2").must(t, http.StatusOK)
		next, err := url.Parse(first.str("@odata.nextLink"))
		if err != nil || next.Query().Get("$skiptoken") == "" {
			t.Fatalf("no nextLink with a $skiptoken: %s", first.Raw)
		}
		tok := next.Query().Get("$skiptoken")
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		flipped := append([]byte(nil), raw...)
		flipped[len(flipped)/2] ^= 0x20
		// A forged token: the right shape and check, the wrong values. The check is
		// not secret (SHA-256 over the position and the order), so the store's own
		// check of the values must hold.
		forged := odata.EncodeSkipToken([]byte(`[1,2,3]`), nil)
		for _, bad := range []string{
			"forged",
			tok[:len(tok)-2],
			base64.RawURLEncoding.EncodeToString(flipped),
			"AQAAAAAAAAAyhqd6Bw", // an offset token from an older firstkey
		} {
			a.get("/v1.0/users?$top=2&$skiptoken="+url.QueryEscape(bad)).
				wantError(t, http.StatusBadRequest, "Request_BadRequest", "$skiptoken")
		}
		// The token of the default order, carried to another $orderby.
		a.get("/v1.0/users?$top=2&$orderby=displayName&$skiptoken="+url.QueryEscape(tok)).
			wantError(t, http.StatusBadRequest, "Request_BadRequest", "$skiptoken")
		a.get("/v1.0/users?$top=2&$skiptoken="+url.QueryEscape(forged)).
			wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "$skiptoken")
		for _, list := range []string{"/v1.0/groups", "/v1.0/auditLogs/signIns", "/v1.0/auditLogs/directoryAudits"} {
			a.get(list+"?$skiptoken="+url.QueryEscape(forged)).
				wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery", "$skiptoken")
		}
		// The genuine token still works, with $count of the whole list.
		r := a.get("/v1.0/users?$top=2&$count=true&$skiptoken="+url.QueryEscape(tok)).must(t, http.StatusOK)
		if r.JSON["@odata.count"] != float64(5) || len(r.values(t)) != 2 {
			t.Errorf("second page: %s", r.Raw)
		}
		if strings.Contains(string(first.Raw), `"value":[]`) {
			t.Errorf("empty first page: %s", first.Raw)
		}
	})
}
