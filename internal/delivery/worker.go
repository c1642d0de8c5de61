package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// Worker sends due deliveries until its context ends.
type Worker struct {
	Dir     *directory.Service
	Mailer  *Mailer  // nil: no mail
	Webhook *Webhook // nil: no webhook
	Log     *slog.Logger
	// Poll is how often the outbox is checked (default 5s); Lease how long a
	// claim keeps other replicas off (default 5 minutes, well past one send).
	Poll  time.Duration
	Lease time.Duration
	owner string
}

const batch = 20

// Run works the outbox until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	if w.Poll <= 0 {
		w.Poll = 5 * time.Second
	}
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for w.RunOnce(ctx) == batch && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims and sends one batch and returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) int {
	if w.owner == "" {
		// Each worker's own name in the leases it takes: a replica restarted
		// after a crash does not inherit the leases of its former self.
		b := make([]byte, 8)
		rand.Read(b)
		w.owner = hex.EncodeToString(b)
	}
	lease := w.leaseOr()
	claimed := time.Now()
	out, err := w.Dir.ClaimDeliveries(ctx, w.owner, lease, batch)
	if err != nil {
		if ctx.Err() == nil {
			w.logger().ErrorContext(ctx, "claim deliveries", "err", err)
		}
		return 0
	}
	// Every send ends, and its outcome is recorded, while the lease still
	// holds: past it another replica may claim the same delivery, and both
	// would send. Deliveries not started by then wait for the lease to run out.
	sendCtx, cancel := context.WithDeadline(ctx, claimed.Add(lease*4/5))
	defer cancel()
	for _, o := range out {
		if sendCtx.Err() != nil {
			break
		}
		w.send(sendCtx, o)
	}
	return len(out)
}

func (w *Worker) leaseOr() time.Duration {
	if w.Lease <= 0 {
		return 5 * time.Minute
	}
	return w.Lease
}

func (w *Worker) logger() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func (w *Worker) send(ctx context.Context, o directory.Outgoing) {
	d := o.Delivery
	err := w.deliver(ctx, o)
	// The outcome is recorded even when ctx ended mid-send: a shutdown must
	// not leave a sent pass to be sent again by the next claimer.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := w.Dir.DeliverySucceeded(rctx, d, w.owner); err != nil {
			w.logger().ErrorContext(ctx, "record delivery", "delivery_id", d.ID, "err", err)
		}
		return
	}
	w.logger().WarnContext(ctx, "delivery attempt failed", "delivery_id", d.ID, "kind", d.Kind, "method", d.Method, "attempt", d.Attempts+1, "err", err)
	if err := w.Dir.DeliveryFailed(rctx, d, w.owner, err); err != nil {
		w.logger().ErrorContext(ctx, "record delivery failure", "delivery_id", d.ID, "err", err)
	}
}

func (w *Worker) deliver(ctx context.Context, o directory.Outgoing) error {
	switch o.Delivery.Method {
	case domain.DeliverByEmail:
		if w.Mailer == nil {
			return errors.New("no SMTP server is configured")
		}
		m, err := render(o)
		if err != nil {
			return err
		}
		return w.Mailer.Send(ctx, o.Delivery.Recipient, m.subject, m.text, m.html)
	case domain.DeliverByWebhook:
		if w.Webhook == nil {
			return errors.New("no webhook is configured")
		}
		body, err := webhookBody(o)
		if err != nil {
			return err
		}
		return w.Webhook.Post(ctx, o.Delivery.ID, body, time.Now())
	}
	return errors.New("unknown delivery method " + o.Delivery.Method)
}
