package secret

import (
	"crypto/sha256"
	"testing"
)

// sink keeps results alive so that the compiler cannot drop the work.
var sink any

// BenchmarkRefSHA256 is this package's CPU floor: one SHA-256 of 32 bytes.
// scripts/bench reports the other benchmarks as multiples of it.
func BenchmarkRefSHA256(b *testing.B) {
	b.ReportAllocs()
	var in [32]byte
	for b.Loop() {
		sum := sha256.Sum256(in[:])
		in[0] = sum[0]
	}
	sink = in
}

// BenchmarkHashVerify hashes a pass and verifies it once: issuing a pass and one
// sign-in with it. Eight characters are under StrongEntropyBits, so they take
// argon2id with the production parameters; 48 characters take salted SHA-256.
func BenchmarkHashVerify(b *testing.B) {
	cases := []struct {
		name   string
		length int
	}{
		{"argon2id-production", 8},
		{"sha256-long-pass", 48},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			pass, err := GeneratePass(c.length)
			if err != nil {
				b.Fatal(err)
			}
			h := Hasher{Argon2: ProductionArgon2}
			bits := EntropyBits(c.length, PassAlphabet)
			for b.Loop() {
				enc, err := h.Hash(pass, bits)
				if err != nil {
					b.Fatal(err)
				}
				if ok, err := Verify(enc, pass); err != nil || !ok {
					b.Fatalf("Verify = %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkVerify is the sign-in half alone: checking a presented pass against
// its stored hash.
func BenchmarkVerify(b *testing.B) {
	cases := []struct {
		name   string
		length int
	}{
		{"argon2id-production", 8},
		{"sha256-long-pass", 48},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			pass, err := GeneratePass(c.length)
			if err != nil {
				b.Fatal(err)
			}
			enc, err := Hasher{Argon2: ProductionArgon2}.Hash(pass, EntropyBits(c.length, PassAlphabet))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if ok, err := Verify(enc, pass); err != nil || !ok {
					b.Fatalf("Verify = %v, %v", ok, err)
				}
			}
		})
	}
}
