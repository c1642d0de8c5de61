package postgres_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/conformance"
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
