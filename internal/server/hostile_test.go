package server_test

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
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// A body the server cannot read — a chunked encoding that breaks off or lies
// about its sizes, or one far over the limit — is the client's fault on every
// endpoint that reads one: a 4xx in the endpoint's own format, never a 500, and
// nothing stored. No HTTP client library sends a broken chunked body, so the
// requests are written on raw connections.
func TestUnreadableBodiesAreClientErrors(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t, be)
			env.EnablePassPolicy(t)
			env.CreateUser(t, "ada@example.com")
			token := env.AppToken(t, domain.PermGroupReadWriteAll, domain.PermGroupReadAll)
			form := "application/x-www-form-urlencoded"
			endpoints := []struct {
				path, contentType, auth string
				format                  string // what the error body holds
			}{
				{"/v1.0/groups", "application/json", "Bearer " + token, `"innerError":{`},
				{"/oauth/token", form, "", `"error":"invalid_request"`},
				{"/oauth/revoke", form, "", `"error":"invalid_request"`},
				{"/oauth/introspect", form, "", `"error":"invalid_request"`},
				{"/oauth/devicecode", form, "", `"error":"invalid_request"`},
				{"/oauth/authorize", form, "", `"error":"invalid_request"`},
				{"/login/tap", form, "", `<form`},
				{"/webauthn/login/begin", "application/json", "", `"error":{"code":"badRequest"`},
			}
			chunked := map[string]string{
				"bad chunk size":   "zz\r\n{}\r\n0\r\n\r\n",
				"chunk overrun":    "4\r\na=b&c=d\r\n0\r\n\r\n",
				"missing CRLF":     "5\r\nabcde0\r\n\r\n",
				"chunk size > 63b": "ffffffffffffffffff\r\nx\r\n0\r\n\r\n",
			}
			for _, ep := range endpoints {
				head := "POST " + ep.path + " HTTP/1.1\r\nHost: firstkey\r\nContent-Type: " + ep.contentType + "\r\nConnection: close\r\n"
				if ep.auth != "" {
					head += "Authorization: " + ep.auth + "\r\n"
				}
				for name, body := range chunked {
					status, got := raw(t, env.URL, head+"Transfer-Encoding: chunked\r\n\r\n"+body)
					if status != http.StatusBadRequest || !strings.Contains(got, ep.format) {
						t.Errorf("%s, %s: %d %s, want 400 with %s", ep.path, name, status, got, ep.format)
					}
				}
				big := strings.Repeat("a", 2<<20)
				status, got := raw(t, env.URL, head+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(big))+big)
				if (status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge) || !strings.Contains(got, ep.format) {
					t.Errorf("%s, 2 MiB body: %d %s, want 400 or 413 with %s", ep.path, status, got, ep.format)
				}
			}

			// Paths that are not text find nothing, on every part of firstkey.
			for _, p := range []string{"/%00", "/oauth/%C0%AE", "/login/%FF", "/static/%00", "/mysecurityinfo/passkeys/%00/rename"} {
				res, err := http.Get(env.URL + p)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Errorf("GET %s: %d, want 4xx", p, res.StatusCode)
				}
			}

			groups, _, err := env.Store.ListGroups(t.Context(), store.ListOptions{})
			if err != nil || len(groups) != 0 {
				t.Errorf("groups after unreadable requests: %v (%v)", groups, err)
			}
			if strings.Contains(env.Logs(), `"status":500`) {
				t.Errorf("a request ended in 500")
			}
		})
	}
}

// raw writes req on a new connection to base and returns the answer's status
// and body (0 and the error when there is no answer).
func raw(t *testing.T, base, req string) (int, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _, _ = io.WriteString(conn, req) }() // the server may answer before reading it all
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
