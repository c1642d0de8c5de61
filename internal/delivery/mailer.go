package delivery

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/firstkey/firstkey/internal/domain"
)

// Mailer sends mail through one SMTP server.
type Mailer struct {
	from string
	opts []mail.Option
	host string
}

// sendTimeout bounds one SMTP conversation; it is well inside the lease.
const sendTimeout = time.Minute

// NewMailer reads an SMTP URL: smtp://[user:password@]host[:port] (STARTTLS
// when the server offers it, port 587 by default) or smtps://… (TLS from the
// first byte, port 465). from is the sender address.
func NewMailer(rawURL, from string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("SMTP URL: expected smtp://[user:password@]host[:port] or smtps://…")
	}
	if err := domain.ValidateMailAddress(from); err != nil {
		return nil, fmt.Errorf("SMTP sender (--smtp-from): %w", err)
	}
	var opts []mail.Option
	port := 587
	switch u.Scheme {
	case "smtp":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case "smtps":
		port = 465
		opts = append(opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP URL: the scheme must be smtp:// or smtps://, not %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("SMTP URL: port %q is not a port number", p)
		}
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	return &Mailer{from: from, opts: opts, host: u.Hostname()}, nil
}

// Send mails one message with a plain-text body and an HTML alternative.
func (m *Mailer) Send(ctx context.Context, to, subject, text, html string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetUserAgent("firstkey")
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)
	// go-mail heeds ctx only while dialling; the connection's own timeout is
	// what ends a conversation with a server that stops answering, so it is
	// held to ctx's deadline (the claim's lease) too.
	timeout := sendTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return fmt.Errorf("send mail via %s: %w", m.host, context.DeadlineExceeded)
	}
	c, err := mail.NewClient(m.host, append(slices.Clip(m.opts), mail.WithTimeout(timeout))...)
	if err != nil {
		return fmt.Errorf("SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail via %s: %s", m.host, strings.TrimSpace(err.Error()))
	}
	return nil
}
