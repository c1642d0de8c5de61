package metrics_test

import (
	"net/http"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestClientCredentialsReadTheStoreOnce: once the application and the signing
// keys are in memory, a client-credentials token costs one store call, the
// cache version read (issue #14), as the store call series on /metrics count
// them; a rotation of the keys by another replica makes the next token read
// them again, once.
func TestClientCredentialsReadTheStoreOnce(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			envs := testenv.Replicas(t, b, 2, testenv.Options{})
			env, other := envs[0], envs[1]
			clientID, secret := env.CreateApp(t, domain.PermUserReadAll)
			calls := func() map[string]float64 {
				_, families := scrape(t, env.URL+"/metrics")
				out := map[string]float64{}
				for _, op := range []string{"CacheVersion", "ListSigningKeys", "GetApplicationByClientID"} {
					out[op], _ = value(families["firstkey_store_call_duration_seconds"], map[string]string{"op": op})
				}
				return out
			}
			token := func() {
				t.Helper()
				if code, body := tokenRequest(t, env, clientID, secret); code != http.StatusOK {
					t.Fatalf("token: %d %s", code, body)
				}
			}
			token() // fills the caches
			const n = 5
			before := calls()
			for range n {
				token()
			}
			after := calls()
			want := map[string]float64{"CacheVersion": n, "ListSigningKeys": 0, "GetApplicationByClientID": 0}
			for op, w := range want {
				if got := after[op] - before[op]; got != w {
					t.Errorf("%d tokens made %v %s calls; want %v", n, got, op, w)
				}
			}

			if err := other.App.Provider().RotateKeys(t.Context(), domain.SystemActor()); err != nil {
				t.Fatal(err)
			}
			before = calls()
			token()
			if got := calls()["ListSigningKeys"] - before["ListSigningKeys"]; got != 1 {
				t.Errorf("the first token after a rotation read the keys %v times; want 1", got)
			}
		})
	}
}
