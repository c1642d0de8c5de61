package seal

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestCheckKey(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			key, _ := GenerateKey()
			s, _ := New(key)

			if err := CheckKey(ctx, st, s); err != nil {
				t.Fatalf("fresh database: %v", err)
			}
			marker, err := st.GetSetting(ctx, "master_key_check")
			if err != nil {
				t.Fatalf("no marker stored: %v", err)
			}
			if strings.Contains(marker, EncodeKey(key)) || strings.Contains(marker, string(checkPlaintext)) {
				t.Fatal("marker holds the key or its plaintext")
			}

			same, _ := New(key)
			if err := CheckKey(ctx, st, same); err != nil {
				t.Fatalf("same key refused: %v", err)
			}
			if again, _ := st.GetSetting(ctx, "master_key_check"); again != marker {
				t.Fatal("a second check rewrote the marker")
			}

			err = CheckKey(ctx, st, newSealer(t))
			if !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("other key: %v, want ErrKeyMismatch", err)
			}
			if err.Error() != "the master key does not match the one this database was initialised with" {
				t.Fatalf("message %q", err)
			}
		})
	}
}

// Two processes starting on one fresh database with different keys: exactly one
// initialises it and the other is told its key is wrong.
func TestCheckKeyRace(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			var stores [2]store.Store
			if b.Name == "postgres" {
				dsn := storetest.PostgresDSN(t)
				stores = [2]store.Store{storetest.OpenPostgres(t, dsn), storetest.OpenPostgres(t, dsn)}
			} else {
				path := storetest.SQLitePath(t)
				stores = [2]store.Store{storetest.OpenSQLite(t, path), storetest.OpenSQLite(t, path)}
			}
			sealers := [2]*Sealer{newSealer(t), newSealer(t)}
			var errs [2]error
			var wg sync.WaitGroup
			for i := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = CheckKey(context.Background(), stores[i], sealers[i])
				}()
			}
			wg.Wait()
			var ok, mismatch int
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrKeyMismatch):
					mismatch++
				default:
					t.Fatalf("unexpected error: %v", err)
				}
			}
			if ok != 1 || mismatch != 1 {
				t.Fatalf("%d succeeded, %d mismatched; want exactly one of each", ok, mismatch)
			}
		})
	}
}
