package graphapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestPolicyTargetGroupCannotBeDeleted reproduces issue #10 finding 11: deleting
// the group named in the pass policy's excludeTargets silently lifted the
// exclusion, and the excluded user's pass became usable. A group that an
// authentication-method policy targets cannot be deleted (SPEC §9).
func TestPolicyTargetGroupCannotBeDeleted(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "contractor@example.com")
		a := appAPI(t, env, domain.PermUserAuthenticationMethodReadWrite, domain.PermGroupReadWriteAll,
			domain.PermPolicyReadWriteAuthMethod, domain.PermAuditLogReadAll)
		newGroup := func(name string) string {
			t.Helper()
			return a.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": name}).must(t, http.StatusCreated).str("id")
		}
		target := func(id string) []any { return []any{map[string]any{"id": id, "targetType": "group"}} }

		excluded := newGroup("Contractors")
		a.do(http.MethodPost, gidPath(excluded)+"/members/$ref", map[string]any{"@odata.id": env.URL + "/v1.0/users/" + u.ID}).
			must(t, http.StatusNoContent)
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"excludeTargets": target(excluded)}).must(t, http.StatusNoContent)
		issued := a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		code, passID := issued.str("temporaryAccessPass"), issued.str("id")
		usability := func() string {
			t.Helper()
			return a.get(passPath(u.ID)+"/"+passID).must(t, http.StatusOK).str("methodUsabilityReason")
		}
		if r := usability(); r != "DisabledByPolicy" {
			t.Fatalf("excluded user's pass is %s", r)
		}

		// The attack: delete the excluded group.
		a.do(http.MethodDelete, gidPath(excluded), nil).wantError(t, http.StatusBadRequest, "Request_BadRequest",
			"Temporary Access Pass policy", "excludeTargets", "remove it from the policy")
		a.get(gidPath(excluded)).must(t, http.StatusOK)
		if r := usability(); r != "DisabledByPolicy" {
			t.Fatalf("after the refused deletion the pass is %s", r)
		}
		if _, err := env.Dir.SignInWithPass(context.Background(), directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "192.0.2.9"}, code); err == nil {
			t.Fatal("the excluded user signed in with the pass")
		}

		// includeTargets and the passkey policy's targets hold their groups too.
		included := newGroup("Joiners")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"includeTargets": target(included)}).must(t, http.StatusNoContent)
		a.do(http.MethodDelete, gidPath(included), nil).wantError(t, http.StatusBadRequest, "Request_BadRequest",
			"Temporary Access Pass policy", "includeTargets")
		noKeys := newGroup("No passkeys")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"excludeTargets": target(noKeys)}).must(t, http.StatusNoContent)
		a.do(http.MethodDelete, gidPath(noKeys), nil).wantError(t, http.StatusBadRequest, "Request_BadRequest",
			"Passkey (FIDO2) policy", "excludeTargets")

		// Once no policy names it, a group can go.
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"excludeTargets": []any{}}).must(t, http.StatusNoContent)
		a.do(http.MethodDelete, gidPath(noKeys), nil).must(t, http.StatusNoContent)
		audits := a.get("/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDisplayName eq '"+domain.ActivityDeleteGroup+"'")).
			must(t, http.StatusOK).values(t)
		if len(audits) != 1 {
			t.Fatalf("%d group deletions audited, want 1 (refused deletions are not deletions)", len(audits))
		}
	})
}

// TestDanglingPolicyTargetNeverWidens: a policy target whose group is gone (left
// by a release before the deletion rule) never widens the policy. The old attack
// state is recreated by deleting an excluded group in the store directly.
func TestDanglingPolicyTargetNeverWidens(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "contractor@example.com")
		a := appAPI(t, env, domain.PermUserAuthenticationMethodReadWrite, domain.PermGroupReadWriteAll, domain.PermPolicyReadWriteAuthMethod)
		g := a.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "Contractors"}).must(t, http.StatusCreated).str("id")
		a.do(http.MethodPost, gidPath(g)+"/members/$ref", map[string]any{"@odata.id": env.URL + "/v1.0/users/" + u.ID}).
			must(t, http.StatusNoContent)
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"excludeTargets": []any{map[string]any{"id": g, "targetType": "group"}}}).
			must(t, http.StatusNoContent)
		issued := a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		if err := env.Store.DeleteGroup(ctx, g); err != nil {
			t.Fatalf("delete the group behind the policy's back: %v", err)
		}

		if r := a.get(passPath(u.ID)+"/"+issued.str("id")).must(t, http.StatusOK).str("methodUsabilityReason"); r != "DisabledByPolicy" {
			t.Fatalf("with its excluded group gone the pass is %s, want DisabledByPolicy", r)
		}
		if _, err := env.Dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "192.0.2.9"},
			issued.str("temporaryAccessPass")); err == nil {
			t.Fatal("a dangling exclusion let the excluded user sign in")
		}
		// The administrator is told what to fix: a change that keeps the dangling
		// target is refused naming it; dropping it restores the policy.
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"defaultLength": 10}).wantError(t, http.StatusBadRequest, "badRequest", g)
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"excludeTargets": []any{}}).must(t, http.StatusNoContent)
		if r := a.get(passPath(u.ID)+"/"+issued.str("id")).must(t, http.StatusOK).str("methodUsabilityReason"); r != "EnabledByPolicy" {
			t.Fatalf("after the exclusion was removed the pass is %s", r)
		}
	})
}
