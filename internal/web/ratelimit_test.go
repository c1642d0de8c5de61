package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// TestSignInRateLimit: one address gets a burst of attempts, then 429 with
// Retry-After on every sign-in endpoint, as a page for forms and JSON for the
// script, until its allowance refills.
func TestSignInRateLimit(t *testing.T) {
	three := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 3, Per: time.Minute} }
	eachBackend(t, three, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		for i := range 3 {
			if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {"WRONGPASS"}}); r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.Status)
			}
		}
		r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}})
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" || !strings.Contains(r.Body, "Too many sign-in attempts") || r.cookie() != nil {
			t.Fatalf("fourth attempt: %d, Retry-After %q\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		for _, path := range []string{"/webauthn/login/begin", "/webauthn/login/finish"} {
			r := b.json(path, map[string]any{})
			if r.Status != http.StatusTooManyRequests || r.errorCode() != "tooManyRequests" || r.Header.Get("Retry-After") == "" {
				t.Errorf("%s over the limit: %d %s", path, r.Status, r.Body)
			}
		}
		// Pages that do not sign in are not limited.
		if r := b.get("/login"); r.Status != http.StatusOK {
			t.Errorf("sign-in page over the limit: %d", r.Status)
		}
		logs := env.Logs()
		if !strings.Contains(logs, "sign-in rate limit reached") {
			t.Error("the refusal is not logged")
		}
		if strings.Contains(logs, p.Code) {
			t.Error("the log contains the pass")
		}

		// Twenty seconds later one attempt is back, and it works.
		env.Clock.Advance(20 * time.Second)
		b.signInWithPass("ada@example.com", p.Code)
		if r := b.form("/login/tap", url.Values{"username": {"ada@example.com"}, "pass": {p.Code}}); r.Status != http.StatusTooManyRequests {
			t.Errorf("second attempt after the refill: %d", r.Status)
		}
	})
}

// TestSignInRateSharedByReplicas: two servers on one PostgreSQL schema share
// one client address's allowance: attempts spread over both are counted
// together, either one refuses once it is spent, and an attempt comes back on
// either with time.
func TestSignInRateSharedByReplicas(t *testing.T) {
	t.Parallel()
	envs := testenv.NewReplicas(t, 2, testenv.Options{Web: func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 3, Per: time.Minute} }})
	sharedAllowance(t, envs[0], envs[1])
}

func sharedAllowance(t *testing.T, a, b *testenv.Env) {
	t.Helper()
	// Each replica's clock stopped when it started; replicas share real time.
	if d := b.Clock.Now().Sub(a.Clock.Now()); d > 0 {
		a.Clock.Advance(d)
	} else {
		b.Clock.Advance(-d)
	}
	a.EnablePassPolicy(t)
	n := 0
	try := func(env *testenv.Env) response {
		t.Helper()
		n++
		// Each attempt names someone else, so that only the address limit
		// (not a name's lock-out) can refuse it.
		return newBrowser(t, env).form("/login/tap", url.Values{"username": {fmt.Sprintf("nobody%d@example.com", n)}, "pass": {"WRONGPASS"}})
	}
	for i, env := range []*testenv.Env{a, b, a} {
		if r := try(env); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	for _, env := range []*testenv.Env{b, a} {
		r := try(env)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" {
			t.Fatalf("attempt past the shared allowance on %s: %d, Retry-After %q", env.URL, r.Status, r.Header.Get("Retry-After"))
		}
	}
	for _, env := range []*testenv.Env{a, b} {
		env.Clock.Advance(20 * time.Second)
	}
	if r := try(b); r.Status != http.StatusUnauthorized {
		t.Fatalf("after 20s, one attempt on B: %d", r.Status)
	}
	if r := try(a); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after 20s, a second attempt on A: %d, want 429 (B took the one that came back)", r.Status)
	}
	// The allowance is one row the housekeeping may purge once it is whole again.
	th, err := a.Store.GetThrottle(context.Background(), "ip:127.0.0.1")
	if err != nil || !th.ExpiresDateTime.After(a.Clock.Now()) || !th.ExpiresDateTime.Equal(th.LockedUntil) {
		t.Fatalf("throttle row %+v, %v", th, err)
	}
}

// TestSignInRateBatchedAcrossReplicas: a busy address's shared allowance is
// spent in batches (one write takes up to 1 % of it), and still holds across
// two replicas to within two batches either way: attempts spread over both are
// let through until the allowance is spent, then both refuse.
func TestSignInRateBatchedAcrossReplicas(t *testing.T) {
	t.Parallel()
	const attempts, batch = 400, 4 // 1 % of 400
	envs := testenv.NewReplicas(t, 2, testenv.Options{Web: func(c *web.Config) { c.SignInRate = web.Rate{Attempts: attempts, Per: time.Hour} }})
	a, b := envs[0], envs[1]
	if d := b.Clock.Now().Sub(a.Clock.Now()); d > 0 {
		a.Clock.Advance(d)
	} else {
		b.Clock.Advance(-d)
	}
	counted := countingStore(t, a)
	before := counted.Counts()
	passed, refusedInARow := 0, 0
	browsers := []*browser{newBrowser(t, a), newBrowser(t, b)}
	for i := 0; refusedInARow < 4; i++ {
		if i > 2*attempts {
			t.Fatalf("%d attempts and no end of the allowance", i)
		}
		// Uneven spread: two on A for each on B.
		r := browsers[min(i%3, 1)].json("/webauthn/login/begin", map[string]any{})
		switch r.Status {
		case http.StatusTooManyRequests:
			refusedInARow++
		default:
			passed, refusedInARow = passed+1, 0
		}
	}
	if passed < attempts-2*batch || passed > attempts+2*batch {
		t.Errorf("%d attempts passed across two replicas; the allowance is %d, give or take %d", passed, attempts, 2*batch)
	}
	// A's store counts only A's statements; A served two thirds of them.
	if txs := counted.Counts().Transactions - before.Transactions; txs > int64(passed)/2 {
		t.Errorf("replica A ran %d transactions for %d attempts over two replicas: the allowance is not spent in batches", txs, passed)
	}
	for _, br := range browsers {
		if r := br.json("/webauthn/login/begin", map[string]any{}); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("past the allowance on %s: %d", br.env.URL, r.Status)
		}
	}
}
