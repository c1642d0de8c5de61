package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

// setFido2Policy changes the passkey policy as an administrator would.
func setFido2Policy(t *testing.T, env *testenv.Env, apply func(p *domain.Fido2Policy)) {
	t.Helper()
	_, err := env.Dir.UpdateFido2Policy(context.Background(), domain.SystemActor(), func(p *domain.Fido2Policy) error {
		apply(p)
		return nil
	})
	if err != nil {
		t.Fatalf("update passkey policy: %v", err)
	}
}

func passkeysOf(t *testing.T, env *testenv.Env, userID string) []domain.Passkey {
	t.Helper()
	keys, err := env.Dir.ListPasskeys(context.Background(), domain.SystemActor(), userID)
	if err != nil {
		t.Fatalf("list passkeys: %v", err)
	}
	return keys
}

// cloneWarnings reads the user's passkeys from the Graph API and returns each
// one's cloneWarning by id.
func cloneWarnings(t *testing.T, env *testenv.Env, token, userID string) map[string]bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/v1.0/users/"+userID+"/authentication/fido2Methods", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("list fido2Methods: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Value []struct {
			ID           string `json:"id"`
			CloneWarning bool   `json:"cloneWarning"`
		} `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list fido2Methods: status %d, %v", resp.StatusCode, err)
	}
	out := map[string]bool{}
	for _, m := range body.Value {
		out[m.ID] = m.CloneWarning
	}
	return out
}

// warnedAbout reports whether a warning naming the passkey was logged.
func warnedAbout(env *testenv.Env, passkeyID string) bool {
	for _, line := range strings.Split(env.Logs(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, `"passkey_id":"`+passkeyID+`"`) {
			return true
		}
	}
	return false
}

// TestPasskeySignCounter: an assertion whose counter did not go up flags the
// passkey as possibly cloned and logs a warning, but still signs in (WebAuthn
// leaves the reaction to the relying party; administrators see the flag). An
// authenticator that never counts (always 0) raises nothing.
func TestPasskeySignCounter(t *testing.T) {
	t.Parallel()
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		u := env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		admin := env.AppToken(t, domain.PermUserAuthenticationMethodReadAll)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		counting := newSoftKey(t, env.Issuer)
		countingID := b.registerPasskey(counting, "Security key")
		never := newSoftKey(t, env.Issuer)
		never.Frozen = true
		neverID := b.registerPasskey(never, "Phone")

		for range 2 {
			wantStatus(t, "sign-in with a counting key", newBrowser(t, env).signInWithPasskey(counting, ""), http.StatusOK)
			wantStatus(t, "sign-in with a key that never counts", newBrowser(t, env).signInWithPasskey(never, ""), http.StatusOK)
		}
		if w := cloneWarnings(t, env, admin, u.ID); w[countingID] || w[neverID] || len(w) != 2 {
			t.Fatalf("clone warnings after honest sign-ins: %v", w)
		}
		if warnedAbout(env, countingID) || warnedAbout(env, neverID) {
			t.Fatalf("clone warning logged after honest sign-ins:\n%s", env.Logs())
		}

		// A copy of the key replays the counter the server saw last.
		counting.Count--
		r := newBrowser(t, env).signInWithPasskey(counting, "ada@example.com")
		if r.Status != http.StatusOK || r.cookie() == nil {
			t.Fatalf("sign-in with a repeated counter: %d %s", r.Status, r.Body)
		}
		if w := cloneWarnings(t, env, admin, u.ID); !w[countingID] || w[neverID] {
			t.Errorf("clone warnings after a repeated counter: %v", w)
		}
		if !warnedAbout(env, countingID) {
			t.Errorf("no warning logged for the repeated counter:\n%s", env.Logs())
		}
		// The stored counter is not lowered, so a lower value is caught too, and
		// the flag stays once set.
		for _, k := range passkeysOf(t, env, u.ID) {
			if k.ID == countingID && (k.SignCount != 2 || !k.CloneWarning) {
				t.Errorf("flagged passkey: sign count %d, clone warning %v", k.SignCount, k.CloneWarning)
			}
		}
		counting.Count = 3 // the original key carries on
		wantStatus(t, "sign-in with the original key", newBrowser(t, env).signInWithPasskey(counting, ""), http.StatusOK)
		if w := cloneWarnings(t, env, admin, u.ID); !w[countingID] {
			t.Errorf("the clone warning was cleared: %v", w)
		}
	})
}

// TestPasskeyRegistrationPolicy: the policy's AAGUID allow and block lists and
// its attestation requirement refuse a passkey with a message that says why, and
// store nothing.
func TestPasskeyRegistrationPolicy(t *testing.T) {
	t.Parallel()
	const yubiKey5 = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
	const other = "ee882879-721c-4913-9775-3dfcce97072a"
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		u := env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		key := newSoftKey(t, env.Issuer)
		copy(key.AAGUID[:], aaguidBytes(t, yubiKey5))

		refused := func(what, message string) {
			t.Helper()
			r := b.tryRegisterPasskey(key, "Security key")
			if r.Status != http.StatusForbidden || !strings.Contains(r.errorMessage(), message) {
				t.Errorf("%s: %d %s", what, r.Status, r.Body)
			}
			if keys := passkeysOf(t, env, u.ID); len(keys) != 0 {
				t.Fatalf("%s: %d passkeys stored", what, len(keys))
			}
		}

		setFido2Policy(t, env, func(p *domain.Fido2Policy) {
			p.KeyRestrictions = domain.KeyRestrictions{IsEnforced: true, EnforcementType: "allow", AAGUIDs: []string{other}}
		})
		refused("AAGUID not on the allow list", "does not allow this model of authenticator (AAGUID "+yubiKey5+")")

		setFido2Policy(t, env, func(p *domain.Fido2Policy) {
			p.KeyRestrictions = domain.KeyRestrictions{IsEnforced: true, EnforcementType: "block", AAGUIDs: []string{other, yubiKey5}}
		})
		refused("AAGUID on the block list", "does not allow this model of authenticator (AAGUID "+yubiKey5+")")

		setFido2Policy(t, env, func(p *domain.Fido2Policy) {
			p.KeyRestrictions = domain.KeyRestrictions{EnforcementType: "block", AAGUIDs: []string{}}
			p.IsAttestationEnforced = true
		})
		refused("attestation \"none\" while attestation is enforced", "requires authenticators that prove their model (attestation)")

		setFido2Policy(t, env, func(p *domain.Fido2Policy) {
			p.KeyRestrictions = domain.KeyRestrictions{IsEnforced: true, EnforcementType: "allow", AAGUIDs: []string{other, strings.ToUpper(yubiKey5)}}
			p.IsAttestationEnforced = false
		})
		id := b.registerPasskey(key, "Security key")
		if keys := passkeysOf(t, env, u.ID); len(keys) != 1 || keys[0].ID != id || keys[0].AAGUID != yubiKey5 {
			t.Errorf("passkeys after an allowed registration: %+v", keys)
		}
	})
}

func aaguidBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			continue
		}
		var x byte
		for _, c := range s[i : i+2] {
			x <<= 4
			switch {
			case c >= '0' && c <= '9':
				x |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				x |= byte(c-'a') + 10
			default:
				t.Fatalf("bad AAGUID %q", s)
			}
		}
		b = append(b, x)
		i++
	}
	return b
}

// TestPasskeyRevokesPassOnFirstPasskey: with the policy switch on, a person's
// first passkey registered in a pass session deletes the pass, audited, and
// ends that session; with it off (the default) the pass stays.
func TestPasskeyRevokesPassOnFirstPasskey(t *testing.T) {
	t.Parallel()
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		passesOf := func(userID string) int {
			t.Helper()
			v, err := env.Dir.ListPasses(ctx, domain.SystemActor(), userID)
			if err != nil {
				t.Fatalf("list passes: %v", err)
			}
			return len(v)
		}

		ada := env.CreateUser(t, "ada@example.com")
		pa := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", pa.Code)
		b.registerPasskey(newSoftKey(t, env.Issuer), "Laptop")
		if n := passesOf(ada.ID); n != 1 {
			t.Errorf("switch off: %d passes after the first passkey, want 1", n)
		}
		wantStatus(t, "switch off: My Security Info after registering", b.get("/mysecurityinfo"), http.StatusOK)

		setFido2Policy(t, env, func(p *domain.Fido2Policy) { p.RevokePassOnFirstPasskey = true })

		// Not the first passkey: the pass stays.
		b.registerPasskey(newSoftKey(t, env.Issuer), "Phone")
		if n := passesOf(ada.ID); n != 1 {
			t.Errorf("switch on, second passkey: %d passes, want 1", n)
		}

		bob := env.CreateUser(t, "bob@example.com")
		pb := issuePass(t, env, "bob@example.com", false)
		bb := newBrowser(t, env)
		bb.signInWithPass("bob@example.com", pb.Code)
		key := newSoftKey(t, env.Issuer)
		site, _ := url.Parse(env.URL)
		passSession := bb.hc.Jar.Cookies(site)
		r := bb.tryRegisterPasskey(key, "Laptop")
		next, _ := r.JSON["redirect"].(string)
		if r.Status != http.StatusCreated || next != "/login?m=passkeyadded&login_hint=bob%40example.com" || r.cookie() == nil || r.cookie().MaxAge >= 0 {
			t.Fatalf("switch on: first passkey: %d %s", r.Status, r.Body)
		}
		if n := passesOf(bob.ID); n != 0 {
			t.Errorf("switch on: %d passes after the first passkey, want 0", n)
		}
		if page := bb.get(next); page.Status != http.StatusOK || !strings.Contains(page.Body, "Sign in with your passkey") {
			t.Errorf("sign-in page after the pass was revoked: %d\n%s", page.Status, page.Body)
		}
		replay := newBrowser(t, env)
		replay.hc.Jar.SetCookies(site, passSession)
		if r := replay.get("/mysecurityinfo"); r.Status != http.StatusSeeOther || r.location() != "/login?m=ended" {
			t.Errorf("the pass session lives on: %d %q", r.Status, r.location())
		}
		if len(passkeysOf(t, env, bob.ID)) != 1 {
			t.Errorf("bob's passkey was not stored")
		}
		if r := newBrowser(t, env).form("/login/tap", map[string][]string{"username": {"bob@example.com"}, "pass": {pb.Code}}); r.cookie() != nil {
			t.Errorf("the revoked pass still signs in: %d", r.Status)
		}
		// The audit log, read as Graph renders it, names firstkey itself as the
		// initiator of the automatic revocation — not the CLI operator.
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/v1.0/auditLogs/directoryAudits?$filter="+
			url.QueryEscape("activityDisplayName eq '"+domain.ActivityAdminDeletedSecurityInfo+"'"), nil)
		req.Header.Set("Authorization", "Bearer "+env.AppToken(t, domain.PermAuditLogReadAll))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var audits struct {
			Value []struct {
				InitiatedBy struct {
					App  *struct{ DisplayName string } `json:"app"`
					User any                           `json:"user"`
				} `json:"initiatedBy"`
				TargetResources   []struct{ ID string }
				AdditionalDetails []struct{ Key, Value string }
			} `json:"value"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&audits); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("audit log: %d, %v", resp.StatusCode, err)
		}
		audited := false
		for _, r := range audits.Value {
			if len(r.TargetResources) == 0 || r.TargetResources[0].ID != bob.ID {
				continue
			}
			for _, d := range r.AdditionalDetails {
				if d.Key == "Reason" && strings.Contains(d.Value, "first passkey") {
					audited = true
					app := "(none)"
					if r.InitiatedBy.App != nil {
						app = r.InitiatedBy.App.DisplayName
					}
					if app != "firstkey" || r.InitiatedBy.User != nil {
						t.Errorf("the automatic revocation is initiated by app %q, user %v; want the app firstkey", app, r.InitiatedBy.User)
					}
				}
			}
		}
		if !audited {
			t.Errorf("no audit record of the automatic revocation: %+v", audits.Value)
		}
		wantStatus(t, "sign-in with the new passkey", newBrowser(t, env).signInWithPasskey(key, "bob@example.com"), http.StatusOK)
	})
}

// TestPasskeyUserVerification: by default an assertion without user
// verification is refused; with the policy at "preferred" it signs in.
func TestPasskeyUserVerification(t *testing.T) {
	t.Parallel()
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)

		pinless := newSoftKey(t, env.Issuer)
		pinless.NoUV = true
		if r := b.tryRegisterPasskey(pinless, "No PIN"); r.Status != http.StatusBadRequest {
			t.Errorf("registration without user verification while required: %d %s", r.Status, r.Body)
		}
		key := newSoftKey(t, env.Issuer)
		b.registerPasskey(key, "Laptop")

		key.NoUV = true
		for _, upn := range []string{"ada@example.com", ""} {
			if r := newBrowser(t, env).signInWithPasskey(key, upn); r.Status != http.StatusUnauthorized || r.cookie() != nil {
				t.Errorf("sign-in without user verification while required (username %q): %d %s", upn, r.Status, r.Body)
			}
		}

		setFido2Policy(t, env, func(p *domain.Fido2Policy) { p.UserVerification = "preferred" })
		for _, upn := range []string{"ada@example.com", ""} {
			if r := newBrowser(t, env).signInWithPasskey(key, upn); r.Status != http.StatusOK || r.cookie() == nil {
				t.Errorf("sign-in without user verification while preferred (username %q): %d %s", upn, r.Status, r.Body)
			}
		}
		// Without user verification a passkey is possession only: not multi-factor.
		logs, _, err := env.Store.ListSignIns(context.Background(), store.ListOptions{Top: 100})
		if err != nil {
			t.Fatal(err)
		}
		single := 0
		for _, l := range logs {
			if l.Succeeded && l.AuthenticationMethod == domain.MethodPasskey {
				if l.AuthenticationRequirement != domain.RequirementSingleFactor {
					t.Errorf("passkey sign-in without user verification logged as %s", l.AuthenticationRequirement)
				}
				single++
			}
		}
		if single != 2 {
			t.Errorf("%d successful passkey sign-ins logged, want 2", single)
		}
	})
}
