package directory_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

var benchSink any

// BenchmarkRefSHA256 is this package's CPU floor: one SHA-256 of 32 bytes.
// scripts/bench reports the other benchmarks as multiples of it.
func BenchmarkRefSHA256(b *testing.B) {
	b.ReportAllocs()
	var in [32]byte
	for b.Loop() {
		sum := sha256.Sum256(in[:])
		in[0] = sum[0]
	}
	benchSink = in
}

// benchDirectory is a directory on a fresh store with the pass policy enabled and
// cheap argon2, so that the store, not the hash, dominates what is measured.
func benchDirectory(b *testing.B, backend storetest.Backend) *directory.Service {
	b.Helper()
	if backend.Name == "postgres" && os.Getenv(storetest.PostgresEnv) == "" {
		b.Skipf("set %s to benchmark PostgreSQL", storetest.PostgresEnv)
	}
	dir, err := directory.New(directory.Config{Store: backend.Open(b), Hasher: secret.Hasher{Argon2: secret.FastArgon2},
		BaseURL: "https://id.example.com", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	_, err = dir.UpdateTAPPolicy(context.Background(), sys, func(p *domain.TAPPolicy) error {
		p.State = domain.StateEnabled
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchUser(b *testing.B, dir *directory.Service, upn string) domain.User {
	b.Helper()
	u, err := dir.CreateUser(context.Background(), sys, domain.User{UserPrincipalName: upn, DisplayName: upn, AccountEnabled: true})
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkSignInWithPass is one successful sign-in with a multi-use pass: user
// and pass look-ups, lock-out check, verify, policy and groups, a new session and
// a sign-in log row.
func BenchmarkSignInWithPass(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			dir := benchDirectory(b, backend)
			u := benchUser(b, dir, "ada@example.com")
			multi := false
			p, err := dir.IssuePass(ctx, sys, u.ID, domain.PassRequest{IsUsableOnce: &multi})
			if err != nil {
				b.Fatal(err)
			}
			at := directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "127.0.0.1", UserAgent: "bench"}
			for b.Loop() {
				res, err := dir.SignInWithPass(ctx, at, p.Code)
				if err != nil {
					b.Fatal(err)
				}
				benchSink = res
			}
		})
	}
}

// BenchmarkIssuePass replaces a user's pass: one transaction that locks the user,
// deletes the old pass, stores the new one and writes the audit record.
func BenchmarkIssuePass(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			dir := benchDirectory(b, backend)
			u := benchUser(b, dir, "ada@example.com")
			multi := false
			for b.Loop() {
				p, err := dir.IssuePass(ctx, sys, u.ID, domain.PassRequest{IsUsableOnce: &multi})
				if err != nil {
					b.Fatal(err)
				}
				benchSink = p
			}
		})
	}
}
