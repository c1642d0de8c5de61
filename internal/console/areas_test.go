package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// upload posts a file to the bulk page as the browser's form does.
func (c *client) upload(name, content string) answer {
	c.t.Helper()
	if c.csrf == "" {
		m := csrfField.FindStringSubmatch(c.get("/admin").Body)
		if m == nil {
			c.t.Fatal("no CSRF token on /admin")
		}
		c.csrf = m[1]
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+"/admin/bulk", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.token})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

// A bulk upload is its uploader's: another Global Administrator cannot see
// its rows, follow it, run it or download its passes. A file that is not a
// bulk file is refused with the reason, and the report cannot be downloaded
// before the run has ended.
func TestBulkJobsAreTheirUploaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		other := signedIn(t, env, env.CreateUser(t, "gina@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)

		bad := ga.upload("people.csv", "displayName,mail\nAda,ada@example.com\n")
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "no userPrincipalName column") {
			t.Errorf("a file without userPrincipalName: %d", bad.Status)
		}
		got := ga.upload("joiners.csv", "userPrincipalName,displayName\nlin@example.com,Lin Chen\n")
		if got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/admin/bulk/") {
			t.Fatalf("upload: %d %s", got.Status, got.Location)
		}
		job := got.Location
		if a := ga.get(job + "/results.csv"); a.Status != http.StatusConflict {
			t.Errorf("the report before the run: %d, want 409", a.Status)
		}
		for _, path := range []string{job, job + "/status", job + "/results.csv"} {
			if a := other.get(path); a.Status != http.StatusNotFound {
				t.Errorf("another administrator's GET %s: %d, want 404", path, a.Status)
			}
		}
		if a := other.post(job+"/run", url.Values{}); a.Status != http.StatusNotFound {
			t.Errorf("another administrator's run: %d, want 404", a.Status)
		}
		if _, err := env.Dir.ResolveUser(t.Context(), "lin@example.com"); err == nil {
			t.Fatal("the check or another administrator created the user")
		}
		if a := ga.post(job+"/run", url.Values{}); a.Status != http.StatusSeeOther {
			t.Fatalf("run: %d", a.Status)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(ga.get(job+"/status").Body, `"state":"done"`) {
			if time.Now().After(deadline) {
				t.Fatal("the run did not end")
			}
			time.Sleep(50 * time.Millisecond)
		}
		first, second := ga.get(job+"/results.csv"), ga.get(job+"/results.csv")
		code := regexp.MustCompile(`lin@example.com,issued,true,[^,]+,([^,]+),`).FindStringSubmatch(first.Body)
		if code == nil || strings.Contains(second.Body, code[1]) || !strings.Contains(second.Body, "lin@example.com,issued,true") {
			t.Fatalf("first download:\n%s\nsecond:\n%s", first.Body, second.Body)
		}
		if strings.Contains(env.Logs(), code[1]) {
			t.Error("the pass is in the log")
		}
	})
}

// Saving a reviewed policy change is refused when the policy changed after the
// review, and nothing is saved.
func TestPolicySaveRefusedAfterAnotherChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		sys := domain.SystemActor()
		before, _ := env.Dir.GetTAPPolicy(t.Context(), sys)
		form := url.Values{"step": {"save"}, "reviewed": {before.LastModifiedDateTime.Add(-time.Second).Format(time.RFC3339Nano)},
			"state": {"enabled"}, "minimumLifetimeInMinutes": {"60"}, "maximumLifetimeInMinutes": {"600"}, "defaultLifetimeInMinutes": {"60"},
			"defaultLength": {"8"}, "includeTargets": {"all_users"}}
		a := ga.post("/admin/policies/pass", form)
		if a.Status != http.StatusConflict || !strings.Contains(a.Body, "changed this policy after you reviewed") {
			t.Errorf("a stale save: %d", a.Status)
		}
		if now, _ := env.Dir.GetTAPPolicy(t.Context(), sys); now.MaximumLifetimeInMinutes != before.MaximumLifetimeInMinutes {
			t.Error("a stale save changed the policy")
		}
		form.Set("reviewed", before.LastModifiedDateTime.Format(time.RFC3339Nano))
		if a := ga.post("/admin/policies/pass", form); a.Status != http.StatusSeeOther {
			t.Errorf("the reviewed save: %d", a.Status)
		}
		if now, _ := env.Dir.GetTAPPolicy(t.Context(), sys); now.MaximumLifetimeInMinutes != 600 {
			t.Errorf("after saving: %+v", now)
		}
	})
}

// A new client secret's one-time address shows it once, to the administrator
// who made it.
func TestNewSecretShownOnceToItsMaker(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		other := signedIn(t, env, env.CreateUser(t, "gina@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		a := ga.post("/admin/applications/new", url.Values{"displayName": {"Payroll"}, "type": {"web"}})
		if a.Status != http.StatusSeeOther || !strings.Contains(a.Location, "/secret/") {
			t.Fatalf("register: %d %s", a.Status, a.Location)
		}
		if strings.Contains(a.Location, "secret-value") {
			t.Fatal("the secret is in the address")
		}
		if got := other.get(a.Location); strings.Contains(got.Body, `id="secret-value"`) {
			t.Error("another administrator saw the secret")
		}
		if got := ga.get(a.Location); !strings.Contains(got.Body, `id="secret-value"`) {
			t.Error("the maker did not see the secret (another administrator's look must not use it up)")
		}
		if got := ga.get(a.Location); strings.Contains(got.Body, `id="secret-value"`) || !strings.Contains(got.Body, `id="secret-gone"`) {
			t.Error("a reload showed the secret again")
		}
	})
}
