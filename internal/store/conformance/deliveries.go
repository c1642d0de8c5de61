package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var deliveryTests = []test{
	{"Delivery/CreateGetListUpdate", testDelivery},
	{"Delivery/ClaimOnlyDueAndUnleased", testClaimDeliveries},
	{"Delivery/GoesWithTheUser", testDeliveryUserDeleted},
	{"Delivery/DeleteEnded", testDeleteEndedDeliveries},
	{"Delivery/CountPending", testCountPendingDeliveries},
}

func newDelivery(id, userID string, created time.Time) domain.Delivery {
	return domain.Delivery{
		ID: id, Kind: domain.DeliveryPass, Method: domain.DeliverByEmail, Recipient: "boss@example.com",
		UserID: userID, SubjectID: "pass-" + id, Sealed: []byte{1, 2, 3}, Initiator: "admin@example.com",
		InitiatedDateTime: created, Status: domain.DeliveryPending, NextAttemptDateTime: created,
		CreatedDateTime: created,
	}
}

// storedDelivery is d as the store returns it.
func storedDelivery(d domain.Delivery) domain.Delivery {
	d.InitiatedDateTime, d.NextAttemptDateTime = norm(d.InitiatedDateTime), norm(d.NextAttemptDateTime)
	d.LeaseUntil, d.CreatedDateTime = norm(d.LeaseUntil), norm(d.CreatedDateTime)
	if d.CompletedDateTime != nil {
		d.CompletedDateTime = ptr(norm(*d.CompletedDateTime))
	}
	return d
}

func testDelivery(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	d1, d2 := newDelivery("d1", "u1", t0), newDelivery("d2", "u1", t0.Add(time.Minute))
	must(t, s.CreateDelivery(ctx, d1))
	must(t, s.CreateDelivery(ctx, d2))
	wantErr(t, s.CreateDelivery(ctx, d1), store.ErrAlreadyExists)
	wantErr(t, s.CreateDelivery(ctx, newDelivery("d3", "nobody", t0)), store.ErrNotFound)

	got, err := s.GetDelivery(ctx, "d1")
	must(t, err)
	wantEqual(t, got, storedDelivery(d1))
	_, err = s.GetDelivery(ctx, "missing")
	wantErr(t, err, store.ErrNotFound)

	list, err := s.ListUserDeliveries(ctx, "u1")
	must(t, err)
	wantIDs(t, idsOf(list, func(d domain.Delivery) string { return d.ID }), []string{"d2", "d1"})
	list, err = s.ListUserDeliveries(ctx, "u2")
	must(t, err)
	wantIDs(t, idsOf(list, func(d domain.Delivery) string { return d.ID }), nil)

	// A refused update changes nothing; an accepted one drops the sealed code
	// and keeps the identity fields.
	_, err = s.UpdateDelivery(ctx, "d1", func(d domain.Delivery) (domain.Delivery, error) {
		d.Status = domain.DeliveryFailed
		return d, errRefused
	})
	wantErr(t, err, errRefused)
	done := t0.Add(2 * time.Minute)
	got, err = s.UpdateDelivery(ctx, "d1", func(d domain.Delivery) (domain.Delivery, error) {
		d.UserID, d.Kind = "u2", domain.DeliveryPassNotice
		d.Status, d.Sealed, d.Attempts, d.LastError, d.CompletedDateTime = domain.DeliveryDelivered, nil, 1, "", &done
		return d, nil
	})
	must(t, err)
	want := storedDelivery(d1)
	want.Status, want.Sealed, want.Attempts, want.CompletedDateTime = domain.DeliveryDelivered, nil, 1, ptr(norm(done))
	wantEqual(t, got, want)
	got, err = s.GetDelivery(ctx, "d1")
	must(t, err)
	wantEqual(t, got, want)
	_, err = s.UpdateDelivery(ctx, "missing", func(d domain.Delivery) (domain.Delivery, error) { return d, nil })
	wantErr(t, err, store.ErrNotFound)
}

func testClaimDeliveries(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	due, later, done := newDelivery("due", "u1", t0), newDelivery("later", "u1", t0), newDelivery("done", "u1", t0)
	later.NextAttemptDateTime = t0.Add(time.Hour)
	done.Status = domain.DeliveryDelivered
	for _, d := range []domain.Delivery{due, later, done} {
		must(t, s.CreateDelivery(ctx, d))
	}
	got, err := s.ClaimDeliveries(ctx, t0, "r1", time.Minute, 10)
	must(t, err)
	wantIDs(t, idsOf(got, func(d domain.Delivery) string { return d.ID }), []string{"due"})
	if got[0].LeaseOwner != "r1" || !got[0].LeaseUntil.Equal(at(time.Minute)) {
		t.Fatalf("claimed with lease %q until %v", got[0].LeaseOwner, got[0].LeaseUntil)
	}
	// While the lease runs nobody else gets it; once it runs out, they do.
	got, err = s.ClaimDeliveries(ctx, t0.Add(30*time.Second), "r2", time.Minute, 10)
	must(t, err)
	wantIDs(t, idsOf(got, func(d domain.Delivery) string { return d.ID }), nil)
	got, err = s.ClaimDeliveries(ctx, t0.Add(time.Minute), "r2", time.Minute, 10)
	must(t, err)
	wantIDs(t, idsOf(got, func(d domain.Delivery) string { return d.ID }), []string{"due"})
	// The limit holds, and the later one comes when it is due.
	got, err = s.ClaimDeliveries(ctx, t0.Add(time.Hour+time.Minute), "r3", time.Minute, 1)
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("claimed %d deliveries, want 1", len(got))
	}
}

func testDeliveryUserDeleted(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreateDelivery(ctx, newDelivery("d1", "u1", t0)))
	must(t, s.DeleteUser(ctx, "u1"))
	_, err := s.GetDelivery(ctx, "d1")
	wantErr(t, err, store.ErrNotFound)
}

// testClaimDeliveriesTwoStores races claims from two processes: each delivery
// goes to exactly one claimer.
func testClaimDeliveriesTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	const n = 20
	for i := range n {
		must(t, s.CreateDelivery(ctx, newDelivery(string(rune('a'+i)), "u1", t0)))
	}
	got := make([][]domain.Delivery, 10)
	errs := raceN(10, s, reopen(t), func(i int, s store.Store) error {
		var err error
		got[i], err = s.ClaimDeliveries(ctx, t0, string(rune('A'+i)), time.Minute, n)
		return err
	})
	seen := map[string]int{}
	for i, err := range errs {
		if err != nil && !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("claim %d: %v", i, err)
		}
		for _, d := range got[i] {
			if prev, ok := seen[d.ID]; ok {
				t.Fatalf("delivery %s claimed by %d and %d", d.ID, prev, i)
			}
			if d.LeaseOwner != string(rune('A'+i)) {
				t.Fatalf("delivery %s returned to %d with lease owner %q", d.ID, i, d.LeaseOwner)
			}
			seen[d.ID] = i
		}
	}
	if len(seen) != n {
		t.Fatalf("%d of %d deliveries claimed", len(seen), n)
	}
}

func testDeleteEndedDeliveries(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	old, recent, pending := newDelivery("old", "u1", t0), newDelivery("recent", "u1", t0), newDelivery("pending", "u1", t0)
	old.Status, old.CompletedDateTime = domain.DeliveryDelivered, ptr(t0)
	recent.Status, recent.CompletedDateTime = domain.DeliveryFailed, ptr(t0.Add(2*time.Hour))
	for _, d := range []domain.Delivery{old, recent, pending} {
		must(t, s.CreateDelivery(ctx, d))
	}
	n, err := s.DeleteEndedDeliveries(ctx, t0.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d, want 1", n)
	}
	list, err := s.ListUserDeliveries(ctx, "u1")
	must(t, err)
	wantIDs(t, idsOf(list, func(d domain.Delivery) string { return d.ID }), []string{"pending", "recent"})
}
