package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// send makes one request and returns the answer with its body.
func send(t *testing.T, method, u, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// logLinesWith are the JSON log lines whose request_id is id.
func logLinesWith(t *testing.T, logs, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["request_id"] == id {
			out = append(out, rec)
		}
	}
	return out
}

// A failing request's answer, its error body and its log lines carry one
// request id: the client's client-request-id when it is a GUID, else a new
// one, with the client's value echoed either way. The id does not depend on
// the database, so SQLite serves.
func TestRequestIDInAnswerBodyAndLogs(t *testing.T) {
	env := testenv.New(t, storetest.Backends()[0])
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"wrong"}}.Encode()
	formHdr := func(crid string) map[string]string {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		if crid != "" {
			h["client-request-id"] = crid
		}
		return h
	}

	t.Run("OAuth error with the client's GUID", func(t *testing.T) {
		crid := "6F2A4C1E-0B7D-4E55-9A3C-2D8E1F0A9B7C"
		resp, body := send(t, "POST", env.URL+"/oauth/token", form, formHdr(crid))
		id := resp.Header.Get("request-id")
		if id != strings.ToLower(crid) || resp.Header.Get("client-request-id") != crid {
			t.Fatalf("request-id %q, client-request-id %q; want the client's GUID", id, resp.Header.Get("client-request-id"))
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode < 400 {
			t.Fatalf("token answer %d %s", resp.StatusCode, body)
		}
		if e["error"] != "invalid_client" || e["trace_id"] != id || e["correlation_id"] != id {
			t.Fatalf("error body %s lacks the request id %s", body, id)
		}
		lines := logLinesWith(t, env.Logs(), id)
		if len(lines) == 0 {
			t.Fatalf("no log line carries request_id %s:\n%s", id, env.Logs())
		}
	})

	t.Run("a client id that is no GUID is echoed, not used", func(t *testing.T) {
		resp, body := send(t, "POST", env.URL+"/oauth/token", form, formHdr("my-trace-42"))
		id := resp.Header.Get("request-id")
		if !guid.MatchString(id) || resp.Header.Get("client-request-id") != "my-trace-42" {
			t.Fatalf("request-id %q, client-request-id %q", id, resp.Header.Get("client-request-id"))
		}
		if !strings.Contains(body, id) || len(logLinesWith(t, env.Logs(), id)) == 0 {
			t.Fatalf("body %s or logs lack %s", body, id)
		}
		// One that could forge a log line or a header is not echoed.
		resp, _ = send(t, "GET", env.URL+"/healthz", "", map[string]string{"client-request-id": "a b"})
		if resp.Header.Get("client-request-id") != "" || !guid.MatchString(resp.Header.Get("request-id")) {
			t.Fatalf("headers %v", resp.Header)
		}
	})

	t.Run("Graph error", func(t *testing.T) {
		resp, body := send(t, "GET", env.URL+"/v1.0/users", "", map[string]string{"Authorization": "Bearer nonsense"})
		id := resp.Header.Get("request-id")
		var e struct {
			Error struct {
				Code       string
				InnerError map[string]string `json:"innerError"`
			}
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("graph answer %d %s", resp.StatusCode, body)
		}
		if !guid.MatchString(id) || e.Error.InnerError["request-id"] != id || e.Error.InnerError["client-request-id"] == "" || e.Error.InnerError["date"] == "" {
			t.Fatalf("request-id %q, innerError %v", id, e.Error.InnerError)
		}
		if len(logLinesWith(t, env.Logs(), id)) == 0 {
			t.Fatalf("no log line carries request_id %s", id)
		}
	})

	t.Run("HTML error page", func(t *testing.T) {
		resp, body := send(t, "POST", env.URL+"/login/tap", url.Values{"username": {"nobody@example.com"}, "pass": {"wrong"}}.Encode(),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		id := resp.Header.Get("request-id")
		if resp.StatusCode < 400 || !guid.MatchString(id) || !strings.Contains(body, "Request id: "+id) {
			t.Fatalf("sign-in error page %d (request-id %q) does not show it:\n%s", resp.StatusCode, id, body)
		}
		lines := logLinesWith(t, env.Logs(), id)
		if len(lines) == 0 {
			t.Fatalf("no log line carries request_id %s", id)
		}
		// The sign-in log entry carries it as its correlation id.
		signIns, _, err := env.Store.ListSignIns(context.Background(), store.ListOptions{})
		if err != nil || len(signIns) == 0 || signIns[0].CorrelationID != id {
			t.Errorf("sign-in log %+v (%v): want correlation id %s", signIns, err, id)
		}
		ok := false
		for _, l := range lines {
			ok = ok || l["msg"] == "http request"
		}
		if !ok {
			t.Errorf("the access log line lacks request_id %s: %v", id, lines)
		}
	})

	t.Run("success shows no id in the page", func(t *testing.T) {
		resp, body := send(t, "GET", env.URL+"/login", "", nil)
		if resp.StatusCode != http.StatusOK || !guid.MatchString(resp.Header.Get("request-id")) || strings.Contains(body, "Request id:") {
			t.Fatalf("sign-in page %d, request-id %q", resp.StatusCode, resp.Header.Get("request-id"))
		}
	})
}
