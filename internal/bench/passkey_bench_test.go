package bench_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/softkey"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// signInWorkers is how many sign-ins are in flight at once: the concurrency
// issue 14 measured at.
const signInWorkers = 8

// BenchmarkPasskeySignIn is a whole passkey sign-in over HTTP, as a browser
// makes it: POST /webauthn/login/begin with the username, the authenticator
// (internal/softkey: a real ES256 assertion) answers, POST
// /webauthn/login/finish verifies it, updates the signature counter, opens a
// session and logs the sign-in. Eight people sign in at once, each with their
// own passkey. The bound, measured in the same run, is one ECDSA P-256 verify
// on every core: the one piece of cryptography a sign-in cannot avoid.
func BenchmarkPasskeySignIn(b *testing.B) {
	b.Run("bound-ecdsa-verify", benchECDSAVerify)
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			e := startPasskeys(b, backend)
			people := make([]*passkeyPerson, signInWorkers)
			for i := range people {
				people[i] = newPasskeyPerson(b, e, fmt.Sprintf("person%d@example.com", i))
			}
			var next atomic.Int64
			b.SetParallelism(max(1, signInWorkers/runtime.GOMAXPROCS(0)))
			cpu := startCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := people[int(next.Add(1)-1)%len(people)]
				c := client()
				for pb.Next() {
					p.signIn(b, c, e.URL)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
			cpu.report(b)
		})
	}
}

// BenchmarkECDSAVerify is the bound of a passkey sign-in on its own: one
// ECDSA P-256 signature verified, on every core.
func BenchmarkECDSAVerify(b *testing.B) { benchECDSAVerify(b) }

func benchECDSAVerify(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("authenticator data and client data hash"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	cpu := startCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				b.Error("signature does not verify")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	cpu.report(b)
}

// cpuClock is the CPU time this process (server and client alike; not
// PostgreSQL's) has used: on a machine shared with other work, CPU per
// operation moves far less than operations per second.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{processCPU()} }

// report adds "cpu-µs/op" to the benchmark's results.
func (c cpuClock) report(b *testing.B) {
	used := processCPU() - c.start
	b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startPasskeys is start at http://localhost:PORT: passkeys need a host name.
func startPasskeys(b *testing.B, backend string) *testenv.Env {
	b.Helper()
	if backend == "postgres" && os.Getenv(storetest.PostgresEnv) == "" {
		b.Skipf("set %s to benchmark PostgreSQL", storetest.PostgresEnv)
	}
	return testenv.NewWithOptions(b, storetest.Backend{Name: backend}, testenv.Options{Localhost: true,
		Web: func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1 << 30, Per: time.Second} }})
}

// passkeyPerson is a user with one passkey, registered through the directory
// as the registration page would.
type passkeyPerson struct {
	upn string
	key *softkey.Key
}

func newPasskeyPerson(b *testing.B, e *testenv.Env, upn string) *passkeyPerson {
	b.Helper()
	ctx := context.Background()
	u := e.CreateUser(b, upn)
	key, err := softkey.New(e.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	now := e.Clock.Now()
	sess := domain.Session{UserID: u.ID, AMR: []string{domain.AMRMFA}, AuthTime: now, CreatedDateTime: now}
	c, err := e.Dir.BeginPasskeyRegistration(ctx, sess)
	if err != nil {
		b.Fatalf("begin registration: %v", err)
	}
	cred, err := key.Register(c.Options)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Dir.FinishPasskeyRegistration(ctx, sess, c.ID, "Laptop", cred); err != nil {
		b.Fatalf("finish registration: %v", err)
	}
	return &passkeyPerson{upn: upn, key: key}
}

// signIn runs begin and finish and fails unless a session cookie comes back.
func (p *passkeyPerson) signIn(b *testing.B, c *http.Client, base string) {
	var begin struct {
		CeremonyID string          `json:"ceremonyId"`
		Options    json.RawMessage `json:"options"`
	}
	postJSON(b, c, base+"/webauthn/login/begin", map[string]any{"username": p.upn}, &begin)
	cred, err := p.key.Assert(begin.Options)
	if err != nil {
		b.Error(err)
		return
	}
	resp := postJSON(b, c, base+"/webauthn/login/finish", map[string]any{"ceremonyId": begin.CeremonyID, "credential": cred}, nil)
	if resp != nil && len(resp.Cookies()) == 0 {
		b.Error("login/finish set no session cookie")
	}
}

// postJSON posts v, expects 200 and decodes the answer into out when set.
func postJSON(b *testing.B, c *http.Client, url string, v, out any) *http.Response {
	body, err := json.Marshal(v)
	if err != nil {
		b.Error(err)
		return nil
	}
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return nil
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Errorf("POST %s: %d %s", url, resp.StatusCode, raw.String())
		return nil
	}
	if out != nil {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			b.Errorf("POST %s: %v", url, err)
		}
	}
	return resp
}
