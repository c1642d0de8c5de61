package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/firstkey/firstkey/internal/secret"
)

// bounds are the crypto operations per second this machine does on all cores:
// what an operation that must do one of them cannot beat.
type bounds struct {
	ecdsaVerify float64 // ECDSA P-256 verify: a passkey assertion
	es256Sign   float64 // ECDSA P-256 sign: an ES256 token
	rs256Sign   float64 // RSA-2048 PKCS #1 v1.5 sign: an RS256 token
	argon2id    float64 // argon2id m=19 MiB, t=2, p=1: one pass check
}

// perSecond runs fn on every core for d and returns how many ran per second.
func perSecond(d time.Duration, fn func()) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	t0 := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(stop) {
				fn()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(t0).Seconds()
}

func measureBounds() bounds {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("authenticator data and client data hash"))
	sig, _ := ecdsa.SignASN1(rand.Reader, ek, digest[:])
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	salt := make([]byte, 16)
	var b bounds
	b.ecdsaVerify = perSecond(time.Second, func() { ecdsa.VerifyASN1(&ek.PublicKey, digest[:], sig) })
	b.es256Sign = perSecond(time.Second, func() { _, _ = ecdsa.SignASN1(rand.Reader, ek, digest[:]) })
	b.rs256Sign = perSecond(time.Second, func() { _, _ = rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, digest[:]) })
	p := secret.ProductionArgon2
	b.argon2id = perSecond(2*time.Second, func() { argon2.IDKey([]byte("ABCD2345"), salt, p.Time, p.Memory, p.Threads, 32) })
	logf("  ECDSA P-256 verify %.0f/s, ES256 sign %.0f/s, RS256 sign %.0f/s, argon2id %.1f/s",
		b.ecdsaVerify, b.es256Sign, b.rs256Sign, b.argon2id)
	return b
}

// max keeps the better of two measurements of each bound.
func (b bounds) max(o bounds) bounds {
	return bounds{max(b.ecdsaVerify, o.ecdsaVerify), max(b.es256Sign, o.es256Sign), max(b.rs256Sign, o.rs256Sign), max(b.argon2id, o.argon2id)}
}
