package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/sqlstore"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// TestPasskeySignInRoundTrips holds a passkey sign-in (begin by username and
// finish, warm) to a number of statements and transactions: each one is a
// round trip on PostgreSQL and a parse or a lock on SQLite, and a new one in
// this path costs every person every day. Counted by the store itself.
func TestPasskeySignInRoundTrips(t *testing.T) {
	// Begin: the cache version, the passkeys by name, the ceremony. Finish:
	// the ceremony; the passkey, its owner and the cache version in one
	// statement; one transaction taking the ceremony, recording the passkey's
	// use, opening the session and logging the sign-in. On PostgreSQL the
	// per-address limit, shared by the replicas, adds one transaction of two
	// statements to each request at the default rate (20 a minute, spent one
	// attempt at a time), and nothing to most requests from a busy address,
	// whose allowance is spent in batches (directory/addresslimit.go).
	roundTrips(t, "default rate", nil, 13, 3)
	busy := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 100000, Per: time.Minute} }
	roundTrips(t, "busy address", busy, 9, 1)
}

func roundTrips(t *testing.T, name string, opt func(*web.Config), pgStatements, pgTransactions int64) {
	t.Run(name, func(t *testing.T) { roundTripsOn(t, opt, pgStatements, pgTransactions) })
}

func roundTripsOn(t *testing.T, opt func(*web.Config), pgStatements, pgTransactions int64) {
	eachBackend(t, opt, func(t *testing.T, env *testenv.Env) {
		maxStatements, maxTransactions := int64(9), int64(1)
		if strings.HasSuffix(t.Name(), "postgres") {
			maxStatements, maxTransactions = pgStatements, pgTransactions
		}
		counted := countingStore(t, env)
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		key := newSoftKey(t, env.URL)
		setup := newBrowser(t, env)
		setup.signInWithPass("ada@example.com", p.Code)
		setup.registerPasskey(key, "Work laptop")
		// The first sign-in may fill caches.
		if r := newBrowser(t, env).signInWithPasskey(key, "ada@example.com"); r.Status != http.StatusOK {
			t.Fatalf("first passkey sign-in: %d %s", r.Status, r.Body)
		}

		before := counted.Counts()
		if r := newBrowser(t, env).signInWithPasskey(key, "ada@example.com"); r.Status != http.StatusOK || r.cookie() == nil {
			t.Fatalf("passkey sign-in: %d %s", r.Status, r.Body)
		}
		after := counted.Counts()
		stmts, txs := after.Statements-before.Statements, after.Transactions-before.Transactions
		t.Logf("a passkey sign-in: %d statements, %d transactions", stmts, txs)
		if stmts > maxStatements || txs > maxTransactions {
			t.Errorf("a passkey sign-in ran %d statements in %d transactions, want at most %d in %d", stmts, txs, maxStatements, maxTransactions)
		}
	})
}

// countingStore is the store under env's decorators (metrics), which counts
// its statements and transactions.
func countingStore(t *testing.T, env *testenv.Env) interface{ Counts() sqlstore.Counts } {
	t.Helper()
	s := env.Store
	for {
		if c, ok := s.(interface{ Counts() sqlstore.Counts }); ok {
			return c
		}
		u, ok := s.(interface{ Unwrap() store.Store })
		if !ok {
			t.Fatalf("the store %T does not count its statements", env.Store)
		}
		s = u.Unwrap()
	}
}
