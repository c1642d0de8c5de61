package sqlite_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/conformance"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	conformance.RunTests(t, func(t testing.TB) (store.Store, func(testing.TB) store.Store) {
		path := storetest.SQLitePath(t)
		reopen := func(t testing.TB) store.Store { return storetest.OpenSQLite(t, path) }
		return reopen(t), reopen
	})
}
