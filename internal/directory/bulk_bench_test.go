package directory_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// BenchmarkBulkIssueRow is one row of a bulk issuance of new joiners (a user
// created and given a pass) with production argon2id, rows running in parallel
// as tap bulk runs them. Run it with -benchtime 10000x for the 10,000-row file of
// BENCHMARKS.md, and compare with BenchmarkArgon2AllCores: the bound is hashing
// spread over every core.
func BenchmarkBulkIssueRow(b *testing.B) {
	dir, err := directory.New(directory.Config{Store: storetest.SQLite(b), BaseURL: "https://id.example.com",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := dir.UpdateTAPPolicy(context.Background(), sys, func(p *domain.TAPPolicy) error {
		p.State = domain.StateEnabled
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	rows := make([]directory.BulkRow, b.N)
	for i := range rows {
		rows[i] = directory.BulkRow{Line: i + 2, UserPrincipalName: fmt.Sprintf("joiner%06d@example.com", i), DisplayName: fmt.Sprint("Joiner ", i)}
	}
	b.ResetTimer()
	results := dir.BulkIssue(context.Background(), sys, rows, directory.BulkOptions{})
	b.StopTimer()
	for _, r := range results {
		if r.Status != directory.BulkIssued {
			b.Fatalf("row %d: %s %s", r.Line, r.Status, r.Error)
		}
	}
}

// BenchmarkArgon2AllCores is the bound for bulk issuance: production argon2id
// hashes of an 8-character pass on every core at once, per hash.
func BenchmarkArgon2AllCores(b *testing.B) {
	h := secret.Hasher{}
	bits := secret.EntropyBits(domain.MinPassLength, secret.PassAlphabet)
	var next sync.Mutex
	left := b.N
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				if left == 0 {
					next.Unlock()
					return
				}
				left--
				next.Unlock()
				if _, err := h.Hash("Abcd2345", bits); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
