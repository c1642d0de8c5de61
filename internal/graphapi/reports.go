package graphapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
)

// The authentication methods reports (Graph's /reports/authenticationMethods),
// computed live from the directory.

const reportsRoot = "reports/authenticationMethods"

// reportRoutes are the reports' routes, for Mount.
func (h *Handler) reportRoutes() map[string]methods {
	const base = "/v1.0/" + reportsRoot
	return map[string]methods{
		base + "/userRegistrationDetails":        {"GET": h.listRegistrationDetails},
		base + "/userRegistrationDetails/$count": {"GET": h.countRegistrationDetails},
		base + "/userRegistrationDetails/{id}":   {"GET": h.getRegistrationDetails},
		base + "/{fn}":                           {"GET": h.reportFunction},
	}
}

// registrationJSON renders Graph's userRegistrationDetails (v1.0 properties).
func registrationJSON(d domain.RegistrationDetails) obj {
	return obj{
		{"id", d.UserID},
		{"userPrincipalName", d.UserPrincipalName},
		{"userDisplayName", d.UserDisplayName},
		{"userType", "member"},
		{"isAdmin", d.IsAdmin},
		{"isSsprRegistered", false},
		{"isSsprEnabled", false},
		{"isSsprCapable", false},
		{"isMfaRegistered", d.IsMfaRegistered()},
		{"isMfaCapable", d.IsMfaCapable()},
		{"isPasswordlessCapable", d.IsPasswordlessCapable()},
		{"isSystemPreferredAuthenticationMethodEnabled", false},
		{"systemPreferredAuthenticationMethods", []string{}},
		{"userPreferredMethodForSecondaryAuthentication", "none"},
		{"methodsRegistered", d.MethodsRegistered()},
		{"lastUpdatedDateTime", graphTime(d.LastUpdatedDateTime)},
	}
}

var registrationSample = registrationJSON(domain.RegistrationDetails{})

func (h *Handler) listRegistrationDetails(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, reportsRoot+"/userRegistrationDetails", registrationSample,
		"userRegistrationDetails", h.dir.ListRegistrationDetails, registrationJSON)
}

func (h *Handler) countRegistrationDetails(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCount(w, r, c, h.dir.ListRegistrationDetails)
}

func (h *Handler) getRegistrationDetails(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveEntity(h, w, r, c, reportsRoot+"/userRegistrationDetails", registrationSample,
		"userRegistrationDetails", h.dir.GetRegistrationDetails, registrationJSON)
}

// reportFunction answers the OData functions of the reports root, in the URL
// forms the Graph SDKs build: usersRegisteredByMethod(),
// usersRegisteredByMethod(includedUserTypes='all',includedUserRoles='all'),
// the same for usersRegisteredByFeature, and the bare name as Graph's own
// documentation writes it.
func (h *Handler) reportFunction(w http.ResponseWriter, r *http.Request, c *call) error {
	seg := r.PathValue("fn")
	name, args, err := parseFunctionCall(seg)
	if err != nil {
		return err
	}
	switch name {
	case "usersRegisteredByMethod", "usersRegisteredByFeature":
		return h.registrationSummary(w, r, c, name, args)
	case "userSignInsByAuthMethodSummary":
		return h.signInsByMethod(w, r, c, args)
	case "userMfaSignInSummary":
		if args != nil {
			return badRequest("userMfaSignInSummary takes no arguments; choose days with $filter=createdDateTime ge … and createdDateTime lt ….")
		}
		return h.mfaSignInSummary(w, r, c)
	}
	return notFoundError("Resource not found for the segment '%s'.", truncate(seg))
}

// parseFunctionCall splits `name(a='x',b='y')` into its name and arguments;
// args is nil when the segment has no parentheses. Quotes inside a value are
// doubled, as in OData.
func parseFunctionCall(seg string) (string, map[string]string, error) {
	open := strings.IndexByte(seg, '(')
	if open < 0 {
		return seg, nil, nil
	}
	name, rest := seg[:open], seg[open+1:]
	malformed := func(why string) error {
		return badRequest("The function call '%s' is not well formed: %s.", truncate(seg), why)
	}
	if !strings.HasSuffix(rest, ")") {
		return "", nil, malformed("it must end with ')'")
	}
	rest = strings.TrimSuffix(rest, ")")
	args := map[string]string{}
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return "", nil, malformed("each argument is name='value'")
		}
		key := strings.TrimSpace(rest[:eq])
		rest = strings.TrimSpace(rest[eq+1:])
		if !strings.HasPrefix(rest, "'") {
			return "", nil, malformed("the value of " + truncate(key) + " must be quoted, as in " + truncate(key) + "='all'")
		}
		var val strings.Builder
		i := 1
		for {
			if i >= len(rest) {
				return "", nil, malformed("the value of " + truncate(key) + " has no closing quote")
			}
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					val.WriteByte('\'')
					i += 2
					continue
				}
				break
			}
			val.WriteByte(rest[i])
			i++
		}
		if _, dup := args[key]; dup {
			return "", nil, malformed("the argument " + truncate(key) + " is given twice")
		}
		args[key] = val.String()
		rest = strings.TrimSpace(rest[i+1:])
		if rest != "" {
			if rest[0] != ',' {
				return "", nil, malformed("arguments are separated by ','")
			}
			rest = strings.TrimSpace(rest[1:])
			if rest == "" {
				return "", nil, malformed("an argument is missing after ','")
			}
		}
	}
	return name, args, nil
}

// takeArgs checks that args names only the allowed arguments (compared
// without regard to case, as Graph does) and returns them by their own names.
func takeArgs(fn string, args map[string]string, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range args {
		found := ""
		for _, a := range allowed {
			if strings.EqualFold(k, a) {
				found = a
			}
		}
		if found == "" {
			return nil, badRequest("The function %s has no argument named '%s'; it takes %s.", fn, truncate(k), strings.Join(allowed, " and "))
		}
		out[found] = v
	}
	return out, nil
}

func (h *Handler) registrationSummary(w http.ResponseWriter, r *http.Request, c *call, fn string, args map[string]string) error {
	args, err := takeArgs(fn, args, "includedUserTypes", "includedUserRoles")
	if err != nil {
		return err
	}
	types, roles := domain.TypesAll, domain.RolesAll
	if v, ok := args["includedUserTypes"]; ok {
		if types, err = domain.ParseIncludedUserTypes(v); err != nil {
			return badRequest("%s", err.Error())
		}
	}
	if v, ok := args["includedUserRoles"]; ok {
		if roles, err = domain.ParseIncludedUserRoles(v); err != nil {
			return badRequest("%s", err.Error())
		}
	}
	sum, err := h.dir.SummarizeRegistrations(r.Context(), c.actor, roles, types)
	if err != nil {
		return err
	}
	var typ, list string
	var counts []obj
	if fn == "usersRegisteredByMethod" {
		typ, list = "userRegistrationMethodSummary", "userRegistrationMethodCounts"
		for _, m := range domain.RegistrationMethods {
			counts = append(counts, obj{{"authenticationMethod", m}, {"userCount", sum.ByMethod[m]}})
		}
	} else {
		typ, list = "userRegistrationFeatureSummary", "userRegistrationFeatureCounts"
		for _, f := range domain.RegistrationFeatures {
			counts = append(counts, obj{{"feature", f}, {"userCount", sum.ByFeature[f]}})
		}
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.base + "/v1.0/$metadata#microsoft.graph." + typ},
		{"@odata.type", "#microsoft.graph." + typ},
		{"totalUserCount", sum.TotalUsers},
		{list, counts},
		{"userRoles", string(roles)},
		{"userTypes", string(types)},
	})
	return nil
}

// reportPeriods are Graph's aggregationPeriod values.
var reportPeriods = map[string]int{"d1": 1, "d7": 7, "d30": 30}

// signInsByMethod answers userSignInsByAuthMethodSummary(period='d7'): the
// successful sign-ins of the last period per method.
func (h *Handler) signInsByMethod(w http.ResponseWriter, r *http.Request, c *call, args map[string]string) error {
	const fn = "userSignInsByAuthMethodSummary"
	args, err := takeArgs(fn, args, "period")
	if err != nil {
		return err
	}
	p, ok := args["period"]
	if !ok {
		return badRequest("The function %s needs the argument period: 'd1', 'd7' or 'd30', as in %s(period='d7').", fn, fn)
	}
	days, ok := reportPeriods[p]
	if !ok {
		return badRequest("period must be one of 'd1', 'd7', 'd30', not '%s'.", truncate(p))
	}
	now := h.dir.Clock().Now().UTC()
	tallies, err := h.dir.TallySignIns(r.Context(), c.actor, now.Add(-time.Duration(days)*24*time.Hour), now.Add(time.Microsecond))
	if err != nil {
		return err
	}
	success := map[string]int{}
	for _, t := range tallies {
		if t.Succeeded {
			success[domain.UsageMethod(t.Method)] += t.Count
		}
	}
	values := []obj{}
	for _, m := range []string{domain.UsageFido2, domain.UsageTemporaryAccessPass} {
		values = append(values, obj{{"@odata.type", "#microsoft.graph.userSignInUsageByAuthMethodActivity"},
			{"authenticationMethod", m}, {"successActivityCount", success[m]}})
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.base + "/v1.0/$metadata#Collection(microsoft.graph.userSignInUsageByAuthMethodActivity)"},
		{"value", values},
	})
	return nil
}

// mfaSignInSummary answers userMfaSignInSummary: per UTC day, the sign-ins
// that met multifactor authentication and those that did not. The days are
// the last 30 unless $filter bounds createdDateTime (ge, gt, lt, le, joined
// by and).
func (h *Handler) mfaSignInSummary(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	today := h.dir.Clock().Now().UTC().Truncate(24 * time.Hour)
	from, to := today.Add(-29*24*time.Hour), today.Add(24*time.Hour)
	if q.Filter != nil {
		if from, to, err = dateRange(q.Filter, from, to); err != nil {
			return err
		}
	}
	tallies, err := h.dir.TallySignIns(r.Context(), c.actor, from, to)
	if err != nil {
		return err
	}
	type day struct{ total, mfa, single int }
	byDay := map[time.Time]*day{}
	for _, t := range tallies {
		d := byDay[t.Day]
		if d == nil {
			d = &day{}
			byDay[t.Day] = d
		}
		d.total += t.Count
		if t.Requirement == domain.RequirementMFA {
			d.mfa += t.Count
		} else {
			d.single += t.Count
		}
	}
	values := []obj{}
	for _, d := range domain.DaysBetween(from, to) {
		n := byDay[d]
		if n == nil {
			n = &day{}
		}
		values = append(values, obj{{"@odata.type", "#microsoft.graph.userMfaSignInSummary"},
			{"id", d.Format("2006-01-02")}, {"createdDateTime", graphTime(d)},
			{"totalSignIns", n.total}, {"singleFactorSignIns", n.single}, {"multiFactorSignIns", n.mfa}})
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.base + "/v1.0/$metadata#" + reportsRoot + "/userMfaSignInSummary"},
		{"value", values},
	})
	return nil
}

// dateRange reads bounds on createdDateTime from a filter, keeping the
// defaults for a side it does not bound.
func dateRange(e odata.Expr, from, to time.Time) (time.Time, time.Time, error) {
	unsupported := unsupportedQuery("This report filters only on createdDateTime with ge, gt, lt or le, joined by 'and'.")
	switch e := e.(type) {
	case odata.Logical:
		if !strings.EqualFold(e.Op, "and") {
			return from, to, unsupported
		}
		from, to, err := dateRange(e.Left, from, to)
		if err != nil {
			return from, to, err
		}
		return dateRange(e.Right, from, to)
	case odata.Compare:
		if e.Field != "createdDateTime" || e.Value.Kind != odata.KindDateTime {
			return from, to, unsupported
		}
		t := e.Value.Time.UTC()
		switch e.Op {
		case odata.Ge:
			from = t
		case odata.Gt:
			from = t.Add(time.Microsecond)
		case odata.Lt:
			to = t
		case odata.Le:
			to = t.Add(time.Microsecond)
		default:
			return from, to, unsupported
		}
		return from, to, nil
	}
	return from, to, unsupported
}
