package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestRecoveryPassReplacesOldPasskeys: someone lost their passkeys; a recovery
// pass lets them register a new one, which replaces every passkey they had when
// the pass was issued (audited as firstkey). A second new passkey registered with
// the same pass stays; an ordinary pass replaces nothing.
func TestRecoveryPassReplacesOldPasskeys(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		ada := env.CreateUser(t, "ada@example.com")
		keysOf := func() []string {
			t.Helper()
			ks, err := env.Dir.ListPasskeys(ctx, domain.SystemActor(), ada.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, k := range ks {
				names = append(names, k.DisplayName)
			}
			return names
		}
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(newSoftKey(t, env.Issuer), "Lost laptop")
		b.registerPasskey(newSoftKey(t, env.Issuer), "Lost phone")

		// An ordinary pass adds, it does not replace.
		env.Clock.Advance(1e9)
		p = issuePass(t, env, "ada@example.com", false)
		b = newBrowser(t, env)
		b.signInWithPass("ada@example.com", p.Code)
		b.registerPasskey(newSoftKey(t, env.Issuer), "Spare key")
		if got := keysOf(); len(got) != 3 {
			t.Fatalf("an ordinary pass replaced passkeys: %v", got)
		}

		env.Clock.Advance(1e9)
		rec, err := env.Dir.IssuePass(ctx, domain.SystemActor(), "ada@example.com", domain.PassRequest{Recovery: true})
		if err != nil {
			t.Fatal(err)
		}
		b = newBrowser(t, env)
		b.signInWithPass("ada@example.com", rec.Code)
		env.Clock.Advance(1e9)
		b.registerPasskey(newSoftKey(t, env.Issuer), "New laptop")
		if got := keysOf(); len(got) != 1 || got[0] != "New laptop" {
			t.Fatalf("after recovery: passkeys %v, want only the new one", got)
		}
		b.registerPasskey(newSoftKey(t, env.Issuer), "New phone")
		if got := keysOf(); len(got) != 2 {
			t.Fatalf("a second passkey with the recovery pass: %v", got)
		}
		audits, _, err := env.Dir.ListAudits(ctx, domain.SystemActor(), store.ListOptions{Top: 100})
		if err != nil {
			t.Fatal(err)
		}
		replaced := 0
		for _, a := range audits {
			for _, d := range a.AdditionalDetails {
				if d.Key == "Reason" && strings.Contains(d.Value, "Replaced in a recovery") && a.InitiatedBy.AppName == "firstkey" {
					replaced++
				}
			}
		}
		if replaced != 3 {
			t.Errorf("%d audited replacements by firstkey, want 3", replaced)
		}
	})
}
