package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var sessionTests = []test{
	{"Session/CRUD", testSessionCRUD},
	{"Session/DeleteByPassAndUser", testSessionBulkDelete},
	{"Session/ListByUser", testListUserSessions},
}

var signingKeyTests = []test{
	{"SigningKey/CreateListDelete", testSigningKeys},
}

func newSession(idHash, userID string) domain.Session {
	return domain.Session{
		IDHash: idHash, UserID: userID, AMR: []string{domain.AMRTap, domain.AMRMFA},
		CreatedDateTime: t0, LastSeenDateTime: t0, ExpiresDateTime: t0.Add(8 * time.Hour), AuthTime: t0,
	}
}

func storedSession(s domain.Session) domain.Session {
	s.CreatedDateTime, s.LastSeenDateTime = norm(s.CreatedDateTime), norm(s.LastSeenDateTime)
	s.ExpiresDateTime, s.AuthTime = norm(s.ExpiresDateTime), norm(s.AuthTime)
	if s.AMR == nil {
		s.AMR = []string{}
	}
	return s
}

func testSessionCRUD(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	se := newSession("h1", "u1")
	se.PassID, se.RegistrationOnly = "p1", true
	must(t, s.CreateSession(ctx, se))
	wantErr(t, s.CreateSession(ctx, se), store.ErrAlreadyExists)
	wantErr(t, s.CreateSession(ctx, newSession("h2", "ghost")), store.ErrNotFound)
	got, err := s.GetSession(ctx, "h1")
	must(t, err)
	wantEqual(t, got, storedSession(se))
	_, err = s.GetSession(ctx, "h2")
	wantErr(t, err, store.ErrNotFound)

	plain := newSession("h3", "u1")
	plain.AMR = nil
	must(t, s.CreateSession(ctx, plain))
	got, err = s.GetSession(ctx, "h3")
	must(t, err)
	wantEqual(t, got, storedSession(plain))

	got, err = s.UpdateSession(ctx, "h1", func(x domain.Session) (domain.Session, error) {
		x.IDHash, x.UserID = "ignored", "ignored"
		x.LastSeenDateTime = t0.Add(time.Hour)
		x.AMR = append(x.AMR, domain.AMRHwk)
		x.RegistrationOnly = false
		x.PassID = ""
		return x, nil
	})
	must(t, err)
	want := storedSession(se)
	want.LastSeenDateTime, want.AMR = at(time.Hour), []string{domain.AMRTap, domain.AMRMFA, domain.AMRHwk}
	want.RegistrationOnly, want.PassID = false, ""
	wantEqual(t, got, want)
	got, err = s.GetSession(ctx, "h1")
	must(t, err)
	wantEqual(t, got, want)

	errVeto := errors.New("veto")
	_, err = s.UpdateSession(ctx, "h1", func(x domain.Session) (domain.Session, error) {
		x.AMR = nil
		return x, errVeto
	})
	wantErr(t, err, errVeto)
	_, err = s.UpdateSession(ctx, "ghost", func(x domain.Session) (domain.Session, error) { return x, nil })
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetSession(ctx, "h1")
	must(t, err)
	wantEqual(t, got, want)

	must(t, s.DeleteSession(ctx, "h1"))
	wantErr(t, s.DeleteSession(ctx, "h1"), store.ErrNotFound)
	_, err = s.GetSession(ctx, "h1")
	wantErr(t, err, store.ErrNotFound)
}

func testSessionBulkDelete(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	for _, x := range []struct{ hash, user, pass string }{
		{"h1", "u1", "p1"}, {"h2", "u1", "p1"}, {"h3", "u1", ""}, {"h4", "u2", "p2"}, {"h5", "u2", ""},
	} {
		se := newSession(x.hash, x.user)
		se.PassID = x.pass
		must(t, s.CreateSession(ctx, se))
	}
	n, err := s.DeleteSessionsByPass(ctx, "p1")
	must(t, err)
	wantEqual(t, n, 2)
	n, err = s.DeleteSessionsByPass(ctx, "p1")
	must(t, err)
	wantEqual(t, n, 0)
	// An empty pass id must never match the sessions that have no pass.
	if n, err := s.DeleteSessionsByPass(ctx, ""); err == nil && n != 0 {
		t.Fatalf("DeleteSessionsByPass(\"\") deleted %d sessions", n)
	}
	for _, h := range []string{"h3", "h4", "h5"} {
		_, err := s.GetSession(ctx, h)
		must(t, err)
	}
	n, err = s.DeleteUserSessions(ctx, "u2")
	must(t, err)
	wantEqual(t, n, 2)
	n, err = s.DeleteUserSessions(ctx, "ghost")
	must(t, err)
	wantEqual(t, n, 0)
	_, err = s.GetSession(ctx, "h4")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetSession(ctx, "h3")
	must(t, err)
}

func testSigningKeys(t *testing.T, s store.Store) {
	keys, err := s.ListSigningKeys(ctx)
	must(t, err)
	wantEqual(t, keys, []domain.SigningKey{})
	older := domain.SigningKey{ID: "k1", Algorithm: "ES256", PrivateKeySealed: []byte{0, 1, 2, 255},
		PublicKeyJWK: []byte(`{"kty":"EC"}`), CreatedDateTime: t0, NotAfter: t0.Add(24 * time.Hour), RetireAfter: t0.Add(48 * time.Hour)}
	newer := older
	newer.ID, newer.CreatedDateTime = "k2", t0.Add(time.Hour)
	must(t, s.CreateSigningKey(ctx, older))
	must(t, s.CreateSigningKey(ctx, newer))
	wantErr(t, s.CreateSigningKey(ctx, older), store.ErrAlreadyExists)

	keys, err = s.ListSigningKeys(ctx)
	must(t, err)
	norms := func(k domain.SigningKey) domain.SigningKey {
		k.CreatedDateTime, k.NotAfter, k.RetireAfter = norm(k.CreatedDateTime), norm(k.NotAfter), norm(k.RetireAfter)
		return k
	}
	wantEqual(t, keys, []domain.SigningKey{norms(newer), norms(older)}) // newest first

	must(t, s.DeleteSigningKey(ctx, "k1"))
	wantErr(t, s.DeleteSigningKey(ctx, "k1"), store.ErrNotFound)
	keys, err = s.ListSigningKeys(ctx)
	must(t, err)
	wantEqual(t, keys, []domain.SigningKey{norms(newer)})
}

func testListUserSessions(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	var want []domain.Session
	for i, h := range []string{"h1", "h2", "h3"} {
		se := newSession(h, "u1")
		se.LastSeenDateTime = t0.Add(time.Duration(i) * time.Minute)
		must(t, s.CreateSession(ctx, se))
		want = append([]domain.Session{storedSession(se)}, want...)
	}
	must(t, s.CreateSession(ctx, newSession("h4", "u2")))
	got, err := s.ListUserSessions(ctx, "u1")
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.ListUserSessions(ctx, "ghost")
	must(t, err)
	wantEqual(t, len(got), 0)
	_, err = s.DeleteUserSessions(ctx, "u1")
	must(t, err)
	got, err = s.ListUserSessions(ctx, "u1")
	must(t, err)
	wantEqual(t, len(got), 0)
}
