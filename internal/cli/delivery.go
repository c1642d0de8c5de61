package cli

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
)

// deliveryFlags are serve's settings for delivering passes and notifying users.
type deliveryFlags struct {
	smtpURL, smtpFrom, webhookURL, webhookSecretFile string
	notifyUsers                                      bool
}

func (d *deliveryFlags) register(f *pflag.FlagSet) {
	f.StringVar(&d.smtpURL, "smtp-url", "", "SMTP server for delivering passes and notifying users: smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 (env FIRSTKEY_SMTP_URL)")
	f.StringVar(&d.smtpFrom, "smtp-from", "", "sender address of firstkey's mail (default firstkey@<issuer host>) (env FIRSTKEY_SMTP_FROM)")
	f.StringVar(&d.webhookURL, "webhook-url", "", "URL that receives delivered passes as JSON signed with HMAC-SHA256 (env FIRSTKEY_WEBHOOK_URL)")
	f.StringVar(&d.webhookSecretFile, "webhook-secret-file", "", "file holding the webhook's signing secret, at least 16 bytes (env FIRSTKEY_WEBHOOK_SECRET_FILE)")
	f.BoolVar(&d.notifyUsers, "notify-users", true, "mail users about every pass issued and passkey added for them (needs --smtp-url) (env FIRSTKEY_NOTIFY_USERS)")
	envFlag(f, "smtp-url", "FIRSTKEY_SMTP_URL")
	envFlag(f, "smtp-from", "FIRSTKEY_SMTP_FROM")
	envFlag(f, "webhook-url", "FIRSTKEY_WEBHOOK_URL")
	envFlag(f, "webhook-secret-file", "FIRSTKEY_WEBHOOK_SECRET_FILE")
	envFlag(f, "notify-users", "FIRSTKEY_NOTIFY_USERS")
}

func (d deliveryFlags) apply(cfg *server.Config) {
	notify := d.notifyUsers
	cfg.Delivery = server.DeliveryConfig{SMTPURL: d.smtpURL, SMTPFrom: d.smtpFrom, WebhookURL: d.webhookURL,
		WebhookSecretFile: d.webhookSecretFile, NotifyUsers: &notify, Retry: retryFromEnv()}
	if os.Getenv("FIRSTKEY_TEST_DELIVERY_RETRY_SECONDS") != "" {
		// Tests wait for deliveries, and for the lease of a killed process.
		cfg.Delivery.Poll, cfg.Delivery.Lease = 200*time.Millisecond, 10*time.Second
	}
}

// deliveryFromEnv is what management commands, which only queue deliveries for
// the server to send, know of the server's ways out: the same environment.
func deliveryFromEnv() server.DeliveryConfig {
	notify := os.Getenv("FIRSTKEY_NOTIFY_USERS") != "false"
	return server.DeliveryConfig{SMTPURL: os.Getenv("FIRSTKEY_SMTP_URL"), WebhookURL: os.Getenv("FIRSTKEY_WEBHOOK_URL"),
		NotifyUsers: &notify, Retry: retryFromEnv()}
}

// retryFromEnv reads FIRSTKEY_TEST_DELIVERY_RETRY_SECONDS, which tests set to
// retry failed deliveries after that many seconds instead of minutes.
func retryFromEnv() domain.DeliveryRetry {
	if n, err := strconv.Atoi(os.Getenv("FIRSTKEY_TEST_DELIVERY_RETRY_SECONDS")); err == nil && n > 0 {
		r := domain.DefaultDeliveryRetry
		r.Base, r.Max = time.Duration(n)*time.Second, time.Duration(n)*time.Second
		return r
	}
	return domain.DeliveryRetry{}
}

// deliverySummary says where a delivered pass went, for the issuer.
func deliverySummary(p directory.IssuedPass) string {
	d := p.Delivery
	if d == nil {
		return ""
	}
	if d.Method == domain.DeliverByEmail {
		return "by e-mail to " + d.Recipient
	}
	return "by webhook"
}

func deliverError(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}
