package graphapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestLeaversAreDisabledAtTheirLeaveDate: employeeLeaveDateTime set through the
// API; once it passes, firstkey disables the account, deletes the pass and ends
// the session, audited as firstkey; a future leaver is left alone.
func TestLeaversAreDisabledAtTheirLeaveDate(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		env.EnablePassPolicy(t)
		a := appAPI(t, env, domain.PermUserReadWriteAll, domain.PermUserAuthenticationMethodReadWrite, domain.PermAuditLogReadAll)
		leaver := env.CreateUser(t, "leaver@example.com")
		env.CreateUser(t, "stayer@example.com")
		leave := env.Clock.Now().Add(time.Hour).UTC().Truncate(time.Second)
		a.do(http.MethodPatch, "/v1.0/users/leaver@example.com", map[string]any{"employeeLeaveDateTime": leave.Format(time.RFC3339)}).must(t, http.StatusNoContent)
		a.do(http.MethodPatch, "/v1.0/users/stayer@example.com", map[string]any{"employeeLeaveDateTime": leave.Add(48 * time.Hour).Format(time.RFC3339)}).must(t, http.StatusNoContent)
		if got := a.get("/v1.0/users/leaver@example.com").must(t, http.StatusOK).str("employeeLeaveDateTime"); got != leave.Format(time.RFC3339) {
			t.Fatalf("employeeLeaveDateTime reads %q", got)
		}
		a.do(http.MethodPatch, "/v1.0/users/leaver@example.com", map[string]any{"employeeLeaveDateTime": "soon"}).must(t, http.StatusBadRequest)
		p, err := env.Dir.IssuePass(ctx, domain.SystemActor(), leaver.ID, domain.PassRequest{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := env.Dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: "leaver@example.com"}, p.Code)
		if err != nil {
			t.Fatal(err)
		}

		// Before the date nothing happens.
		if n, err := env.Dir.ProcessLeavers(ctx); err != nil || n != 0 {
			t.Fatalf("before the leave date: %d, %v", n, err)
		}
		advance(env, time.Hour, a)
		if n, err := env.Dir.ProcessLeavers(ctx); err != nil || n != 1 {
			t.Fatalf("at the leave date: %d disabled, %v; want 1", n, err)
		}
		u := a.get("/v1.0/users/leaver@example.com").must(t, http.StatusOK)
		if u.JSON["accountEnabled"] != false {
			t.Errorf("the leaver is still enabled: %s", u.Raw)
		}
		if passes := a.get("/v1.0/users/leaver@example.com/authentication/temporaryAccessPassMethods").must(t, http.StatusOK).values(t); len(passes) != 0 {
			t.Errorf("the leaver's pass survived: %v", passes)
		}
		if _, err := env.Dir.Session(ctx, res.Token); err == nil {
			t.Error("the leaver's session survived")
		}
		if a.get("/v1.0/users/stayer@example.com").must(t, http.StatusOK).JSON["accountEnabled"] != true {
			t.Error("a future leaver was disabled")
		}
		audits := a.get("/v1.0/auditLogs/directoryAudits?$top=50").must(t, http.StatusOK).values(t)
		byFirstkey := map[string]bool{}
		for _, r := range audits {
			if app, _ := r["initiatedBy"].(map[string]any)["app"].(map[string]any); app != nil && app["displayName"] == "firstkey" {
				byFirstkey[r["activityDisplayName"].(string)] = true
			}
		}
		if !byFirstkey[domain.ActivityUpdateUser] || !byFirstkey[domain.ActivityAdminDeletedSecurityInfo] {
			t.Errorf("leaver processing not audited as firstkey: %v", byFirstkey)
		}
		// Running again (another replica, the next minute) finds nothing to do.
		if n, err := env.Dir.ProcessLeavers(ctx); err != nil || n != 0 {
			t.Errorf("second run: %d, %v", n, err)
		}

	})
}

// TestRecoveryPassThroughTheAPI: the firstkey extension "recovery" on pass
// creation marks a recovery pass (the web tests follow it to the new passkey).
func TestRecoveryPassThroughTheAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		a := appAPI(t, env, domain.PermUserReadWriteAll, domain.PermUserAuthenticationMethodReadWrite)
		u := env.CreateUser(t, "lost@example.com")
		a.do(http.MethodPost, "/v1.0/users/lost@example.com/authentication/temporaryAccessPassMethods", map[string]any{"recovery": "yes"}).must(t, http.StatusBadRequest)
		a.do(http.MethodPost, "/v1.0/users/lost@example.com/authentication/temporaryAccessPassMethods", map[string]any{"recovery": true}).must(t, http.StatusCreated)
		passes, err := env.Store.ListUserPasses(context.Background(), u.ID)
		if err != nil || len(passes) != 1 || !passes[0].Recovery {
			t.Fatalf("stored pass: %+v, %v", passes, err)
		}
	})
}
