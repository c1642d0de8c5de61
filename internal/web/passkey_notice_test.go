package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestUserToldOfNewPasskey: adding a passkey mails its holder (through a real
// SMTP server on loopback) a link with which they can remove and report it.
func TestUserToldOfNewPasskey(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			mail := testenv.NewMailCatcher(t)
			env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true, Server: func(c *server.Config) {
				c.Delivery = server.DeliveryConfig{SMTPURL: mail.URL(), SMTPFrom: "firstkey@example.com"}
			}})
			env.EnablePassPolicy(t)
			ctx := context.Background()
			u := env.CreateUser(t, "frank@example.com")
			if _, err := env.Store.UpdateUser(ctx, u.ID, func(old domain.User) (domain.User, error) {
				old.Mail = "frank@mail.example"
				return old, nil
			}); err != nil {
				t.Fatal(err)
			}
			code := env.IssuePass(t, u.ID, false)
			br := newBrowser(t, env)
			br.signInWithPass(u.UserPrincipalName, code)
			keyID := br.registerPasskey(newSoftKey(t, env.Issuer), "Green key")

			env.App.DeliverOnce(ctx)
			msgs := mail.WaitFor(t, 2, 10*time.Second) // the pass notice, the passkey notice
			var notice *testenv.Mail
			for i := range msgs {
				if strings.Contains(msgs[i].Subject, "passkey") {
					notice = &msgs[i]
				}
			}
			if notice == nil || notice.To[0] != "frank@mail.example" || !strings.Contains(notice.Text, "Green key") {
				t.Fatalf("no passkey notice among %+v", msgs)
			}
			link := regexp.MustCompile(`http://\S+/report/\S+`).FindString(notice.Text)
			resp, err := http.Post(link, "application/x-www-form-urlencoded", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "passkey was removed") {
				t.Fatalf("report: %d %s", resp.StatusCode, body)
			}
			if _, err := env.Store.GetPasskey(ctx, keyID); err == nil {
				t.Fatal("the reported passkey is still there")
			}
			if r := br.get("/mysecurityinfo"); r.Status == http.StatusOK {
				t.Fatal("the session that added the reported passkey still works")
			}
			all, _, err := env.Store.ListAudits(ctx, store.ListOptions{Top: 100})
			if err != nil {
				t.Fatal(err)
			}
			reported := 0
			for _, a := range all {
				if a.ActivityDisplayName == directory.ActivityReportedSuspiciousK {
					reported++
				}
			}
			if reported != 1 {
				t.Fatalf("%d report audits, want 1", reported)
			}
		})
	}
}

// TestSetUpBannerOnlyWithoutPasskey: the "Set up your passkey now" banner
// greets a person who signed in with a pass and has no passkey, and is gone
// once they have added one, in the same session and in the next pass session.
func TestSetUpBannerOnlyWithoutPasskey(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", true)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		const banner = "Set up your passkey now"
		if page := b.get("/mysecurityinfo"); page.Status != http.StatusOK || !strings.Contains(page.Body, banner) {
			t.Fatalf("without a passkey: %d, banner shown: %v", page.Status, strings.Contains(page.Body, banner))
		}
		b.registerPasskey(newSoftKey(t, env.URL), "Work laptop")
		page := b.get("/mysecurityinfo?done=added")
		if page.Status != http.StatusOK || strings.Contains(page.Body, banner) || !strings.Contains(page.Body, "Your passkey was added") {
			t.Errorf("after adding a passkey: %d, banner shown: %v, added notice shown: %v", page.Status,
				strings.Contains(page.Body, banner), strings.Contains(page.Body, "Your passkey was added"))
		}
		// A new pass session of someone who already has a passkey.
		again := newBrowser(t, env)
		again.signInWithPass("ada@example.com", issuePass(t, env, "ada@example.com", true).Code)
		if page := again.get("/mysecurityinfo"); page.Status != http.StatusOK || strings.Contains(page.Body, banner) || !strings.Contains(page.Body, "Work laptop") {
			t.Errorf("a pass session with a passkey: %d, banner shown: %v", page.Status, strings.Contains(page.Body, banner))
		}
	})
}
