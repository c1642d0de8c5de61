package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// eachBackend runs fn against a fresh firstkey on every database, in parallel.
func eachBackend(t *testing.T, fn func(t *testing.T, env *testenv.Env)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, testenv.New(t, b))
		})
	}
}

// client calls the SCIM endpoint with one bearer token.
type client struct {
	t     *testing.T
	env   *testenv.Env
	token string
	// contentType is sent with bodies; provisioning clients send application/scim+json.
	contentType string
}

// provisioner registers an application holding Provisioning.ReadWrite.All and
// calls as it with a provisioning token, as Entra ID and Okta are set up.
func provisioner(t *testing.T, env *testenv.Env) (*client, domain.Application) {
	t.Helper()
	id, _ := env.CreateApp(t, domain.PermProvisioningReadWriteAll)
	app, token, err := env.Dir.IssueProvisioningToken(context.Background(), domain.SystemActor(), id)
	if err != nil {
		t.Fatalf("issue provisioning token: %v", err)
	}
	return &client{t: t, env: env, token: token, contentType: "application/scim+json"}, app
}

// resp is a SCIM response; JSON is the body decoded as an object.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

func (c *client) do(method, path string, body any, headers ...string) resp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = c.env.URL + "/scim/v2" + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if body != nil && c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			c.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			c.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return r
}

func (c *client) get(path string) resp { c.t.Helper(); return c.do(http.MethodGet, path, nil) }

// list GETs a list with a filter, which is encoded here.
func (c *client) list(endpoint, filter string, more ...string) resp {
	c.t.Helper()
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	for i := 0; i+1 < len(more); i += 2 {
		q.Set(more[i], more[i+1])
	}
	return c.get(endpoint + "?" + q.Encode())
}

// must checks the status and returns the response.
func (r resp) must(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// wantError checks RFC 7644 §3.12's error shape: the status (as a string in
// the body too), the scimType when one is wanted, and fragments of the detail.
func (r resp) wantError(t *testing.T, status int, scimType string, detailParts ...string) {
	t.Helper()
	r.must(t, status)
	schemas, _ := r.JSON["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("error schemas %v", r.JSON["schemas"])
	}
	if r.JSON["status"] != fmt.Sprint(status) {
		t.Errorf("error status %#v, want the string %q", r.JSON["status"], fmt.Sprint(status))
	}
	if got, _ := r.JSON["scimType"].(string); got != scimType {
		t.Errorf("scimType %q, want %q (detail %q)", got, scimType, r.JSON["detail"])
	}
	detail, _ := r.JSON["detail"].(string)
	for _, p := range detailParts {
		if !strings.Contains(detail, p) {
			t.Errorf("detail %q does not contain %q", detail, p)
		}
	}
}

func (r resp) str(path string) string {
	v, _ := r.at(path).(string)
	return v
}

// at follows a dotted path through objects; a number picks a list element.
func (r resp) at(path string) any {
	var cur any = r.JSON
	for _, seg := range splitPath(path) {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			var i int
			if _, err := fmt.Sscan(seg, &i); err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// splitPath splits on dots outside a schema URN (kept whole up to its last
// colon segment).
func splitPath(p string) []string {
	if strings.HasPrefix(p, "urn:") {
		// urn:…:User.attr: the URN ends at the first dot after the last colon.
		last := strings.LastIndex(p, ":")
		dot := strings.Index(p[last:], ".")
		if dot < 0 {
			return []string{p}
		}
		return append([]string{p[:last+dot]}, strings.Split(p[last+dot+1:], ".")...)
	}
	return strings.Split(p, ".")
}

func (r resp) resources(t *testing.T) []map[string]any {
	t.Helper()
	list, ok := r.JSON["Resources"].([]any)
	if !ok {
		t.Fatalf("no Resources: %s", r.Raw)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

// total checks a ListResponse's totalResults.
func (r resp) total(t *testing.T, want int) {
	t.Helper()
	if n, _ := r.JSON["totalResults"].(float64); int(n) != want {
		t.Fatalf("totalResults %v, want %d: %s", r.JSON["totalResults"], want, r.Raw)
	}
	if s, _ := r.JSON["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
		t.Errorf("list schemas %v", r.JSON["schemas"])
	}
}

const (
	enterprise  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	firstkeyExt = "urn:ietf:params:scim:schemas:extension:firstkey:2.0:User"
	patchOp     = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	coreUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	coreGroup   = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// ops builds a PatchOp body.
func ops(operations ...map[string]any) map[string]any {
	list := make([]any, len(operations))
	for i, o := range operations {
		list[i] = o
	}
	return map[string]any{"schemas": []string{patchOp}, "Operations": list}
}

func op(name, path string, value any) map[string]any {
	m := map[string]any{"op": name}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}
