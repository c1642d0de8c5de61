package browsertest_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestConsoleBulk uploads 50 new joiners, two of them bad: the check names both
// rows and the column at fault and changes nothing; the run issues 48 passes
// behind a progress bar; the report downloads once with the passes and the
// two reasons, and a second download no longer holds the passes. A Reports
// Reader's forged run is refused.
func TestConsoleBulk(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)
		hire := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
		var b strings.Builder
		b.WriteString("userPrincipalName,displayName,employeeHireDate,lifetimeInMinutes\n")
		for i := 1; i <= 50; i++ {
			switch i {
			case 17: // a date nobody can read
				fmt.Fprintf(&b, "joiner%02d@example.com,Joiner %02d,next monday,480\n", i, i)
			case 33: // a new person without a name
				fmt.Fprintf(&b, "joiner%02d@example.com,,%s,480\n", i, hire)
			default:
				fmt.Fprintf(&b, "joiner%02d@example.com,Joiner %02d,%s,480\n", i, i, hire)
			}
		}
		file := filepath.Join(t.TempDir(), "joiners.csv")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}

		open(t, ctx, env, "/admin/bulk", "#bulk-upload")
		if shots(t) {
			consoleShots(t, ctx, "bulk-upload")
		}
		do(t, ctx, "upload the file and check it",
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
			chromedp.Click(chromedp.CSS("#bulk-check")),
			chromedp.WaitVisible(chromedp.CSS("#rows-bad")))
		if got := text(t, ctx, "#rows-bad") + "/" + text(t, ctx, "#rows-good"); got != "2/48" {
			t.Errorf("the check counts bad/ready %s, want 2/48", got)
		}
		bad := text(t, ctx, "#bulk-rows tbody") // rows are numbered by file line: row i is line i+1
		for _, want := range []string{"employeeHireDate", `"next monday" is not a date`, "displayName is required"} {
			if !strings.Contains(bad, want) {
				t.Errorf("the check does not say %q", want)
			}
		}
		for _, line := range []string{"18", "34"} {
			cls, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#bulk-rows tr[data-line="`+line+`"]').className`))
			if cls != "row-bad" {
				t.Errorf("line %s is not marked as a problem (class %q)", line, cls)
			}
		}
		if _, err := env.Dir.ResolveUser(t.Context(), "joiner01@example.com"); err == nil {
			t.Fatal("the check created a user")
		}
		if shots(t) {
			consoleShots(t, ctx, "bulk-check")
		}

		// A Reports Reader forges the run.
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		reader, _ := consoleAdmin(t, env, "rita@example.com", domain.RoleReportsReader)
		u, _ := url.Parse(loc)
		if got := forgePost(t, reader, env, u.Path+"/run", url.Values{}); got.Status != http.StatusForbidden {
			t.Errorf("a Reports Reader's forged run got %d, want 403", got.Status)
		}

		// The page follows the run (its script reloads it when the run ends), so
		// nothing is read from it until the report is there.
		do(t, ctx, "issue the passes and wait for the report", chromedp.Click(chromedp.CSS("#bulk-run")), chromedp.WaitVisible(chromedp.CSS("#bulk-done")))
		if got := text(t, ctx, "#rows-issued") + "/" + text(t, ctx, "#rows-failed") + "/" + text(t, ctx, "#rows-new"); got != "48/2/48" {
			t.Errorf("the report counts issued/failed/created %s, want 48/2/48", got)
		}
		if shots(t) {
			consoleShots(t, ctx, "bulk-done")
		}
		// The status the progress bar polls.
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		st, err := chromedp.Run(sctx, chromedp.Evaluate[map[string]any](`fetch(location.pathname + "/status").then(r => r.json())`, chromedp.EvalAwaitPromise))
		if err != nil || st["state"] != "done" || st["done"] != float64(50) || st["total"] != float64(50) {
			t.Errorf("the status endpoint says %v (%v)", st, err)
		}
		fetchCSV := func() [][]string {
			fctx, cancel := context.WithTimeout(ctx, stepTimeout)
			defer cancel()
			href, _ := chromedp.Run(fctx, chromedp.Evaluate[string](`document.querySelector("#download-results, #download-report").getAttribute("href")`))
			body, err := chromedp.Run(fctx, chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("download the report: %v", err)
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(recs) != 51 {
				t.Fatalf("the report is %d lines (%v):\n%s", len(recs), err, body)
			}
			return recs
		}
		recs := fetchCSV()
		codes, failed := map[string]bool{}, map[string]string{}
		for _, r := range recs[1:] {
			switch r[2] {
			case "issued":
				if len(r[5]) < 8 {
					t.Errorf("line %s was issued without its pass in the report: %q", r[0], r[5])
				}
				codes[r[5]] = true
			case "failed":
				failed[r[0]] = r[10]
			}
		}
		if len(codes) != 48 || len(failed) != 2 || !strings.Contains(failed["18"], "employeeHireDate") || !strings.Contains(failed["34"], "displayName") {
			t.Errorf("the report holds %d distinct passes and the failures %v", len(codes), failed)
		}
		for code := range codes {
			if strings.Contains(env.Logs(), code) {
				t.Fatal("a pass from the bulk run is in the server log")
			}
			break
		}
		u48, err := env.Dir.ResolveUser(t.Context(), "joiner48@example.com")
		if err != nil || u48.DisplayName != "Joiner 48" {
			t.Errorf("joiner48 was not created: %v", err)
		}
		if _, err := env.Dir.ResolveUser(t.Context(), "joiner33@example.com"); err == nil {
			t.Error("the bad row's user was created")
		}

		// The passes are downloaded once.
		do(t, ctx, "reload the report", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#downloaded-note")))
		for _, r := range fetchCSV()[1:] {
			if r[5] != "" {
				t.Fatalf("a second download holds a pass (line %s)", r[0])
			}
		}
	})
}
