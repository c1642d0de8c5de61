package metrics

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Store is a store.Store that times every call and counts what the directory
// did. A change made inside a transaction is counted only once that
// transaction commits: a sign-in rolled back never happened.
type Store struct {
	store.Store
	m     *Metrics
	clock domain.Clock // the directory's, which decides when a pass ends
	tx    *pending     // nil outside a transaction
}

// pending are the counts of one transaction, applied when it commits.
type pending struct {
	mu  sync.Mutex
	fns []func()
}

// Store wraps st; clock is the directory's (nil: the system clock).
func (m *Metrics) Store(st store.Store, clock domain.Clock) *Store {
	if clock == nil {
		clock = domain.SystemClock{}
	}
	return &Store{Store: st, m: m, clock: clock}
}

// time starts timing op; the returned function observes it.
func (s *Store) time(op string) func() {
	start := time.Now()
	return func() { s.m.storeTime.WithLabelValues(op).Observe(time.Since(start).Seconds()) }
}

// timeErr is time for the counted calls, which look at their error.
func (s *Store) timeErr(op string, start time.Time, _ error) {
	s.m.storeTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// count applies fn now, or when the transaction commits.
func (s *Store) count(fn func()) {
	if s.tx == nil {
		fn()
		return
	}
	s.tx.mu.Lock()
	s.tx.fns = append(s.tx.fns, fn)
	s.tx.mu.Unlock()
}

// InTx counts what fn did once the transaction commits. A backend that runs fn
// again (a retried serialization failure) starts its counts afresh.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil { // nested: joins the outer transaction and its counts
		return s.Store.InTx(ctx, func(tx store.Store) error { return fn(&Store{Store: tx, m: s.m, clock: s.clock, tx: s.tx}) })
	}
	start := time.Now()
	p := &pending{}
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		p.mu.Lock()
		p.fns = p.fns[:0]
		p.mu.Unlock()
		return fn(&Store{Store: tx, m: s.m, clock: s.clock, tx: p})
	})
	s.timeErr("transaction", start, err)
	if err == nil {
		for _, f := range p.fns {
			f()
		}
	}
	return err
}

// Unwrap is the store underneath, for code that needs a backend's own methods.
func (s *Store) Unwrap() store.Store { return s.Store }

func (s *Store) CreateSignIn(ctx context.Context, in domain.SignIn) error {
	start := time.Now()
	err := s.Store.CreateSignIn(ctx, in)
	s.timeErr("CreateSignIn", start, err)
	if err == nil {
		method, result := methodOf(in.AuthenticationMethod), strconv.Itoa(in.ErrorCode)
		s.count(func() { s.m.signIns.WithLabelValues(method, result).Inc() })
	}
	return err
}

// methodOf keeps the method label to the methods firstkey signs in with.
func methodOf(m string) string {
	switch m {
	case domain.MethodTemporaryAccess:
		return "temporaryAccessPass"
	case domain.MethodPasskey:
		return "passkey"
	case "":
		return "none"
	}
	return "other"
}

func (s *Store) passEvent(event string) { s.count(func() { s.m.passes.WithLabelValues(event).Inc() }) }

func (s *Store) CreatePass(ctx context.Context, p domain.TemporaryAccessPass) error {
	start := time.Now()
	err := s.Store.CreatePass(ctx, p)
	s.timeErr("CreatePass", start, err)
	if err == nil {
		s.passEvent("issued")
	}
	return err
}

func (s *Store) ConsumePass(ctx context.Context, id string, at time.Time) error {
	start := time.Now()
	err := s.Store.ConsumePass(ctx, id, at)
	s.timeErr("ConsumePass", start, err)
	if err == nil {
		s.passEvent("consumed")
	}
	return err
}

func (s *Store) TouchPass(ctx context.Context, id string, at time.Time) error {
	start := time.Now()
	err := s.Store.TouchPass(ctx, id, at)
	s.timeErr("TouchPass", start, err)
	if err == nil {
		s.passEvent("used")
	}
	return err
}

// DeletePass reads the pass first (one read by primary key; deletions are
// rare) to tell an expired pass purged from one revoked before its end.
func (s *Store) DeletePass(ctx context.Context, id string) error {
	start := time.Now()
	p, gerr := s.Store.GetPass(ctx, id)
	err := s.Store.DeletePass(ctx, id)
	s.timeErr("DeletePass", start, err)
	if err == nil {
		event := "revoked"
		if gerr == nil && p.End().Before(s.clock.Now()) {
			event = "expired"
		}
		s.passEvent(event)
	}
	return err
}

// UpdateThrottle counts a lock-out when the change locks a sign-in throttle
// that was not locked until as late before.
func (s *Store) UpdateThrottle(ctx context.Context, key string, fn func(domain.Throttle) (domain.Throttle, error)) (domain.Throttle, error) {
	start := time.Now()
	var before domain.Throttle
	t, err := s.Store.UpdateThrottle(ctx, key, func(cur domain.Throttle) (domain.Throttle, error) {
		before = cur
		return fn(cur)
	})
	s.timeErr("UpdateThrottle", start, err)
	if err == nil && t.LockedUntil.After(before.LockedUntil) && t.Locked(s.clock.Now()) {
		if scope, ok := lockoutScope(key); ok {
			s.count(func() { s.m.lockouts.WithLabelValues(scope).Inc() })
		}
	}
	return t, err
}

// lockoutScope is the scope of a sign-in lock-out key ("signin:source:…").
func lockoutScope(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "signin:")
	if !ok {
		return "", false
	}
	scope, _, _ := strings.Cut(rest, ":")
	switch scope {
	case "source", "account":
		return scope, true
	}
	return "other", true
}

func (s *Store) CreateDelivery(ctx context.Context, d domain.Delivery) error {
	start := time.Now()
	err := s.Store.CreateDelivery(ctx, d)
	s.timeErr("CreateDelivery", start, err)
	if err == nil {
		method := deliveryMethod(d.Method)
		s.count(func() { s.m.queued.WithLabelValues(method).Inc() })
	}
	return err
}

// UpdateDelivery counts the outcome of an attempt: delivered, failed (another
// attempt follows), gave_up (the last one failed) or cancelled.
func (s *Store) UpdateDelivery(ctx context.Context, id string, fn func(domain.Delivery) (domain.Delivery, error)) (domain.Delivery, error) {
	start := time.Now()
	var before domain.Delivery
	d, err := s.Store.UpdateDelivery(ctx, id, func(cur domain.Delivery) (domain.Delivery, error) {
		before = cur
		return fn(cur)
	})
	s.timeErr("UpdateDelivery", start, err)
	if err != nil {
		return d, err
	}
	result := ""
	switch {
	case before.Status == d.Status && d.Attempts > before.Attempts:
		result = "failed"
	case before.Status == d.Status:
	case d.Status == domain.DeliveryDelivered:
		result = "delivered"
	case d.Status == domain.DeliveryFailed:
		result = "gave_up"
	case d.Status == domain.DeliveryCancelled:
		result = "cancelled"
	}
	if result != "" {
		method := deliveryMethod(d.Method)
		s.count(func() { s.m.deliveries.WithLabelValues(method, result).Inc() })
	}
	return d, err
}

func deliveryMethod(m string) string {
	switch m {
	case domain.DeliverByEmail, domain.DeliverByWebhook:
		return m
	}
	return "other"
}
