package console_test

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// The console over plain HTTP: what a browser without script, or a forger,
// gets. The journeys in a real browser are in internal/browsertest.

func eachBackend(t *testing.T, fn func(t *testing.T, env *testenv.Env)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t, b)
			env.EnablePassPolicy(t)
			fn(t, env)
		})
	}
}

// client is a browser signed in as u with a session of the given methods.
type client struct {
	t     *testing.T
	env   *testenv.Env
	token string
	csrf  string
	extra []*http.Cookie
}

func signedIn(t *testing.T, env *testenv.Env, u domain.User, amr ...string) *client {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := env.Clock.Now()
	err := env.Store.CreateSession(t.Context(), domain.Session{IDHash: secret.LookupHash(token), UserID: u.ID, AMR: amr,
		CreatedDateTime: now, LastSeenDateTime: now, ExpiresDateTime: now.Add(8 * time.Hour), AuthTime: now})
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, env: env, token: token}
}

type answer struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
	Cookies  []*http.Cookie
}

func (c *client) do(method, path string, form url.Values, hdr map[string]string) answer {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.env.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.token})
	}
	for _, ck := range c.extra {
		req.AddCookie(ck)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header, Cookies: resp.Cookies()}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) get(path string) answer { c.t.Helper(); return c.do(http.MethodGet, path, nil, nil) }

// post sends a form with the CSRF token of the console's start page.
func (c *client) post(path string, form url.Values) answer {
	c.t.Helper()
	if c.csrf == "" {
		m := csrfField.FindStringSubmatch(c.get("/admin").Body)
		if m == nil {
			c.t.Fatal("no CSRF token on /admin")
		}
		c.csrf = m[1]
	}
	form.Set("csrf", c.csrf)
	return c.do(http.MethodPost, path, form, nil)
}

func TestSignedOutIsSentToSignInAndBack(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		anon := &client{t: t, env: env}
		if a := anon.get("/admin/people?q=ada"); a.Status != http.StatusSeeOther || a.Location != "/login?next=%2Fadmin%2Fpeople%3Fq%3Dada" {
			t.Errorf("GET signed out: %d %s", a.Status, a.Location)
		}
		if a := anon.get("/admin/no-such-page"); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Location, "/login?") {
			t.Errorf("an unknown console page signed out: %d %s", a.Status, a.Location)
		}
		if a := anon.do(http.MethodPost, "/admin/people/new", url.Values{"upn": {"x@example.com"}}, nil); a.Status != http.StatusSeeOther || a.Location != "/login?next=%2Fadmin" {
			t.Errorf("POST signed out: %d %s", a.Status, a.Location)
		}
		// A session that ended: its cookie is cleared and the person told.
		gone := &client{t: t, env: env, token: "ended-session"}
		if a := gone.get("/admin"); a.Status != http.StatusSeeOther || !strings.Contains(a.Location, "m=ended") {
			t.Errorf("an ended session: %d %s", a.Status, a.Location)
		}
	})
}

func TestFormsNeedTheSessionsTokenAndThisOrigin(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		other := signedIn(t, env, env.CreateUser(t, "gina@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		ada := env.CreateUser(t, "ada@example.com")
		path := "/admin/people/" + ada.ID + "/disable"

		a := ga.do(http.MethodPost, path, url.Values{}, nil)
		if a.Status != http.StatusForbidden || !strings.Contains(a.Body, "did not come from the console") {
			t.Errorf("no token: %d", a.Status)
		}
		other.post("/admin", url.Values{}) // fetches other's token
		a = ga.do(http.MethodPost, path, url.Values{"csrf": {other.csrf}}, nil)
		if a.Status != http.StatusForbidden {
			t.Errorf("another session's token: %d", a.Status)
		}
		ga.post("/admin", url.Values{})
		a = ga.do(http.MethodPost, path, url.Values{"csrf": {ga.csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if a.Status != http.StatusForbidden || !strings.Contains(a.Body, "another website") {
			t.Errorf("cross-origin: %d", a.Status)
		}
		if u, _ := env.Dir.ResolveUser(t.Context(), ada.ID); !u.AccountEnabled {
			t.Fatal("a refused form disabled Ada")
		}
		a = ga.post(path, url.Values{})
		if a.Status != http.StatusSeeOther || a.Location != "/admin/people/"+ada.ID {
			t.Fatalf("the right token: %d %s", a.Status, a.Location)
		}
		if u, _ := env.Dir.ResolveUser(t.Context(), ada.ID); u.AccountEnabled {
			t.Error("Ada is still enabled")
		}
		// The confirmation is shown once, to this session only.
		var flash *http.Cookie
		for _, c := range a.Cookies {
			if c.Value != "" {
				flash = c
			}
		}
		if flash == nil {
			t.Fatal("no confirmation")
		}
		other.extra = []*http.Cookie{flash}
		if b := other.get("/admin/people/" + ada.ID).Body; strings.Contains(b, "was disabled") {
			t.Error("another session showed this session's confirmation")
		}
		ga.extra = []*http.Cookie{flash}
		if b := ga.get("/admin/people/" + ada.ID).Body; !strings.Contains(b, "ada was disabled") {
			t.Error("the confirmation was not shown")
		}
	})
}

func TestPagesCarryStrictHeaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		for _, path := range []string{"/admin", "/admin/people", "/admin/no-such-page"} {
			a := ga.get(path)
			csp := a.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || a.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: CSP %q, Cache-Control %q", path, csp, a.Header.Get("Cache-Control"))
			}
			if strings.Contains(a.Body, "<script>") || strings.Contains(a.Body, " style=") || strings.Contains(a.Body, "http://") && strings.Contains(a.Body, "src=\"http") {
				t.Errorf("%s has inline script or style, or loads from elsewhere", path)
			}
		}
		if a := ga.get("/admin/no-such-page"); a.Status != http.StatusNotFound {
			t.Errorf("an unknown console page: %d", a.Status)
		}
		if a := ga.get("/admin/static/console.css"); a.Status != http.StatusOK || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/css") {
			t.Errorf("console.css: %d %s", a.Status, a.Header.Get("Content-Type"))
		}
		if a := ga.get("/admin/static/"); a.Status != http.StatusNotFound {
			t.Errorf("the static folder lists: %d", a.Status)
		}
	})
}

// A new pass is shown once, to the session that created it, and never again.
func TestNewPassIsShownOnceToItsSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		other := signedIn(t, env, env.CreateUser(t, "gina@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		ada := env.CreateUser(t, "ada@example.com")
		a := ga.post("/admin/people/"+ada.ID+"/pass/new", url.Values{"start": {"now"}, "lifetime": {"60"}, "once": {"1"}})
		shown := "/admin/people/" + ada.ID + "/pass/shown"
		if a.Status != http.StatusSeeOther || a.Location != shown {
			t.Fatalf("create: %d %s", a.Status, a.Location)
		}
		if strings.Contains(a.Location, "pass=") || len(a.Cookies) != 1 || a.Cookies[0].HttpOnly != true || a.Cookies[0].Path != shown {
			t.Fatalf("the pass travels as %+v", a.Cookies)
		}
		stash := a.Cookies[0]
		other.extra = []*http.Cookie{stash}
		if b := other.get(shown); b.Status != http.StatusGone || strings.Contains(b.Body, `id="pass-code"`) {
			t.Errorf("another session read the pass: %d", b.Status)
		}
		ga.extra = []*http.Cookie{stash}
		b := ga.get(shown)
		code := regexp.MustCompile(`data-value="([^"]+)"`).FindStringSubmatch(b.Body)
		if b.Status != http.StatusOK || code == nil {
			t.Fatalf("the pass page: %d", b.Status)
		}
		if _, err := env.Dir.SignInWithPass(t.Context(), directoryAttempt(ada.UserPrincipalName), code[1]); err != nil {
			t.Errorf("the pass shown does not sign in: %v", err)
		}
		// The answer clears the stash; a replay of the old cookie is refused
		// by the browser's jar, and the page without it shows nothing.
		ga.extra = nil
		if b := ga.get(shown); b.Status != http.StatusGone || strings.Contains(b.Body, code[1]) {
			t.Errorf("a reload: %d", b.Status)
		}
		if strings.Contains(env.Logs(), code[1]) {
			t.Error("the pass is in the log")
		}
	})
}

// A session from a pass is asked for a passkey; a person without a role is refused.
func TestOnlyPasskeySessionsOfRoleHolders(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		viaPass := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRTap, domain.AMRMFA)
		if a := viaPass.get("/admin/people"); a.Status != http.StatusForbidden || !strings.Contains(a.Body, `id="need-passkey"`) {
			t.Errorf("a pass session: %d", a.Status)
		}
		nobody := signedIn(t, env, env.CreateUser(t, "nora@example.com"), domain.AMRHwk, domain.AMRMFA)
		if a := nobody.get("/admin"); a.Status != http.StatusForbidden || !strings.Contains(a.Body, `id="no-role"`) {
			t.Errorf("no role: %d", a.Status)
		}
		// A role taken away counts at the next request.
		ua := env.CreateUser(t, "ua@example.com", domain.RoleUserAdministrator)
		c := signedIn(t, env, ua, domain.AMRHwk, domain.AMRMFA)
		if a := c.get("/admin/people/new"); a.Status != http.StatusOK {
			t.Fatalf("a User Administrator's new-person form: %d", a.Status)
		}
		if err := env.Dir.RemoveRole(t.Context(), domain.SystemActor(), ua.ID, domain.RoleUserAdministrator); err != nil {
			t.Fatal(err)
		}
		if a := c.get("/admin/people/new"); a.Status != http.StatusForbidden {
			t.Errorf("after the role was taken: %d", a.Status)
		}
	})
}

func directoryAttempt(upn string) directory.Attempt {
	return directory.Attempt{UserPrincipalName: upn, IPAddress: "198.51.100.7"}
}

func TestPeopleSearchAndPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		rr := signedIn(t, env, env.CreateUser(t, "reader@example.com", domain.RoleReportsReader), domain.AMRHwk, domain.AMRMFA)
		for i := 0; i < 30; i++ {
			env.CreateUser(t, "person"+itoa(100+i)+"@example.com")
		}
		if _, err := env.Dir.UpdateUser(t.Context(), domain.SystemActor(), "person101@example.com", func(u *domain.User) error {
			u.Mail, u.DisplayName = "Tea.Maker@Example.org", "Brewer"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rows := regexp.MustCompile(`<tr>\s*<td>`)
		first := rr.get("/admin/people")
		if n := len(rows.FindAllString(first.Body, -1)); n != 25 || !strings.Contains(first.Body, "1–25 of 31") || !strings.Contains(first.Body, `href="/admin/people?page=2"`) {
			t.Errorf("page 1: %d rows", n)
		}
		second := rr.get("/admin/people?page=2")
		if n := len(rows.FindAllString(second.Body, -1)); n != 6 || !strings.Contains(second.Body, "26–31 of 31") {
			t.Errorf("page 2: %d rows", n)
		}
		// By mail, ignoring case; by display name; the query stays in the box.
		byMail := rr.get("/admin/people?q=TEA.MAKER")
		if !strings.Contains(byMail.Body, "person101@example.com") || len(rows.FindAllString(byMail.Body, -1)) != 1 || !strings.Contains(byMail.Body, `value="TEA.MAKER"`) {
			t.Errorf("search by mail: %s", byMail.Body[:min(400, len(byMail.Body))])
		}
		if b := rr.get("/admin/people?q=brew").Body; !strings.Contains(b, "person101@example.com") {
			t.Error("search by display name found nothing")
		}
		// What LIKE treats specially is searched as itself.
		if b := rr.get("/admin/people?q=%25").Body; !strings.Contains(b, "Nobody matches") {
			t.Error("a search for % matched people")
		}
		if b := rr.get("/admin/people?q=" + url.QueryEscape(`<script>x</script>`)).Body; strings.Contains(b, "<script>x") {
			t.Error("the query is not escaped")
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// An administrator deletes a person's pass and passkey from their page.
func TestDeleteAPersonsMethods(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx, sys := t.Context(), domain.SystemActor()
		aa := signedIn(t, env, env.CreateUser(t, "aa@example.com", domain.RoleAuthenticationAdministrator), domain.AMRHwk, domain.AMRMFA)
		ada := env.CreateUser(t, "ada@example.com")
		env.IssuePass(t, ada.ID, false)
		key := domain.Passkey{ID: "6f1c1d8e-3b7a-4c1e-9a52-1d2f3e4a5b6c", UserID: ada.ID, CredentialID: []byte("cred-1"),
			PublicKey: []byte{1}, DisplayName: "Ada's laptop", CreatedDateTime: env.Clock.Now(), Transports: []string{}}
		if err := env.Store.CreatePasskey(ctx, key); err != nil {
			t.Fatal(err)
		}
		page := aa.get("/admin/people/" + ada.ID).Body
		if !strings.Contains(page, "Ada&#39;s laptop") || !strings.Contains(page, "Multi-use pass") || !strings.Contains(page, "Usable now") {
			t.Fatal("the person's page does not show the pass and the passkey")
		}
		passes, _ := env.Dir.ListPasses(ctx, sys, ada.ID)
		if a := aa.post("/admin/people/"+ada.ID+"/pass/"+passes[0].ID+"/delete", url.Values{}); a.Status != http.StatusSeeOther {
			t.Fatalf("delete pass: %d", a.Status)
		}
		if a := aa.post("/admin/people/"+ada.ID+"/passkeys/"+key.ID+"/delete", url.Values{}); a.Status != http.StatusSeeOther {
			t.Fatalf("delete passkey: %d", a.Status)
		}
		if ps, _ := env.Dir.ListPasses(ctx, sys, ada.ID); len(ps) != 0 {
			t.Error("the pass is still there")
		}
		if ks, _ := env.Dir.ListPasskeys(ctx, sys, ada.ID); len(ks) != 0 {
			t.Error("the passkey is still there")
		}
		// A passkey of someone else, named under Ada's address, is not found.
		if a := aa.post("/admin/people/"+ada.ID+"/passkeys/"+key.ID+"/delete", url.Values{}); a.Status != http.StatusNotFound {
			t.Errorf("delete a passkey that is gone: %d", a.Status)
		}
	})
}

// Sign out everywhere: the person's browsers and applications' tokens.
func TestSignOutEverywhere(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		ua := signedIn(t, env, env.CreateUser(t, "ua@example.com", domain.RoleUserAdministrator), domain.AMRHwk, domain.AMRMFA)
		ada := env.CreateUser(t, "ada@example.com")
		adaBrowser := signedIn(t, env, ada, domain.AMRHwk, domain.AMRMFA)
		app, _, err := env.Dir.CreateApplication(ctx, domain.SystemActor(), domain.Application{DisplayName: "Payroll", RedirectURIs: []string{"https://payroll.example.com/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		now := env.Clock.Now()
		grant := domain.Grant{ID: "5b0c7d3e-0000-4000-8000-000000000002", ClientID: app.ClientID, UserID: ada.ID, CreatedDateTime: now, ExpiresDateTime: now.Add(time.Hour)}
		if err := env.Store.CreateGrant(ctx, grant); err != nil {
			t.Fatal(err)
		}
		page := ua.get("/admin/people/" + ada.ID).Body
		if !strings.Contains(page, `id="session-list"`) || !strings.Contains(page, "Payroll") {
			t.Fatal("the person's page does not list the browser session and the application")
		}
		if a := ua.post("/admin/people/"+ada.ID+"/sessions/revoke", url.Values{}); a.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", a.Status)
		}
		if a := adaBrowser.get("/mysecurityinfo"); a.Status != http.StatusSeeOther || !strings.Contains(a.Location, "/login") {
			t.Errorf("Ada's next request: %d %s", a.Status, a.Location)
		}
		if g, _ := env.Store.GetGrant(ctx, grant.ID); g.Active(env.Clock.Now()) {
			t.Error("the application's tokens still work")
		}
		if page := ua.get("/admin/people/" + ada.ID).Body; strings.Contains(page, `id="session-list"`) || !strings.Contains(page, `id="no-apps"`) {
			t.Error("the page still lists sessions or applications")
		}
	})
}

// A pass for a new joiner's first morning: a delayed start, and the refusals of
// the form in words.
func TestPassWithALaterStart(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		ga := signedIn(t, env, env.CreateUser(t, "grace@example.com", domain.RoleGlobalAdministrator), domain.AMRHwk, domain.AMRMFA)
		ada := env.CreateUser(t, "ada@example.com")
		path := "/admin/people/" + ada.ID + "/pass/new"
		start := env.Clock.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)

		past := env.Clock.Now().UTC().Add(-48 * time.Hour).Format("2006-01-02T15:04")
		for _, c := range []struct {
			form url.Values
			says string
		}{
			{url.Values{"start": {"later"}, "startAt": {past}, "lifetime": {"60"}}, "The start time is in the past"},
			{url.Values{"start": {"later"}, "startAt": {"soon"}, "lifetime": {"60"}}, "Choose the date and time the pass starts"},
			{url.Values{"start": {"now"}, "lifetime": {"an hour"}}, "Write the lifetime as a number of minutes, between 60 and 480"},
			{url.Values{"start": {"now"}, "lifetime": {"5"}}, "between 60 and 480 minutes"},
		} {
			a := ga.post(path, c.form)
			if a.Status != http.StatusBadRequest || !strings.Contains(a.Body, c.says) || !strings.Contains(a.Body, `id="pass-form"`) {
				t.Errorf("%v: %d, want the form again saying %q", c.form, a.Status, c.says)
			}
		}
		if ps, _ := env.Dir.ListPasses(ctx, domain.SystemActor(), ada.ID); len(ps) != 0 {
			t.Fatal("a refused form issued a pass")
		}

		a := ga.post(path, url.Values{"start": {"later"}, "startAt": {start.Format("2006-01-02T15:04")}, "lifetime": {"480"}})
		if a.Status != http.StatusSeeOther {
			t.Fatalf("a pass starting later: %d", a.Status)
		}
		ga.extra = a.Cookies
		b := ga.get(a.Location).Body
		if !strings.Contains(b, start.Format("2 Jan 2006, 15:04 UTC")) || !strings.Contains(b, "Not valid yet") {
			t.Errorf("the pass page does not show the later start")
		}
		ps, _ := env.Dir.ListPasses(ctx, domain.SystemActor(), ada.ID)
		if len(ps) != 1 || !ps[0].StartDateTime.Equal(start) || ps[0].LifetimeInMinutes != 480 || ps[0].IsUsableOnce {
			t.Errorf("the pass stored: %+v", ps)
		}
	})
}
