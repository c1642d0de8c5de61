package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// deliveryRows is how many passes are queued for delivery.
const deliveryRows = 10

var deliveredCode = regexp.MustCompile(`Temporary Access Pass: (\S+)`)

// TestDeliveriesSurviveKillAndGoOutOnceAcrossReplicas queues passes for
// delivery by mail, kills the only server with SIGKILL while it cannot get
// them out, then starts two replicas on the same database with the mail
// server accepting: every pass arrives exactly once, and works. The server
// dies either between attempts (the mail server refused the first) or in the
// middle of one (the mail server holds it unanswered), when the replicas
// must wait for its leases to run out.
func TestDeliveriesSurviveKillAndGoOutOnceAcrossReplicas(t *testing.T) {
	for _, mode := range []string{"refused", "in-flight"} {
		t.Run("postgres/"+mode, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.PostgresDSN(t)
			deliverAcrossKill(t, mode, "FIRSTKEY_MASTER_KEY="+newMasterKey(t), "FIRSTKEY_DATABASE="+dsn)
		})
		t.Run("sqlite/"+mode, func(t *testing.T) {
			t.Parallel()
			deliverAcrossKill(t, mode) // one data directory, the default ./firstkey-data
		})
	}
}

func deliverAcrossKill(t *testing.T, mode string, extra ...string) {
	work := t.TempDir()
	mail := testenv.NewMailCatcher(t)
	tried := mail.Refused
	if mode == "refused" {
		mail.Refuse(true)
	} else {
		mail.Stall()
		tried = mail.Stalled
	}
	addrA, addrB, addrC := freeAddr(t), freeAddr(t), freeAddr(t)
	env := cleanEnv(append(extra, fastHash, raceRate, "FIRSTKEY_ISSUER="+localBase(addrA),
		"FIRSTKEY_SMTP_URL="+mail.URL(), "FIRSTKEY_SMTP_FROM=firstkey@example.com",
		"FIRSTKEY_TEST_DELIVERY_RETRY_SECONDS=1")...)

	a := startServe(t, "server A", work, addrA, env)
	a.waitHealthy()
	// All but one pass from a bulk file, the last from tap create.
	var csv strings.Builder
	csv.WriteString("userPrincipalName,displayName,isUsableOnce,deliver\n")
	for i := range deliveryRows - 1 {
		fmt.Fprintf(&csv, "joiner%d@example.com,Joiner %d,true,email:inbox%d@mail.example\n", i, i, i)
	}
	file := filepath.Join(work, "joiners.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	report := cli(t, work, env, "tap", "bulk", "--csv", file, "--output", "json")
	if strings.Count(report, `"status": "issued"`)+strings.Count(report, `"status":"issued"`) != deliveryRows-1 ||
		strings.Contains(report, "temporaryAccessPass\"") {
		t.Fatalf("bulk report: %s", report)
	}
	last := deliveryRows - 1
	cli(t, work, env, "user", "create", "--upn", fmt.Sprintf("joiner%d@example.com", last), "--display-name", "Joiner")
	created := cli(t, work, env, "tap", "create", fmt.Sprintf("joiner%d@example.com", last),
		"--deliver", fmt.Sprintf("email:inbox%d@mail.example", last), "--output", "json")
	if !strings.Contains(created, `"temporaryAccessPass": null`) || !strings.Contains(created, `"status": "pending"`) {
		t.Fatalf("tap create --deliver: %s", created)
	}

	// A tries, and dies without a chance to record anything.
	deadline := time.Now().Add(60 * time.Second)
	for tried() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("server A never tried to deliver")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.exited

	mail.Refuse(false)
	mail.Release()
	b := startServe(t, "replica B", work, addrB, env)
	c := startServe(t, "replica C", work, addrC, env)
	b.waitHealthy()
	c.waitHealthy()
	mail.WaitFor(t, deliveryRows, 90*time.Second)
	// Once both have stopped, nothing is in flight: what arrived is all there is.
	b.stop()
	c.stop()
	got := mail.Messages()
	perInbox := map[string]int{}
	for _, m := range got {
		for _, to := range m.To {
			perInbox[to]++
		}
	}
	if len(got) != deliveryRows {
		t.Errorf("%d mails arrived, want %d (one per pass): %v", len(got), deliveryRows, perInbox)
	}
	for i := range deliveryRows {
		inbox := fmt.Sprintf("inbox%d@mail.example", i)
		if perInbox[inbox] != 1 {
			t.Errorf("%s got %d mails, want 1", inbox, perInbox[inbox])
		}
	}

	// The delivered passes work: each was sealed by the CLI, opened by a replica.
	d := startServe(t, "replica D", work, "", env)
	d.waitHealthy()
	for _, m := range got {
		code := deliveredCode.FindStringSubmatch(m.Text)
		if code == nil || !strings.Contains(m.HTML, code[1]) {
			t.Fatalf("mail to %v holds no pass:\n%s", m.To, m.Text)
		}
		upn := strings.Replace(strings.Replace(m.To[0], "inbox", "joiner", 1), "mail.example", "example.com", 1)
		if status, _ := signInWith(t, clientFrom("127.31.0.1"), d.base, upn, code[1]); status != http.StatusSeeOther {
			t.Errorf("sign-in of %s with the delivered pass answered %d, want 303", upn, status)
		}
	}
}
