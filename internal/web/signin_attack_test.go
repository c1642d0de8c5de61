package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// postPassFrom posts the pass form from the loopback address ip (Linux routes
// all of 127.0.0.0/8 to loopback), as a distinct attacker host would, and
// returns the status and whether a session cookie came back.
func postPassFrom(t *testing.T, env *testenv.Env, ip, upn, code string) (int, bool) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	hc := &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}
	target := strings.Replace(env.URL, "localhost", "127.0.0.1", 1) + "/login/tap"
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(url.Values{"username": {upn}, "pass": {code}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.Issuer)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("post from %s: %v", ip, err)
		return 0, false
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == web.SessionCookie && c.Value != "" {
			return resp.StatusCode, true
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	return resp.StatusCode, false
}

// attackerAddress is the i-th of many distinct loopback source addresses.
func attackerAddress(i int) string { return fmt.Sprintf("127.10.%d.%d", i/250, i%250+1) }

// checkedGuesses counts the wrong passes that were really checked: the sign-in
// log's 130503 records.
func checkedGuesses(t *testing.T, env *testenv.Env) int {
	n := 0
	for _, s := range signInLog(t, env) {
		if s.ErrorCode == domain.SignInPassInvalid {
			n++
		}
	}
	return n
}

// TestBurstOfGuessesFromManyAddresses is the attack of issue #10: 150 wrong
// guesses fired at once from 150 source addresses at one multi-use pass, then
// the right pass 50 ms later from yet another. At most the account-wide
// threshold of guesses may be checked, and the right pass must be refused.
func TestBurstOfGuessesFromManyAddresses(t *testing.T) {
	const burst = 150
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			// A hash queue as long as the burst, so that every guess reaches the
			// lock-out and the reservation alone must hold the line.
			env := testenv.NewWithOptions(t, b, testenv.Options{Localhost: true,
				Server: func(c *server.Config) { c.HashQueue = burst * 2 }})
			env.EnablePassPolicy(t)
			env.CreateUser(t, "ada@example.com")
			p := issuePass(t, env, "ada@example.com", false)

			var wg sync.WaitGroup
			start := make(chan struct{})
			statuses := make([]int, burst)
			for i := range burst {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i], _ = postPassFrom(t, env, attackerAddress(i), "ada@example.com", fmt.Sprintf("Wrong%03d", i))
				}()
			}
			close(start)
			// The right pass arrives while the burst is still in flight, once the
			// burst has been checked as far as the lock-out allows (waiting for a
			// fixed 50 ms instead would race the machine's load, not the server).
			time.Sleep(50 * time.Millisecond)
			for deadline := time.Now().Add(30 * time.Second); checkedGuesses(t, env) < domain.AccountLockout.Threshold && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			status, gotSession := postPassFrom(t, env, attackerAddress(burst+1), "ada@example.com", p.Code)
			wg.Wait()

			if gotSession || status != http.StatusTooManyRequests {
				t.Errorf("the right pass during the burst: status %d, session %v; want 429 and no session", status, gotSession)
			}
			for i, s := range statuses {
				if s != http.StatusUnauthorized && s != http.StatusTooManyRequests {
					t.Errorf("guess %d: status %d", i, s)
				}
			}
			if n := checkedGuesses(t, env); n > domain.AccountLockout.Threshold {
				t.Errorf("%d guesses were checked; at most %d may be", n, domain.AccountLockout.Threshold)
			}
			passes, err := env.Store.ListUserPasses(context.Background(), p.UserID)
			if err != nil || len(passes) != 1 || passes[0].FailedAttempts > domain.AccountLockout.Threshold {
				t.Errorf("the pass after the burst: %+v, %v", passes, err)
			}
		})
	}
}

// TestBurstMeetsTheHashGate: with the default gate (one hash per core and a
// short queue), a burst is mostly refused at once with 429 and Retry-After,
// without hashing; still no more than the threshold of guesses is checked.
func TestBurstMeetsTheHashGate(t *testing.T) {
	const burst = 150
	env := testenv.NewWithOptions(t, storetest.Backend{Name: "sqlite", Open: storetest.SQLite}, testenv.Options{Localhost: true,
		Server: func(c *server.Config) { c.Hasher = secret.Hasher{}; c.HashConcurrency = 2 }}) // production argon2id
	env.EnablePassPolicy(t)
	env.CreateUser(t, "ada@example.com")
	issuePass(t, env, "ada@example.com", false)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := postPassFrom(t, env, attackerAddress(i), "ada@example.com", fmt.Sprintf("Wrong%03d", i))
			mu.Lock()
			counts[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[http.StatusTooManyRequests] == 0 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != burst {
		t.Errorf("answers %v: want only 401 and 429, some 429", counts)
	}
	if n := checkedGuesses(t, env); n > domain.AccountLockout.Threshold {
		t.Errorf("%d guesses were checked; at most %d may be", n, domain.AccountLockout.Threshold)
	}
	if !strings.Contains(env.Logs(), "every hash slot is busy") {
		t.Error("refusals for a full hash gate are not logged")
	}
}

// TestSignInRacesDeletionAndDisablementAcrossReplicas races pass sign-ins on
// two servers sharing one database against a deletion of the pass, or a
// disablement of the account, on one of them: once the change is acknowledged,
// no session from any of those sign-ins may work on either server.
func TestSignInRacesDeletionAndDisablementAcrossReplicas(t *testing.T) {
	const rounds, signIns = 8, 6
	for _, b := range storetest.Backends() {
		for _, change := range []string{"delete pass", "disable user"} {
			t.Run(b.Name+"/"+change, func(t *testing.T) {
				t.Parallel()
				// Production hashing: the window between the check and the session
				// is as long as it is in a real deployment.
				reps := testenv.Replicas(t, b, 2, testenv.Options{
					Server: func(c *server.Config) { c.Hasher, c.HashQueue = secret.Hasher{}, 100 },
					Web:    func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1000, Per: time.Minute} },
				})
				reps[0].EnablePassPolicy(t)
				succeeded := 0
				for r := range rounds {
					upn := fmt.Sprintf("racer%d@example.com", r)
					reps[0].CreateUser(t, upn)
					p := issuePass(t, reps[0], upn, false)
					var wg sync.WaitGroup
					cookies := make([]*http.Cookie, signIns)
					// One session from before the change, for certain; the others race it.
					cookies[0] = newBrowser(t, reps[1]).signInWithPass(upn, p.Code).cookie()
					for i := 1; i < signIns; i++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							// Spread over addresses and replicas; stagger them across the change.
							time.Sleep(time.Duration(i) * 15 * time.Millisecond)
							br := newBrowser(t, reps[i%2])
							res := br.form("/login/tap", url.Values{"username": {upn}, "pass": {p.Code}})
							cookies[i] = res.cookie()
						}()
					}
					// Early rounds change first; late ones let most sign-ins finish.
					time.Sleep(time.Duration(r*20) * time.Millisecond)
					var err error
					if change == "delete pass" {
						err = reps[1].Dir.DeletePass(context.Background(), domain.SystemActor(), upn, p.ID)
					} else {
						_, err = reps[1].Dir.UpdateUser(context.Background(), domain.SystemActor(), upn, func(u *domain.User) error {
							u.AccountEnabled = false
							return nil
						})
					}
					if err != nil {
						t.Fatalf("round %d: %s: %v", r, change, err)
					}
					wg.Wait()
					for i, c := range cookies {
						if c == nil {
							continue
						}
						succeeded++
						for _, rep := range reps {
							br := newBrowser(t, rep)
							req, _ := http.NewRequest(http.MethodGet, rep.URL+"/mysecurityinfo", nil)
							req.AddCookie(c)
							resp, err := br.hc.Do(req)
							if err != nil {
								t.Fatal(err)
							}
							resp.Body.Close()
							if resp.StatusCode == http.StatusOK {
								t.Errorf("round %d: the session of sign-in %d works on %s after %s was acknowledged", r, i, rep.URL, change)
							}
						}
					}
				}
				if succeeded <= rounds {
					t.Logf("only the sign-ins before each change got in: the race itself was not exercised this time")
				}
			})
		}
	}
}

// TestLockoutAnswersAlikeForEveryName: a pass holder, an account without a
// pass and a name that is nobody get the same answers, attempt by attempt, up to
// and past the lock-out, so the lock-out tells an attacker nothing.
func TestLockoutAnswersAlikeForEveryName(t *testing.T) {
	generous := func(c *web.Config) { c.SignInRate = web.Rate{Attempts: 1000, Per: time.Minute} }
	eachBackend(t, generous, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "holder@example.com")
		issuePass(t, env, "holder@example.com", false)
		env.CreateUser(t, "nopass@example.com")
		var want []string
		for _, name := range []string{"holder@example.com", "nopass@example.com", "nobody@example.com"} {
			b := newBrowser(t, env)
			var got []string
			for i := range domain.SourceLockout.Threshold + 2 {
				r := b.form("/login/tap", url.Values{"username": {name}, "pass": {fmt.Sprintf("Wrong%03d", i)}})
				body := strings.ReplaceAll(strings.ReplaceAll(r.Body, name, "NAME"), url.QueryEscape(name), "NAME")
				body = strings.ReplaceAll(body, r.Header.Get("request-id"), "REQUEST-ID") // one per request
				got = append(got, fmt.Sprintf("%d %s %s", r.Status, r.Header.Get("Retry-After"), body))
			}
			if want == nil {
				want = got
				if !strings.HasPrefix(got[len(got)-1], "429") {
					t.Fatalf("the pass holder was not locked out: %s", got[len(got)-1][:3])
				}
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s, attempt %d, answered differently from the pass holder:\n%s\nvs\n%s", name, i+1, got[i], want[i])
				}
			}
		}
	})
}

// TestPassTypedAsUsernameIsNotKept: people type their pass into the username
// field. What they typed is kept in no log unless it is a well-formed user
// principal name; the sign-in log says so with a fixed placeholder.
func TestPassTypedAsUsernameIsNotKept(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, env *testenv.Env) {
		env.CreateUser(t, "ada@example.com")
		p := issuePass(t, env, "ada@example.com", false)
		b := newBrowser(t, env)
		if r := b.form("/login/tap", url.Values{"username": {p.Code}, "pass": {p.Code}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("a pass as the username: %d", r.Status)
		}
		if strings.Contains(env.Logs(), p.Code) {
			t.Error("the server log holds the pass typed as a username")
		}
		recs := signInLog(t, env)
		if len(recs) == 0 || recs[0].UserPrincipalName != "(not a user principal name)" || strings.Contains(fmt.Sprintf("%+v", recs), p.Code) {
			t.Errorf("the sign-in log keeps %q", recs[0].UserPrincipalName)
		}
		// A well-formed name that is nobody is kept, for administrators chasing an attack.
		env.Clock.Advance(time.Second)
		b.form("/login/tap", url.Values{"username": {"nobody@example.com"}, "pass": {"Wrong1234"}})
		if recs := signInLog(t, env); recs[0].UserPrincipalName != "nobody@example.com" {
			t.Errorf("the sign-in log keeps %q for a well-formed unknown name", recs[0].UserPrincipalName)
		}
	})
}
