package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// BulkColumns are the CSV columns a bulk file may hold, matched without regard
// to case. Only userPrincipalName is required (displayName too for users to be
// created).
var BulkColumns = []string{"userPrincipalName", "displayName", "mail", "manager", "employeeHireDate",
	"startDateTime", "lifetimeInMinutes", "isUsableOnce", "deliver"}

// MaxBulkRows bounds one bulk file, so that one upload cannot hold a server's
// hashing for hours; larger files are split.
const MaxBulkRows = 50000

// BulkFileError says why a bulk file as a whole cannot be read (not CSV, no
// header, no userPrincipalName column, no rows); problems in single rows are
// not file errors, they make their row fail.
type BulkFileError struct{ Message string }

func (e *BulkFileError) Error() string { return e.Message }

// ReadBulkCSV reads the rows of a bulk file: a header row, then one row per
// person. A value that cannot be read makes its row fail with a reason that
// names the column (BulkRow.Invalid); a file that cannot be read at all is a
// *BulkFileError. The CLI (tap bulk) and the console read files with this.
func ReadBulkCSV(in io.Reader) ([]BulkRow, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, &BulkFileError{Message: fmt.Sprintf("the file has no header row: %v", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff") // a BOM from spreadsheet exports
		for _, known := range BulkColumns {
			if strings.EqualFold(h, known) {
				col[known] = i
			}
		}
	}
	if _, ok := col["userPrincipalName"]; !ok {
		return nil, &BulkFileError{Message: "the header has no userPrincipalName column (columns: " + strings.Join(BulkColumns, ", ") + ")"}
	}
	var rows []BulkRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if len(rows) == MaxBulkRows {
			return nil, &BulkFileError{Message: fmt.Sprintf("the file has more than %d rows; split it", MaxBulkRows)}
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read the bulk file: %w", err)
			}
			rows = append(rows, BulkRow{Line: pe.Line, Invalid: "The line is not valid CSV: " + pe.Err.Error() + "."})
			continue
		}
		line, _ := r.FieldPos(0) // only after a record was read: FieldPos panics after a parse error
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rows = append(rows, bulkRowOf(line, get))
	}
	if len(rows) == 0 {
		return nil, &BulkFileError{Message: "the file has a header but no rows"}
	}
	return rows, nil
}

// bulkRowOf reads one record's values into a row.
func bulkRowOf(line int, get func(string) string) BulkRow {
	row := BulkRow{Line: line, UserPrincipalName: get("userPrincipalName"), DisplayName: get("displayName"),
		Mail: get("mail"), Manager: get("manager"), Deliver: get("deliver")}
	var problems []string
	if v := get("employeeHireDate"); v != "" {
		d, err := ParseHireDate(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("employeeHireDate %q is not a date like 2026-09-01", v))
		} else {
			row.EmployeeHireDate = &d
		}
	}
	if v := get("startDateTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("startDateTime %q is not an RFC 3339 time like 2026-09-01T08:00:00Z", v))
		} else {
			row.StartDateTime = &t
		}
	}
	if v := get("lifetimeInMinutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("lifetimeInMinutes %q is not a whole number", v))
		} else {
			row.LifetimeInMinutes = &n
		}
	}
	if v := get("isUsableOnce"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("isUsableOnce %q is not true or false", v))
		} else {
			row.IsUsableOnce = &b
		}
	}
	if len(problems) > 0 {
		row.Invalid = strings.Join(problems, "; ") + "."
	}
	return row
}

// ParseHireDate reads a hire date: a date, or the midnight date-time Graph uses.
func ParseHireDate(v string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d, nil
	}
	return time.Parse(time.RFC3339, v)
}

var bulkColumnWord = regexp.MustCompile(`\b(` + strings.Join(BulkColumns, "|") + `)\b`)

// BulkColumnsOf names the columns a row's failure is about, in the order the
// reason names them, so that a preview can point at the cell: every rule's
// message names its field the way the CSV header does. A reason that names no
// column (the account is disabled, the role does not allow it) has none.
func BulkColumnsOf(reason string) []string {
	var cols []string
	seen := map[string]bool{}
	for _, m := range bulkColumnWord.FindAllString(reason, -1) {
		if !seen[m] {
			seen[m] = true
			cols = append(cols, m)
		}
	}
	return cols
}

// BulkResultColumns are the columns of a bulk run's report as CSV.
var BulkResultColumns = []string{"line", "userPrincipalName", "status", "userCreated", "passId", "temporaryAccessPass",
	"startDateTime", "endDateTime", "isUsableOnce", "signInUrl", "error"}

// WriteBulkResultsCSV writes a bulk run's report, one row per input row: the
// pass of each row that succeeded (the code, unless it was delivered or
// withCodes is false) and the reason of each that failed. The CLI prints it
// and the console offers it for download.
func WriteBulkResultsCSV(w io.Writer, results []BulkResult, withCodes bool) error {
	cw := csv.NewWriter(w)
	cw.Write(BulkResultColumns)
	for _, r := range results {
		row := []string{strconv.Itoa(r.Line), r.UserPrincipalName, r.Status, strconv.FormatBool(r.UserCreated), "", "", "", "", "", "", r.Error}
		if p := r.Pass; p != nil {
			row[4] = p.ID
			if withCodes {
				row[5] = p.Code
			}
			row[6], row[7] = p.StartDateTime.UTC().Format(time.RFC3339), p.End().UTC().Format(time.RFC3339)
			row[8], row[9] = strconv.FormatBool(p.IsUsableOnce), p.SignInURL
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
