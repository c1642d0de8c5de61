package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func (f fixture) actor(t *testing.T, u domain.User) domain.Actor {
	t.Helper()
	a, err := f.dir.UserActor(context.Background(), u.ID, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f fixture) audits(t *testing.T, activity string) []domain.AuditRecord {
	t.Helper()
	all, _, err := f.st.ListAudits(context.Background(), store.ListOptions{Top: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.AuditRecord
	for _, a := range all {
		if a.ActivityDisplayName == activity {
			out = append(out, a)
		}
	}
	return out
}

// An administrator clears a lock-out on every source at once; the roles that
// may help the person may, others may not, and a refusal changes nothing.
func TestUnlockClearsLockoutOnEverySource(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "Locked@Example.com")
		ga := f.user(t, "ga@example.com", domain.RoleGlobalAdministrator)
		authAdmin := f.actor(t, f.user(t, "aa@example.com", domain.RoleAuthenticationAdministrator))
		reader := f.actor(t, f.user(t, "rr@example.com", domain.RoleReportsReader))
		userAdmin := f.actor(t, f.user(t, "ua@example.com", domain.RoleUserAdministrator))
		p := f.issue(t, u, false)
		attacker := directory.Attempt{UserPrincipalName: "locked@example.com", IPAddress: "203.0.113.7"}

		l, err := f.dir.LockoutOf(ctx, reader, u.ID)
		if err != nil || l.Locked() || l.Failures != 0 || l.Sources != 0 {
			t.Fatalf("fresh lock-out state %+v, %v", l, err)
		}
		for i := 0; i < domain.AccountLockout.Threshold; i++ {
			f.signIn(attacker, "Wrong1234")
		}
		l, err = f.dir.LockoutOf(ctx, reader, u.ID)
		if err != nil || !l.Locked() || l.Failures != domain.SourceLockout.Threshold || l.Sources != 1 {
			t.Fatalf("after failures the lock-out state is %+v, %v", l, err)
		}
		if _, err := f.signIn(attacker, p.Code); !errors.Is(err, directory.ErrAccountLocked) {
			t.Fatalf("right pass while locked: %v", err)
		}

		if err := f.dir.Unlock(ctx, reader, u.ID); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("a Reports Reader unlocked: %v", err)
		}
		if l, _ := f.dir.LockoutOf(ctx, reader, u.ID); !l.Locked() {
			t.Fatal("a refused unlock cleared the lock-out")
		}
		if err := f.dir.Unlock(ctx, authAdmin, u.UserPrincipalName); err != nil {
			t.Fatalf("an Authentication Administrator could not unlock: %v", err)
		}
		if l, _ := f.dir.LockoutOf(ctx, reader, u.ID); l.Locked() || l.Sources != 0 || l.Failures != 0 {
			t.Fatalf("after unlock the state is %+v", l)
		}
		if _, err := f.signIn(attacker, p.Code); err != nil {
			t.Fatalf("after unlock the right pass failed: %v", err)
		}
		if got := f.audits(t, domain.ActivityResetLockout); len(got) != 1 || got[0].InitiatedBy.UPN != "aa@example.com" {
			t.Fatalf("unlock audited as %+v", got)
		}

		// A User Administrator may not help a Global Administrator.
		if err := f.dir.Unlock(ctx, userAdmin, ga.ID); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("a User Administrator unlocked a Global Administrator: %v", err)
		}
	})
}

// Revoking a user's sessions signs out every browser they use and ends their
// applications' tokens; their next request is signed out.
func TestRevokeSessionsSignsOutEverywhere(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "ada@example.com")
		authAdmin := f.actor(t, f.user(t, "aa@example.com", domain.RoleAuthenticationAdministrator))
		reader := f.actor(t, f.user(t, "rr@example.com", domain.RoleReportsReader))
		p := f.issue(t, u, false)
		var tokens []string
		for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
			res, err := f.signIn(directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: ip}, p.Code)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, res.Token)
		}
		app, _, err := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "Payroll", RedirectURIs: []string{"https://payroll.example.com/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		if err := f.st.CreateGrant(ctx, domain.Grant{ID: "5b0c7d3e-0000-4000-8000-000000000001", ClientID: app.ClientID, UserID: u.ID,
			CreatedDateTime: now, ExpiresDateTime: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if gs, err := f.dir.UserGrants(ctx, reader, u.ID); err != nil || len(gs) != 1 || gs[0].AppName != "Payroll" {
			t.Fatalf("applications signed in to: %+v, %v", gs, err)
		}
		live, err := f.dir.UserSessions(ctx, reader, u.ID)
		if err != nil || len(live) != 2 {
			t.Fatalf("sessions listed: %d, %v", len(live), err)
		}
		if _, err := f.dir.RevokeSessions(ctx, reader, u.ID); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("a Reports Reader revoked sessions: %v", err)
		}
		if _, err := f.dir.Session(ctx, tokens[0]); err != nil {
			t.Fatalf("a refused revocation ended a session: %v", err)
		}
		got, err := f.dir.RevokeSessions(ctx, authAdmin, u.ID)
		if err != nil || got.Sessions != 2 || got.Grants != 1 {
			t.Fatalf("revoked %+v, %v", got, err)
		}
		for _, tok := range tokens {
			if _, err := f.dir.Session(ctx, tok); domain.KindOf(err) != domain.KindUnauthenticated {
				t.Fatalf("a session outlived the revocation: %v", err)
			}
		}
		if gs, _ := f.dir.UserGrants(ctx, reader, u.ID); len(gs) != 0 {
			t.Fatalf("%d application sign-ins listed after revocation", len(gs))
		}
		if live, _ := f.dir.UserSessions(ctx, reader, u.ID); len(live) != 0 {
			t.Fatalf("%d sessions listed after revocation", len(live))
		}
		if a := f.audits(t, domain.ActivityRevokeSessions); len(a) != 1 || detail(a[0], "SessionsEnded") != "2" {
			t.Fatalf("revocation audited as %+v", a)
		}
	})
}
