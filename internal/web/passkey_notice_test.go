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
