package conformance

import (
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Pending deliveries count whether due or not and whether leased or not;
// ended ones do not.
func testCountPendingDeliveries(t *testing.T, s store.Store) {
	count := func(want int) {
		t.Helper()
		n, err := s.CountPendingDeliveries(ctx)
		must(t, err)
		if n != want {
			t.Fatalf("pending deliveries = %d, want %d", n, want)
		}
	}
	count(0)
	createUsers(t, s, newUser("u1", "a@example.com"))
	later := newDelivery("d2", "u1", t0)
	later.NextAttemptDateTime = t0.Add(time.Hour)
	for _, d := range []domain.Delivery{newDelivery("d1", "u1", t0), later, newDelivery("d3", "u1", t0)} {
		must(t, s.CreateDelivery(ctx, d))
	}
	count(3)
	claimed, err := s.ClaimDeliveries(ctx, t0, "worker", time.Minute, 1)
	must(t, err)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d", len(claimed))
	}
	count(3)
	_, err = s.UpdateDelivery(ctx, "d3", func(d domain.Delivery) (domain.Delivery, error) {
		d.Status = domain.DeliveryDelivered
		d.CompletedDateTime = ptr(t0)
		d.Sealed = nil
		return d, nil
	})
	must(t, err)
	count(2)
}
