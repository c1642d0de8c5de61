package console

import (
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
)

// area is one part of the console: its nav entry and its routes.
type area struct {
	Label string        // the nav entry; "" for routes without one
	Path  string        // where the nav entry leads; pages under it mark it current
	Need  domain.Action // the nav entry shows only when the roles allow this ("" for everyone)
	Icon  string        // a name from icons.go
	Mount func(h *Handler, rt router)
}

// areas is the console, one line an area, in the order of the nav. It is set in
// init because the pages draw the nav from it.
var areas []area

func init() {
	areas = []area{
		{Label: "Overview", Path: Prefix, Icon: "home", Mount: (*Handler).mountHome},
		{Label: "People", Path: Prefix + "/people", Need: domain.ActReadUsers, Icon: "people", Mount: (*Handler).mountPeople},
		{Mount: (*Handler).mountPasses}, // under People: a person's pass
		{Label: "Bulk passes", Path: Prefix + "/bulk", Need: domain.ActWriteMethods, Icon: "upload", Mount: (*Handler).mountBulk},
		{Label: "Policies", Path: Prefix + "/policies", Need: domain.ActReadPolicy, Icon: "policy", Mount: (*Handler).mountPolicies},
		{Label: "Applications", Path: Prefix + "/applications", Need: domain.ActManageApps, Icon: "app", Mount: (*Handler).mountApplications},
		{Label: "Signing keys", Path: Prefix + "/keys", Need: domain.ActManageKeys, Icon: "signkey", Mount: (*Handler).mountKeys},
		{Label: "Reports", Path: Prefix + "/reports", Need: domain.ActReadReports, Icon: "report", Mount: (*Handler).mountReports},
		{Label: "Logs", Path: Prefix + "/logs", Need: domain.ActReadAudit, Icon: "log", Mount: (*Handler).mountLogs},
	}
}

// navItem is a nav entry as the layout draws it.
type navItem struct {
	Label, Path, Icon string
	Current           bool
}

// navFor is the nav entries a's roles allow, with the one for path marked current.
func navFor(a *Admin, path string) []navItem {
	var out []navItem
	best, bestLen := -1, 0
	for _, ar := range areas {
		if ar.Label == "" || (ar.Need != "" && !a.Can(ar.Need)) {
			continue
		}
		if (path == ar.Path || strings.HasPrefix(path, ar.Path+"/")) && len(ar.Path) > bestLen {
			best, bestLen = len(out), len(ar.Path)
		}
		out = append(out, navItem{Label: ar.Label, Path: ar.Path, Icon: ar.Icon})
	}
	if best >= 0 {
		out[best].Current = true
	}
	return out
}
