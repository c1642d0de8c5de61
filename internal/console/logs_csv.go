package console

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// The logs export to CSV with the same filters as the page shows, every
// matching entry (up to maxExport), read from the store a page at a time.

// maxExport bounds one export; a wider one asks for a narrower filter.
const maxExport = 50000

const exportBatch = 500

// safeCell keeps a spreadsheet from reading a cell as a formula: text that a
// user chose (a display name, an application's name, a user agent) may begin
// with = + - @ (or a tab or carriage return, which some spreadsheets skip
// before looking), and is then prefixed with an apostrophe (OWASP's advice).
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeRow(cw *csv.Writer, cells ...string) error {
	for i, c := range cells {
		cells[i] = safeCell(c)
	}
	return cw.Write(cells)
}

// startCSV sets the headers of a download named name-YYYY-MM-DD.csv.
func (h *Handler) startCSV(w http.ResponseWriter, name string) *csv.Writer {
	day := h.dir.Clock().Now().UTC().Format("2006-01-02")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="firstkey-`+name+`-`+day+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return csv.NewWriter(w)
}

func (h *Handler) signInCSV(w http.ResponseWriter, r *http.Request, a *Admin) error {
	_, filter := h.readSignInFilters(r)
	// Read the first batch before answering, so that a refusal is still a page.
	opts := store.ListOptions{Filter: filter, Top: exportBatch}
	rows, _, err := h.dir.ListSignIns(r.Context(), a.Actor, opts)
	if err != nil {
		return err
	}
	cw := h.startCSV(w, "sign-ins")
	_ = writeRow(cw, "Date (UTC)", "User", "Username", "User ID", "Application", "Application ID", "Method",
		"Method detail", "Requirement", "Result", "Error code", "Failure reason", "IP address", "User agent", "Correlation ID", "Sign-in ID")
	for n := 0; len(rows) > 0 && n < maxExport; {
		for _, s := range rows {
			result := "Success"
			if !s.Succeeded {
				result = "Failure"
			}
			if err := writeRow(cw, stamp(s.CreatedDateTime), s.UserDisplayName, s.UserPrincipalName, s.UserID, s.AppDisplayName, s.AppID,
				methodLabel(s.AuthenticationMethod), s.AuthenticationMethodDetail, s.AuthenticationRequirement, result,
				strconv.Itoa(s.ErrorCode), s.FailureReason, s.IPAddress, s.UserAgent, s.CorrelationID, s.ID); err != nil {
				return nil // the browser went away
			}
		}
		n += len(rows)
		if len(rows) < exportBatch {
			break
		}
		opts.Skip += exportBatch
		if rows, _, err = h.dir.ListSignIns(r.Context(), a.Actor, opts); err != nil {
			h.log.ErrorContext(r.Context(), "console: sign-in export stopped", "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

func (h *Handler) auditCSV(w http.ResponseWriter, r *http.Request, a *Admin) error {
	_, filter := h.readAuditFilters(r)
	opts := store.ListOptions{Filter: filter, Top: exportBatch}
	rows, _, err := h.dir.ListAudits(r.Context(), a.Actor, opts)
	if err != nil {
		return err
	}
	cw := h.startCSV(w, "audit-log")
	_ = writeRow(cw, "Date (UTC)", "Activity", "Category", "Service", "Result", "Reason", "Initiated by", "Targets", "Changes", "Details", "Correlation ID", "Record ID")
	for n := 0; len(rows) > 0 && n < maxExport; {
		for _, rec := range rows {
			row := auditRowOf(rec)
			if err := writeRow(cw, stamp(rec.ActivityDateTime), rec.ActivityDisplayName, rec.Category, rec.LoggedByService,
				rec.Result, rec.ResultReason, row.Initiator, strings.Join(row.Targets, "; "), changes(rec), details(rec.AdditionalDetails),
				rec.CorrelationID, rec.ID); err != nil {
				return nil
			}
		}
		n += len(rows)
		if len(rows) < exportBatch {
			break
		}
		opts.Skip += exportBatch
		if rows, _, err = h.dir.ListAudits(r.Context(), a.Actor, opts); err != nil {
			h.log.ErrorContext(r.Context(), "console: audit export stopped", "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// changes writes the modified properties of every target as "name: old → new".
func changes(rec domain.AuditRecord) string {
	var parts []string
	for _, t := range rec.TargetResources {
		for _, p := range t.ModifiedProperties {
			parts = append(parts, p.DisplayName+": "+p.OldValue+" → "+p.NewValue)
		}
	}
	return strings.Join(parts, "; ")
}

func details(kv []domain.KeyValue) string {
	parts := make([]string, len(kv))
	for i, d := range kv {
		parts[i] = d.Key + "=" + d.Value
	}
	return strings.Join(parts, "; ")
}
