package server

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/firstkey/firstkey/internal/delivery"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// DeliveryConfig is how passes and notices leave firstkey. With neither SMTP
// nor a webhook, passes can only be shown to their issuer.
type DeliveryConfig struct {
	SMTPURL  string // smtp://user:password@host:port or smtps://…
	SMTPFrom string // sender address; default firstkey@<issuer host>
	// WebhookURL receives passes as JSON signed with the secret in
	// WebhookSecretFile (see delivery.SignatureHeader).
	WebhookURL        string
	WebhookSecretFile string
	// NotifyUsers: nil means on whenever SMTP is configured.
	NotifyUsers *bool
	// Retry is the back-off (zero: domain.DefaultDeliveryRetry); Poll how often
	// the outbox is checked; Lease how long a claim keeps other replicas off.
	Retry domain.DeliveryRetry
	Poll  time.Duration
	Lease time.Duration
}

func (d DeliveryConfig) options() directory.DeliveryOptions {
	notify := d.SMTPURL != ""
	if d.NotifyUsers != nil {
		notify = notify && *d.NotifyUsers
	}
	return directory.DeliveryOptions{Email: d.SMTPURL != "", Webhook: d.WebhookURL != "", NotifyUsers: notify, Retry: d.Retry}
}

// worker builds the sender, checking the configuration before the server
// starts rather than at the first delivery.
func (d DeliveryConfig) worker(dir *directory.Service, c Config) (*delivery.Worker, error) {
	w := &delivery.Worker{Dir: dir, Log: c.Logger, Poll: d.Poll, Lease: d.Lease}
	if d.SMTPURL != "" {
		from := d.SMTPFrom
		if from == "" {
			from = "firstkey@" + issuerHost(c.Issuer)
		}
		m, err := delivery.NewMailer(d.SMTPURL, from)
		if err != nil {
			return nil, err
		}
		w.Mailer = m
	}
	if d.WebhookURL != "" {
		if d.WebhookSecretFile == "" {
			return nil, fmt.Errorf("a webhook needs a secret: --webhook-secret-file")
		}
		secret, err := os.ReadFile(d.WebhookSecretFile)
		if err != nil {
			return nil, fmt.Errorf("read webhook secret: %w", err)
		}
		h, err := delivery.NewWebhook(d.WebhookURL, bytes.TrimSpace(secret))
		if err != nil {
			return nil, err
		}
		w.Webhook = h
	}
	return w, nil
}

func issuerHost(issuer string) string {
	if u, err := url.Parse(issuer); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// sendDeliveries works the outbox until ctx ends.
func (a *App) sendDeliveries(ctx context.Context) {
	if a.worker != nil {
		a.worker.Run(ctx)
	}
}

// DeliverOnce sends one batch of due deliveries now and returns how many it
// claimed, for tests that drive the outbox without waiting for the worker.
func (a *App) DeliverOnce(ctx context.Context) int {
	if a.worker == nil {
		return 0
	}
	return a.worker.RunOnce(ctx)
}
