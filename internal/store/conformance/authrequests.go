package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var authRequestTests = []test{
	{"AuthRequest/CreateGet", testAuthRequestCreateGet},
	{"AuthRequest/Update", testAuthRequestUpdate},
	{"AuthRequest/UpdateCodeHashUnique", testAuthRequestCodeHashUnique},
	{"AuthRequest/Redeem", testAuthRequestRedeem},
	{"AuthRequest/RedeemInTx", testAuthRequestRedeemInTx},
	{"AuthRequest/Delete", testAuthRequestDelete},
	{"AuthRequest/DeleteExpired", testAuthRequestDeleteExpired},
}

// newAuthRequest is a request as the authorize endpoint stores it: nobody has
// signed in yet and no code is issued.
func newAuthRequest(id string) domain.AuthRequest {
	return domain.AuthRequest{
		ID: id, ClientID: "c1", RedirectURI: "https://app.example.com/cb",
		Scopes: []string{"openid", "profile", "offline_access"}, State: "st-" + id, Nonce: "n-" + id,
		ResponseType: "code", ResponseMode: "form_post",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		Prompt: []string{"login", "consent"}, MaxAge: ptr(time.Hour), LoginHint: "ada@example.com", HintSubject: "5d3c1f0e-9a64-4f4e-8d55-0b7c9a1e2f33",
		RequestedStrength: domain.StrengthPhishingResistant,
		CreatedDateTime:   t0, ExpiresDateTime: t0.Add(domain.AuthRequestLifetime),
	}
}

// approved is r after a person signed in and a code was issued.
func approved(r domain.AuthRequest, codeHash string) domain.AuthRequest {
	r.UserID, r.SessionIDHash, r.PassID = "u1", "sess-hash-"+r.ID, "p1"
	r.AMR = []string{domain.AMRTap, domain.AMRMFA}
	r.AuthTime, r.AuthExpires = t0.Add(time.Minute), t0.Add(8*time.Hour)
	r.CodeHash, r.CodeExpires = codeHash, t0.Add(time.Minute+domain.AuthCodeLifetime)
	return r
}

// storedAuthRequest is r as the store returns it.
func storedAuthRequest(r domain.AuthRequest) domain.AuthRequest {
	r.AuthTime, r.AuthExpires, r.CodeExpires = norm(r.AuthTime), norm(r.AuthExpires), norm(r.CodeExpires)
	r.CodeUsedDateTime, r.CreatedDateTime, r.ExpiresDateTime = norm(r.CodeUsedDateTime), norm(r.CreatedDateTime), norm(r.ExpiresDateTime)
	r.Scopes, r.Prompt, r.AMR = nonNilStrings(r.Scopes), nonNilStrings(r.Prompt), nonNilStrings(r.AMR)
	return r
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// wantNoSecret checks that err does not quote any of secrets.
func wantNoSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q quotes a secret", err)
		}
	}
}

func testAuthRequestCreateGet(t *testing.T, s store.Store) {
	full := approved(newAuthRequest("r1"), "code-hash-r1")
	full.CodeUsedDateTime, full.GrantID = t0.Add(2*time.Minute), "g1"
	must(t, s.CreateAuthRequest(ctx, full))
	got, err := s.GetAuthRequest(ctx, "r1")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(full))
	got, err = s.GetAuthRequestByCode(ctx, "code-hash-r1")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(full))

	// The least a request can hold: no max_age (nil, not zero), no lists (they
	// come back empty, not nil), zero times (they come back zero).
	bare := domain.AuthRequest{ID: "r2", ClientID: "c1", RedirectURI: "http://localhost/cb", ResponseType: "code",
		CreatedDateTime: t0, ExpiresDateTime: t0.Add(time.Minute)}
	must(t, s.CreateAuthRequest(ctx, bare))
	got, err = s.GetAuthRequest(ctx, "r2")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(bare))
	if got.MaxAge != nil || got.Scopes == nil || got.Prompt == nil || got.AMR == nil || !got.AuthTime.IsZero() ||
		!got.CodeExpires.IsZero() || !got.CodeUsedDateTime.IsZero() || got.Done() {
		t.Fatalf("bare request came back as %+v", got)
	}

	// max_age=0 (prompt=login) is not the same as no max_age.
	zero := newAuthRequest("r3")
	zero.MaxAge = ptr(time.Duration(0))
	must(t, s.CreateAuthRequest(ctx, zero))
	got, err = s.GetAuthRequest(ctx, "r3")
	must(t, err)
	if got.MaxAge == nil || *got.MaxAge != 0 {
		t.Fatalf("max_age 0 came back as %v", got.MaxAge)
	}
	wantEqual(t, got, storedAuthRequest(zero))

	wantErr(t, s.CreateAuthRequest(ctx, newAuthRequest("r1")), store.ErrAlreadyExists)
	// A code hash is unique on create too.
	err = s.CreateAuthRequest(ctx, approved(newAuthRequest("r4"), "code-hash-r1"))
	wantErr(t, err, store.ErrAlreadyExists)
	wantNoSecret(t, err, "code-hash-r1")

	_, err = s.GetAuthRequest(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAuthRequestByCode(ctx, "code-hash-ghost")
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "code-hash-ghost")
	// Requests without a code must not match an empty hash.
	_, err = s.GetAuthRequestByCode(ctx, "")
	wantErr(t, err, store.ErrNotFound)
}

func testAuthRequestUpdate(t *testing.T, s store.Store) {
	r := newAuthRequest("r1")
	must(t, s.CreateAuthRequest(ctx, r))

	// The sign-in approves the request and a code is issued; the id cannot change.
	want := approved(r, "code-hash-1")
	got, err := s.UpdateAuthRequest(ctx, "r1", func(x domain.AuthRequest) (domain.AuthRequest, error) {
		wantEqual(t, x, storedAuthRequest(r))
		x = approved(x, "code-hash-1")
		x.ID = "ignored"
		return x, nil
	})
	must(t, err)
	wantEqual(t, got, storedAuthRequest(want))
	got, err = s.GetAuthRequestByCode(ctx, "code-hash-1")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(want))
	_, err = s.GetAuthRequest(ctx, "ignored")
	wantErr(t, err, store.ErrNotFound)

	// Every field can be changed, and set back to empty.
	other := domain.AuthRequest{ID: "r1", ClientID: "c2", RedirectURI: "http://127.0.0.1:9/cb", ResponseType: "code",
		MaxAge: ptr(time.Duration(0)), CreatedDateTime: t0.Add(time.Second), ExpiresDateTime: t0.Add(time.Hour)}
	got, err = s.UpdateAuthRequest(ctx, "r1", func(domain.AuthRequest) (domain.AuthRequest, error) { return other, nil })
	must(t, err)
	wantEqual(t, got, storedAuthRequest(other))
	_, err = s.GetAuthRequestByCode(ctx, "code-hash-1")
	wantErr(t, err, store.ErrNotFound)
	got, err = s.UpdateAuthRequest(ctx, "r1", func(x domain.AuthRequest) (domain.AuthRequest, error) {
		x.MaxAge = nil
		return x, nil
	})
	must(t, err)
	other.MaxAge = nil
	wantEqual(t, got, storedAuthRequest(other))

	// A refused change changes nothing.
	_, err = s.UpdateAuthRequest(ctx, "r1", func(x domain.AuthRequest) (domain.AuthRequest, error) {
		x.UserID = "u9"
		return x, errRefused
	})
	wantErr(t, err, errRefused)
	got, err = s.GetAuthRequest(ctx, "r1")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(other))

	_, err = s.UpdateAuthRequest(ctx, "ghost", func(x domain.AuthRequest) (domain.AuthRequest, error) { return x, nil })
	wantErr(t, err, store.ErrNotFound)
}

func testAuthRequestCodeHashUnique(t *testing.T, s store.Store) {
	taken := approved(newAuthRequest("r1"), "code-hash-taken")
	must(t, s.CreateAuthRequest(ctx, taken))
	// Any number of requests may have no code yet.
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("r2")))
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("r3")))

	_, err := s.UpdateAuthRequest(ctx, "r2", func(x domain.AuthRequest) (domain.AuthRequest, error) {
		return approved(x, "code-hash-taken"), nil
	})
	wantErr(t, err, store.ErrAlreadyExists)
	wantNoSecret(t, err, "code-hash-taken")
	got, err := s.GetAuthRequest(ctx, "r2")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(newAuthRequest("r2")))
	got, err = s.GetAuthRequestByCode(ctx, "code-hash-taken")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(taken))

	// Setting a request's own code again is no conflict.
	_, err = s.UpdateAuthRequest(ctx, "r1", func(x domain.AuthRequest) (domain.AuthRequest, error) {
		x.State = "changed"
		return x, nil
	})
	must(t, err)
}

func testAuthRequestRedeem(t *testing.T, s store.Store) {
	r := approved(newAuthRequest("r1"), "code-hash-1")
	must(t, s.CreateAuthRequest(ctx, r))
	other := approved(newAuthRequest("r2"), "code-hash-2")
	must(t, s.CreateAuthRequest(ctx, other))

	// A time of use is required: a zero one would read as "not used".
	_, err := s.RedeemAuthCode(ctx, "code-hash-1", time.Time{}, "g0")
	if err == nil {
		t.Fatal("redeeming with a zero time succeeded")
	}
	wantNoSecret(t, err, "code-hash-1")

	got, err := s.RedeemAuthCode(ctx, "code-hash-1", t0.Add(90*time.Second), "g1")
	must(t, err)
	want := storedAuthRequest(r)
	want.CodeUsedDateTime, want.GrantID = at(90*time.Second), "g1"
	wantEqual(t, got, want)
	got, err = s.GetAuthRequest(ctx, "r1")
	must(t, err)
	wantEqual(t, got, want)

	// Every later exchange of the same code is a conflict and changes nothing.
	for range 2 {
		_, err = s.RedeemAuthCode(ctx, "code-hash-1", t0.Add(2*time.Minute), "g2")
		wantErr(t, err, store.ErrConflict)
		wantNoSecret(t, err, "code-hash-1")
	}
	got, err = s.GetAuthRequestByCode(ctx, "code-hash-1")
	must(t, err)
	wantEqual(t, got, want)

	_, err = s.RedeemAuthCode(ctx, "code-hash-ghost", t0, "g3")
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "code-hash-ghost")
	_, err = s.RedeemAuthCode(ctx, "", t0, "g3")
	wantErr(t, err, store.ErrNotFound)

	// The other request was left alone.
	got, err = s.GetAuthRequest(ctx, "r2")
	must(t, err)
	wantEqual(t, got, storedAuthRequest(other))
}

// testAuthRequestRedeemInTx: a code exchange redeems the code and creates the
// grant together; if anything fails, neither happened.
func testAuthRequestRedeemInTx(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreateApplication(ctx, newApp("a1", "c1", "App")))
	must(t, s.CreateAuthRequest(ctx, approved(newAuthRequest("r1"), "code-hash-1")))

	exchange := func(grantID string, fail error) error {
		return s.InTx(ctx, func(tx store.Store) error {
			if _, err := tx.RedeemAuthCode(ctx, "code-hash-1", t0.Add(time.Minute), grantID); err != nil {
				return err
			}
			if err := tx.CreateGrant(ctx, newGrant(grantID, "c1", "u1")); err != nil {
				return err
			}
			if err := tx.CreateRefreshToken(ctx, newRefreshToken("rt-"+grantID, grantID)); err != nil {
				return err
			}
			return fail
		})
	}
	wantErr(t, exchange("g1", errRefused), errRefused)
	got, err := s.GetAuthRequest(ctx, "r1")
	must(t, err)
	if !got.CodeUsedDateTime.IsZero() || got.GrantID != "" {
		t.Fatalf("a rolled-back exchange left the code redeemed: %+v", got)
	}
	_, err = s.GetGrant(ctx, "g1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, "rt-g1")
	wantErr(t, err, store.ErrNotFound)

	// A failure of the grant (here, an unknown application) also undoes the redeem.
	err = s.InTx(ctx, func(tx store.Store) error {
		if _, err := tx.RedeemAuthCode(ctx, "code-hash-1", t0.Add(time.Minute), "g2"); err != nil {
			return err
		}
		return tx.CreateGrant(ctx, newGrant("g2", "ghost-client", "u1"))
	})
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetAuthRequest(ctx, "r1")
	must(t, err)
	if !got.CodeUsedDateTime.IsZero() {
		t.Fatalf("a failed grant left the code redeemed: %+v", got)
	}

	// The code is still good once, and then never again.
	must(t, exchange("g3", nil))
	got, err = s.GetAuthRequest(ctx, "r1")
	must(t, err)
	wantEqual(t, got.GrantID, "g3")
	_, err = s.GetGrant(ctx, "g3")
	must(t, err)
	wantErr(t, exchange("g4", nil), store.ErrConflict)
	_, err = s.GetGrant(ctx, "g4")
	wantErr(t, err, store.ErrNotFound)
}

func testAuthRequestDelete(t *testing.T, s store.Store) {
	must(t, s.CreateAuthRequest(ctx, approved(newAuthRequest("r1"), "code-hash-1")))
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("r2")))
	must(t, s.DeleteAuthRequest(ctx, "r1"))
	wantErr(t, s.DeleteAuthRequest(ctx, "r1"), store.ErrNotFound)
	_, err := s.GetAuthRequestByCode(ctx, "code-hash-1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.RedeemAuthCode(ctx, "code-hash-1", t0, "g1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAuthRequest(ctx, "r2")
	must(t, err)
	// The code hash of a deleted request can be issued again.
	must(t, s.CreateAuthRequest(ctx, approved(newAuthRequest("r3"), "code-hash-1")))
}

func testAuthRequestDeleteExpired(t *testing.T, s store.Store) {
	for i, d := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute} {
		r := newAuthRequest(fmt.Sprintf("r%d", i))
		r.ExpiresDateTime = t0.Add(d)
		must(t, s.CreateAuthRequest(ctx, r))
	}
	n, err := s.DeleteExpiredAuthRequests(ctx, t0)
	must(t, err)
	wantEqual(t, n, 0)
	// Expiring exactly at `before` is not "before".
	n, err = s.DeleteExpiredAuthRequests(ctx, t0.Add(5*time.Minute))
	must(t, err)
	wantEqual(t, n, 1)
	n, err = s.DeleteExpiredAuthRequests(ctx, t0.Add(5*time.Minute+time.Microsecond))
	must(t, err)
	wantEqual(t, n, 1)
	for id, want := range map[string]error{"r0": store.ErrNotFound, "r1": store.ErrNotFound, "r2": nil} {
		_, err := s.GetAuthRequest(ctx, id)
		if !errors.Is(err, want) {
			t.Fatalf("get %s: got %v, want %v", id, err, want)
		}
	}
}

// testRedeemAuthCodeTwoStores races exchanges of one code from two processes.
func testRedeemAuthCodeTwoStores(t *testing.T, s store.Store, reopen func(testing.TB) store.Store) {
	must(t, s.CreateAuthRequest(ctx, approved(newAuthRequest("r1"), "code-hash-1")))
	errs := raceN(30, s, reopen(t), func(i int, s store.Store) error {
		_, err := s.RedeemAuthCode(ctx, "code-hash-1", t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("g%d", i))
		return err
	})
	winner := oneWinner(t, errs, store.ErrConflict)
	got, err := s.GetAuthRequest(ctx, "r1")
	must(t, err)
	// The recorded exchange is the winner's.
	wantEqual(t, got.CodeUsedDateTime, at(time.Duration(winner)*time.Second))
	wantEqual(t, got.GrantID, fmt.Sprintf("g%d", winner))
}

// oneWinner checks that exactly one call succeeded and every other failed with
// loser, and returns the winner's index.
func oneWinner(t testing.TB, errs []error, loser error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("calls %d and %d both succeeded", winner, i)
			}
			winner = i
		case !errors.Is(err, loser):
			t.Fatalf("call %d: got %v, want nil or %v", i, err, loser)
		}
	}
	if winner < 0 {
		t.Fatal("no call succeeded")
	}
	return winner
}
