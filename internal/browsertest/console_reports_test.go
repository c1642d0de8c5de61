package browsertest_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestConsoleReportsAndLogs: a Reports Reader watches onboarding. Pat signs in
// with a pass and registers a passkey in a browser of their own and shows as
// passwordless, on the reports page and in the API; Sam, whose display name is
// made to look like a spreadsheet formula, fails to sign in. The logs narrow
// with each filter, the CSV holds what the page shows (formulas defused), and
// the Reports Reader can change nothing.
func TestConsoleReportsAndLogs(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		pat := env.CreateUser(t, "pat@example.com")
		sam, err := env.Dir.CreateUser(ctx, domain.SystemActor(), domain.User{UserPrincipalName: "sam@example.com",
			DisplayName: "=SUM(1,2)", AccountEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
		// Pat: a pass, then a passkey, in a browser of their own.
		givePasskey(t, newTab(t), env, "pat@example.com")
		// Sam has no pass: a failed sign-in.
		env.SignInWithPass(t, testenv.Browser(t), "sam@example.com", "ABCD-EFGH", "")

		rita, ritaUser := consoleAdmin(t, env, "rita@example.com", domain.RoleReportsReader)

		// The nav offers the reports and the logs.
		open(t, rita, env, "/admin", ".console-nav")
		nav := text(t, rita, ".console-nav")
		if !strings.Contains(nav, "Reports") || !strings.Contains(nav, "Logs") {
			t.Errorf("a Reports Reader's nav: %q", nav)
		}

		// Reports: Pat (and Rita, who signed in to the console with a passkey)
		// are passwordless; Sam is not yet.
		open(t, rita, env, "/admin/reports", "#registration-table")
		if got := text(t, rita, "#kpi-passwordless"); got != "2" {
			t.Errorf("passwordless people: %q, want 2", got)
		}
		if got := text(t, rita, `#registration-table tr[data-upn="pat@example.com"] .passwordless`); got != "Yes" {
			t.Errorf("Pat's passwordless column says %q", got)
		}
		if got := text(t, rita, `#registration-table tr[data-upn="pat@example.com"]`); !strings.Contains(got, "Passkey") {
			t.Errorf("Pat's methods: %q", got)
		}
		if got := text(t, rita, `#registration-table tr[data-upn="sam@example.com"] .passwordless`); got != "Not yet" {
			t.Errorf("Sam's passwordless column says %q", got)
		}
		if got := text(t, rita, "#failure-table"); !strings.Contains(got, "Wrong pass") {
			t.Errorf("failures by reason: %q", got)
		}
		// A reason leads to its sign-ins in the log.
		do(t, rita, "open the failures of one reason", chromedp.Click(chromedp.CSS("#failure-table a")))
		waitJS(t, rita, "the log of that reason", `location.pathname === "/admin/logs/signins" && document.querySelector("#signin-log")`)
		if got := text(t, rita, "#signin-log tbody"); !strings.Contains(got, "sam@example.com") || strings.Contains(got, "pat@example.com") {
			t.Errorf("the log of wrong passes: %q", got)
		}
		if got, _ := chromedp.Run(rita, chromedp.Evaluate[string](`document.querySelector("#f-result").selectedOptions[0].textContent`)); !strings.Contains(got, "130503") {
			t.Errorf("the result filter shows %q", got)
		}
		open(t, rita, env, "/admin/reports", "#registration-table")
		// Each chart names itself for screen readers and has its numbers as a table.
		charts, _ := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart:not(.phone)[role=img] title + desc").length`))
		tables, _ := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll("details.chart-data table").length`))
		if charts != 3 || tables != 3 {
			t.Errorf("%d charts with a title and description, %d data tables; want 3 and 3", charts, tables)
		}
		do(t, rita, "show only people not yet passwordless",
			chromedp.SetValue(chromedp.CSS("#who"), "notyet"),
			chromedp.Click(chromedp.CSS("#registration-filter button[type=submit]")))
		waitJS(t, rita, "the filtered list", `location.search.includes("who=notyet") && document.querySelector('#registration-table tr[data-upn="sam@example.com"]')`)
		if n, _ := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll('#registration-table tr[data-upn="pat@example.com"]').length`)); n != 0 {
			t.Error("Pat is listed among people not yet passwordless")
		}
		if shots(t) {
			open(t, rita, env, "/admin/reports", "#registration-table")
			consoleShots(t, rita, "reports")
		}

		// The API says the same, to the Reports Reader's own token.
		details := graphGet(t, env, env.UserToken(t, ritaUser.ID),
			"/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter="+url.QueryEscape("userPrincipalName eq 'pat@example.com'"))
		if v, _ := details["value"].([]any); len(v) != 1 || v[0].(map[string]any)["isPasswordlessCapable"] != true {
			t.Errorf("the API on Pat: %v", details)
		}

		// Sign-in log: every filter narrows the rows.
		rows := func() int {
			n, _ := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll("#signin-log tbody tr").length`))
			return n
		}
		open(t, rita, env, "/admin/logs/signins", "#signin-log")
		all := rows()
		if all < 4 {
			t.Fatalf("the sign-in log shows %d rows, want at least Pat's and Rita's pass and passkey sign-ins and Sam's failure", all)
		}
		if shots(t) {
			consoleShots(t, rita, "logs-signins")
		}
		open(t, rita, env, "/admin/logs/signins?user=sam", "#signin-log")
		if n := rows(); n != 1 || !strings.Contains(text(t, rita, "#signin-log"), "Wrong pass") {
			t.Errorf("filtered on Sam: %d rows: %q", n, text(t, rita, "#signin-log"))
		}
		open(t, rita, env, "/admin/logs/signins", "#signin-filter")
		do(t, rita, "filter on passkeys",
			chromedp.SetValue(chromedp.CSS("#f-method"), "passkey"),
			chromedp.Click(chromedp.CSS("#signin-filter button[type=submit]")))
		waitJS(t, rita, "the filtered log", `location.search.includes("method=passkey") && document.querySelector("#signin-log")`)
		passkeys := rows()
		if passkeys == 0 || passkeys >= all {
			t.Errorf("passkey sign-ins: %d of %d", passkeys, all)
		}
		if got := text(t, rita, "#signin-log tbody"); strings.Contains(got, "Temporary Access Pass") {
			t.Errorf("the passkey filter shows pass sign-ins: %q", got)
		}
		open(t, rita, env, "/admin/logs/signins?result=failure&user=pat", "#signin-empty")

		// CSV: the same filters, formulas defused.
		status, header, body := consoleGet(t, rita, env, "/admin/logs/signins.csv?result=failure")
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("CSV: %d %v", status, header)
		}
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(records) != 2 {
			t.Fatalf("CSV of failures: %v\n%s", err, body)
		}
		if h, r := records[0], records[1]; h[1] != "User" || r[1] != "'=SUM(1,2)" || r[2] != "sam@example.com" || r[9] != "Failure" ||
			r[10] != "130503" || r[3] != sam.ID {
			t.Errorf("CSV row %q under %q", r, h)
		}
		_, _, everything := consoleGet(t, rita, env, "/admin/logs/signins.csv")
		if n := strings.Count(everything, "\n") - 1; n != all {
			t.Errorf("the unfiltered CSV has %d rows, the page %d", n, all)
		}

		// Detail view of a sign-in.
		open(t, rita, env, "/admin/logs/signins?user=sam", "#signin-log")
		do(t, rita, "open the sign-in", chromedp.Click(chromedp.CSS("#signin-log a.row-link")), chromedp.WaitVisible(chromedp.CSS("#signin-detail")))
		if got := text(t, rita, "#signin-detail"); !strings.Contains(got, "sam@example.com") || !strings.Contains(got, "130503") {
			t.Errorf("sign-in detail: %q", got)
		}
		if shots(t) {
			consoleShots(t, rita, "logs-signin")
		}

		// Audit log: the passes issued, filtered by activity and person.
		open(t, rita, env, "/admin/logs/audits?activity="+url.QueryEscape(domain.ActivityAdminRegisteredSecurityInfo)+"&user=pat", "#audit-log")
		if n, _ := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll("#audit-log tbody tr").length`)); n != 1 {
			t.Errorf("passes issued to Pat: %d rows", n)
		}
		if shots(t) {
			consoleShots(t, rita, "logs-audits")
		}
		do(t, rita, "open the audit record", chromedp.Click(chromedp.CSS("#audit-log a.row-link")), chromedp.WaitVisible(chromedp.CSS("#audit-detail")))
		if got := text(t, rita, "main"); !strings.Contains(got, "pat@example.com") || !strings.Contains(got, "TemporaryAccessPass") {
			t.Errorf("audit detail: %q", got)
		}
		_, _, audits := consoleGet(t, rita, env, "/admin/logs/audits.csv?user=pat")
		if !strings.Contains(audits, domain.ActivityAdminRegisteredSecurityInfo) || !strings.Contains(audits, "pat@example.com") {
			t.Errorf("audit CSV: %s", audits)
		}

		// A Reports Reader can change nothing, even with a forged form.
		open(t, rita, env, personPath(pat), "main")
		if f := forgePost(t, rita, env, personPath(pat)+"/disable", url.Values{}); f.Status != http.StatusForbidden {
			t.Errorf("a forged disable by a Reports Reader: %d %s", f.Status, f.Location)
		}
		if u, _ := env.Dir.ResolveUser(ctx, "pat@example.com"); !u.AccountEnabled {
			t.Error("Pat was disabled by a Reports Reader")
		}
		if f := forgePost(t, rita, env, personPath(pat)+"/sessions/revoke", url.Values{}); f.Status != http.StatusForbidden {
			t.Errorf("a forged session revocation by a Reports Reader: %d", f.Status)
		}
	})
}

// TestConsoleReportsRefused: people whose roles do not include the reports
// or the logs are not shown them.
func TestConsoleReportsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		hr, _ := consoleAdmin(t, env, "hr@example.com", domain.RoleUserAdministrator)
		for _, path := range []string{"/admin/reports", "/admin/logs/signins", "/admin/logs/audits", "/admin/logs/signins.csv"} {
			if status, _, body := consoleGet(t, hr, env, path); status != http.StatusForbidden || strings.Contains(body, "hr@example.com,") {
				t.Errorf("a User Administrator GET %s: %d", path, status)
			}
		}
		if nav := text(t, hr, ".console-nav"); strings.Contains(nav, "Reports") || strings.Contains(nav, "Logs") {
			t.Errorf("a User Administrator's nav: %q", nav)
		}
		// An Authentication Administrator sees the reports but not the logs.
		helpdesk, _ := consoleAdmin(t, env, "helpdesk@example.com", domain.RoleAuthenticationAdministrator)
		if status, _, _ := consoleGet(t, helpdesk, env, "/admin/reports"); status != http.StatusOK {
			t.Errorf("an Authentication Administrator's reports: %d", status)
		}
		if status, _, _ := consoleGet(t, helpdesk, env, "/admin/logs/signins"); status != http.StatusForbidden {
			t.Errorf("an Authentication Administrator's logs: %d", status)
		}
		// A custom range that is not one is explained, and the default shown.
		open(t, helpdesk, env, "/admin/reports?range=custom&from=2026-02-10&to=2026-02-01", "#page-error")
		if got := text(t, helpdesk, "#page-error"); !strings.Contains(got, "before its end") {
			t.Errorf("a reversed range: %q", got)
		}
	})
}

// consoleGet fetches a console path outside the page with the tab's session,
// as a download does.
func consoleGet(t *testing.T, ctx context.Context, env *testenv.Env, path string) (int, http.Header, string) {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{env.URL}})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func graphGet(t *testing.T, env *testenv.Env, token, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %v", path, resp.StatusCode, err, out)
	}
	return out
}
