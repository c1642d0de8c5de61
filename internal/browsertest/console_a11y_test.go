package browsertest_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// consolePage is a console page the scan visits: a path, or steps that lead
// there from the page before, and an element that shows it is there.
type consolePage struct {
	name, path, wait string
	steps            []chromedp.Action[chromedp.Void] // run after opening path, when set
}

// TestConsoleAccessible scans every console page with axe-core, in light and
// dark mode, and fails on any violation with the rule, the element and how to
// fix it: every page of the nav (read from the nav itself, so that a new area
// is scanned without editing this test) and the pages behind them (a person,
// the forms, a pass shown once, a bulk check and report, an application and
// its secret, a policy review, an error). Each page is also saved as a
// screenshot at desktop width and at 390 px (in light mode; a few in dark),
// and must fit the phone without sideways scrolling. Accessibility does not
// depend on the database: the scan runs on SQLite.
func TestConsoleAccessible(t *testing.T) {
	needBrowser(t)
	axeSource(t)
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Localhost: true})
	env.EnablePassPolicy(t)
	ctx, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)
	sys := domain.SystemActor()
	ada := env.CreateUser(t, "ada@example.com")
	if _, err := env.Dir.CreateGroup(t.Context(), sys, domain.Group{DisplayName: "Contractors", MailNickname: "contractors"}); err != nil {
		t.Fatal(err)
	}
	issuePass(t, env, "ada@example.com", true)
	// A failed sign-in, so that the reports and logs show a failure too.
	env.SignInWithPass(t, testenv.Browser(t), "ada@example.com", "ABCD-EFGH", "")
	app, _ := env.RegisterApp(t, domain.Application{DisplayName: "Payroll", RedirectURIs: []string{"https://payroll.example.com/callback"},
		RequiredStrength: domain.StrengthPhishingResistant, Permissions: []domain.Permission{domain.PermUserReadAll}})
	file := filepath.Join(t.TempDir(), "joiners.csv")
	if err := os.WriteFile(file, []byte("userPrincipalName,displayName,lifetimeInMinutes\nlin@example.com,Lin Chen,120\nbad@example.com,,120\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The nav, as the Global Administrator sees it: every area.
	open(t, ctx, env, "/admin", ".console-nav")
	nav, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".console-nav ul a")].map(a => a.getAttribute("href"))`))
	if err != nil || len(nav) < 5 {
		t.Fatalf("the nav holds %v (%v)", nav, err)
	}
	var pages []consolePage
	for _, p := range nav {
		name := strings.Trim(strings.ReplaceAll(strings.TrimPrefix(p, "/admin"), "/", "-"), "-")
		if name == "" {
			name = "overview"
		}
		pages = append(pages, consolePage{name: name, path: p, wait: ".console-main h1"})
	}
	person := "/admin/people/" + ada.ID
	pages = append(pages,
		consolePage{name: "person", path: person, wait: "#person-name"},
		consolePage{name: "person-edit", path: person + "/edit", wait: "#person-form"},
		consolePage{name: "person-new", path: "/admin/people/new", wait: "#person-form"},
		consolePage{name: "person-delete", path: person + "/delete", wait: "#confirm-delete"},
		consolePage{name: "pass-new", path: person + "/pass/new", wait: "#pass-form"},
		consolePage{name: "pass-shown", path: person + "/pass/new", wait: "#pass-code",
			steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#create-pass-button"))}},
		consolePage{name: "pass-gone", path: person + "/pass/shown", wait: "#pass-gone"},
		consolePage{name: "policy-pass", path: "/admin/policies/pass", wait: "#policy-form"},
		consolePage{name: "policy-pass-refused", path: "/admin/policies/pass", wait: "#maximumLifetimeInMinutes-error",
			steps: []chromedp.Action[chromedp.Void]{emptyField("#maximumLifetimeInMinutes"), chromedp.SendKeys(chromedp.CSS("#maximumLifetimeInMinutes"), "9"),
				chromedp.Click(chromedp.CSS("#review-policy"))}},
		consolePage{name: "policy-pass-review", path: "/admin/policies/pass", wait: "#changes",
			steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#isUsableOnce")), chromedp.Click(chromedp.CSS("#review-policy"))}},
		consolePage{name: "policy-passkey", path: "/admin/policies/passkey", wait: "#policy-form"},
		consolePage{name: "bulk-check", path: "/admin/bulk", wait: "#rows-bad",
			steps: []chromedp.Action[chromedp.Void]{chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}), chromedp.Click(chromedp.CSS("#bulk-check"))}},
		consolePage{name: "bulk-done", wait: "#bulk-done", steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#bulk-run"))}},
		consolePage{name: "bulk-file-refused", path: "/admin/bulk", wait: "#file-error",
			// The file input is required: the refused upload is sent without the browser's check.
			steps: []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`document.querySelector("#bulk-upload").noValidate = true`),
				chromedp.Click(chromedp.CSS("#bulk-check"))}},
		consolePage{name: "application", path: "/admin/applications/" + app.ID, wait: "#secrets"},
		consolePage{name: "application-new", path: "/admin/applications/new", wait: "#app-form"},
		consolePage{name: "application-secret", path: "/admin/applications/" + app.ID, wait: "#secret-value",
			steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#rotate-secret"))}},
		consolePage{name: "application-delete", path: "/admin/applications/" + app.ID + "/delete", wait: "#confirm-delete"},
		consolePage{name: "not-found", path: "/admin/no-such-page", wait: "#page-error"},
	)
	// The reports in every range, the logs, filtered and empty, and an entry of each.
	for _, r := range []string{"7d", "30d", "90d", "365d"} {
		pages = append(pages, consolePage{name: "reports-" + r, path: "/admin/reports?range=" + r, wait: "#registration-table"})
	}
	pages = append(pages,
		consolePage{name: "reports-custom", path: "/admin/reports?range=custom&from=2020-01-01&to=2020-01-31", wait: "#registration-table"},
		consolePage{name: "reports-custom-refused", path: "/admin/reports?range=custom&from=2020-02-01", wait: "#registration-table"},
		consolePage{name: "reports-notyet", path: "/admin/reports?who=notyet&q=ada#registration", wait: "#registration-table"},
		consolePage{name: "logs-signins-failed", path: "/admin/logs/signins?result=failure", wait: "#signin-log"},
		consolePage{name: "logs-signins-empty", path: "/admin/logs/signins?user=nobody&method=passkey", wait: "#signin-empty"},
		consolePage{name: "logs-signin", path: "/admin/logs/signins?result=failure", wait: "#signin-detail",
			steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#signin-log a.row-link"))}},
		consolePage{name: "logs-audits", path: "/admin/logs/audits", wait: "#audit-log"},
		consolePage{name: "logs-audits-filtered", path: "/admin/logs/audits?user=ada&range=30d", wait: "#audit-log"},
		consolePage{name: "logs-audits-empty", path: "/admin/logs/audits?user=nobody", wait: "#audit-empty"},
		consolePage{name: "logs-audit", path: "/admin/logs/audits?user=ada", wait: "#audit-detail",
			steps: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#audit-log a.row-link"))}},
	)
	dark := map[string]bool{"overview": true, "people": true, "person": true, "pass-shown": true, "bulk-check": true, "policy-pass-review": true, "applications": true,
		"reports": true, "reports-7d": true, "logs": true, "logs-audits": true, "logs-signin": true, "logs-audit": true, "logs-signins-empty": true}

	var failures []string
	for _, p := range pages {
		steps := []chromedp.Action[chromedp.Void]{}
		if p.path != "" {
			steps = append(steps, chromedp.Navigate(env.URL+p.path))
			if p.steps != nil {
				steps = append(steps, chromedp.WaitVisible(chromedp.CSS(".console-main h1")))
			}
		}
		steps = append(steps, p.steps...)
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(p.wait)))
		do(t, ctx, "open "+p.name, steps...)
		if p.name == "bulk-done" {
			do(t, ctx, "wait for the run", chromedp.WaitVisible(chromedp.CSS("#bulk-done")))
		}
		for _, mode := range []bool{false, true} {
			colorScheme(t, ctx, mode)
			if v := scanA11y(t, ctx); v != "" {
				failures = append(failures, fmt.Sprintf("%s (%s mode):\n%s", p.name, map[bool]string{false: "light", true: "dark"}[mode], v))
			}
			if strings.HasPrefix(p.name, "reports") {
				if low := faintChartMarks(t, ctx); len(low) > 0 {
					failures = append(failures, fmt.Sprintf("%s (%s mode): chart marks below 3:1 against their panel: %v", p.name, map[bool]string{false: "light", true: "dark"}[mode], low))
				}
			}
			if mode && dark[p.name] {
				screenshot(t, ctx, "console-"+p.name+"-dark")
			}
		}
		colorScheme(t, ctx, false)
		consoleShots(t, ctx, p.name)
	}
	if len(failures) > 0 {
		t.Errorf("axe-core found accessibility violations on %d console page(s):\n%s", len(failures), strings.Join(failures, "\n"))
	}

	// The favicon is firstkey's own SVG.
	resp, err := http.Get(env.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("/favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// faintChartMarks lists the bars, lines, legend swatches and reason bars of
// the page whose colour has less than 3:1 contrast against the panel they are
// drawn on (WCAG 1.4.11, which axe-core does not check for graphics).
func faintChartMarks(t *testing.T, ctx context.Context) []string {
	t.Helper()
	low, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const lum = c => {
			const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => {
				v /= 255;
				return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
			});
			return 0.2126 * r + 0.7152 * g + 0.0722 * b;
		};
		const out = [], marks = document.querySelectorAll(".chart rect, .chart .line, .swatch, .hbar");
		if (marks.length === 0) return ["no chart marks on the page"];
		for (const e of marks) {
			const st = getComputedStyle(e);
			const c = e.matches(".line") ? st.stroke : e.matches(".swatch, .hbar") ? st.backgroundColor : st.fill;
			const bg = lum(getComputedStyle(e.closest(".panel")).backgroundColor), l = lum(c);
			const ratio = (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05);
			if (ratio < 3) out.push(e.getAttribute("class") + " " + c + " " + ratio.toFixed(2));
		}
		return [...new Set(out)];
	})()`))
	if err != nil {
		t.Fatalf("read the charts' colours: %v", err)
	}
	return low
}
