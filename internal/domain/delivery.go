package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Delivery methods: how a pass or a notice leaves firstkey.
const (
	DeliverByEmail   = "email"
	DeliverByWebhook = "webhook"
)

// Delivery kinds: what a queued delivery carries.
const (
	// DeliveryPass carries a pass's code to someone other than its issuer.
	DeliveryPass = "temporaryAccessPass"
	// DeliveryPassNotice tells a user that a pass was issued for their account.
	DeliveryPassNotice = "temporaryAccessPassNotice"
	// DeliveryPasskeyNotice tells a user that a passkey was added to their account.
	DeliveryPasskeyNotice = "passkeyNotice"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	// DeliveryCancelled: the pass went (replaced, deleted) before it could be sent.
	DeliveryCancelled = "cancelled"
)

// RecipientManager asks for a pass to be mailed to the user's manager.
const RecipientManager = "manager"

// Delivery is one message in the durable outbox: a pass to hand over without
// its issuer seeing it, or a notice to a user. The code of a pass is only ever
// held sealed with the master key, and dropped once the delivery ends.
type Delivery struct {
	ID        string
	Kind      string // DeliveryPass, DeliveryPassNotice, DeliveryPasskeyNotice
	Method    string // DeliverByEmail or DeliverByWebhook
	Recipient string // the mail address; "" for a webhook
	UserID    string
	// SubjectID is the pass (or passkey) the delivery is about.
	SubjectID string
	// Sealed is the pass code sealed with the master key; nil for notices and
	// once the delivery has ended.
	Sealed []byte
	// Initiator and InitiatedDateTime say who issued the pass (or added the
	// passkey) and when, for notices.
	Initiator           string
	InitiatedDateTime   time.Time
	Status              string
	Attempts            int
	NextAttemptDateTime time.Time
	// LeaseOwner and LeaseUntil mark a claim by one replica: until LeaseUntil no
	// other replica takes the delivery.
	LeaseOwner        string
	LeaseUntil        time.Time
	LastError         string
	CreatedDateTime   time.Time
	CompletedDateTime *time.Time
}

// DeliveryRequest is how an issuer asks for a pass to be delivered.
type DeliveryRequest struct {
	Method    string // DeliverByEmail or DeliverByWebhook
	Recipient string // RecipientManager or a mail address; empty for a webhook
}

// Validate checks the shape of a request (not whether the method is configured).
func (r DeliveryRequest) Validate() error {
	switch r.Method {
	case DeliverByWebhook:
		if r.Recipient != "" {
			return Invalid("deliverTo.recipient must be empty for method 'webhook': the webhook URL is configured on the server.")
		}
		return nil
	case DeliverByEmail:
		if r.Recipient == "" {
			return Invalid("deliverTo.recipient is required for method 'email': 'manager' or a mail address.")
		}
		if strings.EqualFold(r.Recipient, RecipientManager) {
			return nil
		}
		return ValidateMailAddress(r.Recipient)
	case "":
		return Invalid("deliverTo.method is required: 'email' or 'webhook'.")
	}
	return Invalid("deliverTo.method %q is not supported: use 'email' or 'webhook'.", r.Method)
}

// ValidateMailAddress accepts one bare address (no display name, no list).
func ValidateMailAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || strings.ContainsAny(s, "\r\n") {
		return Invalid("%q is not a mail address.", s)
	}
	return nil
}

// ParseDeliverSpec reads the short form the CLI and the bulk file use:
// "manager", "email:ADDRESS" or "webhook"; "" and "show" mean no delivery.
func ParseDeliverSpec(s string) (*DeliveryRequest, error) {
	s = strings.TrimSpace(s)
	var r DeliveryRequest
	switch {
	case s == "" || strings.EqualFold(s, "show"):
		return nil, nil
	case strings.EqualFold(s, RecipientManager):
		r = DeliveryRequest{Method: DeliverByEmail, Recipient: RecipientManager}
	case strings.EqualFold(s, DeliverByWebhook):
		r = DeliveryRequest{Method: DeliverByWebhook}
	case len(s) > 6 && strings.EqualFold(s[:6], "email:"):
		r = DeliveryRequest{Method: DeliverByEmail, Recipient: strings.TrimSpace(s[6:])}
	default:
		return nil, Invalid("deliver %q is not understood: use show, manager, email:ADDRESS or webhook.", s)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// DeliveryRetry is the back-off between attempts: base doubled each time, at
// most max. It never reports a time for the attempt after the last.
type DeliveryRetry struct {
	Base        time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultDeliveryRetry tries for about a day: 1, 2, 4 … minutes, at most an hour apart.
var DefaultDeliveryRetry = DeliveryRetry{Base: time.Minute, Max: time.Hour, MaxAttempts: 12}

// Next is when to try again after the attempts-th failed attempt, and whether
// to try at all.
func (r DeliveryRetry) Next(now time.Time, attempts int) (time.Time, bool) {
	if attempts >= r.MaxAttempts {
		return time.Time{}, false
	}
	d := r.Base
	for i := 1; i < attempts && d < r.Max; i++ {
		d *= 2
	}
	return now.Add(min(d, r.Max)), true
}

// String is a short description for logs.
func (d Delivery) String() string {
	return fmt.Sprintf("%s %s by %s", d.ID, d.Kind, d.Method)
}
