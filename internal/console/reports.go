package console

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

func (h *Handler) mountReports(rt router) {
	rt.page(Prefix+"/reports", domain.ActReadReports, h.reports)
}

// timeRange is the range a report or a log covers, as its form chose it.
type timeRange struct {
	Preset   string // "7d", "30d", "90d", "365d" or "custom"
	From, To string // the custom days, YYYY-MM-DD, both included
	Presets  []preset
	from, to time.Time
	err      string
}

type preset struct{ Value, Label string }

var presets = []preset{{"7d", "Last 7 days"}, {"30d", "Last 30 days"}, {"90d", "Last 90 days"}, {"365d", "Last 12 months"}, {"custom", "Custom range"}}

var presetDays = map[string]int{"7d": 7, "30d": 30, "90d": 90, "365d": 365}

// rangeOf reads ?range= (or ?from=&to= with range=custom); a bad custom range
// falls back to the default and says why.
func rangeOf(r *http.Request, now time.Time, def string) timeRange {
	q := r.URL.Query()
	tr := timeRange{Preset: q.Get("range"), Presets: presets}
	today := now.UTC().Truncate(24 * time.Hour)
	if tr.Preset == "custom" {
		from, err1 := time.Parse("2006-01-02", q.Get("from"))
		to, err2 := time.Parse("2006-01-02", q.Get("to"))
		switch {
		case err1 != nil || err2 != nil:
			tr.err = "Choose a start and an end day for a custom range."
		default:
			if err := domain.ValidateReportRange(from, to.Add(24*time.Hour)); err != nil {
				tr.err = explain(err)
			} else {
				tr.From, tr.To, tr.from, tr.to = q.Get("from"), q.Get("to"), from, to.Add(24*time.Hour)
				return tr
			}
		}
	}
	days, ok := presetDays[tr.Preset]
	if !ok {
		tr.Preset, days = def, presetDays[def]
	}
	tr.to = today.Add(24 * time.Hour)
	tr.from = tr.to.Add(-time.Duration(days) * 24 * time.Hour)
	tr.From, tr.To = tr.from.Format("2006-01-02"), today.Format("2006-01-02")
	return tr
}

// Describe says the range in words.
func (t timeRange) Describe() string {
	return t.from.Format("2 Jan 2006") + " – " + t.to.Add(-time.Second).Format("2 Jan 2006")
}

// reportsPage is reports.html's data.
type reportsPage struct {
	Range timeRange

	People, Passwordless, WithPass, PasswordlessPct int
	PasswordlessBar                                 string // the progress bar's width class
	SignIns, Failed, FailedPct                      int
	PassesIssued, PassesUsed                        int

	Onboarding, ByMethod, Passes chart
	Failures                     []barItem

	Who       string // the registration list's filter
	Search    string
	Rows      []registrationRow
	Pager     pager
	Filters   []preset
	CanLogs   bool
	CanPeople bool
}

var registrationFilters = []preset{{"all", "Everyone"}, {"passwordless", "Passwordless"}, {"notyet", "Not passwordless yet"},
	{"pass", "Holding a pass"}, {"admins", "Administrators"}}

const registrationPageSize = 25

// reports draws the authentication methods reports: where onboarding stands,
// how people sign in, what fails, and each person's registration.
func (h *Handler) reports(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	now := h.dir.Clock().Now()
	p := reportsPage{Range: rangeOf(r, now, "30d"), Filters: registrationFilters,
		CanLogs: a.Can(domain.ActReadAudit), CanPeople: a.Can(domain.ActReadUsers)}

	all, err := h.dir.SummarizeRegistrations(ctx, a.Actor, domain.RolesAll, domain.TypesAll)
	if err != nil {
		return err
	}
	p.People, p.Passwordless = all.TotalUsers, all.ByFeature[domain.FeaturePasswordlessCapable]
	p.WithPass = all.ByMethod[domain.RegisteredTemporaryAccessPass]
	p.PasswordlessPct = percent(p.Passwordless, p.People)
	p.PasswordlessBar = barItem{Share: p.PasswordlessPct}.WidthClass()

	act, err := h.dir.ReportActivity(ctx, a.Actor, p.Range.from, p.Range.to)
	if err != nil {
		return err
	}
	h.drawActivity(&p, act)

	if err := h.registrationList(r, a, &p); err != nil {
		return err
	}
	v := view{Title: "Reports", Page: p, Error: p.Range.err}
	h.render(w, r, a, http.StatusOK, "reports.html", v)
	return nil
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

// drawActivity turns the day counts into the page's charts and totals.
func (h *Handler) drawActivity(p *reportsPage, act directory.Activity) {
	idx := map[time.Time]int{}
	labels := make([]string, len(act.Days))
	for i, d := range act.Days {
		idx[d] = i
		labels[i] = d.Format("2 Jan")
	}
	n := len(act.Days)
	values := func() []int { return make([]int, n) }
	span := p.Range.Describe()

	// Onboarding: people holding a passkey at the end of each day.
	first := values()
	for _, c := range act.FirstPasskeys {
		if i, ok := idx[c.Day]; ok {
			first[i] = c.Count
		}
	}
	cum, total := values(), act.PasswordlessBefore
	for i := range cum {
		total += first[i]
		cum[i] = total
	}
	p.Onboarding = chart{ID: "chart-onboarding", Title: "Passwordless people over time",
		Desc: "People holding at least one passkey at the end of each day, " + span + ": " +
			plural(act.PasswordlessBefore, "person", "people") + " at the start, " + plural(total, "person", "people") + " at the end.",
		Labels: labels, Series: []series{{Name: "Passwordless people", Class: "chart-1", Values: cum}}, Wide: true}

	// Sign-ins by method, and failures by reason.
	passkey, pass, failed := values(), values(), values()
	reasons := map[int]int{}
	for _, t := range act.SignIns {
		i, ok := idx[t.Day]
		if !ok {
			continue
		}
		p.SignIns += t.Count
		switch {
		case !t.Succeeded:
			failed[i] += t.Count
			p.Failed += t.Count
			reasons[t.ErrorCode] += t.Count
		case t.Method == domain.MethodPasskey:
			passkey[i] += t.Count
		default:
			pass[i] += t.Count
		}
	}
	p.FailedPct = percent(p.Failed, p.SignIns)
	p.ByMethod = chart{ID: "chart-methods", Title: "Sign-ins by method per day",
		Desc: "Successful sign-ins with a passkey and with a Temporary Access Pass, and failed sign-ins, per day, " + span + ": " +
			plural(sum(passkey), "passkey sign-in", "passkey sign-ins") + ", " + plural(sum(pass), "pass sign-in", "pass sign-ins") + ", " +
			plural(p.Failed, "failure", "failures") + ".",
		Labels: labels, Series: []series{{Name: "Passkey", Class: "chart-1", Values: passkey},
			{Name: "Temporary Access Pass", Class: "chart-2", Values: pass}, {Name: "Failed", Class: "chart-bad", Values: failed}}}

	top := 0
	for code, c := range reasons {
		p.Failures = append(p.Failures, barItem{Label: reasonLabel(code), Code: code, Count: c})
		top = max(top, c)
	}
	sort.Slice(p.Failures, func(i, j int) bool {
		if p.Failures[i].Count != p.Failures[j].Count {
			return p.Failures[i].Count > p.Failures[j].Count
		}
		return p.Failures[i].Code < p.Failures[j].Code
	})
	for i := range p.Failures {
		p.Failures[i].Share = percent(p.Failures[i].Count, top)
	}

	// Passes issued and used.
	issued, used := values(), values()
	for _, c := range act.PassesIssued {
		if i, ok := idx[c.Day]; ok {
			issued[i] = c.Count
		}
	}
	for _, c := range act.PassesUsed {
		if i, ok := idx[c.Day]; ok {
			used[i] = c.Count
		}
	}
	p.PassesIssued, p.PassesUsed = sum(issued), sum(used)
	p.Passes = chart{ID: "chart-passes", Title: "Temporary Access Passes issued and used per day",
		Desc: "Passes administrators issued, and distinct passes someone signed in with, per day, " + span + ": " +
			plural(p.PassesIssued, "pass", "passes") + " issued, " + plural(p.PassesUsed, "pass", "passes") + " used.",
		Labels: labels, Series: []series{{Name: "Issued", Class: "chart-3", Values: issued}, {Name: "Used", Class: "chart-2", Values: used}}}
}

func sum(v []int) int {
	t := 0
	for _, x := range v {
		t += x
	}
	return t
}

// registrationList fills the page's list of people and their methods.
func (h *Handler) registrationList(r *http.Request, a *Admin, p *reportsPage) error {
	q := r.URL.Query()
	p.Who, p.Search = q.Get("who"), strings.TrimSpace(q.Get("q"))
	if len(p.Search) > maxQuery {
		p.Search = p.Search[:maxQuery]
	}
	var filter odata.Expr
	boolean := func(field string, v bool) odata.Expr {
		return odata.Compare{Field: field, Op: odata.Eq, Value: odata.Value{Kind: odata.KindBool, Bool: v}}
	}
	switch p.Who {
	case "passwordless":
		filter = boolean("isPasswordlessCapable", true)
	case "notyet":
		filter = boolean("isPasswordlessCapable", false)
	case "admins":
		filter = boolean("isAdmin", true)
	case "pass":
		filter = odata.Any{Collection: "methodsRegistered", Inner: odata.Compare{Field: "", Op: odata.Eq,
			Value: odata.Value{Kind: odata.KindString, String: domain.RegisteredTemporaryAccessPass}}}
	default:
		p.Who = "all"
	}
	if p.Search != "" {
		v := odata.Value{Kind: odata.KindString, String: p.Search}
		s := odata.Expr(odata.Logical{Op: "or", Left: odata.Func{Name: "startswith", Field: "userPrincipalName", Value: v},
			Right: odata.Func{Name: "contains", Field: "userDisplayName", Value: v}})
		if filter == nil {
			filter = s
		} else {
			filter = odata.Logical{Op: "and", Left: filter, Right: s}
		}
	}
	p.Pager = pageOf(r, registrationPageSize)
	rows, total, err := h.dir.ListRegistrationDetails(r.Context(), a.Actor, store.ListOptions{Filter: filter,
		Top: p.Pager.Size, Skip: p.Pager.Skip(), Count: true,
		OrderBy: []odata.OrderBy{{Field: "userDisplayName"}, {Field: "userPrincipalName"}}})
	if err != nil {
		return err
	}
	p.Pager.Total = total
	for _, d := range rows {
		row := registrationRow{RegistrationDetails: d}
		for _, m := range d.MethodsRegistered() {
			row.Methods = append(row.Methods, registeredLabel(m))
		}
		p.Rows = append(p.Rows, row)
	}
	return nil
}

// registrationRow is one person of the registration list, with their methods
// named as people say them.
type registrationRow struct {
	domain.RegistrationDetails
	Methods []string
}

// reasonLabel names a sign-in error code in words for the charts and logs.
func reasonLabel(code int) string {
	switch code {
	case domain.SignInSuccess:
		return "Success"
	case domain.SignInPassBlocked:
		return "Pass blocked by policy"
	case domain.SignInPassInvalid:
		return "Wrong pass"
	case domain.SignInPassExpired:
		return "Pass expired"
	case domain.SignInPassUsed:
		return "One-time pass already used"
	case domain.SignInPassNotYetValid:
		return "Pass not valid yet"
	case domain.SignInNoUsableMethod:
		return "No pass issued"
	case domain.SignInAccountLocked:
		return "Account locked"
	case domain.SignInAccountDisabled:
		return "Account disabled"
	case domain.SignInUserNotFound:
		return "Unknown username"
	case domain.SignInPasskeyFailed:
		return "Passkey not accepted"
	case domain.SignInRateLimited:
		return "Too many attempts"
	}
	return "Other error"
}

// methodLabel names a sign-in's method as people say it.
func methodLabel(m string) string {
	switch m {
	case domain.MethodTemporaryAccess:
		return "Temporary Access Pass"
	case domain.MethodPasskey:
		return "Passkey"
	case "":
		return "—"
	}
	return m
}

// registeredLabel names a registered method as people say it.
func registeredLabel(m string) string {
	switch m {
	case domain.RegisteredPassKeyDeviceBound:
		return "Passkey (device-bound)"
	case domain.RegisteredPassKeySynced:
		return "Passkey (synced)"
	case domain.RegisteredTemporaryAccessPass:
		return "Temporary Access Pass"
	}
	return m
}
