package oidc

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
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

// BenchmarkVerifyAccessToken is the check every Graph API request makes before
// anything else: parse the JWS, find the key, verify ES256, check the claims.
func BenchmarkVerifyAccessToken(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	st, clock := storetest.SQLite(b), domain.NewFakeClock(time.Now())
	p, err := New(ctx, Config{
		Issuer: "http://127.0.0.1:1", Store: st, Directory: testDirectory(b, st, clock), Sealer: newSealer(b),
		Clock: clock, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := p.MintUserAccessToken(ctx, "8d2f7c1e-0000-4000-8000-000000000001", []string{domain.AMRTap, domain.AMRMFA})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := p.VerifyAccessToken(ctx, tok)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = c
	}
}
