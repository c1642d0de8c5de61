package directory_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/secret"
)

// A directory gets one tenant id, whoever asks first: replicas starting at once
// (two services on one store, several calls each) all read the same GUID, and
// init reports it, before and after the directory is initialised.
func TestTenantIDIsMadeOnceAndEveryoneAgrees(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		other, err := directory.New(directory.Config{Store: f.st, Clock: f.clock, Hasher: secret.Hasher{Argon2: secret.FastArgon2},
			BaseURL: "https://id.example.com", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		ids := make([]string, 2*n)
		errs := make([]error, 2*n)
		var wg sync.WaitGroup
		for i := range ids {
			svc := f.dir
			if i%2 == 1 {
				svc = other
			}
			wg.Add(1)
			go func() { defer wg.Done(); ids[i], errs[i] = svc.TenantID(ctx) }()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("tenant id %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("callers got tenant ids %s and %s", ids[0], ids[i])
			}
		}
		if u, err := uuid.Parse(ids[0]); err != nil || u.String() != ids[0] {
			t.Fatalf("tenant id %q is not a lower-case GUID", ids[0])
		}
		res, err := other.Init(ctx, "boss@example.com")
		if err != nil || !res.Created || res.TenantID != ids[0] {
			t.Fatalf("init: created %v, tenant %q (%v), want %s", res.Created, res.TenantID, err, ids[0])
		}
		again, err := f.dir.Init(ctx, "boss@example.com")
		if err != nil || again.Created || again.TenantID != ids[0] {
			t.Fatalf("init again: created %v, tenant %q (%v), want %s", again.Created, again.TenantID, err, ids[0])
		}
	})
}
