package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

func (h *Handler) mountLogs(rt router) {
	rt.page(Prefix+"/logs", domain.ActReadAudit, func(w http.ResponseWriter, r *http.Request, _ *Admin) error {
		http.Redirect(w, r, Prefix+"/logs/signins", http.StatusSeeOther)
		return nil
	})
	rt.page(Prefix+"/logs/signins", domain.ActReadAudit, h.signInLog)
	rt.page(Prefix+"/logs/signins.csv", domain.ActReadAudit, h.signInCSV)
	rt.page(Prefix+"/logs/signins/{id}", domain.ActReadAudit, h.signInDetail)
	rt.page(Prefix+"/logs/audits", domain.ActReadAudit, h.auditLog)
	rt.page(Prefix+"/logs/audits.csv", domain.ActReadAudit, h.auditCSV)
	rt.page(Prefix+"/logs/audits/{id}", domain.ActReadAudit, h.auditDetail)
}

// logPageSize is how many entries a page of a log shows.
const logPageSize = 50

// maxFilterText bounds a filter's text: no name or application is longer.
const maxFilterText = 100

func str(s string) odata.Value { return odata.Value{Kind: odata.KindString, String: s} }

func and(a, b odata.Expr) odata.Expr {
	if a == nil {
		return b
	}
	return odata.Logical{Op: "and", Left: a, Right: b}
}

func or(a, b odata.Expr) odata.Expr { return odata.Logical{Op: "or", Left: a, Right: b} }

func param(q url.Values, name string) string {
	v := strings.TrimSpace(q.Get(name))
	if len(v) > maxFilterText {
		v = v[:maxFilterText]
	}
	return v
}

// signInFilters is the sign-in log's filter form: who, which application,
// which method, what result, when.
type signInFilters struct {
	User, App, Method, Result string
	Range                     timeRange
	Methods, Results          []preset
}

var methodChoices = []preset{{"", "Any method"}, {"passkey", "Passkey"}, {"pass", "Temporary Access Pass"}}

var resultChoices = []preset{{"", "Any result"}, {"success", "Success"}, {"failure", "Failure"}}

// Query is the filters as a query string, for the CSV link and the pager.
func (f signInFilters) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"user": f.User, "app": f.App, "method": f.Method, "result": f.Result, "range": f.Range.Preset} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Range.Preset == "custom" {
		q.Set("from", f.Range.From)
		q.Set("to", f.Range.To)
	}
	return q.Encode()
}

// readSignInFilters reads the form and builds the store filter; a result may
// also be an error code (a number), as the reports link to it.
func (h *Handler) readSignInFilters(r *http.Request) (signInFilters, odata.Expr) {
	q := r.URL.Query()
	f := signInFilters{User: param(q, "user"), App: param(q, "app"), Method: q.Get("method"), Result: param(q, "result"),
		Range: rangeOf(r, h.dir.Clock().Now(), "7d"), Methods: methodChoices, Results: resultChoices}
	e := and(odata.Compare{Field: "createdDateTime", Op: odata.Ge, Value: odata.Value{Kind: odata.KindDateTime, Time: f.Range.from}},
		odata.Compare{Field: "createdDateTime", Op: odata.Lt, Value: odata.Value{Kind: odata.KindDateTime, Time: f.Range.to}})
	if f.User != "" {
		e = and(e, or(odata.Func{Name: "startswith", Field: "userPrincipalName", Value: str(f.User)},
			odata.Func{Name: "contains", Field: "userDisplayName", Value: str(f.User)}))
	}
	if f.App != "" {
		e = and(e, or(odata.Func{Name: "contains", Field: "appDisplayName", Value: str(f.App)},
			odata.Compare{Field: "appId", Op: odata.Eq, Value: str(f.App)}))
	}
	method := map[string]string{"passkey": domain.MethodPasskey, "pass": domain.MethodTemporaryAccess}[f.Method]
	if method == "" {
		f.Method = ""
	} else {
		e = and(e, odata.Any{Collection: "authenticationDetails",
			Inner: odata.Compare{Field: "authenticationMethod", Op: odata.Eq, Value: str(method)}})
	}
	zero := odata.Value{Kind: odata.KindNumber}
	switch f.Result {
	case "":
	case "success":
		e = and(e, odata.Compare{Field: "status/errorCode", Op: odata.Eq, Value: zero})
	case "failure":
		e = and(e, odata.Compare{Field: "status/errorCode", Op: odata.Ne, Value: zero})
	default:
		code, err := strconv.Atoi(f.Result)
		if err != nil || code < 0 {
			f.Result = ""
			break
		}
		e = and(e, odata.Compare{Field: "status/errorCode", Op: odata.Eq, Value: odata.Value{Kind: odata.KindNumber, Number: int64(code)}})
		f.Results = append(append([]preset{}, resultChoices...), preset{f.Result, "Error " + f.Result + ": " + reasonLabel(code)})
	}
	return f, e
}

// signInRow is a sign-in as the log shows it.
type signInRow struct {
	domain.SignIn
	Method, Reason, Time string
}

// clock is the time of day of an entry, for the logs' second line.
func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

func signInRowOf(s domain.SignIn) signInRow {
	row := signInRow{SignIn: s, Method: methodLabel(s.AuthenticationMethod), Time: clock(s.CreatedDateTime)}
	if !s.Succeeded {
		row.Reason = reasonLabel(s.ErrorCode)
	}
	return row
}

// logPage is the data of a log's list page (logs_signins.html, logs_audits.html).
type logPage[F, R any] struct {
	Filters F
	Rows    []R
	Pager   pager
}

// logList reads one page of a log with the page's filter and renders it.
func logList[F, T, R any](h *Handler, w http.ResponseWriter, r *http.Request, a *Admin, f F, filter odata.Expr, rangeErr string,
	list func(context.Context, domain.Actor, store.ListOptions) ([]T, int, error), rowOf func(T) R, tmpl, title string) error {
	p := logPage[F, R]{Filters: f, Pager: pageOf(r, logPageSize)}
	rows, total, err := list(r.Context(), a.Actor, store.ListOptions{Filter: filter, Top: p.Pager.Size,
		Skip: p.Pager.Skip(), Count: true})
	if err != nil {
		return err
	}
	p.Pager.Total = total
	for _, x := range rows {
		p.Rows = append(p.Rows, rowOf(x))
	}
	h.render(w, r, a, http.StatusOK, tmpl, view{Title: title, Page: p, Error: rangeErr})
	return nil
}

func (h *Handler) signInLog(w http.ResponseWriter, r *http.Request, a *Admin) error {
	f, filter := h.readSignInFilters(r)
	return logList(h, w, r, a, f, filter, f.Range.err, h.dir.ListSignIns, signInRowOf, "logs_signins.html", "Sign-in log")
}

func (h *Handler) signInDetail(w http.ResponseWriter, r *http.Request, a *Admin) error {
	s, err := h.dir.GetSignIn(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "logs_signin.html", view{Title: "Sign-in", Page: signInRowOf(s)})
	return nil
}

// auditFilters is the audit log's filter form.
type auditFilters struct {
	User, Activity, Result string
	Range                  timeRange
	Activities, Results    []preset
}

var auditActivities = []string{
	domain.ActivityAdminRegisteredSecurityInfo, domain.ActivityAdminDeletedSecurityInfo,
	domain.ActivityUserRegisteredSecurityInfo, domain.ActivityUserDeletedSecurityInfo,
	domain.ActivityAddUser, domain.ActivityUpdateUser, domain.ActivityDeleteUser,
	domain.ActivityAddGroup, domain.ActivityUpdateGroup, domain.ActivityDeleteGroup,
	domain.ActivityAddMemberToGroup, domain.ActivityRemoveMemberFromGroup,
	domain.ActivityAddMemberToRole, domain.ActivityRemoveMemberFromRole,
	domain.ActivityUpdatePolicy, domain.ActivityAddApplication, domain.ActivityUpdateApplication,
	domain.ActivityUpdateApplicationSecrets, domain.ActivityDeleteApplication, domain.ActivityAddSigningKey,
}

var auditResults = []preset{{"", "Any result"}, {"success", "Success"}, {"failure", "Failure"}}

// Query is the filters as a query string.
func (f auditFilters) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"user": f.User, "activity": f.Activity, "result": f.Result, "range": f.Range.Preset} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Range.Preset == "custom" {
		q.Set("from", f.Range.From)
		q.Set("to", f.Range.To)
	}
	return q.Encode()
}

func (h *Handler) readAuditFilters(r *http.Request) (auditFilters, odata.Expr) {
	q := r.URL.Query()
	f := auditFilters{User: param(q, "user"), Activity: q.Get("activity"), Result: q.Get("result"),
		Range: rangeOf(r, h.dir.Clock().Now(), "7d"), Results: auditResults}
	f.Activities = []preset{{"", "Any activity"}}
	known := false
	for _, act := range auditActivities {
		f.Activities = append(f.Activities, preset{act, act})
		known = known || act == f.Activity
	}
	e := and(odata.Compare{Field: "activityDateTime", Op: odata.Ge, Value: odata.Value{Kind: odata.KindDateTime, Time: f.Range.from}},
		odata.Compare{Field: "activityDateTime", Op: odata.Lt, Value: odata.Value{Kind: odata.KindDateTime, Time: f.Range.to}})
	if f.User != "" {
		e = and(e, or(odata.Func{Name: "startswith", Field: "initiatedBy/user/userPrincipalName", Value: str(f.User)},
			odata.Any{Collection: "targetResources", Inner: odata.Func{Name: "startswith", Field: "userPrincipalName", Value: str(f.User)}}))
	}
	if known {
		e = and(e, odata.Compare{Field: "activityDisplayName", Op: odata.Eq, Value: str(f.Activity)})
	} else {
		f.Activity = ""
	}
	if f.Result == "success" || f.Result == "failure" {
		e = and(e, odata.Compare{Field: "result", Op: odata.Eq, Value: str(f.Result)})
	} else {
		f.Result = ""
	}
	return f, e
}

// auditRow is an audit record as the log shows it.
type auditRow struct {
	domain.AuditRecord
	Initiator, Time string
	Targets         []string
}

func auditRowOf(rec domain.AuditRecord) auditRow {
	row := auditRow{AuditRecord: rec, Initiator: initiatorName(rec.InitiatedBy), Time: clock(rec.ActivityDateTime)}
	for _, t := range rec.TargetResources {
		name := t.UserPrincipalName
		if name == "" {
			name = t.DisplayName
		}
		if name == "" {
			name = t.ID
		}
		row.Targets = append(row.Targets, name)
	}
	return row
}

// initiatorName names who acted: a person, an application, or firstkey itself.
func initiatorName(a domain.Actor) string {
	switch {
	case a.Type == domain.ActorUser && a.UPN != "":
		return a.UPN
	case a.Type == domain.ActorUser:
		return a.UserID
	case a.AppName != "":
		return a.AppName
	case a.AppID != "":
		return "Application " + a.AppID
	}
	return "firstkey"
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request, a *Admin) error {
	f, filter := h.readAuditFilters(r)
	return logList(h, w, r, a, f, filter, f.Range.err, h.dir.ListAudits, auditRowOf, "logs_audits.html", "Audit log")
}

func (h *Handler) auditDetail(w http.ResponseWriter, r *http.Request, a *Admin) error {
	rec, err := h.dir.GetAudit(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "logs_audit.html", view{Title: "Audit record", Page: auditRowOf(rec)})
	return nil
}

// stamp writes a time for the CSV files: ISO 8601 in UTC, as Graph does.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
