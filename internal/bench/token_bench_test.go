package bench_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
)

// tokenParallelism is how many requests per core the throughput benchmarks keep
// in flight: 4 on 2 cores is the concurrency 8 of scripts/load and of the
// performance targets (client credentials ≥ 5,000/s, code exchange and refresh
// rotation ≥ 2,000/s). Their ns/op is wall time per op with that many in flight:
// 1e9 / ns/op is the throughput.
const tokenParallelism = 4

// BenchmarkRefSignRS256 and BenchmarkRefSignES256 are the signing bounds of the
// token endpoint: one RSA-2048 PKCS#1 v1.5 or one ECDSA P-256 signature of a
// SHA-256 digest, on every core (the same parallelism as the token
// benchmarks). A token endpoint that signs one access token can go no faster.
func BenchmarkRefSignRS256(b *testing.B) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	refSign(b, priv)
}

func BenchmarkRefSignES256(b *testing.B) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	refSign(b, priv)
}

func refSign(b *testing.B, k crypto.Signer) {
	b.ReportAllocs()
	digest := sha256.Sum256([]byte("header.payload"))
	b.SetParallelism(tokenParallelism)
	b.ResetTimer() // key generation (an RSA key takes up to a second) is not signing
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkClientCredentials is POST /oauth/token grant_type=client_credentials
// with HTTP Basic, eight in flight on 2 cores: secret check, application read,
// one access token signed.
func BenchmarkClientCredentials(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			id, sec := e.CreateApp(b, domain.PermUserReadAll)
			target := e.TokenEndpoint(b)
			body := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}.Encode()
			c := parallelClient()
			b.SetParallelism(tokenParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
					do(b, c, req, http.StatusOK)
				}
			})
		})
	}
}

// BenchmarkCodeExchangeParallel is BenchmarkCodeExchange eight in flight. The
// codes (b.N of them) are made before the timer starts, by the signed-in
// browser with prompt=none, so run it with a fixed -benchtime such as 2000x.
func BenchmarkCodeExchangeParallel(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			s := signIn(b, e)
			codes := make(chan string, b.N+1)
			codes <- s.first
			var wg sync.WaitGroup
			const makers = 4
			for w := range makers {
				n := b.N / makers
				if w == 0 {
					n += b.N%makers - 1
				}
				wg.Go(func() {
					for _, c := range s.codes(b, max(n, 0)) {
						codes <- c
					}
				})
			}
			wg.Wait()
			close(codes)
			c := parallelClient()
			b.SetParallelism(tokenParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sink = s.exchange(b, c, <-codes)
				}
			})
		})
	}
}

// BenchmarkRefreshRotationParallel is BenchmarkRefreshRotation with one refresh
// chain per request in flight, eight in flight.
func BenchmarkRefreshRotationParallel(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := start(b, backend)
			s := signIn(b, e)
			c := parallelClient()
			const chains = 2 * tokenParallelism * 8 // enough for GOMAXPROCS up to 8
			rts := make(chan string, chains)
			for _, code := range append(s.codes(b, chains-1), s.first) {
				rts <- s.exchange(b, c, code).RefreshToken
			}
			b.SetParallelism(tokenParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rt := <-rts
				for pb.Next() {
					rt = token(b, c, e, url.Values{
						"grant_type":    {"refresh_token"},
						"refresh_token": {rt},
						"client_id":     {s.app.ClientID},
					}).RefreshToken
				}
			})
		})
	}
}

// parallelClient keeps a connection alive per request in flight.
func parallelClient() *http.Client {
	c := client()
	c.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	return c
}
