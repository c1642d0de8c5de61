package conformance

import (
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var passTests = []test{
	{"Pass/CreateGet", testPassCreateGet},
	{"Pass/OnePerUser", testPassOnePerUser},
	{"Pass/Consume", testPassConsume},
	{"Pass/Touch", testPassTouch},
	{"Pass/Recovery", testPassRecovery},
	{"Pass/RecordFailure", testPassRecordFailure},
	{"Pass/ListExpired", testPassListExpired},
}

func newPass(id, userID string) domain.TemporaryAccessPass {
	return domain.TemporaryAccessPass{
		ID: id, UserID: userID, Hash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedDateTime: t0, StartDateTime: t0.Add(time.Minute), LifetimeInMinutes: 60,
		IsUsableOnce: true, CreatedBy: "admin@example.com",
	}
}

func storedPass(p domain.TemporaryAccessPass) domain.TemporaryAccessPass {
	p.CreatedDateTime = norm(p.CreatedDateTime)
	p.StartDateTime = norm(p.StartDateTime)
	if p.UsedDateTime != nil {
		p.UsedDateTime = ptr(norm(*p.UsedDateTime))
	}
	return p
}

func passID(p domain.TemporaryAccessPass) string { return p.ID }

func testPassCreateGet(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	p := newPass("p1", "u1")
	must(t, s.CreatePass(ctx, p))
	got, err := s.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, got, storedPass(p))

	// A multi-use pass that was already used, with failures, round-trips too.
	q := newPass("p2", "u2")
	q.IsUsableOnce, q.UsedDateTime, q.FailedAttempts = false, ptr(t0.Add(time.Hour)), 3
	must(t, s.CreatePass(ctx, q))
	got, err = s.GetPass(ctx, "p2")
	must(t, err)
	wantEqual(t, got, storedPass(q))

	wantErr(t, s.CreatePass(ctx, newPass("p1", "u2")), store.ErrAlreadyExists)
	wantErr(t, s.CreatePass(ctx, newPass("p3", "ghost")), store.ErrNotFound)
	_, err = s.GetPass(ctx, "p3")
	wantErr(t, err, store.ErrNotFound)

	passes, err := s.ListUserPasses(ctx, "u1")
	must(t, err)
	wantEqual(t, passes, []domain.TemporaryAccessPass{storedPass(p)})
	passes, err = s.ListUserPasses(ctx, "ghost")
	must(t, err)
	wantEqual(t, passes, []domain.TemporaryAccessPass{})

	must(t, s.DeletePass(ctx, "p1"))
	wantErr(t, s.DeletePass(ctx, "p1"), store.ErrNotFound)
	_, err = s.GetPass(ctx, "p1")
	wantErr(t, err, store.ErrNotFound)
	// The user keeps existing.
	_, err = s.GetUser(ctx, "u1")
	must(t, err)
}

func testPassOnePerUser(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreatePass(ctx, newPass("p1", "u1")))
	wantErr(t, s.CreatePass(ctx, newPass("p2", "u1")), store.ErrAlreadyExists)
	// Replacing is delete then create, in one transaction.
	must(t, s.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeletePass(ctx, "p1"); err != nil {
			return err
		}
		return tx.CreatePass(ctx, newPass("p2", "u1"))
	}))
	passes, err := s.ListUserPasses(ctx, "u1")
	must(t, err)
	wantIDs(t, idsOf(passes, passID), []string{"p2"})
}

func testPassConsume(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreatePass(ctx, newPass("p1", "u1")))
	must(t, s.ConsumePass(ctx, "p1", t0.Add(2*time.Minute)))
	got, err := s.GetPass(ctx, "p1")
	must(t, err)
	if got.UsedDateTime == nil || !got.UsedDateTime.Equal(at(2*time.Minute)) {
		t.Fatalf("used at %v, want %v", got.UsedDateTime, at(2*time.Minute))
	}
	wantErr(t, s.ConsumePass(ctx, "p1", t0.Add(3*time.Minute)), store.ErrConflict)
	got, err = s.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, *got.UsedDateTime, at(2*time.Minute)) // the first use stands
	wantErr(t, s.ConsumePass(ctx, "ghost", t0), store.ErrNotFound)
}

func testPassRecovery(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	p := newPass("p1", "u1")
	p.Recovery = true
	must(t, s.CreatePass(ctx, p))
	got, err := s.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, got.Recovery, true)
}

func testPassTouch(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	p := newPass("p1", "u1")
	p.IsUsableOnce = false
	must(t, s.CreatePass(ctx, p))
	must(t, s.TouchPass(ctx, "p1", t0))
	must(t, s.TouchPass(ctx, "p1", t0.Add(time.Minute)))
	got, err := s.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, got.UsedDateTime == nil, true) // a multi-use pass is never used up
	wantErr(t, s.TouchPass(ctx, "ghost", t0), store.ErrNotFound)
}

func testPassRecordFailure(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreatePass(ctx, newPass("p1", "u1")))
	for want := 1; want <= 3; want++ {
		n, err := s.RecordPassFailure(ctx, "p1")
		must(t, err)
		wantEqual(t, n, want)
	}
	got, err := s.GetPass(ctx, "p1")
	must(t, err)
	wantEqual(t, got.FailedAttempts, 3)
	_, err = s.RecordPassFailure(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound)
}

func testPassListExpired(t *testing.T, s store.Store) {
	for i, lifetime := range []int{10, 60, 120, 30} {
		id := string(rune('a' + i))
		createUsers(t, s, newUser("u"+id, id+"@example.com"))
		p := newPass("p"+id, "u"+id)
		p.StartDateTime, p.LifetimeInMinutes = t0, lifetime
		must(t, s.CreatePass(ctx, p))
	}
	passID := func(p domain.TemporaryAccessPass) string { return p.ID }
	// pa ends at t0+10m, pb at t0+60m, pc at t0+120m, pd at t0+30m. Ending
	// exactly at `before` is not "before".
	got, err := s.ListExpiredPasses(ctx, t0.Add(60*time.Minute), "", 10)
	must(t, err)
	wantIDs(t, idsOf(got, passID), []string{"pa", "pd"})
	pa := newPass("pa", "ua")
	pa.StartDateTime, pa.LifetimeInMinutes = t0, 10
	wantEqual(t, got[0], storedPass(pa))
	// Pages by id.
	got, err = s.ListExpiredPasses(ctx, t0.Add(time.Hour+time.Microsecond), "", 2)
	must(t, err)
	wantIDs(t, idsOf(got, passID), []string{"pa", "pb"})
	got, err = s.ListExpiredPasses(ctx, t0.Add(time.Hour+time.Microsecond), "pb", 2)
	must(t, err)
	wantIDs(t, idsOf(got, passID), []string{"pd"})
	// Listing deletes nothing.
	for _, id := range []string{"pa", "pb", "pc", "pd"} {
		_, err = s.GetPass(ctx, id)
		must(t, err)
	}
}
