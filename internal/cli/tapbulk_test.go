package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
)

// bulkRow is one row of tap bulk's JSON report.
type bulkRow struct {
	Line                int     `json:"line"`
	UserPrincipalName   string  `json:"userPrincipalName"`
	Status              string  `json:"status"`
	UserCreated         bool    `json:"userCreated"`
	PassID              string  `json:"passId"`
	TemporaryAccessPass string  `json:"temporaryAccessPass"`
	StartDateTime       *string `json:"startDateTime"`
	EndDateTime         *string `json:"endDateTime"`
	IsUsableOnce        *bool   `json:"isUsableOnce"`
	SignInURL           string  `json:"signInUrl"`
	Error               string  `json:"error"`
}

func (h *harness) bulk(code int, args ...string) []bulkRow {
	h.t.Helper()
	r := h.run(append(append([]string{"tap", "bulk"}, args...), "--output", "json")...)
	if r.code != code {
		h.t.Fatalf("tap bulk %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	var rows []bulkRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		h.t.Fatalf("tap bulk report: %v\n%s", err, r.stdout)
	}
	return rows
}

// TestTapBulk: 50 new joiners, 2 of them bad: 48 users are created and given a
// pass, the 2 bad rows are reported with their reasons, and a re-run with
// --skip-existing issues nothing new.
func TestTapBulk(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("policy", "set", "--state", "enabled")
		h.ok("user", "create", "--upn", "lead@example.com", "--display-name", "Team Lead")
		// A hire date two months ahead: passes may start at most a year from now.
		hire := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
		berlin, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.Parse(time.DateOnly, hire)
		wantStart := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, berlin).UTC().Format(time.RFC3339)
		var b strings.Builder
		b.WriteString("UserPrincipalName,displayName,mail,manager,employeeHireDate,lifetimeInMinutes,isUsableOnce\n")
		for i := 1; i <= 50; i++ {
			upn, lifetime := fmt.Sprintf("joiner%02d@example.com", i), "480"
			switch i {
			case 17:
				upn = "not-a-upn" // bad: no domain
			case 33:
				lifetime = "5" // bad: outside the policy's bounds
			}
			fmt.Fprintf(&b, "%s,Joiner %d,j%d@mail.example.com,lead@example.com,%s,%s,true\n", upn, i, i, hire, lifetime)
		}
		file := filepath.Join(t.TempDir(), "joiners.csv")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}

		// A dry run checks every row and changes nothing.
		dry := h.bulk(cli.ExitPartial, "--csv", file, "--dry-run")
		if n := count(dry, "valid"); n != 48 {
			t.Fatalf("dry run: %d valid rows, want 48; first: %+v", n, dry[0])
		}
		if users := h.list("user", "list"); len(users) != 2 {
			t.Fatalf("a dry run created users: %d", len(users))
		}

		rows := h.bulk(cli.ExitPartial, "--csv", file, "--time-zone", "Europe/Berlin")
		if len(rows) != 50 || count(rows, "issued") != 48 || count(rows, "failed") != 2 {
			t.Fatalf("report: %d rows, %d issued, %d failed", len(rows), count(rows, "issued"), count(rows, "failed"))
		}
		for _, r := range rows {
			switch r.Line {
			case 18: // header is line 1
				if r.Status != "failed" || !strings.Contains(r.Error, "userPrincipalName") {
					t.Errorf("bad UPN row: %+v", r)
				}
			case 34:
				if r.Status != "failed" || !strings.Contains(r.Error, "Invalid lifetimeInMinutes specified. The valid range is between") {
					t.Errorf("bad lifetime row: %+v", r)
				}
				if !r.UserCreated {
					t.Errorf("the user of a row whose pass failed should stay created: %+v", r)
				}
			default:
				if r.Status != "issued" || !r.UserCreated || r.TemporaryAccessPass == "" || r.PassID == "" || r.SignInURL == "" {
					t.Errorf("row %d: %+v", r.Line, r)
				}
				// The morning of the hire date, in the given time zone.
				if r.StartDateTime == nil || *r.StartDateTime != wantStart {
					t.Errorf("row %d starts %v, want %s", r.Line, deref(r.StartDateTime), wantStart)
				}
			}
		}
		u := h.obj("user", "show", "joiner01@example.com")
		if u["mail"] != "j1@mail.example.com" || u["managerId"] == nil || u["managerId"] == "" {
			t.Errorf("created user: %v", u)
		}
		passes := h.list("tap", "list", "joiner02@example.com")
		if len(passes) != 1 || passes[0]["id"] != rows[1].PassID {
			t.Errorf("stored pass of joiner02: %v", passes)
		}

		// A re-run is safe: users with a live pass are skipped, nothing is issued twice.
		again := h.bulk(cli.ExitPartial, "--csv", file, "--skip-existing")
		if count(again, "skipped") != 48 || count(again, "failed") != 2 || count(again, "issued") != 0 {
			t.Errorf("re-run: %d skipped, %d failed, %d issued; want 48, 2 and 0",
				count(again, "skipped"), count(again, "failed"), count(again, "issued"))
		}
		if passes := h.list("tap", "list", "joiner02@example.com"); len(passes) != 1 || passes[0]["id"] != rows[1].PassID {
			t.Errorf("a re-run replaced a live pass: %v", passes)
		}

		// CSV output, for a spreadsheet; a file without the key column is a usage error.
		out := h.run("tap", "bulk", "--csv", file, "--skip-existing", "--output", "csv")
		recs, err := csv.NewReader(strings.NewReader(out.stdout)).ReadAll()
		if err != nil || len(recs) != 51 || recs[0][1] != "userPrincipalName" {
			t.Errorf("CSV report (%v): %d records\n%s", err, len(recs), out.stdout)
		}
		bad := filepath.Join(t.TempDir(), "bad.csv")
		os.WriteFile(bad, []byte("name,mail\nx,y\n"), 0o600)
		wantContains(t, h.fail(cli.ExitUsage, "tap", "bulk", "--csv", bad), "userPrincipalName")
		h.fail(cli.ExitUsage, "user", "list", "--output", "csv")
	})
}

func count(rows []bulkRow, status string) int {
	n := 0
	for _, r := range rows {
		if r.Status == status {
			n++
		}
	}
	return n
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestTimeZoneAndHireDatePasses: the directory's time zone places a pass on the
// morning of a new joiner's hire date; --recover issues a recovery pass.
func TestTimeZoneAndHireDatePasses(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("policy", "set", "--state", "enabled")
		if tz := h.obj("timezone")["timeZone"]; tz != "UTC" {
			t.Fatalf("default time zone %v", tz)
		}
		wantContains(t, h.fail(cli.ExitRejected, "timezone", "Mars/Olympus"), "IANA time zone")
		h.ok("timezone", "America/New_York")
		if tz := h.obj("timezone")["timeZone"]; tz != "America/New_York" {
			t.Fatalf("time zone after set: %v", tz)
		}
		hire := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
		h.ok("user", "create", "--upn", "new@example.com", "--display-name", "New", "--hire-date", hire)
		p := h.obj("tap", "create", "new@example.com", "--at-hire-date", "--hire-day-start", "09:30")
		ny, _ := time.LoadLocation("America/New_York")
		d, _ := time.Parse(time.DateOnly, hire)
		want := time.Date(d.Year(), d.Month(), d.Day(), 9, 30, 0, 0, ny).UTC().Format(time.RFC3339)
		if p["startDateTime"] != want {
			t.Errorf("pass at the hire date starts %v, want %s", p["startDateTime"], want)
		}
		h.ok("user", "create", "--upn", "nohire@example.com", "--display-name", "No hire date")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "nohire@example.com", "--at-hire-date"), "employeeHireDate")
		h.fail(cli.ExitUsage, "tap", "create", "new@example.com", "--at-hire-date", "--start", "2030-01-01T00:00:00Z")

		h.ok("tap", "create", "nohire@example.com", "--recover")
		audits := h.ok("logs", "audit", "--output", "json")
		if !strings.Contains(audits, `"Recovery"`) || !strings.Contains(audits, `"true"`) {
			t.Errorf("the recovery pass is not marked in the audit log")
		}
	})
}
