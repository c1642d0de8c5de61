package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

type fixture struct {
	dir   *directory.Service
	st    store.Store
	clock *domain.FakeClock
}

var sys = domain.SystemActor()

func forEachBackend(t *testing.T, fn func(t *testing.T, f fixture)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			clock := domain.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			dir, err := directory.New(directory.Config{Store: st, Clock: clock, Hasher: secret.Hasher{Argon2: secret.FastArgon2}, BaseURL: "https://id.example.com", Logger: slog.New(slog.DiscardHandler),
				HashQueue: 1000}) // races below want every attempt checked, not refused as busy
			if err != nil {
				t.Fatal(err)
			}
			fn(t, fixture{dir: dir, st: st, clock: clock})
		})
	}
}

func (f fixture) user(t *testing.T, upn string, roles ...domain.Role) domain.User {
	t.Helper()
	u, err := f.dir.CreateUser(context.Background(), sys, domain.User{UserPrincipalName: upn, DisplayName: upn, AccountEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if err := f.dir.AssignRole(context.Background(), sys, u.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (f fixture) enablePolicy(t *testing.T, change func(*domain.TAPPolicy)) {
	t.Helper()
	_, err := f.dir.UpdateTAPPolicy(context.Background(), sys, func(p *domain.TAPPolicy) error {
		p.State = domain.StateEnabled
		if change != nil {
			change(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f fixture) issue(t *testing.T, u domain.User, once bool) directory.IssuedPass {
	t.Helper()
	p, err := f.dir.IssuePass(context.Background(), sys, u.ID, domain.PassRequest{IsUsableOnce: &once})
	if err != nil {
		t.Fatal(err)
	}
	// Logs list newest first; a tick keeps records of successive steps apart.
	f.clock.Advance(time.Millisecond)
	return p
}

// signIn attempts a pass sign-in a tick after the previous step, so that the
// newest-first sign-in log puts it first.
func (f fixture) signIn(at directory.Attempt, code string) (directory.SignInResult, error) {
	f.clock.Advance(time.Millisecond)
	return f.dir.SignInWithPass(context.Background(), at, code)
}

func (f fixture) lastSignIn(t *testing.T) domain.SignIn {
	t.Helper()
	list, _, err := f.st.ListSignIns(context.Background(), store.ListOptions{Top: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("no sign-in recorded: %v", err)
	}
	return list[0]
}

func TestInitBootstrapsOnceEvenWhenRaced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const n = 8
		results := make([]directory.InitResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) { defer wg.Done(); results[i], errs[i] = f.dir.Init(ctx, "boss@example.com") }(i)
		}
		wg.Wait()
		created := 0
		var res directory.InitResult
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("init %d: %v", i, errs[i])
			}
			if results[i].Created {
				created++
				res = results[i]
			}
		}
		if created != 1 {
			t.Fatalf("%d processes created the directory, want exactly 1", created)
		}
		if res.Pass.Code == "" || !res.Pass.IsUsableOnce || !res.Pass.IsUsable || res.Pass.SignInURL != "https://id.example.com/mysecurityinfo" {
			t.Fatalf("bootstrap pass: %+v", res.Pass.PassView)
		}
		roles, _ := f.st.ListUserRoles(ctx, res.Admin.ID)
		if len(roles) != 1 || roles[0] != domain.RoleGlobalAdministrator {
			t.Fatalf("bootstrap admin roles %v", roles)
		}
		pol, _ := f.st.GetTAPPolicy(ctx)
		if pol.State != domain.StateEnabled {
			t.Fatal("init did not enable the pass policy")
		}
		_, before, _ := f.st.ListAudits(ctx, store.ListOptions{Count: true})
		again, err := f.dir.Init(ctx, "other@example.com")
		if err != nil || again.Created || again.Admin.ID != res.Admin.ID {
			t.Fatalf("second init: %+v, %v", again, err)
		}
		_, after, _ := f.st.ListAudits(ctx, store.ListOptions{Count: true})
		if before != after {
			t.Fatalf("second init wrote %d audit records", after-before)
		}
		// The bootstrap pass signs the administrator in, once.
		if _, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: "BOSS@example.com"}, res.Pass.Code); err != nil {
			t.Fatalf("bootstrap pass sign-in: %v", err)
		}
		assertNoSecret(t, f, res.Pass.Code)
	})
}

func TestOneTimePassIsConsumedByExactlyOneOfManyAttempts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		f.enablePolicy(t, nil)
		u := f.user(t, "race@example.com")
		p := f.issue(t, u, true)
		const n = 30
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// From many addresses, so that the per-source lock-out does not
				// turn most of them away before they race for the pass.
				at := directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: fmt.Sprintf("192.0.2.%d", i)}
				_, err := f.dir.SignInWithPass(context.Background(), at, p.Code)
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, directory.ErrPassUsed) && !errors.Is(err, directory.ErrAccountLocked) {
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d attempts succeeded, want exactly 1", wins)
		}
		logs, total, _ := f.st.ListSignIns(context.Background(), store.ListOptions{Top: 100, Count: true})
		used, locked := 0, 0
		for _, l := range logs {
			switch l.ErrorCode {
			case domain.SignInPassUsed:
				used++
			case domain.SignInAccountLocked:
				locked++
			}
		}
		// Attempts past the account's lock-out threshold may be turned away
		// before the pass is checked; every other loser found the pass used.
		if total != n || used == 0 || used+locked != n-1 {
			t.Fatalf("sign-in log: %d records, %d with 130505, %d locked out; want %d, and the rest of %d", total, used, locked, n, n-1)
		}
	})
}

func TestPassSignInRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "ada@example.com")
		attempt := directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "192.0.2.7"}

		// A multi-use pass signs in repeatedly; the session never outlives the pass.
		multi := f.issue(t, u, false)
		for i := 0; i < 2; i++ {
			res, err := f.signIn(attempt, multi.Code)
			if err != nil {
				t.Fatalf("multi-use sign-in %d: %v", i, err)
			}
			if res.Session.RegistrationOnly || !res.Session.ExpiresDateTime.Equal(multi.End()) {
				t.Fatalf("session %+v, want unrestricted until %v", res.Session, multi.End())
			}
			if strings.Join(res.Session.AMR, ",") != "tap,mfa" {
				t.Fatalf("amr %v", res.Session.AMR)
			}
		}
		if l := f.lastSignIn(t); !l.Succeeded || l.ErrorCode != 0 || l.AuthenticationMethodDetail != multi.ID ||
			l.AuthenticationRequirement != domain.RequirementMFA || l.IPAddress != "192.0.2.7" {
			t.Fatalf("success log %+v", l)
		}

		// Wrong pass, unknown user and no pass all look the same to the person.
		cases := []struct {
			name    string
			upn     string
			code    string
			errCode int
		}{
			{"wrong pass", u.UserPrincipalName, "WrongPass", domain.SignInPassInvalid},
			{"unknown user", "nobody@example.com", multi.Code, domain.SignInUserNotFound},
		}
		for _, c := range cases {
			f.clock.Advance(time.Millisecond)
			_, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: c.upn}, c.code)
			if err != directory.ErrSignInFailed {
				t.Fatalf("%s: error %v, want the generic failure", c.name, err)
			}
			if l := f.lastSignIn(t); l.ErrorCode != c.errCode || l.Succeeded {
				t.Fatalf("%s: logged %d, want %d", c.name, l.ErrorCode, c.errCode)
			}
		}

		// Policy disabled: blocked.
		_, err := f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error { p.State = domain.StateDisabled; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.signIn(attempt, multi.Code); err == nil || f.lastSignIn(t).ErrorCode != domain.SignInPassBlocked {
			t.Fatalf("disabled policy: %v, logged %d", err, f.lastSignIn(t).ErrorCode)
		}
		f.enablePolicy(t, nil)

		// Expired: the person with the right pass is told so; a wrong guess
		// against the expired pass still hears only the generic failure.
		f.clock.Advance(61 * time.Minute)
		if _, err := f.signIn(attempt, multi.Code); err != directory.ErrPassExpired || f.lastSignIn(t).ErrorCode != domain.SignInPassExpired {
			t.Fatalf("expired pass: %v, logged %d", err, f.lastSignIn(t).ErrorCode)
		}
		if _, err := f.signIn(attempt, "Wrong1234"); err != directory.ErrSignInFailed {
			t.Fatalf("a wrong pass for an account with an expired one: %v", err)
		}

		// Not yet valid.
		start := f.clock.Now().Add(24 * time.Hour)
		later, err := f.dir.IssuePass(ctx, sys, u.ID, domain.PassRequest{StartDateTime: &start})
		if err != nil {
			t.Fatal(err)
		}
		if later.IsUsable || later.Reason != domain.NotYetValid {
			t.Fatalf("delayed pass usability %v %s", later.IsUsable, later.Reason)
		}
		if _, err := f.signIn(attempt, later.Code); err == nil || f.lastSignIn(t).ErrorCode != domain.SignInPassNotYetValid {
			t.Fatalf("not yet valid: %v", err)
		}

		// A used one-time pass, typed right, says so; a disabled account does not.
		used := f.issue(t, u, true)
		if _, err := f.signIn(attempt, used.Code); err != nil {
			t.Fatalf("one-time pass: %v", err)
		}
		if _, err := f.signIn(attempt, used.Code); err != directory.ErrPassUsed || f.lastSignIn(t).ErrorCode != domain.SignInPassUsed {
			t.Fatalf("used pass: %v, logged %d", err, f.lastSignIn(t).ErrorCode)
		}

		// Disabled account.
		once := f.issue(t, u, true)
		if _, err := f.dir.UpdateUser(ctx, sys, u.ID, func(x *domain.User) error { x.AccountEnabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := f.signIn(attempt, once.Code); err == nil || f.lastSignIn(t).ErrorCode != domain.SignInAccountDisabled {
			t.Fatalf("disabled account: %v", err)
		}
	})
}

func TestOneTimeSessionIsRegistrationOnlyForTenMinutesAndEndsWithPass(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "new@example.com")
		p := f.issue(t, u, true)
		res, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName}, p.Code)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Session.RegistrationOnly || !res.Session.ExpiresDateTime.Equal(f.clock.Now().Add(10*time.Minute)) {
			t.Fatalf("one-time session %+v", res.Session)
		}
		if _, err := f.dir.Session(ctx, res.Token); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
		f.clock.Advance(11 * time.Minute)
		if _, err := f.dir.Session(ctx, res.Token); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("session 11 minutes after a one-time pass: %v", err)
		}

		// Deleting a still-valid multi-use pass ends the sessions obtained with it.
		m := f.issue(t, u, false)
		res, err = f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName}, m.Code)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.dir.DeletePass(ctx, sys, u.UserPrincipalName, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dir.Session(ctx, res.Token); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("session outlived its deleted pass: %v", err)
		}
	})
}

func TestPassRevokedAfterHundredFailures(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "target@example.com")
		p := f.issue(t, u, false)
		for i := 0; i < domain.MaxPassFailures; i++ {
			if _, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName}, "guess"); err != directory.ErrSignInFailed {
				t.Fatalf("guess %d: %v", i, err)
			}
			// Lock-outs would slow these guesses down (they have their own test);
			// forget them so that this test reaches the per-pass cap.
			if _, err := f.st.DeleteExpiredThrottles(ctx, f.clock.Now().Add(1000*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if passes, _ := f.st.ListUserPasses(ctx, u.ID); len(passes) != 0 {
			t.Fatalf("pass survived %d failures", domain.MaxPassFailures)
		}
		if _, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName}, p.Code); err == nil {
			t.Fatal("revoked pass still signs in")
		}
		audits, _, _ := f.st.ListAudits(ctx, store.ListOptions{Top: 1})
		if len(audits) == 0 || audits[0].ActivityDisplayName != domain.ActivityAdminDeletedSecurityInfo ||
			!strings.Contains(detail(audits[0], "Reason"), "Revoked after 100 failed") {
			t.Fatalf("revocation not audited: %+v", audits)
		}
	})
}

func TestIssueReplacesAndAudits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "joiner@example.com")
		first := f.issue(t, u, true)
		second := f.issue(t, u, false)
		passes, _ := f.st.ListUserPasses(ctx, u.ID)
		if len(passes) != 1 || passes[0].ID != second.ID {
			t.Fatalf("passes after replace: %+v", passes)
		}
		if _, err := f.dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName}, first.Code); err == nil {
			t.Fatal("replaced pass still works")
		}
		audits, _, _ := f.st.ListAudits(ctx, store.ListOptions{Top: 10})
		var replaced, registered int
		for _, a := range audits {
			if a.ActivityDisplayName == domain.ActivityAdminDeletedSecurityInfo && detail(a, "PassId") == first.ID &&
				strings.Contains(detail(a, "Reason"), "Replaced") {
				replaced++
			}
			if a.ActivityDisplayName == domain.ActivityAdminRegisteredSecurityInfo {
				registered++
				if a.TargetUserID() != u.ID || detail(a, "Usage") == "" || detail(a, "EndDateTime") == "" {
					t.Fatalf("issuance audit lacks details: %+v", a)
				}
			}
		}
		if replaced != 1 || registered != 2 {
			t.Fatalf("audits: %d replaced, %d registered", replaced, registered)
		}
		assertNoSecret(t, f, first.Code, second.Code)
	})
}

func TestConcurrentIssuanceLeavesOnePass(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		f.enablePolicy(t, nil)
		u := f.user(t, "busy@example.com")
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.dir.IssuePass(context.Background(), sys, u.ID, domain.PassRequest{}); err != nil {
					t.Errorf("issue: %v", err)
				}
			}()
		}
		wg.Wait()
		if passes, _ := f.st.ListUserPasses(context.Background(), u.ID); len(passes) != 1 {
			t.Fatalf("%d passes after concurrent issuance, want 1", len(passes))
		}
	})
}

func TestRoleRulesForIssuance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		helpdesk := f.user(t, "helpdesk@example.com", domain.RoleAuthenticationAdministrator)
		priv := f.user(t, "priv@example.com", domain.RolePrivilegedAuthenticationAdministrator)
		plain := f.user(t, "plain@example.com")
		boss := f.user(t, "boss@example.com", domain.RoleUserAdministrator)
		act := func(u domain.User) domain.Actor {
			a, err := f.dir.UserActor(ctx, u.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		try := func(a domain.Actor, target domain.User) error {
			_, err := f.dir.IssuePass(ctx, a, target.ID, domain.PassRequest{})
			return err
		}
		if err := try(act(helpdesk), plain); err != nil {
			t.Fatalf("auth admin for plain user: %v", err)
		}
		if err := try(act(helpdesk), boss); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("auth admin for role holder: %v", err)
		}
		if err := try(act(priv), boss); err != nil {
			t.Fatalf("privileged auth admin for role holder: %v", err)
		}
		if err := try(act(priv), priv); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("self-issuance: %v", err)
		}
		if err := try(act(boss), plain); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("user admin issuing: %v", err)
		}
		if err := f.dir.RemoveRole(ctx, sys, priv.ID, domain.RoleGlobalAdministrator); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("removing a role not held: %v", err)
		}
	})
}

func TestLastGlobalAdministratorCannotBeRemoved(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		res, err := f.dir.Init(ctx, "root@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.dir.RemoveRole(ctx, sys, res.Admin.ID, domain.RoleGlobalAdministrator); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("removed the last Global Administrator: %v", err)
		}
		other := f.user(t, "second@example.com", domain.RoleGlobalAdministrator)
		if err := f.dir.RemoveRole(ctx, sys, res.Admin.ID, domain.RoleGlobalAdministrator); err != nil {
			t.Fatalf("with a second Global Administrator (%s): %v", other.UserPrincipalName, err)
		}
	})
}

func TestPolicyUpdateValidatesAsWholeAndAudits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		before, _ := f.st.GetTAPPolicy(ctx)
		_, err := f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error {
			p.State = domain.StateEnabled
			p.MaximumLifetimeInMinutes = 30 // below the minimum of 60
			return nil
		})
		if domain.KindOf(err) != domain.KindInvalid || !strings.Contains(err.Error(), "maximumLifetimeInMinutes") {
			t.Fatalf("invalid change: %v", err)
		}
		after, _ := f.st.GetTAPPolicy(ctx)
		if after.State != before.State || after.MaximumLifetimeInMinutes != before.MaximumLifetimeInMinutes {
			t.Fatal("an invalid change altered the policy")
		}
		_, err = f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error {
			p.ExcludeTargets = []domain.Target{{ID: "6f1c1f43-2d5d-4c8e-9a1a-000000000000", TargetType: "group"}}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("unknown group target: %v", err)
		}
		if _, err := f.dir.UpdateTAPPolicy(ctx, sys, func(p *domain.TAPPolicy) error { p.DefaultLength = 12; return nil }); err != nil {
			t.Fatal(err)
		}
		audits, _, _ := f.st.ListAudits(ctx, store.ListOptions{Top: 1})
		if len(audits) != 1 || audits[0].ActivityDisplayName != domain.ActivityUpdatePolicy {
			t.Fatalf("policy change not audited: %+v", audits)
		}
		mp := audits[0].TargetResources[0].ModifiedProperties
		if len(mp) != 1 || mp[0].DisplayName != "defaultLength" || mp[0].OldValue != "8" || mp[0].NewValue != "12" {
			t.Fatalf("modified properties %+v", mp)
		}
	})
}

func detail(a domain.AuditRecord, key string) string {
	for _, kv := range a.AdditionalDetails {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// assertNoSecret checks that no audit record holds any of the codes.
func assertNoSecret(t *testing.T, f fixture, codes ...string) {
	t.Helper()
	audits, _, err := f.st.ListAudits(context.Background(), store.ListOptions{Top: 999})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(audits)
	for _, c := range codes {
		if strings.Contains(string(raw), c) {
			t.Fatalf("an audit record contains a pass code")
		}
	}
}

// TestLockoutPerSourceThenAccount follows SPEC §4's smart lock-out: one
// source's failures lock that source out first; failures spread over many
// sources lock the account, doubling per further failure up to a low cap; a
// success clears the count; and names that are nobody lock out alike.
func TestLockoutPerSourceThenAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		f.enablePolicy(t, nil)
		u := f.user(t, "locked@example.com")
		p := f.issue(t, u, false)
		from := func(ip string) directory.Attempt {
			return directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: ip}
		}
		attacker := from("203.0.113.7")
		for i := 0; i < domain.SourceLockout.Threshold; i++ {
			if _, err := f.signIn(attacker, "Wrong1234"); err != directory.ErrSignInFailed {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, err := f.signIn(attacker, p.Code); !errors.Is(err, directory.ErrAccountLocked) {
			t.Fatalf("right pass from the locked-out source: %v", err)
		}
		if l := f.lastSignIn(t); l.ErrorCode != domain.SignInAccountLocked || l.Succeeded || l.UserID != u.ID {
			t.Fatalf("locked attempt logged as %+v", l)
		}
		// The owner, elsewhere, is not locked out by one attacker.
		if _, err := f.signIn(from("198.51.100.1"), p.Code); err != nil {
			t.Fatalf("owner from another address: %v", err)
		}

		// Guesses spread over many addresses lock the account itself.
		for i := 0; i < domain.AccountLockout.Threshold; i++ {
			if _, err := f.signIn(from(fmt.Sprintf("192.0.2.%d", i)), "Wrong1234"); err != directory.ErrSignInFailed {
				t.Fatalf("spread failure %d: %v", i, err)
			}
		}
		owner := from("198.51.100.1")
		if _, err := f.signIn(owner, p.Code); !errors.Is(err, directory.ErrAccountLocked) {
			t.Fatalf("right pass while the account is locked: %v", err)
		}
		f.clock.Advance(domain.AccountLockout.Base)
		// Unlocked, but one more failure locks it again for twice as long.
		if _, err := f.signIn(from("192.0.2.200"), "Wrong1234"); err != directory.ErrSignInFailed {
			t.Fatalf("after the lock: %v", err)
		}
		f.clock.Advance(domain.AccountLockout.Base + 30*time.Second)
		if _, err := f.signIn(owner, p.Code); !errors.Is(err, directory.ErrAccountLocked) {
			t.Fatalf("second lock should last two minutes: %v", err)
		}
		f.clock.Advance(domain.AccountLockout.Base)
		if _, err := f.signIn(owner, p.Code); err != nil {
			t.Fatalf("after the second lock: %v", err)
		}
		// The success cleared the account's count: nine more failures lock nothing.
		for i := 0; i < domain.AccountLockout.Threshold-1; i++ {
			if _, err := f.signIn(from(fmt.Sprintf("192.0.2.%d", 100+i)), "Wrong1234"); err != directory.ErrSignInFailed {
				t.Fatalf("failure %d after a success: %v", i, err)
			}
		}
		if _, err := f.signIn(owner, p.Code); err != nil {
			t.Fatalf("success did not reset the count: %v", err)
		}

		// The cap: however many windows pass with a failure each, a lock never
		// exceeds AccountLockout.Max. (The windows outlast the pass: issue another.)
		for i := 0; i < 8; i++ {
			for j := 0; j < domain.AccountLockout.Threshold; j++ {
				f.signIn(from(fmt.Sprintf("192.0.2.%d", j)), "Wrong1234")
			}
			f.clock.Advance(domain.AccountLockout.Max)
		}
		p = f.issue(t, u, false)
		if _, err := f.signIn(owner, p.Code); err != nil {
			t.Fatalf("still locked after the cap had passed: %v", err)
		}
	})
}

func TestPasskeysNeedAHostName(t *testing.T) {
	st := storetest.SQLite(t)
	dir, err := directory.New(directory.Config{Store: st, BaseURL: "http://127.0.0.1:8080", Hasher: secret.Hasher{Argon2: secret.FastArgon2}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dir.BeginPasskeyLogin(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "host name") {
		t.Fatalf("passkeys on an IP address: %v", err)
	}
}
