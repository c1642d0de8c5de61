package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
)

// errPartial makes a bulk run with failed rows exit with ExitPartial, after the
// report has been printed.
type errPartial struct{ failed, total int }

func (e errPartial) Error() string {
	return fmt.Sprintf("%d of %d rows failed; the others are in place, and a re-run with --skip-existing issues only what is missing", e.failed, e.total)
}

func tapBulkCmd(g *globals) *cobra.Command {
	var file, issuer string
	var dryRun, skipExisting bool
	c := &cobra.Command{
		Use:   "bulk --csv FILE",
		Short: "Create missing users and issue them passes from a CSV file (new joiners)",
		Long: `Read new joiners from a CSV file with a header row and, for each row, create the user
if they do not exist and issue them a Temporary Access Pass. Columns (any order, any case;
only userPrincipalName is required, displayName too for users to be created):

  userPrincipalName, displayName, mail, manager (UPN or id), employeeHireDate (YYYY-MM-DD:
  the pass starts that morning, see --hire-day-start and --time-zone), startDateTime
  (RFC 3339, instead of the hire date), lifetimeInMinutes, isUsableOnce (true/false),
  deliver (empty or "show": the pass is in the report; "manager", "email:ADDRESS" or
    "webhook": the running server delivers it and the report does not show it)

Each row succeeds or fails on its own, with a reason; a bad row never stops the others
and rows that succeeded stay in place. The report holds each new pass, once. --dry-run
checks every row and changes nothing; --skip-existing leaves alone users who already hold
a pass that is usable or still to start, so re-running a file is safe.

Exit code 6 when some rows failed (the report says which and why).`,
		Example: "  firstkey tap bulk --csv joiners.csv --output csv > passes.csv\n  firstkey tap bulk --csv joiners.csv --dry-run",
		Args:    exactArgs(0),
	}
	f := c.Flags()
	f.StringVar(&file, "csv", "", "the CSV file to read (- for standard input)")
	f.BoolVar(&dryRun, "dry-run", false, "check every row, change nothing")
	f.BoolVar(&skipExisting, "skip-existing", false, "skip users who already hold a usable or future pass")
	hire := hireFlags(f)
	issuerFlag(c, &issuer)
	c.RunE = g.act(&issuer, func(ctx context.Context, s *session, _ []string) error {
		if file == "" {
			return usagef("--csv FILE is required")
		}
		loc, start, err := hire.resolve()
		if err != nil {
			return err
		}
		rows, err := g.readBulkCSV(file)
		if err != nil {
			return err
		}
		bar := newProgress(g.stderr, len(rows))
		results := s.dir.BulkIssue(ctx, s.actor, rows, directory.BulkOptions{
			DryRun: dryRun, SkipExisting: skipExisting, Location: loc, HireDayStart: start, Progress: bar.update,
		})
		bar.finish()
		if err := g.printBulk(results); err != nil {
			return err
		}
		failed := 0
		for _, r := range results {
			if r.Status == directory.BulkFailed {
				failed++
			}
		}
		if failed > 0 {
			return errPartial{failed: failed, total: len(results)}
		}
		return nil
	})
	return c
}

// readBulkCSV reads the rows of a bulk file with the directory's reader. A
// value that cannot be read makes its row fail with the reason; a file that is
// not CSV, or has no userPrincipalName column, is a usage error.
func (g *globals) readBulkCSV(name string) ([]directory.BulkRow, error) {
	var in io.Reader = g.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("--csv: %v", err)
		}
		defer f.Close()
		in = f
	}
	rows, err := directory.ReadBulkCSV(in)
	var fe *directory.BulkFileError
	if errors.As(err, &fe) {
		return nil, usagef("--csv: %s", fe.Message)
	}
	return rows, err
}

// bulkOut is one row of the report.
type bulkOut struct {
	Line                int     `json:"line"`
	UserPrincipalName   string  `json:"userPrincipalName"`
	Status              string  `json:"status"`
	UserCreated         bool    `json:"userCreated"`
	PassID              string  `json:"passId,omitempty"`
	TemporaryAccessPass string  `json:"temporaryAccessPass,omitempty"`
	StartDateTime       *string `json:"startDateTime,omitempty"`
	EndDateTime         *string `json:"endDateTime,omitempty"`
	IsUsableOnce        *bool   `json:"isUsableOnce,omitempty"`
	SignInURL           string  `json:"signInUrl,omitempty"`
	Delivery            string  `json:"delivery,omitempty"` // where a delivered pass went
	Error               string  `json:"error,omitempty"`
}

func bulkView(r directory.BulkResult) bulkOut {
	o := bulkOut{Line: r.Line, UserPrincipalName: r.UserPrincipalName, Status: r.Status, UserCreated: r.UserCreated, Error: r.Error}
	if p := r.Pass; p != nil {
		start, end := p.StartDateTime.UTC().Format(time.RFC3339), p.End().UTC().Format(time.RFC3339)
		once := p.IsUsableOnce
		o.PassID, o.TemporaryAccessPass, o.SignInURL, o.Delivery = p.ID, p.Code, p.SignInURL, deliverySummary(*p)
		o.StartDateTime, o.EndDateTime, o.IsUsableOnce = &start, &end, &once
	}
	return o
}

func (g *globals) printBulk(results []directory.BulkResult) error {
	out := make([]bulkOut, len(results))
	for i, r := range results {
		out[i] = bulkView(r)
	}
	switch g.output {
	case "json":
		return printJSON(g.stdout, out)
	case "csv":
		return directory.WriteBulkResultsCSV(g.stdout, results, true)
	}
	t := newTable(g.stdout, "LINE", "USER", "STATUS", "PASS", "START", "END", "REASON")
	for _, o := range out {
		status := o.Status
		if o.UserCreated {
			status += " (new user)"
		}
		pass := o.TemporaryAccessPass
		if o.Delivery != "" {
			pass = "(delivered " + o.Delivery + ")"
		}
		t.row(strconv.Itoa(o.Line), o.UserPrincipalName, status, pass, deref(o.StartDateTime), deref(o.EndDateTime), o.Error)
	}
	return t.flush()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// progress draws a progress bar with rate and time left on a terminal, and
// nothing when stderr is a file or a pipe (scripts read stdout only).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &progress{}
	}
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) update(done int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < p.total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(done) / max(elapsed, 0.001)
	eta := time.Duration(float64(p.total-done)/max(rate, 0.001)) * time.Second
	const width = 30
	filled := width * done / max(p.total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  %.1f rows/s  ETA %s ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		done, p.total, rate, eta.Truncate(time.Second))
}

func (p *progress) finish() {
	if p.w != nil {
		fmt.Fprintln(p.w)
	}
}
