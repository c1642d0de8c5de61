package metrics_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The outbox's depth and each attempt's outcome: a pass mailed to a
// recipient waits in the outbox (deliveries_pending, across replicas, read
// from the database), a refusing mail server fails the attempt, and one that
// accepts delivers it.
func TestDeliveryQueueAndFailures(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			mail := testenv.NewMailCatcher(t)
			env := testenv.NewWithOptions(t, b, testenv.Options{Server: func(c *server.Config) {
				c.Delivery = server.DeliveryConfig{SMTPURL: mail.URL(), SMTPFrom: "firstkey@example.com"}
			}})
			env.EnablePassPolicy(t)
			u := env.CreateUser(t, "dana.metrics@example.com")
			token := env.AppToken(t, domain.PermUserAuthenticationMethodReadWrite)
			code, out := graphJSON(t, env, token, http.MethodPost, passesPath(u.ID), map[string]any{
				"deliverTo": map[string]any{"method": "email", "recipient": "helpdesk@mail.example"}})
			if code != http.StatusCreated {
				t.Fatalf("issue a delivered pass: %d %v", code, out)
			}
			_, fams := scrape(t, env.URL+"/metrics")
			if v, _ := value(fams["firstkey_deliveries_pending"], nil); v != 1 {
				t.Errorf("deliveries_pending = %v, want 1", v)
			}
			if v, _ := value(fams["firstkey_deliveries_queued_total"], map[string]string{"method": "email"}); v != 1 {
				t.Errorf("deliveries_queued_total{email} = %v, want 1", v)
			}

			mail.Refuse(true)
			ctx := context.Background()
			env.App.DeliverOnce(ctx)
			_, fams = scrape(t, env.URL+"/metrics")
			if v, _ := value(fams["firstkey_delivery_attempts_total"], map[string]string{"method": "email", "result": "failed"}); v != 1 {
				t.Errorf("failed attempts = %v, want 1", v)
			}
			if v, _ := value(fams["firstkey_deliveries_pending"], nil); v != 1 {
				t.Errorf("after a failed attempt deliveries_pending = %v, want 1", v)
			}

			mail.Refuse(false)
			// Past the first retry's wait, well within the pass's lifetime.
			env.Clock.Advance(domain.DefaultDeliveryRetry.Base + time.Second)
			for i := 0; i < 5 && len(mail.Messages()) == 0; i++ {
				env.App.DeliverOnce(ctx)
			}
			_, fams = scrape(t, env.URL+"/metrics")
			if v, _ := value(fams["firstkey_delivery_attempts_total"], map[string]string{"method": "email", "result": "delivered"}); v != 1 {
				t.Errorf("delivered = %v, want 1", v)
			}
			if v, _ := value(fams["firstkey_deliveries_pending"], nil); v != 0 {
				t.Errorf("after delivery deliveries_pending = %v, want 0", v)
			}
		})
	}
}
