package domain

import (
	"testing"
	"time"
)

func TestParseDeliverSpec(t *testing.T) {
	for in, want := range map[string]*DeliveryRequest{
		"":                       nil,
		" show ":                 nil,
		"manager":                {Method: DeliverByEmail, Recipient: RecipientManager},
		"Webhook":                {Method: DeliverByWebhook},
		"email:joe@example.net":  {Method: DeliverByEmail, Recipient: "joe@example.net"},
		"EMAIL: joe@example.net": {Method: DeliverByEmail, Recipient: "joe@example.net"},
	} {
		got, err := ParseDeliverSpec(in)
		if err != nil || (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Errorf("ParseDeliverSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"fax", "email:", "email:Joe <joe@example.net>", "email:a@b.c,d@e.f", "email:x\r\nBcc: y@z"} {
		if got, err := ParseDeliverSpec(in); err == nil || KindOf(err) != KindInvalid {
			t.Errorf("ParseDeliverSpec(%q) = %+v, %v; want an invalid-request error", in, got, err)
		}
	}
}

func TestDeliveryRetryBacksOff(t *testing.T) {
	r := DeliveryRetry{Base: time.Minute, Max: 5 * time.Minute, MaxAttempts: 5}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for attempts, want := range []time.Duration{0, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute} {
		if attempts == 0 {
			continue
		}
		next, ok := r.Next(now, attempts)
		if !ok || next.Sub(now) != want {
			t.Errorf("after %d attempts: %v, %v; want +%v", attempts, next, ok, want)
		}
	}
	if _, ok := r.Next(now, 5); ok {
		t.Error("a sixth attempt was scheduled")
	}
}
