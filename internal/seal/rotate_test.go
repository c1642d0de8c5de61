package seal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// Two replicas given the old and the new master key keep answering every
// sign-in and token request while rotate-master runs; afterwards no column of
// any table holds a value sealed with the old key, and a replica given only
// the new key signs people and applications in.
func TestRotateMasterUnderLoad(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			oldKey, _ := seal.GenerateKey()
			newKey, _ := seal.GenerateKey()
			oldID, _ := seal.KeyID(oldKey)
			newID, _ := seal.KeyID(newKey)
			base := server.Config{DataDir: t.TempDir(), Hasher: secret.Hasher{Argon2: secret.FastArgon2},
				SignInRate: web.Rate{Attempts: 100000, Per: time.Minute}}
			if b.Name == "postgres" {
				base.DatabaseURL = storetest.PostgresDSN(t)
			}
			withKeys := func(keys ...[]byte) server.Config {
				c := base
				c.MasterKey = seal.EncodeKey(keys[0])
				if len(keys) > 1 {
					c.PreviousMasterKey = seal.EncodeKey(keys[1])
				}
				return c
			}

			// A directory that has lived under the old key.
			first := testenv.NewWithConfig(t, withKeys(oldKey))
			first.EnablePassPolicy(t)
			clientID, clientSecret := first.CreateApp(t, domain.PermUserReadAll)
			u := first.CreateUser(t, "ada@example.com")
			pass := first.IssuePass(t, u.ID, false)

			// Step 1: every replica is given both keys.
			replicas := []*testenv.Env{testenv.NewWithConfig(t, withKeys(newKey, oldKey)), testenv.NewWithConfig(t, withKeys(newKey, oldKey))}

			var stop atomic.Bool
			var ok, failed atomic.Int64
			var firstFailure atomic.Value
			var wg sync.WaitGroup
			fail := func(what string) {
				failed.Add(1)
				firstFailure.CompareAndSwap(nil, what)
			}
			for i, e := range replicas {
				wg.Add(2)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						if err := token(e, clientID, clientSecret); err != nil {
							fail(fmt.Sprintf("replica %d token: %v", i, err))
						} else {
							ok.Add(1)
						}
					}
				}()
				go func() {
					defer wg.Done()
					for !stop.Load() {
						if err := signIn(e, "ada@example.com", pass); err != nil {
							fail(fmt.Sprintf("replica %d sign-in: %v", i, err))
						} else {
							ok.Add(1)
						}
					}
				}()
			}

			// Step 2: rotate-master, while they work.
			time.Sleep(200 * time.Millisecond)
			st, sealer, err := server.OpenStore(context.Background(), withKeys(newKey, oldKey))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			before := ok.Load()
			rep, err := seal.Rotate(context.Background(), st, st.(store.Resealer), sealer, seal.RotateOptions{Settle: 300 * time.Millisecond})
			if err != nil {
				t.Fatalf("rotate: %v", err)
			}
			// A signing key made by a replica after the rotation is sealed with the new key.
			if err := replicas[1].App.Provider().RotateKeys(context.Background(), domain.SystemActor()); err != nil {
				t.Fatalf("rotate signing keys on a replica: %v", err)
			}
			time.Sleep(200 * time.Millisecond)
			stop.Store(true)
			wg.Wait()
			if n := failed.Load(); n > 0 {
				t.Fatalf("%d requests failed during the rotation; first: %v", n, firstFailure.Load())
			}
			if ok.Load()-before < 4 {
				t.Fatalf("only %d requests ran during the rotation", ok.Load()-before)
			}
			if rep.From != oldID || rep.To != newID || rep.Resealed < 2 {
				t.Fatalf("report %+v: want from %s to %s, at least the marker and a signing key", rep, oldID, newID)
			}

			// Nothing anywhere is sealed with the old key (every column of every table).
			scanned := 0
			err = st.(store.Dumper).Dump(context.Background(), func(s store.Snapshot) error {
				for _, tb := range s.Tables() {
					err := s.Rows(context.Background(), tb.Name, func(row []any) error {
						for i, v := range row {
							var b []byte
							switch x := v.(type) {
							case []byte:
								b = x
							case string:
								b, _ = base64.StdEncoding.DecodeString(x)
							}
							if id, ok := seal.SealedKeyID(b); ok && (id == newID || id == oldID) {
								scanned++
								if id != newID {
									return fmt.Errorf("%s.%s holds a value sealed with key %s", tb.Name, tb.Columns[i].Name, id)
								}
							}
						}
						return nil
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if scanned < 3 {
				t.Fatalf("found only %d sealed values: the check checks nothing", scanned)
			}

			// Step 3: the old key is removed; the new key alone does everything.
			only := testenv.NewWithConfig(t, withKeys(newKey))
			if err := token(only, clientID, clientSecret); err != nil {
				t.Fatalf("token with the new key only: %v", err)
			}
			if err := signIn(only, "ada@example.com", pass); err != nil {
				t.Fatalf("sign-in with the new key only: %v", err)
			}
			if err := signIn(only, "ada@example.com", "not-the-pass"); err == nil {
				t.Fatal("a wrong pass signed in: the sign-in check checks nothing")
			}
			t.Logf("%d sign-ins and token requests during the rotation, none failed; %d values re-sealed in %d passes", ok.Load()-before, rep.Resealed, rep.Passes)
			// And the old key alone is refused.
			if _, _, err := server.OpenStore(context.Background(), withKeys(oldKey)); err == nil || !strings.Contains(err.Error(), "does not match") {
				t.Fatalf("old key alone: %v", err)
			}
		})
	}
}

func token(e *testenv.Env, id, secret string) error {
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/oauth/token",
		strings.NewReader("grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func signIn(e *testenv.Env, upn, pass string) error {
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/login/tap", strings.NewReader("username="+upn+"&pass="+pass))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.HasPrefix(resp.Request.URL.Path, "/login") {
		return fmt.Errorf("status %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	return nil
}
