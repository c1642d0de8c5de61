package browsertest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestConsoleRoles holds the console to the directory's role rules, in the
// page (what is offered) and against forged form posts (what is done): an
// Authentication Administrator cannot issue a pass for a Global Administrator,
// a User Administrator cannot disable one, and a Reports Reader can change
// nothing at all.
func TestConsoleRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		sys := domain.SystemActor()
		gina := env.CreateUser(t, "gina@example.com", domain.RoleGlobalAdministrator)
		pat := env.CreateUser(t, "pat@example.com")
		patPass := issuePass(t, env, pat.UserPrincipalName, false)
		group, err := env.Dir.CreateGroup(ctx, sys, domain.Group{DisplayName: "Sales"})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Dir.AddGroupMember(ctx, sys, group.ID, pat.ID); err != nil {
			t.Fatal(err)
		}

		// An Authentication Administrator: not for a Global Administrator.
		aa, _ := consoleAdmin(t, env, "aa@example.com", domain.RoleAuthenticationAdministrator)
		open(t, aa, env, personPath(gina), "#person-name")
		if n, _ := chromedp.Run(aa, chromedp.Evaluate[int](`document.querySelectorAll("#create-pass").length`)); n != 0 {
			t.Error("an Authentication Administrator is offered a pass for a Global Administrator")
		}
		if got := text(t, aa, "#why-not-methods"); !strings.Contains(got, "holds the Global Administrator role") {
			t.Errorf("the page explains %q", got)
		}
		// The form, opened by address and sent, is refused in words.
		open(t, aa, env, personPath(gina)+"/pass/new", "#pass-form")
		resp, err := chromedp.RunResponse(aa, press("#create-pass-button"))
		if err != nil {
			t.Fatal(err)
		}
		do(t, aa, "see the refusal", chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, aa, "#page-error"); resp.Status != http.StatusForbidden || !strings.Contains(got, "a Privileged Authentication Administrator or a Global Administrator has to do this") {
			t.Errorf("a pass for a Global Administrator: %d %q", resp.Status, got)
		}
		if shots(t) {
			consoleShots(t, aa, "refused")
		}
		got := forgePost(t, aa, env, personPath(gina)+"/pass/new", url.Values{"start": {"now"}, "lifetime": {"60"}, "once": {"1"}})
		if got.Status != http.StatusForbidden {
			t.Errorf("a forged pass for a Global Administrator: %d", got.Status)
		}
		if ps, _ := env.Dir.ListPasses(ctx, sys, gina.ID); len(ps) != 0 {
			t.Error("an Authentication Administrator issued a pass for a Global Administrator")
		}
		// For someone without a role it works.
		got = forgePost(t, aa, env, personPath(pat)+"/pass/new", url.Values{"start": {"now"}, "lifetime": {"60"}, "once": {"1"}})
		if got.Status != http.StatusSeeOther || !strings.HasSuffix(got.Location, "/pass/shown") {
			t.Errorf("a pass for a person without a role: %d %s", got.Status, excerpt(got.Body))
		}
		patPassID := onlyPass(t, env, pat.ID)

		// A User Administrator: cannot disable a Global Administrator.
		ua, _ := consoleAdmin(t, env, "ua@example.com", domain.RoleUserAdministrator)
		open(t, ua, env, personPath(gina), "#person-name")
		if n, _ := chromedp.Run(ua, chromedp.Evaluate[int](`document.querySelectorAll("#disable-person, #edit-person, #delete-person").length`)); n != 0 {
			t.Error("a User Administrator is offered to change a Global Administrator")
		}
		if got := text(t, ua, "#why-not-edit"); !strings.Contains(got, "Only a Global Administrator can") {
			t.Errorf("the page explains %q", got)
		}
		for _, path := range []string{"/disable", "/edit", "/delete"} {
			got := forgePost(t, ua, env, personPath(gina)+path, url.Values{"displayName": {"Hacked"}})
			if got.Status != http.StatusForbidden || !refusedByRole(got) {
				t.Errorf("a User Administrator's forged %s of a Global Administrator: %d", path, got.Status)
			}
		}
		if u, _ := env.Dir.ResolveUser(ctx, gina.ID); !u.AccountEnabled || u.DisplayName != gina.DisplayName {
			t.Errorf("a User Administrator changed a Global Administrator: %+v", u)
		}

		// A Reports Reader: sees, changes nothing.
		rr, _ := consoleAdmin(t, env, "rr@example.com", domain.RoleReportsReader)
		if nav := text(t, rr, ".console-nav ul"); strings.Contains(nav, "Policies") || !strings.Contains(nav, "People") {
			t.Errorf("a Reports Reader's nav: %q", nav)
		}
		open(t, rr, env, personPath(pat), "#person-name")
		if n, _ := chromedp.Run(rr, chromedp.Evaluate[int](`document.querySelectorAll("main form").length`)); n != 0 {
			t.Errorf("a Reports Reader is offered %d forms on a person's page", n)
		}
		if shots(t) {
			consoleShots(t, rr, "person-readonly")
		}
		before := snapshot(t, env, pat.ID)
		keyID := "00000000-0000-0000-0000-000000000000"
		posts := map[string]url.Values{
			"/admin/people/new":                                 {"upn": {"eve@example.com"}, "displayName": {"Eve"}, "enabled": {"1"}},
			personPath(pat) + "/edit":                           {"displayName": {"Changed"}, "mail": {"x@example.com"}},
			personPath(pat) + "/disable":                        {},
			personPath(pat) + "/enable":                         {},
			personPath(pat) + "/delete":                         {},
			personPath(pat) + "/groups/add":                     {"group": {group.ID}},
			personPath(pat) + "/groups/" + group.ID + "/remove": {},
			personPath(pat) + "/roles/add":                      {"role": {string(domain.RoleGlobalAdministrator)}},
			personPath(pat) + "/roles/" + string(domain.RoleReportsReader) + "/remove": {},
			personPath(pat) + "/passkeys/" + keyID + "/delete":                         {},
			personPath(pat) + "/sessions/revoke":                                       {},
			personPath(pat) + "/unlock":                                                {},
			personPath(pat) + "/pass/new":                                              {"start": {"now"}, "lifetime": {"60"}},
			personPath(pat) + "/pass/" + patPassID + "/delete":                         {},
		}
		for path, form := range posts {
			if got := forgePost(t, rr, env, path, form); got.Status != http.StatusForbidden || !refusedByRole(got) {
				t.Errorf("a Reports Reader's forged post to %s: %d %s", path, got.Status, excerpt(got.Body))
			}
		}
		if after := snapshot(t, env, pat.ID); after != before {
			t.Errorf("a Reports Reader's posts changed the store:\nbefore %s\nafter  %s", before, after)
		}
		if _, err := env.Dir.ResolveUser(ctx, "eve@example.com"); err == nil {
			t.Error("a Reports Reader created a user")
		}
		_ = patPass
	})
}

// refusedByRole tells a refusal by the role rules from one of the token check:
// the forged posts carry a valid token, so they must reach the rules.
func refusedByRole(f forged) bool {
	return !strings.Contains(f.Body, "did not come from the console") && strings.Contains(f.Body, `id="page-error"`)
}

// onlyPass is the id of a person's one pass.
func onlyPass(t *testing.T, env *testenv.Env, userID string) string {
	t.Helper()
	ps, err := env.Dir.ListPasses(t.Context(), domain.SystemActor(), userID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("passes: %d, %v", len(ps), err)
	}
	return ps[0].ID
}

// snapshot is what the role tests compare of a person before and after.
func snapshot(t *testing.T, env *testenv.Env, userID string) string {
	t.Helper()
	ctx, sys := t.Context(), domain.SystemActor()
	u, err := env.Dir.ResolveUser(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	roles, _ := env.Dir.UserRoles(ctx, userID)
	groups, _ := env.Dir.MemberOf(ctx, sys, userID)
	passes, _ := env.Dir.ListPasses(ctx, sys, userID)
	_, users, _ := env.Dir.ListUsers(ctx, sys, store.ListOptions{Top: 1, Count: true})
	var b strings.Builder
	b.WriteString(u.DisplayName + "|" + u.Mail + "|" + boolText(u.AccountEnabled) + "|" + u.LastModifiedDateTime.String())
	for _, r := range roles {
		b.WriteString("|role:" + string(r))
	}
	for _, g := range groups {
		b.WriteString("|group:" + g.ID)
	}
	for _, p := range passes {
		b.WriteString("|pass:" + p.ID)
	}
	b.WriteString("|users:" + strings.Repeat("x", users))
	return b.String()
}

func boolText(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}
