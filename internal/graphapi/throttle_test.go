package graphapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestThrottlePerCaller: with small configured limits, an application and a
// signed-in person each get their own allowance; past it the API answers
// Graph's 429 tooManyRequests envelope with Retry-After, other callers are not
// affected, and the allowance comes back with time. The limit is in memory, so
// one database is enough.
func TestThrottlePerCaller(t *testing.T) {
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Server: func(c *server.Config) {
		c.APIAppRate = domain.Rate{Attempts: 3, Per: time.Minute}
		c.APIUserRate = domain.Rate{Attempts: 2, Per: time.Minute}
	}})
	app := appAPI(t, env, domain.PermUserReadAll)
	other := appAPI(t, env, domain.PermUserReadAll)
	admin := env.CreateUser(t, "admin@example.com", domain.RoleGlobalAdministrator)
	person := userAPI(t, env, admin.ID)

	for range 3 {
		app.get("/v1.0/users").must(t, http.StatusOK)
	}
	r := app.get("/v1.0/users")
	r.wantError(t, http.StatusTooManyRequests, "tooManyRequests", "Retry after 20 seconds")
	if r.Header.Get("Retry-After") != "20" {
		t.Errorf("Retry-After %q, want 20", r.Header.Get("Retry-After"))
	}
	// Every route counts against the same allowance.
	app.get("/v1.0/me").wantError(t, http.StatusTooManyRequests, "tooManyRequests")
	other.get("/v1.0/users").must(t, http.StatusOK)

	person.get("/v1.0/me").must(t, http.StatusOK)
	person.get("/v1.0/users").must(t, http.StatusOK)
	person.get("/v1.0/me").wantError(t, http.StatusTooManyRequests, "tooManyRequests")
	// The person's allowance is theirs, whichever token they use.
	userAPI(t, env, admin.ID).get("/v1.0/me").wantError(t, http.StatusTooManyRequests, "tooManyRequests")

	// A request that is refused before authentication spends nothing.
	newAPI(t, env, "not-a-token").get("/v1.0/users").wantError(t, http.StatusUnauthorized, "InvalidAuthenticationToken")

	env.Clock.Advance(20 * time.Second)
	app.get("/v1.0/users").must(t, http.StatusOK)
	app.get("/v1.0/users").wantError(t, http.StatusTooManyRequests, "tooManyRequests")
	env.Clock.Advance(30 * time.Second)
	person.get("/v1.0/me").must(t, http.StatusOK)
}
