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

// TestConsolePolicy changes the pass policy in the console: an out-of-range
// lifetime is refused at the field with the allowed range and changes nothing;
// a good change is reviewed (what changes, before and after), then saved and
// audited. A Reports Reader's forged save is refused.
func TestConsolePolicy(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx, _ := consoleAdmin(t, env, "grace@example.com", domain.RoleGlobalAdministrator)
		sys := domain.SystemActor()
		before, err := env.Dir.GetTAPPolicy(t.Context(), sys)
		if err != nil {
			t.Fatal(err)
		}

		open(t, ctx, env, "/admin/policies", "#pass-policy")
		if shots(t) {
			consoleShots(t, ctx, "policies")
		}
		do(t, ctx, "edit the pass policy", chromedp.Click(chromedp.CSS("#edit-pass-policy")), chromedp.WaitVisible(chromedp.CSS("#maximumLifetimeInMinutes")))
		if shots(t) {
			consoleShots(t, ctx, "policy-pass")
		}
		do(t, ctx, "ask for a 50000-minute longest lifetime",
			emptyField("#maximumLifetimeInMinutes"),
			chromedp.SendKeys(chromedp.CSS("#maximumLifetimeInMinutes"), "50000"),
			chromedp.Click(chromedp.CSS("#review-policy")),
			chromedp.WaitVisible(chromedp.CSS("#maximumLifetimeInMinutes-error")))
		msg := text(t, ctx, "#maximumLifetimeInMinutes-error")
		if !strings.Contains(msg, "between 10 and 43200") {
			t.Errorf("the refusal does not name the allowed range: %q", msg)
		}
		if inv, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#maximumLifetimeInMinutes").getAttribute("aria-invalid")`)); inv != "true" {
			t.Error("the refused field is not marked invalid")
		}
		if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#maximumLifetimeInMinutes"))); v != "50000" {
			t.Errorf("the form lost what was typed: %q", v)
		}
		if shots(t) {
			consoleShots(t, ctx, "policy-pass-refused")
		}
		if now, _ := env.Dir.GetTAPPolicy(t.Context(), sys); now.MaximumLifetimeInMinutes != before.MaximumLifetimeInMinutes || !now.LastModifiedDateTime.Equal(before.LastModifiedDateTime) {
			t.Errorf("a refused change changed the policy: %+v", now)
		}

		do(t, ctx, "ask for 600 minutes and review",
			emptyField("#maximumLifetimeInMinutes"),
			chromedp.SendKeys(chromedp.CSS("#maximumLifetimeInMinutes"), "600"),
			chromedp.Click(chromedp.CSS("#review-policy")),
			chromedp.WaitVisible(chromedp.CSS("#changes")))
		review := text(t, ctx, "#changes tbody")
		if !strings.Contains(review, "Longest lifetime") || !strings.Contains(review, "480 minutes") || !strings.Contains(review, "600 minutes") ||
			strings.Count(review, "\n") != 0 {
			t.Errorf("the review says %q, want the one change 480 → 600 minutes", review)
		}
		if now, _ := env.Dir.GetTAPPolicy(t.Context(), sys); now.MaximumLifetimeInMinutes != before.MaximumLifetimeInMinutes {
			t.Error("the review saved the change")
		}
		if shots(t) {
			consoleShots(t, ctx, "policy-pass-review")
		}

		// A Reports Reader forges the save the review page would send.
		reader, _ := consoleAdmin(t, env, "rita@example.com", domain.RoleReportsReader)
		open(t, reader, env, "/admin", ".console-nav")
		got := forgePost(t, reader, env, "/admin/policies/pass", url.Values{"step": {"save"}, "reviewed": {before.LastModifiedDateTime.Format("2006-01-02T15:04:05.999999999Z07:00")},
			"state": {"enabled"}, "minimumLifetimeInMinutes": {"60"}, "maximumLifetimeInMinutes": {"700"}, "defaultLifetimeInMinutes": {"60"},
			"defaultLength": {"8"}, "includeTargets": {"all_users"}})
		if got.Status != http.StatusForbidden {
			t.Errorf("a Reports Reader's forged save got %d, want 403", got.Status)
		}
		if now, _ := env.Dir.GetTAPPolicy(t.Context(), sys); now.MaximumLifetimeInMinutes != before.MaximumLifetimeInMinutes {
			t.Error("a Reports Reader changed the policy")
		}

		do(t, ctx, "save the reviewed change", chromedp.Click(chromedp.CSS("#save-policy")), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if got := text(t, ctx, "#flash"); !strings.Contains(got, "saved") {
			t.Errorf("after saving the page says %q", got)
		}
		after, _ := env.Dir.GetTAPPolicy(t.Context(), sys)
		if after.MaximumLifetimeInMinutes != 600 || after.MinimumLifetimeInMinutes != before.MinimumLifetimeInMinutes || len(after.IncludeTargets) != 1 {
			t.Errorf("saved policy: %+v", after)
		}
		audits, _, err := env.Dir.ListAudits(t.Context(), sys, store.ListOptions{Top: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range audits {
			if a.Category != domain.CategoryPolicy || a.InitiatedBy.UPN != "grace@example.com" {
				continue
			}
			for _, tr := range a.TargetResources {
				for _, p := range tr.ModifiedProperties {
					if p.DisplayName == "maximumLifetimeInMinutes" && p.OldValue == "480" && p.NewValue == "600" {
						found = true
					}
				}
			}
		}
		if !found {
			t.Error("no audit record of grace changing maximumLifetimeInMinutes from 480 to 600")
		}

		// The passkey policy's editor, reviewed and saved the same way, with a
		// group excluded.
		contractors, err := env.Dir.CreateGroup(t.Context(), sys, domain.Group{DisplayName: "Contractors", MailNickname: "contractors"})
		if err != nil {
			t.Fatal(err)
		}
		open(t, ctx, env, "/admin/policies/passkey", "#uv-preferred")
		if shots(t) {
			consoleShots(t, ctx, "policy-passkey")
		}
		do(t, ctx, "prefer user verification, exclude the contractors and review",
			chromedp.Click(chromedp.CSS("#uv-preferred")),
			chromedp.Click(chromedp.CSS("#exclude-"+contractors.ID)),
			chromedp.Click(chromedp.CSS("#review-policy")),
			chromedp.WaitVisible(chromedp.CSS("#changes")))
		if got := text(t, ctx, "#changes tbody"); !strings.Contains(got, "User verification") || !strings.Contains(got, "Preferred") ||
			!strings.Contains(got, "Excluded groups") || !strings.Contains(got, "Contractors") {
			t.Errorf("passkey review: %q", got)
		}
		do(t, ctx, "save it", chromedp.Click(chromedp.CSS("#save-policy")), chromedp.WaitVisible(chromedp.CSS("#flash")))
		if p, _ := env.Dir.GetFido2Policy(t.Context(), sys); p.UserVerification != "preferred" || len(p.ExcludeTargets) != 1 || p.ExcludeTargets[0].ID != contractors.ID {
			t.Errorf("passkey policy after saving: %+v", p)
		}
	})
}
