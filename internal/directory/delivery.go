package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// DeliveryOptions say which ways out this firstkey has. The server sets them
// from its SMTP and webhook configuration.
type DeliveryOptions struct {
	Email   bool // an SMTP server is configured
	Webhook bool // a webhook URL and secret are configured
	// NotifyUsers mails users about every pass issued and passkey added for
	// them; it needs Email.
	NotifyUsers bool
	// Retry is the back-off; zero means domain.DefaultDeliveryRetry.
	Retry domain.DeliveryRetry
}

// DeliveryRetention is how long ended deliveries stay listed on their user
// (the audit log keeps the outcome of pass deliveries for as long as it keeps
// anything).
const DeliveryRetention = 30 * 24 * time.Hour

// Audit activities of deliveries and of users' reports.
const (
	ActivityPassDelivered       = "Temporary Access Pass delivered"
	ActivityPassDeliveryFailed  = "Temporary Access Pass delivery failed"
	ActivityReportedSuspicious  = "User reported suspicious Temporary Access Pass"
	ActivityReportedSuspiciousK = "User reported suspicious passkey"
	reasonDeliveryFailed        = "Revoked automatically: the pass could not be delivered"
	reasonReportedByUser        = "Revoked: the user reported that they did not ask for it"
)

// sealedCodeAD binds a sealed code to its delivery and pass, so that a sealed
// value copied onto another row does not open.
func sealedCodeAD(deliveryID, passID string) []byte {
	return []byte("delivery " + deliveryID + " pass " + passID)
}

// queuePassDelivery puts a pass's code in the outbox, sealed, in the issuing
// transaction: the pass and its delivery commit together or not at all.
func (s *Service) queuePassDelivery(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User, p domain.TemporaryAccessPass, code string, req domain.DeliveryRequest) (domain.Delivery, error) {
	if err := req.Validate(); err != nil {
		return domain.Delivery{}, err
	}
	if s.sealer == nil {
		return domain.Delivery{}, domain.Invalid("This firstkey cannot deliver passes: it has no master key loaded.")
	}
	d := domain.Delivery{ID: newID(), Kind: domain.DeliveryPass, Method: req.Method, UserID: u.ID, SubjectID: p.ID,
		Initiator: actorName(actor), InitiatedDateTime: p.CreatedDateTime, Status: domain.DeliveryPending,
		NextAttemptDateTime: p.CreatedDateTime, CreatedDateTime: p.CreatedDateTime}
	switch req.Method {
	case domain.DeliverByEmail:
		if !s.delivery.Email {
			return domain.Delivery{}, domain.Invalid("Delivery by e-mail is not configured on this firstkey (serve --smtp-url).")
		}
		d.Recipient = req.Recipient
		if strings.EqualFold(req.Recipient, domain.RecipientManager) {
			if u.ManagerID == "" {
				return domain.Delivery{}, domain.Invalid("The user %s has no manager to deliver the pass to.", u.UserPrincipalName)
			}
			m, err := tx.GetUser(ctx, u.ManagerID)
			if err != nil {
				return domain.Delivery{}, fmt.Errorf("read manager: %w", err)
			}
			if m.Mail == "" {
				return domain.Delivery{}, domain.Invalid("The manager of %s, %s, has no mail address.", u.UserPrincipalName, m.UserPrincipalName)
			}
			d.Recipient = m.Mail
		}
	case domain.DeliverByWebhook:
		if !s.delivery.Webhook {
			return domain.Delivery{}, domain.Invalid("Delivery by webhook is not configured on this firstkey (serve --webhook-url).")
		}
	}
	sealed, err := s.sealer.SealFor(ctx, tx, []byte(code), sealedCodeAD(d.ID, p.ID))
	if err != nil {
		return domain.Delivery{}, fmt.Errorf("seal pass for delivery: %w", err)
	}
	d.Sealed = sealed
	if err := tx.CreateDelivery(ctx, d); err != nil {
		return domain.Delivery{}, fmt.Errorf("queue delivery: %w", err)
	}
	return d, nil
}

// queueNotice tells u, by mail, that a pass was issued or a passkey added for
// them, when notices are on and u has a mail address.
func (s *Service) queueNotice(ctx context.Context, tx store.Store, kind string, u domain.User, subjectID, initiator string, at time.Time) error {
	if !s.delivery.NotifyUsers || !s.delivery.Email || u.Mail == "" || s.reportKey == nil {
		return nil
	}
	d := domain.Delivery{ID: newID(), Kind: kind, Method: domain.DeliverByEmail, Recipient: u.Mail, UserID: u.ID,
		SubjectID: subjectID, Initiator: initiator, InitiatedDateTime: at, Status: domain.DeliveryPending,
		NextAttemptDateTime: at, CreatedDateTime: at}
	if err := tx.CreateDelivery(ctx, d); err != nil {
		return fmt.Errorf("queue notice: %w", err)
	}
	return nil
}

// Outgoing is a claimed delivery with everything its message needs. Code is
// the pass, opened from its seal only now, in memory.
type Outgoing struct {
	Delivery  domain.Delivery
	User      domain.User
	Pass      domain.TemporaryAccessPass // for pass deliveries and pass notices
	Passkey   domain.Passkey             // for passkey notices
	Code      string
	SignInURL string
	ReportURL string // notices: the link that revokes and reports
}

// ClaimDeliveries leases due deliveries to owner and prepares them. Deliveries
// whose pass has gone in the meantime are cancelled rather than returned.
func (s *Service) ClaimDeliveries(ctx context.Context, owner string, lease time.Duration, limit int) ([]Outgoing, error) {
	claimed, err := s.store.ClaimDeliveries(ctx, s.now(), owner, lease, limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	out := []Outgoing{}
	for _, d := range claimed {
		o, err := s.prepare(ctx, d)
		if errors.Is(err, errSubjectGone) {
			if err := s.endDelivery(ctx, d, owner, domain.DeliveryCancelled, "The pass no longer exists or has ended."); err != nil {
				return out, err
			}
			continue
		}
		if err != nil {
			// Leave it leased: it is tried again when the lease runs out.
			s.log.ErrorContext(ctx, "prepare delivery", "delivery_id", d.ID, "err", err)
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

var errSubjectGone = errors.New("the delivery's pass or passkey is gone")

func (s *Service) prepare(ctx context.Context, d domain.Delivery) (Outgoing, error) {
	o := Outgoing{Delivery: d, SignInURL: s.SignInURL()}
	u, err := s.store.GetUser(ctx, d.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return o, errSubjectGone
	}
	if err != nil {
		return o, fmt.Errorf("read user: %w", err)
	}
	o.User = u
	// A notice goes out even when what it is about has gone: a pass used up
	// and revoked by the passkey its user (or someone else) added still has to
	// be told of, and can still be reported.
	switch d.Kind {
	case domain.DeliveryPass, domain.DeliveryPassNotice:
		p, err := s.store.GetPass(ctx, d.SubjectID)
		if errors.Is(err, store.ErrNotFound) {
			if d.Kind == domain.DeliveryPassNotice {
				break
			}
			return o, errSubjectGone
		}
		if err != nil {
			return o, fmt.Errorf("read pass: %w", err)
		}
		o.Pass = p
		// A pass that ended while its delivery waited is of no use to anyone.
		if d.Kind == domain.DeliveryPass && !p.End().After(s.now()) {
			return o, errSubjectGone
		}
	case domain.DeliveryPasskeyNotice:
		k, err := s.store.GetPasskey(ctx, d.SubjectID)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return o, fmt.Errorf("read passkey: %w", err)
		}
		o.Passkey = k
	default:
		return o, fmt.Errorf("delivery %s: unknown kind %q", d.ID, d.Kind)
	}
	if d.Kind == domain.DeliveryPass {
		code, err := s.sealer.Open(d.Sealed, sealedCodeAD(d.ID, d.SubjectID))
		if err != nil {
			return o, fmt.Errorf("open sealed pass of delivery %s: %w", d.ID, err)
		}
		o.Code = string(code)
	} else {
		link, err := s.reportLink(d.Kind, d.UserID, d.SubjectID)
		if err != nil {
			return o, err
		}
		o.ReportURL = link
	}
	return o, nil
}

// DeliverySucceeded records that owner sent d: the sealed code is dropped and,
// for a pass, the hand-over is audited.
func (s *Service) DeliverySucceeded(ctx context.Context, d domain.Delivery, owner string) error {
	return s.endDelivery(ctx, d, owner, domain.DeliveryDelivered, "")
}

// DeliveryFailed records a failed attempt. It schedules the next, or, after
// the last, gives up: the sealed code is dropped and a pass that could not be
// delivered is revoked (by firstkey itself), since nobody can hand it over.
func (s *Service) DeliveryFailed(ctx context.Context, d domain.Delivery, owner string, cause error) error {
	reason := failureText(cause)
	retry := s.delivery.Retry
	next, again := retry.Next(s.now(), d.Attempts+1)
	if again {
		_, err := s.store.UpdateDelivery(ctx, d.ID, func(cur domain.Delivery) (domain.Delivery, error) {
			if cur.LeaseOwner != owner || cur.Status != domain.DeliveryPending {
				return cur, errLeaseLost
			}
			cur.Attempts++
			cur.LastError, cur.NextAttemptDateTime = reason, next
			cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
			return cur, nil
		})
		if errors.Is(err, errLeaseLost) {
			return nil
		}
		return err
	}
	return s.endDelivery(ctx, d, owner, domain.DeliveryFailed, reason)
}

var errLeaseLost = errors.New("the delivery's lease passed to another replica")

// failureText is what the delivery record keeps of a failure: the transport's
// message, cut short. It never holds the code: messages are built from the
// recipient's server's answers and our own errors.
func failureText(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	// A remote server's answer may hold anything; the store takes only valid
	// text (a cut may also have split a character).
	return strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", "?")
}

// endDelivery closes a delivery in one transaction with what follows from it.
func (s *Service) endDelivery(ctx context.Context, d domain.Delivery, owner, status, reason string) error {
	err := s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := tx.UpdateDelivery(ctx, d.ID, func(cur domain.Delivery) (domain.Delivery, error) {
			if cur.LeaseOwner != owner || cur.Status != domain.DeliveryPending {
				return cur, errLeaseLost
			}
			now := s.now()
			cur.Status, cur.Sealed, cur.LastError, cur.CompletedDateTime = status, nil, reason, &now
			cur.Attempts++
			cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
			return cur, nil
		})
		if err != nil {
			return err
		}
		if cur.Kind != domain.DeliveryPass || status == domain.DeliveryCancelled {
			return nil
		}
		u, err := tx.GetUser(ctx, cur.UserID)
		if err != nil {
			return fmt.Errorf("read user of delivery: %w", err)
		}
		details := []domain.KeyValue{{Key: "PassId", Value: cur.SubjectID}, {Key: "DeliveryId", Value: cur.ID},
			{Key: "DeliveryMethod", Value: cur.Method}, {Key: "Attempts", Value: fmt.Sprint(cur.Attempts)}}
		if cur.Method == domain.DeliverByEmail {
			details = append(details, domain.KeyValue{Key: "Recipient", Value: cur.Recipient})
		}
		e := entry{activity: ActivityPassDelivered, category: domain.CategoryUserManagement,
			service: domain.ServiceAuthenticationMethods, op: "Update", targets: []domain.AuditTarget{userTarget(u)}, details: details}
		if status == domain.DeliveryDelivered {
			return s.record(ctx, tx, domain.AutomaticActor(), e)
		}
		e.activity = ActivityPassDeliveryFailed
		e.details = append(e.details, domain.KeyValue{Key: "Reason", Value: reason})
		if err := s.record(ctx, tx, domain.AutomaticActor(), e); err != nil {
			return err
		}
		p, err := tx.GetPass(ctx, cur.SubjectID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pass to revoke: %w", err)
		}
		return s.removePass(ctx, tx, domain.AutomaticActor(), u, p, reasonDeliveryFailed)
	})
	if errors.Is(err, errLeaseLost) {
		return nil
	}
	if err == nil {
		s.log.InfoContext(ctx, "delivery ended", "delivery_id", d.ID, "kind", d.Kind, "method", d.Method, "status", status)
	}
	return err
}

// ListDeliveries is a user's deliveries, for those who may read their methods
// (and for the user themself): never the code.
func (s *Service) ListDeliveries(ctx context.Context, actor domain.Actor, userRef string) ([]domain.Delivery, error) {
	u, err := s.methodsReadableBy(ctx, actor, userRef)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.ListUserDeliveries(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	for i := range ds {
		ds[i].Sealed = nil
	}
	return ds, nil
}

// deliveryAvailable checks, before any work, that a requested way out is configured.
func (s *Service) deliveryAvailable(r *domain.DeliveryRequest) error {
	switch {
	case r == nil:
		return nil
	case r.Method == domain.DeliverByEmail && !s.delivery.Email:
		return domain.Invalid("Delivery by e-mail is not configured on this firstkey (serve --smtp-url).")
	case r.Method == domain.DeliverByWebhook && !s.delivery.Webhook:
		return domain.Invalid("Delivery by webhook is not configured on this firstkey (serve --webhook-url).")
	}
	return nil
}
