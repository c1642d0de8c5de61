package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var grantTests = []test{
	{"Grant/CreateGet", testGrantCreateGet},
	{"Grant/ListByUser", testListUserGrants},
	{"Grant/RevokeGrants", testRevokeGrants},
	{"Grant/RevokeGrantsEmptyFilter", testRevokeGrantsEmptyFilter},
	{"Grant/RevokeGrant", testRevokeGrant},
	{"Grant/DeleteUserOrApplicationCascades", testGrantCascades},
	{"Grant/ClientIDChangeFollows", testGrantClientIDChange},
	{"Grant/DeleteExpired", testGrantDeleteExpired},
	{"RefreshToken/CreateGet", testRefreshTokenCreateGet},
	{"RefreshToken/Use", testRefreshTokenUse},
}

func newGrant(id, clientID, userID string) domain.Grant {
	return domain.Grant{
		ID: id, ClientID: clientID, UserID: userID, SessionIDHash: "sess-hash-" + id, PassID: "p1",
		Scopes: []string{"openid", "offline_access"}, AMR: []string{domain.AMRTap, domain.AMRMFA},
		AuthTime: t0, CreatedDateTime: t0.Add(time.Second), ExpiresDateTime: t0.Add(domain.DefaultGrantLifetime),
	}
}

func storedGrant(g domain.Grant) domain.Grant {
	g.AuthTime, g.CreatedDateTime = norm(g.AuthTime), norm(g.CreatedDateTime)
	g.ExpiresDateTime, g.RevokedDateTime = norm(g.ExpiresDateTime), norm(g.RevokedDateTime)
	g.Scopes, g.AMR = nonNilStrings(g.Scopes), nonNilStrings(g.AMR)
	return g
}

func newRefreshToken(hash, grantID string) domain.RefreshToken {
	return domain.RefreshToken{Hash: hash, GrantID: grantID, CreatedDateTime: t0, ExpiresDateTime: t0.Add(24 * time.Hour)}
}

func storedRefreshToken(r domain.RefreshToken) domain.RefreshToken {
	r.CreatedDateTime, r.ExpiresDateTime, r.UsedDateTime = norm(r.CreatedDateTime), norm(r.ExpiresDateTime), norm(r.UsedDateTime)
	return r
}

// grantFixture creates users u1 and u2 and applications with client ids c1 and c2.
func grantFixture(t *testing.T, s store.Store) {
	t.Helper()
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	must(t, s.CreateApplication(ctx, newApp("a1", "c1", "One")))
	must(t, s.CreateApplication(ctx, newApp("a2", "c2", "Two")))
}

func wantGrant(t testing.TB, s store.Store, want domain.Grant) {
	t.Helper()
	got, err := s.GetGrant(ctx, want.ID)
	must(t, err)
	wantEqual(t, got, storedGrant(want))
}

func testGrantCreateGet(t *testing.T, s store.Store) {
	grantFixture(t, s)
	g := newGrant("g1", "c1", "u1")
	must(t, s.CreateGrant(ctx, g))
	wantGrant(t, s, g)
	if !g.Active(t0.Add(time.Hour)) {
		t.Fatal("a new grant is not active")
	}

	// A device-flow grant: no session, no pass, no lists, zero times.
	bare := domain.Grant{ID: "g2", ClientID: "c2", UserID: "u2", CreatedDateTime: t0, ExpiresDateTime: t0.Add(time.Hour)}
	must(t, s.CreateGrant(ctx, bare))
	got, err := s.GetGrant(ctx, "g2")
	must(t, err)
	wantEqual(t, got, storedGrant(bare))
	if got.Scopes == nil || got.AMR == nil || !got.AuthTime.IsZero() || !got.RevokedDateTime.IsZero() {
		t.Fatalf("bare grant came back as %+v", got)
	}

	// One stored already revoked round-trips too.
	revoked := newGrant("g3", "c1", "u2")
	revoked.RevokedDateTime, revoked.RevokedReason = t0.Add(time.Minute), "signed out"
	must(t, s.CreateGrant(ctx, revoked))
	wantGrant(t, s, revoked)

	wantErr(t, s.CreateGrant(ctx, newGrant("g1", "c2", "u2")), store.ErrAlreadyExists)
	wantErr(t, s.CreateGrant(ctx, newGrant("g4", "c1", "ghost")), store.ErrNotFound)
	wantErr(t, s.CreateGrant(ctx, newGrant("g5", "ghost", "u1")), store.ErrNotFound)
	_, err = s.GetGrant(ctx, "g4")
	wantErr(t, err, store.ErrNotFound)
}

func testRevokeGrants(t *testing.T, s store.Store) {
	revokedAt := t0.Add(time.Hour)
	for i, c := range []struct {
		name   string
		filter func(prefix string) domain.GrantFilter
		want   []string // grants the filter revokes
	}{
		{"user", func(p string) domain.GrantFilter { return domain.GrantFilter{UserID: p + "u1"} }, []string{"g1", "g2"}},
		{"client", func(p string) domain.GrantFilter { return domain.GrantFilter{ClientID: p + "c1"} }, []string{"g1", "g3"}},
		{"session", func(p string) domain.GrantFilter { return domain.GrantFilter{SessionIDHash: p + "s1"} }, []string{"g1"}},
		{"pass", func(p string) domain.GrantFilter { return domain.GrantFilter{PassID: p + "p1"} }, []string{"g1", "g3"}},
		{"user and client", func(p string) domain.GrantFilter {
			return domain.GrantFilter{UserID: p + "u2", ClientID: p + "c1"}
		}, []string{"g3"}},
		{"every field", func(p string) domain.GrantFilter {
			return domain.GrantFilter{UserID: p + "u1", ClientID: p + "c1", SessionIDHash: p + "s1", PassID: p + "p1"}
		}, []string{"g1"}},
		{"no match", func(p string) domain.GrantFilter { return domain.GrantFilter{UserID: p + "u2", PassID: p + "p2"} }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Each case has its own users, applications and grants.
			p := fmt.Sprintf("case%d-", i)
			createUsers(t, s, newUser(p+"u1", p+"a@example.com"), newUser(p+"u2", p+"b@example.com"))
			must(t, s.CreateApplication(ctx, newApp(p+"a1", p+"c1", "One")))
			must(t, s.CreateApplication(ctx, newApp(p+"a2", p+"c2", "Two")))
			grants := map[string]domain.Grant{}
			for _, x := range []struct{ id, user, client, session, pass string }{
				{"g1", "u1", "c1", "s1", "p1"},
				{"g2", "u1", "c2", "s2", ""},
				{"g3", "u2", "c1", "s3", "p1"},
				{"g4", "u2", "c2", "", ""},     // device flow, no pass
				{"g5", "u1", "c1", "s1", "p1"}, // revoked before: never counted or changed
			} {
				g := newGrant(p+x.id, p+x.client, p+x.user)
				g.SessionIDHash, g.PassID = "", ""
				if x.session != "" {
					g.SessionIDHash = p + x.session
				}
				if x.pass != "" {
					g.PassID = p + x.pass
				}
				if x.id == "g5" {
					g.RevokedDateTime, g.RevokedReason = t0.Add(time.Minute), "earlier"
				}
				must(t, s.CreateGrant(ctx, g))
				grants[x.id] = g
			}

			n, err := s.RevokeGrants(ctx, c.filter(p), revokedAt, "signed out")
			must(t, err)
			wantEqual(t, n, len(c.want))
			for id, g := range grants {
				want := g
				for _, w := range c.want {
					if w == id {
						want.RevokedDateTime, want.RevokedReason = revokedAt, "signed out"
					}
				}
				wantGrant(t, s, want)
			}
			// Again: all already revoked, nothing changes.
			n, err = s.RevokeGrants(ctx, c.filter(p), revokedAt.Add(time.Hour), "again")
			must(t, err)
			wantEqual(t, n, 0)
		})
	}
}

func testRevokeGrantsEmptyFilter(t *testing.T, s store.Store) {
	grantFixture(t, s)
	g := newGrant("g1", "c1", "u1")
	must(t, s.CreateGrant(ctx, g))
	n, err := s.RevokeGrants(ctx, domain.GrantFilter{}, t0.Add(time.Hour), "everything")
	if err == nil {
		t.Fatal("an empty filter was accepted")
	}
	wantEqual(t, n, 0)
	wantGrant(t, s, g)
	// A zero time would leave the grants looking active.
	_, err = s.RevokeGrants(ctx, domain.GrantFilter{UserID: "u1"}, time.Time{}, "no time")
	if err == nil {
		t.Fatal("a zero revocation time was accepted")
	}
	wantGrant(t, s, g)
}

func testRevokeGrant(t *testing.T, s store.Store) {
	grantFixture(t, s)
	g := newGrant("g1", "c1", "u1")
	other := newGrant("g2", "c1", "u1")
	must(t, s.CreateGrant(ctx, g))
	must(t, s.CreateGrant(ctx, other))

	must(t, s.RevokeGrant(ctx, "g1", t0.Add(time.Hour), "refresh token reused"))
	want := g
	want.RevokedDateTime, want.RevokedReason = t0.Add(time.Hour), "refresh token reused"
	wantGrant(t, s, want)
	got, err := s.GetGrant(ctx, "g1")
	must(t, err)
	if got.Active(t0.Add(2 * time.Hour)) {
		t.Fatal("a revoked grant is active")
	}

	// Revoking again is no error, and the first reason and time stay.
	must(t, s.RevokeGrant(ctx, "g1", t0.Add(2*time.Hour), "signed out"))
	wantGrant(t, s, want)
	n, err := s.RevokeGrants(ctx, domain.GrantFilter{UserID: "u1"}, t0.Add(3*time.Hour), "user disabled")
	must(t, err)
	wantEqual(t, n, 1)
	wantGrant(t, s, want)
	other.RevokedDateTime, other.RevokedReason = t0.Add(3*time.Hour), "user disabled"
	wantGrant(t, s, other)

	wantErr(t, s.RevokeGrant(ctx, "ghost", t0, "x"), store.ErrNotFound)
	must(t, s.CreateGrant(ctx, newGrant("g3", "c2", "u2")))
	if err := s.RevokeGrant(ctx, "g3", time.Time{}, "no time"); err == nil {
		t.Fatal("a zero revocation time was accepted")
	}
	wantGrant(t, s, newGrant("g3", "c2", "u2"))
}

func testGrantCascades(t *testing.T, s store.Store) {
	grantFixture(t, s)
	for _, x := range []struct{ id, client, user string }{
		{"g1", "c1", "u1"}, {"g2", "c2", "u1"}, {"g3", "c1", "u2"}, {"g4", "c2", "u2"},
	} {
		must(t, s.CreateGrant(ctx, newGrant(x.id, x.client, x.user)))
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-"+x.id, x.id)))
	}
	must(t, s.DeleteUser(ctx, "u1"))
	must(t, s.DeleteApplication(ctx, "a1"))
	for id, want := range map[string]error{"g1": store.ErrNotFound, "g2": store.ErrNotFound, "g3": store.ErrNotFound, "g4": nil} {
		if _, err := s.GetGrant(ctx, id); !errors.Is(err, want) {
			t.Fatalf("grant %s: got %v, want %v", id, err, want)
		}
		if _, err := s.GetRefreshToken(ctx, "rt-"+id); !errors.Is(err, want) {
			t.Fatalf("refresh token of grant %s: got %v, want %v", id, err, want)
		}
	}
}

// testGrantClientIDChange: the store lets an application's client id change (the
// directory does not); its grants follow rather than block the change.
func testGrantClientIDChange(t *testing.T, s store.Store) {
	grantFixture(t, s)
	g := newGrant("g1", "c1", "u1")
	must(t, s.CreateGrant(ctx, g))
	_, err := s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.ClientID = "c1-renamed"
		return a, nil
	})
	must(t, err)
	g.ClientID = "c1-renamed"
	wantGrant(t, s, g)
}

func testGrantDeleteExpired(t *testing.T, s store.Store) {
	grantFixture(t, s)
	for i, d := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute} {
		g := newGrant(fmt.Sprintf("g%d", i), "c1", "u1")
		g.ExpiresDateTime = t0.Add(d)
		must(t, s.CreateGrant(ctx, g))
		must(t, s.CreateRefreshToken(ctx, newRefreshToken(fmt.Sprintf("rt-g%d", i), g.ID)))
	}
	n, err := s.DeleteExpiredGrants(ctx, t0)
	must(t, err)
	wantEqual(t, n, 0)
	// Ending exactly at `before` is not "before".
	n, err = s.DeleteExpiredGrants(ctx, t0.Add(5*time.Minute))
	must(t, err)
	wantEqual(t, n, 1)
	n, err = s.DeleteExpiredGrants(ctx, t0.Add(5*time.Minute+time.Microsecond))
	must(t, err)
	wantEqual(t, n, 1)
	for id, want := range map[string]error{"g0": store.ErrNotFound, "g1": store.ErrNotFound, "g2": nil} {
		if _, err := s.GetGrant(ctx, id); !errors.Is(err, want) {
			t.Fatalf("grant %s: got %v, want %v", id, err, want)
		}
		if _, err := s.GetRefreshToken(ctx, "rt-"+id); !errors.Is(err, want) {
			t.Fatalf("refresh token of grant %s: got %v, want %v", id, err, want)
		}
	}
}

func testRefreshTokenCreateGet(t *testing.T, s store.Store) {
	grantFixture(t, s)
	must(t, s.CreateGrant(ctx, newGrant("g1", "c1", "u1")))
	rt := newRefreshToken("rt-hash-1", "g1")
	must(t, s.CreateRefreshToken(ctx, rt))
	got, err := s.GetRefreshToken(ctx, "rt-hash-1")
	must(t, err)
	wantEqual(t, got, storedRefreshToken(rt))
	if !got.UsedDateTime.IsZero() {
		t.Fatalf("a new refresh token came back used: %+v", got)
	}

	used := newRefreshToken("rt-hash-2", "g1")
	used.UsedDateTime = t0.Add(time.Minute)
	must(t, s.CreateRefreshToken(ctx, used))
	got, err = s.GetRefreshToken(ctx, "rt-hash-2")
	must(t, err)
	wantEqual(t, got, storedRefreshToken(used))

	err = s.CreateRefreshToken(ctx, newRefreshToken("rt-hash-1", "g1"))
	wantErr(t, err, store.ErrAlreadyExists)
	wantNoSecret(t, err, "rt-hash-1")
	err = s.CreateRefreshToken(ctx, newRefreshToken("rt-hash-3", "ghost"))
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "rt-hash-3")
	_, err = s.GetRefreshToken(ctx, "rt-hash-3")
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "rt-hash-3")
}

func testRefreshTokenUse(t *testing.T, s store.Store) {
	grantFixture(t, s)
	must(t, s.CreateGrant(ctx, newGrant("g1", "c1", "u1")))
	rt := newRefreshToken("rt-hash-1", "g1")
	must(t, s.CreateRefreshToken(ctx, rt))
	other := newRefreshToken("rt-hash-2", "g1")
	must(t, s.CreateRefreshToken(ctx, other))

	_, err := s.UseRefreshToken(ctx, "rt-hash-1", time.Time{})
	if err == nil {
		t.Fatal("using a refresh token at a zero time succeeded")
	}
	wantNoSecret(t, err, "rt-hash-1")

	got, err := s.UseRefreshToken(ctx, "rt-hash-1", t0.Add(time.Hour))
	must(t, err)
	want := storedRefreshToken(rt)
	want.UsedDateTime = at(time.Hour)
	wantEqual(t, got, want)
	got, err = s.GetRefreshToken(ctx, "rt-hash-1")
	must(t, err)
	wantEqual(t, got, want)

	// A second use is a reuse: a conflict, and the first use stays recorded.
	for range 2 {
		_, err = s.UseRefreshToken(ctx, "rt-hash-1", t0.Add(2*time.Hour))
		wantErr(t, err, store.ErrConflict)
		wantNoSecret(t, err, "rt-hash-1")
	}
	got, err = s.GetRefreshToken(ctx, "rt-hash-1")
	must(t, err)
	wantEqual(t, got, want)

	_, err = s.UseRefreshToken(ctx, "rt-hash-ghost", t0)
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "rt-hash-ghost")

	got, err = s.GetRefreshToken(ctx, "rt-hash-2")
	must(t, err)
	wantEqual(t, got, storedRefreshToken(other))
}

// testUseRefreshTokenTwoStores races uses of one refresh token from two processes.
func testUseRefreshTokenTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	grantFixture(t, s)
	must(t, s.CreateGrant(ctx, newGrant("g1", "c1", "u1")))
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-hash-1", "g1")))
	errs := raceN(30, s, reopen(t), func(i int, s store.Store) error {
		_, err := s.UseRefreshToken(ctx, "rt-hash-1", t0.Add(time.Duration(i)*time.Second))
		return err
	})
	winner := oneWinner(t, errs, store.ErrConflict)
	got, err := s.GetRefreshToken(ctx, "rt-hash-1")
	must(t, err)
	wantEqual(t, got.UsedDateTime, at(time.Duration(winner)*time.Second))
}

func testListUserGrants(t *testing.T, s store.Store) {
	grantFixture(t, s)
	var want []domain.Grant
	for i, x := range []struct{ id, client, user string }{{"g1", "c1", "u1"}, {"g2", "c2", "u1"}, {"g3", "c1", "u2"}, {"g4", "c1", "u1"}} {
		g := newGrant(x.id, x.client, x.user)
		g.CreatedDateTime = t0.Add(time.Duration(i) * time.Minute)
		if x.id == "g2" {
			g.RevokedDateTime, g.RevokedReason = t0.Add(time.Hour), "signed out"
		}
		must(t, s.CreateGrant(ctx, g))
		if x.user == "u1" {
			want = append([]domain.Grant{storedGrant(g)}, want...)
		}
	}
	got, err := s.ListUserGrants(ctx, "u1")
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.ListUserGrants(ctx, "ghost")
	must(t, err)
	wantEqual(t, len(got), 0)
}
