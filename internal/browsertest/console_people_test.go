package browsertest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestConsoleServiceDesk is the service desk's day in the console: find and
// add a person, give them a pass that is shown once, see them go passwordless
// in their own browser, unlock someone who mistyped their pass too often, and
// sign someone out everywhere.
func TestConsoleServiceDesk(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		env.CreateUser(t, "linus@example.com")
		env.CreateUser(t, "lina@example.com")
		admin, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)

		// Search as you type: the list narrows without pressing Enter.
		open(t, admin, env, "/admin/people", "#people-table")
		do(t, admin, "type a search", chromedp.SendKeys(chromedp.CSS("#q"), "lin"))
		waitJS(t, admin, "the list to narrow as I type", `document.querySelectorAll("#people-table tbody tr").length === 2`)
		if got := text(t, admin, "#people-results .result-count"); !strings.Contains(got, "2 people match") {
			t.Errorf("search results say %q", got)
		}
		if shots(t) {
			consoleShots(t, admin, "people")
		}
		// Without script the search is a plain GET form; mail counts too.
		open(t, admin, env, "/admin/people?q=NOBODY-HERE", "#people-results")
		if got := text(t, admin, "#people-results"); !strings.Contains(got, "Nobody matches") {
			t.Errorf("an empty search shows %q", got)
		}

		// A new person.
		open(t, admin, env, "/admin/people", "#new-person")
		do(t, admin, "open the new-person form", press("#new-person"), chromedp.WaitVisible(chromedp.CSS("#person-form")))
		if shots(t) {
			consoleShots(t, admin, "person-new")
		}
		do(t, admin, "add Ada",
			fill("#upn", "ada@example.com"),
			fill("#displayName", "Ada Lovelace"),
			fill("#mail", "ada.lovelace@example.org"),
			fill("#manager", "grace@example.com"),
			press("#person-form button[type=submit]"),
			chromedp.WaitVisible(chromedp.CSS("#person-name")))
		if got := text(t, admin, "#flash"); !strings.Contains(got, "Ada Lovelace was added") {
			t.Errorf("after adding, the page says %q", got)
		}
		ada, err := env.Dir.ResolveUser(ctx, "ada@example.com")
		if err != nil || ada.DisplayName != "Ada Lovelace" || ada.Mail != "ada.lovelace@example.org" || ada.ManagerID == "" || !ada.AccountEnabled {
			t.Fatalf("Ada stored as %+v, %v", ada, err)
		}
		// The same username again is refused in words, on the form.
		open(t, admin, env, "/admin/people/new", "#person-form")
		do(t, admin, "add Ada twice",
			fill("#upn", "ADA@example.com"),
			fill("#displayName", "Ada again"),
			press("#person-form button[type=submit]"),
			chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, admin, "#page-error"); !strings.Contains(got, "already exists") {
			t.Errorf("a taken username is refused with %q", got)
		}

		// A pass, shown once.
		open(t, admin, env, personPath(ada), "#create-pass")
		do(t, admin, "open the pass form", press("#create-pass"), chromedp.WaitVisible(chromedp.CSS("#pass-form")))
		if got := text(t, admin, "#policy-bounds"); !strings.Contains(got, "between 60 minutes (1 hour) and 480 minutes (8 hours)") {
			t.Errorf("the pass form shows the policy as %q", got)
		}
		if shots(t) {
			consoleShots(t, admin, "pass-new")
		}
		// A lifetime outside the policy is refused with the bounds, nothing issued.
		do(t, admin, "ask for too long a pass",
			fill("#lifetime", "600"),
			runJS(`document.querySelector("#lifetime").removeAttribute("max")`),
			press("#create-pass-button"),
			chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, admin, "#page-error"); !strings.Contains(got, "between 60 and 480 minutes") {
			t.Errorf("too long a lifetime is refused with %q", got)
		}
		if ps, _ := env.Dir.ListPasses(ctx, domain.SystemActor(), ada.ID); len(ps) != 0 {
			t.Fatal("a refused pass was created")
		}
		do(t, admin, "create a one-time pass for an hour",
			fill("#lifetime", "60"),
			press("#create-pass-button"),
			chromedp.WaitVisible(chromedp.CSS("#pass-shown")))
		attr, _ := chromedp.Run(admin, chromedp.AttributeValue(chromedp.CSS("#pass-code"), "data-value"))
		code := attr.Value
		if len(code) != 8 {
			t.Fatalf("the pass shown is %q", code)
		}
		if got := strings.Fields(text(t, admin, "#pass-code")); strings.Join(got, "") != code || len(got) != 2 {
			t.Errorf("the pass is not grouped for reading aloud: %q", got)
		}
		if got := text(t, admin, ".once-warning"); !strings.Contains(got, "will not be shown again") {
			t.Errorf("the pass page warns %q", got)
		}
		if got := text(t, admin, "#signin-url"); got != env.Issuer+"/mysecurityinfo" {
			t.Errorf("the sign-in address shown is %q", got)
		}
		if n, _ := chromedp.Run(admin, chromedp.Evaluate[int](`document.querySelectorAll(".qr svg path").length`)); n != 1 {
			t.Error("no QR code of the sign-in address")
		}
		if shots(t) {
			consoleShots(t, admin, "pass-shown")
		}
		resp, err := chromedp.RunResponse(admin, chromedp.Reload())
		if err != nil {
			t.Fatal(err)
		}
		do(t, admin, "see the pass gone after a reload", chromedp.WaitVisible(chromedp.CSS("#pass-gone")))
		html, _ := chromedp.Run(admin, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if resp.Status != http.StatusGone || strings.Contains(html, code) {
			t.Errorf("a reload of the pass page: status %d, pass shown again: %v", resp.Status, strings.Contains(html, code))
		}
		if shots(t) {
			consoleShots(t, admin, "pass-gone")
		}
		if strings.Contains(env.Logs(), code) {
			t.Error("the pass is in the server's log")
		}

		// Ada, in her own browser, signs in with it and goes passwordless.
		adaTab := newTab(t)
		signInWithPass(t, adaTab, env, ada.UserPrincipalName, code)
		do(t, adaTab, "Ada adds a passkey",
			fill("#passkey-name", "Ada's phone"),
			press("#add-passkey-button"),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		do(t, adaTab, "Ada signs in with her passkey",
			chromedp.Navigate(env.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("[data-passkey-signin]")),
			press("[data-passkey-signin]"),
			chromedp.WaitVisible(chromedp.CSS("#passkey-list")))
		open(t, admin, env, personPath(ada), "#methods")
		if got := text(t, admin, "#methods #passkey-list"); !strings.Contains(got, "Ada's phone") {
			t.Errorf("Ada's passkeys in the console: %q", got)
		}
		if got := text(t, admin, "#session-list"); !strings.Contains(got, "Passkey") {
			t.Errorf("Ada's sessions in the console: %q", got)
		}
		if got := text(t, admin, "#signin-table"); !strings.Contains(got, "Passkey") || !strings.Contains(got, "Pass") {
			t.Errorf("Ada's recent sign-ins: %q", got)
		}
		if shots(t) {
			consoleShots(t, admin, "person")
		}

		// Signed out everywhere: Ada's next request asks her to sign in.
		do(t, admin, "sign Ada out everywhere", press("#revoke-sessions"), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if got := text(t, admin, "#flash"); !strings.Contains(got, "Signed out everywhere") {
			t.Errorf("after revoking, the page says %q", got)
		}
		do(t, adaTab, "Ada's next request", chromedp.Navigate(env.URL+"/mysecurityinfo"), chromedp.WaitVisible(chromedp.CSS("#username")))
		if got := text(t, adaTab, "main"); !strings.Contains(got, "session has ended") {
			t.Errorf("Ada's browser after the revocation shows %q", got)
		}

		// Locked out by wrong passes, unlocked by the service desk.
		bob := env.CreateUser(t, "bob@example.com")
		bobPass := issuePass(t, env, bob.UserPrincipalName, false)
		b := testenv.Browser(t)
		for i := 0; i < domain.SourceLockout.Threshold; i++ {
			env.SignInWithPass(t, b, bob.UserPrincipalName, "WRONGPASS", "")
		}
		if resp := env.SignInWithPass(t, b, bob.UserPrincipalName, bobPass.Code, ""); resp.Request.URL.Path == "/mysecurityinfo" {
			t.Fatal("the right pass worked while locked out")
		}
		open(t, admin, env, personPath(bob), "#lockout")
		if got := text(t, admin, "#lockout-state"); !strings.Contains(got, "Locked out") {
			t.Errorf("Bob's lock-out shows %q", got)
		}
		if shots(t) {
			consoleShots(t, admin, "person-locked")
		}
		do(t, admin, "unlock Bob", press("#unlock"), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if got := text(t, admin, "#lockout-state"); !strings.Contains(got, "Not locked out") {
			t.Errorf("after unlocking, Bob's lock-out shows %q", got)
		}
		if resp := env.SignInWithPass(t, b, bob.UserPrincipalName, bobPass.Code, ""); resp.Request.URL.Path != "/mysecurityinfo" {
			t.Errorf("after unlocking, Bob's right pass ended at %s", resp.Request.URL)
		}
	})
}

// TestConsolePersonChanges edits a person in every way the person's page offers.
func TestConsolePersonChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		sys := domain.SystemActor()
		admin, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)
		ada := env.CreateUser(t, "ada@example.com")
		g, err := env.Dir.CreateGroup(ctx, sys, domain.Group{DisplayName: "New joiners"})
		if err != nil {
			t.Fatal(err)
		}

		open(t, admin, env, personPath(ada)+"/edit", "#person-form")
		if shots(t) {
			consoleShots(t, admin, "person-edit")
		}
		do(t, admin, "rename Ada and set her hire date",
			fill("#displayName", "Ada King"),
			fill("#hireDate", "2027-01-04"),
			press("#person-form button[type=submit]"),
			chromedp.WaitVisible(chromedp.CSS("#flash")))
		if u, _ := env.Dir.ResolveUser(ctx, ada.ID); u.DisplayName != "Ada King" || u.EmployeeHireDate == nil || u.EmployeeHireDate.Format("2006-01-02") != "2027-01-04" {
			t.Errorf("after editing, Ada is %+v", u)
		}
		// A manager who does not exist is refused on the form, nothing changed.
		open(t, admin, env, personPath(ada)+"/edit", "#person-form")
		do(t, admin, "give Ada a manager nobody knows",
			fill("#manager", "ghost@example.com"),
			press("#person-form button[type=submit]"),
			chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, admin, "#page-error"); !strings.Contains(got, "ghost@example.com") {
			t.Errorf("an unknown manager is refused with %q", got)
		}

		open(t, admin, env, personPath(ada), "#groups")
		do(t, admin, "add Ada to a group", press("#groups button[type=submit]"), chromedp.WaitVisible(chromedp.CSS("#group-list")))
		if gs, _ := env.Dir.MemberOf(ctx, sys, ada.ID); len(gs) != 1 || gs[0].ID != g.ID {
			t.Errorf("Ada's groups: %+v", gs)
		}
		do(t, admin, "assign Ada a role",
			fill("#add-role", string(domain.RoleReportsReader)),
			press("#roles .add-row button"),
			chromedp.WaitVisible(chromedp.CSS("#role-list")))
		if rs, _ := env.Dir.UserRoles(ctx, ada.ID); len(rs) != 1 || rs[0] != domain.RoleReportsReader {
			t.Errorf("Ada's roles: %v", rs)
		}
		do(t, admin, "take the role back", press("#role-list .chip-remove"))
		waitJS(t, admin, "the role to go", `!document.querySelector("#role-list") && !!document.querySelector("#flash")`)
		do(t, admin, "take Ada out of the group", press("#group-list .chip-remove"))
		waitJS(t, admin, "the group to go", `!document.querySelector("#group-list") && !!document.querySelector("#flash")`)
		if rs, _ := env.Dir.UserRoles(ctx, ada.ID); len(rs) != 0 {
			t.Errorf("Ada still holds %v", rs)
		}
		if gs, _ := env.Dir.MemberOf(ctx, sys, ada.ID); len(gs) != 0 {
			t.Errorf("Ada is still in %+v", gs)
		}

		do(t, admin, "disable Ada", press("#disable-person"), chromedp.WaitVisible(chromedp.CSS("#enable-person")))
		if u, _ := env.Dir.ResolveUser(ctx, ada.ID); u.AccountEnabled {
			t.Error("Ada is still enabled")
		}
		// A disabled person's pass is refused in words.
		open(t, admin, env, personPath(ada)+"/pass/new", "#pass-form")
		do(t, admin, "create a pass for a disabled account", press("#create-pass-button"), chromedp.WaitVisible(chromedp.CSS("#page-error")))
		if got := text(t, admin, "#page-error"); !strings.Contains(got, "This account is disabled") {
			t.Errorf("a pass for a disabled account is refused with %q", got)
		}
		open(t, admin, env, personPath(ada), "#enable-person")
		do(t, admin, "enable Ada", press("#enable-person"), chromedp.WaitVisible(chromedp.CSS("#disable-person")))

		// Nobody issues their own pass, in the page's words.
		open(t, admin, env, "/admin/people?q=grace", "#people-table")
		do(t, admin, "open my own page", press("#people-table a"), chromedp.WaitVisible(chromedp.CSS("#person-name")))
		if n, _ := chromedp.Run(admin, chromedp.Evaluate[int](`document.querySelectorAll("#create-pass").length`)); n != 0 {
			t.Error("an administrator is offered a pass for themselves")
		}
		loc, _ := chromedp.Run(admin, chromedp.Location())
		self := strings.TrimPrefix(loc, env.URL)
		got := forgePost(t, admin, env, self+"/pass/new", url.Values{"start": {"now"}, "lifetime": {"60"}, "once": {"1"}})
		if got.Status != http.StatusForbidden || !strings.Contains(got.Body, "for your own account") {
			t.Errorf("a pass for oneself: %d %s", got.Status, excerpt(got.Body))
		}

		// Delete, after a confirmation page.
		open(t, admin, env, personPath(ada), "#delete-person")
		do(t, admin, "ask to delete Ada", press("#delete-person"), chromedp.WaitVisible(chromedp.CSS("#confirm-delete")))
		if shots(t) {
			consoleShots(t, admin, "person-delete")
		}
		do(t, admin, "confirm", press("#confirm-delete-button"), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if _, err := env.Dir.ResolveUser(ctx, ada.ID); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("Ada after deletion: %v", err)
		}
	})
}

func personPath(u domain.User) string { return "/admin/people/" + u.ID }

// excerpt is the alert of a console page, for failure messages.
func excerpt(body string) string {
	if i := strings.Index(body, `id="page-error"`); i >= 0 {
		body = body[i:]
	}
	return body[:min(len(body), 300)]
}

var _ = context.Background
