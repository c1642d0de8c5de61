package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/firstkey/firstkey/internal/store/storetest"
)

// attempts is how many people try one one-time pass at once.
const attempts = 40

// raceRate lets every attempt of the race past the per-address sign-in limit,
// which replicas on PostgreSQL share: they all come from one loopback address.
const raceRate = "FIRSTKEY_SIGN_IN_RATE=1000/1m"

// raceQueue lets every racer wait for a hash slot rather than be turned away busy.
const raceQueue = "FIRSTKEY_HASH_QUEUE=100"

// TestOneTimePassRaceAcrossTwoProcesses fires concurrent sign-ins with one
// one-time pass at two firstkey processes sharing one database: exactly one
// succeeds, on whichever replica, and the sign-in log says why the rest failed.
func TestOneTimePassRaceAcrossTwoProcesses(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := storetest.PostgresDSN(t)
		env := cleanEnv(fastHash, raceRate, raceQueue, "FIRSTKEY_MASTER_KEY="+newMasterKey(t), "FIRSTKEY_DATABASE="+dsn)
		// Two replicas behind one public URL, started at once on an empty schema:
		// they race to migrate and to initialise, and exactly one prints a pass.
		addrA, addrB := freeAddr(t), freeAddr(t)
		env = append(env, "FIRSTKEY_ISSUER="+localBase(addrA))
		a := startServe(t, "replica A", t.TempDir(), addrA, env, "--output", "json")
		b := startServe(t, "replica B", t.TempDir(), addrB, env, "--output", "json")
		a.waitHealthy()
		b.waitHealthy()
		if n := strings.Count(a.stdout.String()+b.stdout.String(), `"temporaryAccessPass"`); n != 1 {
			t.Errorf("%d replicas printed a bootstrap pass, want exactly 1:\nA: %s\nB: %s", n, a.stdout.String(), b.stdout.String())
		}
		race(t, t.TempDir(), env, a, b)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		env := cleanEnv(fastHash, raceRate, raceQueue)
		// Two processes on one data directory (the default ./firstkey-data),
		// behind one public URL.
		addrA, addrB := freeAddr(t), freeAddr(t)
		env = append(env, "FIRSTKEY_ISSUER="+localBase(addrA))
		a := startServe(t, "process A", work, addrA, env)
		a.waitHealthy()
		b := startServe(t, "process B", work, addrB, env)
		b.waitHealthy()
		race(t, work, env, a, b)
	})
}

func race(t *testing.T, work string, env []string, a, b *server) {
	cli(t, work, env, "user", "create", "--upn", "race@example.com", "--display-name", "Race")
	var pass struct {
		ID                  string `json:"id"`
		TemporaryAccessPass string `json:"temporaryAccessPass"`
		IsUsableOnce        bool   `json:"isUsableOnce"`
	}
	cliJSON(t, work, env, &pass, "tap", "create", "race@example.com", "--one-time")
	if !pass.IsUsableOnce || pass.TemporaryAccessPass == "" {
		t.Fatalf("tap create --one-time = %+v", pass)
	}
	var app struct{ ClientID, ClientSecret string }
	cliJSON(t, work, env, &app, "app", "create", "--name", "reports", "--permission", "AuditLog.Read.All")

	// Everyone waits at the gate, then all try at once, alternating replicas.
	gate := make(chan struct{})
	statuses := make([]int, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		target := a
		if i%2 == 1 {
			target = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each from an address of its own, as people racing from their own
			// machines: the per-source lock-out must not decide the race.
			hc := clientFrom(fmt.Sprintf("127.30.0.%d", i+1))
			<-gate
			statuses[i], _ = signInWith(t, hc, target.base, "race@example.com", pass.TemporaryAccessPass)
		}()
	}
	close(gate)
	wg.Wait()
	won := 0
	for i, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusUnauthorized, http.StatusTooManyRequests: // the pass was used, or the name locked out by the losers' failures
		default:
			t.Errorf("attempt %d answered %d, want 303, 401 or 429", i, s)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent sign-ins with one one-time pass succeeded, want exactly 1 (statuses %v)", won, attempts, statuses)
	}

	// The sign-in log, read through the Graph API of one replica with a token
	// issued by the other (the signing keys are shared through the database).
	token := clientCredentialsToken(t, b.base, a.base, app.ClientID, app.ClientSecret)
	var page struct {
		Value []struct {
			UserPrincipalName string `json:"userPrincipalName"`
			Status            struct {
				ErrorCode int `json:"errorCode"`
			} `json:"status"`
			AuthenticationDetails []struct {
				AuthenticationMethod       string `json:"authenticationMethod"`
				AuthenticationMethodDetail string `json:"authenticationMethodDetail"`
			} `json:"authenticationDetails"`
		} `json:"value"`
	}
	url := a.base + "/v1.0/auditLogs/signIns?$filter=" + strings.ReplaceAll("userPrincipalName eq 'race@example.com'", " ", "%20") + "&$top=100"
	if code := call(t, "GET", url, token, nil, &page); code != http.StatusOK {
		t.Fatalf("GET signIns: %d", code)
	}
	codes := map[int]int{}
	for _, s := range page.Value {
		codes[s.Status.ErrorCode]++
		if len(s.AuthenticationDetails) != 1 || s.AuthenticationDetails[0].AuthenticationMethod != "Temporary Access Pass" ||
			s.AuthenticationDetails[0].AuthenticationMethodDetail != pass.ID {
			t.Errorf("sign-in details = %+v, want the pass %s", s.AuthenticationDetails, pass.ID)
			break
		}
	}
	// Once the pass is spent, the losers' failures count against the name, and
	// past the lock-out threshold the rest are refused unchecked (50053).
	if len(page.Value) != attempts || codes[0] != 1 || codes[130505] == 0 || codes[130505]+codes[50053] != attempts-1 {
		t.Errorf("sign-in log has %d entries with status codes %v, want one 0 and %d of 130505 or 50053", len(page.Value), codes, attempts-1)
	}

	// The same, through the CLI reading the store.
	var logged []struct {
		ErrorCode int `json:"errorCode"`
	}
	cliJSON(t, work, env, &logged, "logs", "signins", "--filter", "userPrincipalName eq 'race@example.com'", "--top", "0")
	cliCodes := map[int]int{}
	for _, l := range logged {
		cliCodes[l.ErrorCode]++
	}
	if cliCodes[0] != 1 || cliCodes[130505]+cliCodes[50053] != attempts-1 {
		t.Errorf("firstkey logs signins: status codes %v", cliCodes)
	}

	a.stop()
	b.stop()
	assertNoSecrets(t, map[string]string{a.name: a.stderr.String(), b.name: b.stderr.String()},
		map[string]string{"pass": pass.TemporaryAccessPass, "client secret": app.ClientSecret, "access token": token})
}
