package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/conformance"
	"github.com/firstkey/firstkey/internal/store/postgres"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RequirePostgres(t)
	conformance.RunTests(t, func(t testing.TB) (store.Store, func(testing.TB) store.Store) {
		dsn := storetest.PostgresDSN(t)
		reopen := func(t testing.TB) store.Store { return storetest.OpenPostgres(t, dsn) }
		return reopen(t), reopen
	})
}

// Every pooled session has statement_timeout and lock_timeout, the migration's
// session included once it is back in the pool; a DSN's own values win.
func TestSessionTimeouts(t *testing.T) {
	storetest.RequirePostgres(t)
	ctx := context.Background()
	show := func(t *testing.T, db *sql.DB) (stmt, lock string) {
		t.Helper()
		// Hold several connections at once, so that more than the one the
		// migration used is asked.
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i := range 3 {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var s, l string
			if err := c.QueryRowContext(ctx, "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')").Scan(&s, &l); err != nil {
				t.Fatal(err)
			}
			if i > 0 && (s != stmt || l != lock) {
				t.Fatalf("sessions differ: %s/%s and %s/%s", stmt, lock, s, l)
			}
			stmt, lock = s, l
		}
		return stmt, lock
	}
	t.Run("defaults", func(t *testing.T) {
		s := storetest.OpenPostgres(t, storetest.PostgresDSN(t))
		if stmt, lock := show(t, s.(*postgres.Store).DB()); stmt != "10s" || lock != "5s" {
			t.Errorf("statement_timeout %s, lock_timeout %s; want 10s and 5s", stmt, lock)
		}
	})
	t.Run("options", func(t *testing.T) {
		s, err := postgres.OpenWith(ctx, storetest.PostgresDSN(t), postgres.Options{StatementTimeout: 3 * time.Second, LockTimeout: 250 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if stmt, lock := show(t, s.DB()); stmt != "3s" || lock != "250ms" {
			t.Errorf("statement_timeout %s, lock_timeout %s; want 3s and 250ms", stmt, lock)
		}
	})
	t.Run("dsn wins", func(t *testing.T) {
		u, err := url.Parse(storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("statement_timeout", "30s")
		q.Set("lock_timeout", "2s")
		u.RawQuery = q.Encode()
		s, err := postgres.OpenWith(ctx, u.String(), postgres.Options{LockTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if stmt, lock := show(t, s.DB()); stmt != "30s" || lock != "2s" {
			t.Errorf("statement_timeout %s, lock_timeout %s; want the DSN's 30s and 2s", stmt, lock)
		}
	})
}

// A statement that waits past lock_timeout fails as domain.ErrUnavailable, the
// kind every interface answers with 503.
func TestLockTimeoutIsUnavailable(t *testing.T) {
	storetest.RequirePostgres(t)
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	s, err := postgres.OpenWith(ctx, dsn, postgres.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetUser(ctx, "someone")
	if domain.KindOf(err) != domain.KindUnavailable || !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("GetUser behind a lock: %v, want domain.ErrUnavailable", err)
	}
}
