package graphapi_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/delivery"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

var (
	mailedCode = regexp.MustCompile(`Temporary Access Pass: (\S+)`)
	reportLink = regexp.MustCompile(`https?://\S+/report/[A-Za-z0-9_.-]+`)
)

// withDelivery runs fn on every database against a firstkey that mails
// through a real SMTP server on loopback (and posts to hook, when set).
func withDelivery(t *testing.T, tune func(*server.DeliveryConfig), fn func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			mail := testenv.NewMailCatcher(t)
			env := testenv.NewWithOptions(t, b, testenv.Options{Server: func(c *server.Config) {
				c.Delivery = server.DeliveryConfig{SMTPURL: mail.URL(), SMTPFrom: "firstkey@example.com"}
				if tune != nil {
					tune(&c.Delivery)
				}
			}})
			env.EnablePassPolicy(t)
			fn(t, env, mail)
		})
	}
}

func setMail(t *testing.T, env *testenv.Env, u domain.User, mail, managerID string) domain.User {
	t.Helper()
	u, err := env.Store.UpdateUser(context.Background(), u.ID, func(old domain.User) (domain.User, error) {
		old.Mail, old.ManagerID = mail, managerID
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func signsIn(t *testing.T, env *testenv.Env, upn, code string) bool {
	t.Helper()
	_, err := env.Dir.SignInWithPass(context.Background(), directory.Attempt{UserPrincipalName: upn, IPAddress: "198.51.100.9"}, code)
	return err == nil
}

func audits(t *testing.T, env *testenv.Env, activity string) []domain.AuditRecord {
	t.Helper()
	all, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.AuditRecord
	for _, a := range all {
		if a.ActivityDisplayName == activity {
			out = append(out, a)
		}
	}
	return out
}

func TestPassDeliveredToManagerByMail(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		boss := setMail(t, env, env.CreateUser(t, "boss@example.com"), "boss@mail.example", "")
		u := setMail(t, env, env.CreateUser(t, "alice@example.com"), "alice@mail.example", boss.ID)
		a := methodsAdmin(t, env)

		created := a.do(http.MethodPost, passPath(u.ID), map[string]any{
			"isUsableOnce": true, "deliverTo": map[string]any{"method": "email", "recipient": "manager"}}).must(t, http.StatusCreated)
		if v, present := created.JSON["temporaryAccessPass"]; !present || v != nil {
			t.Fatalf("a delivered pass was returned to its issuer: %s", created.Raw)
		}
		d, _ := created.JSON["delivery"].(map[string]any)
		if d["status"] != "pending" || d["method"] != "email" || d["recipient"] != "boss@mail.example" {
			t.Fatalf("delivery in the response: %s", created.Raw)
		}
		// While queued, the row holds the code sealed, never in clear.
		queued, err := env.Store.GetDelivery(ctx, d["id"].(string))
		if err != nil || len(queued.Sealed) == 0 {
			t.Fatalf("queued delivery: %+v, %v", queued, err)
		}

		if n := env.App.DeliverOnce(ctx); n != 2 { // the pass to the manager, the notice to alice
			t.Fatalf("claimed %d deliveries, want 2", n)
		}
		msgs := mail.WaitFor(t, 2, 10*time.Second)
		var toBoss, toAlice *testenv.Mail
		for i := range msgs {
			switch msgs[i].To[0] {
			case "boss@mail.example":
				toBoss = &msgs[i]
			case "alice@mail.example":
				toAlice = &msgs[i]
			}
		}
		if toBoss == nil || toAlice == nil {
			t.Fatalf("mails went to %v", msgs)
		}
		m := mailedCode.FindStringSubmatch(toBoss.Text)
		if m == nil || !strings.Contains(toBoss.HTML, m[1]) || toBoss.From != "firstkey@example.com" {
			t.Fatalf("mail to the manager (from %s):\n%s\n%s", toBoss.From, toBoss.Text, toBoss.HTML)
		}
		if bytes.Contains(queued.Sealed, []byte(m[1])) {
			t.Fatal("the sealed code holds the code in clear")
		}
		if strings.Contains(toAlice.Text, m[1]) || !reportLink.MatchString(toAlice.Text) ||
			!strings.Contains(toAlice.Text, "app:") {
			t.Fatalf("notice to the user:\n%s", toAlice.Text)
		}
		if !signsIn(t, env, u.UserPrincipalName, m[1]) {
			t.Fatal("the delivered pass does not sign in")
		}

		// Delivered: the sealed code is gone, the outcome audited and listed.
		done, err := env.Store.GetDelivery(ctx, queued.ID)
		if err != nil || done.Status != domain.DeliveryDelivered || done.Sealed != nil {
			t.Fatalf("after delivery: %+v, %v", done, err)
		}
		if got := audits(t, env, directory.ActivityPassDelivered); len(got) != 1 || got[0].InitiatedBy.AppName != "firstkey" {
			t.Fatalf("delivery audit: %+v", got)
		}
		list := a.get("/v1.0/users/"+u.ID+"/deliveries").must(t, http.StatusOK).values(t)
		if len(list) != 2 || strings.Contains(string(a.get("/v1.0/users/"+u.ID+"/deliveries").Raw), m[1]) {
			t.Fatalf("deliveries listing: %v", list)
		}
		for _, d := range list {
			if d["status"] != "delivered" {
				t.Fatalf("deliveries listing: %v", list)
			}
		}
		if n := env.App.DeliverOnce(ctx); n != 0 {
			t.Fatalf("a second round claimed %d deliveries", n)
		}
		if strings.Contains(env.Logs(), m[1]) {
			t.Fatal("the delivered pass is in the log")
		}
	})
}

func TestPassDeliveryRefusedRequests(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		u := env.CreateUser(t, "nomanager@example.com")
		a := methodsAdmin(t, env)
		for _, tc := range []struct {
			body any
			msg  string
		}{
			{map[string]any{"method": "fax"}, `"fax" is not supported`},
			{map[string]any{"method": "email"}, "recipient is required"},
			{map[string]any{"method": "email", "recipient": "not an address"}, "not a mail address"},
			{map[string]any{"method": "email", "recipient": "manager"}, "has no manager"},
			{map[string]any{"method": "webhook"}, "webhook is not configured"},
			{"email", "Invalid value for property 'deliverTo'"},
		} {
			a.do(http.MethodPost, passPath(u.ID), map[string]any{"deliverTo": tc.body}).wantError(t, http.StatusBadRequest, "badRequest", tc.msg)
		}
		if passes, _ := env.Store.ListUserPasses(context.Background(), u.ID); len(passes) != 0 {
			t.Fatalf("a refused request left a pass: %v", passes)
		}
	})
}

func TestUndeliverablePassIsRevoked(t *testing.T) {
	retry := func(c *server.DeliveryConfig) {
		c.Retry = domain.DeliveryRetry{Base: time.Minute, Max: time.Minute, MaxAttempts: 2}
	}
	withDelivery(t, retry, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := env.CreateUser(t, "bob@example.com")
		a := methodsAdmin(t, env)
		mail.Refuse(true)
		created := a.do(http.MethodPost, passPath(u.ID), map[string]any{
			"deliverTo": map[string]any{"method": "email", "recipient": "bob.private@mail.example"}}).must(t, http.StatusCreated)
		id := created.JSON["delivery"].(map[string]any)["id"].(string)

		env.App.DeliverOnce(ctx)
		d, _ := env.Store.GetDelivery(ctx, id)
		if d.Status != domain.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, "451") || d.Sealed == nil {
			t.Fatalf("after a refused attempt: %+v", d)
		}
		if n := env.App.DeliverOnce(ctx); n != 0 {
			t.Fatalf("retried before the back-off: claimed %d", n)
		}
		env.Clock.Advance(time.Minute)
		env.App.DeliverOnce(ctx)
		d, _ = env.Store.GetDelivery(ctx, id)
		if d.Status != domain.DeliveryFailed || d.Sealed != nil || d.Attempts != 2 {
			t.Fatalf("after the last attempt: %+v", d)
		}
		if passes, _ := env.Store.ListUserPasses(ctx, u.ID); len(passes) != 0 {
			t.Fatal("the undeliverable pass was not revoked")
		}
		failed := audits(t, env, directory.ActivityPassDeliveryFailed)
		deleted := audits(t, env, domain.ActivityAdminDeletedSecurityInfo)
		if len(failed) != 1 || failed[0].InitiatedBy.AppName != "firstkey" || len(deleted) != 1 || deleted[0].InitiatedBy.AppName != "firstkey" {
			t.Fatalf("audits: failed %+v deleted %+v", failed, deleted)
		}
		if len(mail.Messages()) != 0 || mail.Refused() != 2 {
			t.Fatalf("mails %d, refused %d", len(mail.Messages()), mail.Refused())
		}
	})
}

func TestPassDeliveredBySignedWebhook(t *testing.T) {
	secret := []byte("0123456789abcdef-webhook-secret")
	var mu sync.Mutex
	var bodies [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The receiver's own check: t=<unix>,v1=<hex HMAC-SHA256("<t>."+body)>.
		var ts, sig string
		for _, p := range strings.Split(r.Header.Get("Firstkey-Signature"), ",") {
			k, v, _ := strings.Cut(p, "=")
			switch k {
			case "t":
				ts = v
			case "v1":
				sig = v
			}
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		got, _ := hex.DecodeString(sig)
		sec, err := strconv.ParseInt(ts, 10, 64)
		if !hmac.Equal(got, mac.Sum(nil)) || err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	secretFile := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(secretFile, append(secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	tune := func(c *server.DeliveryConfig) { c.WebhookURL, c.WebhookSecretFile = hook.URL, secretFile }
	withDelivery(t, tune, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := env.CreateUser(t, "carol@example.com")
		a := methodsAdmin(t, env)
		created := a.do(http.MethodPost, passPath(u.ID), map[string]any{"deliverTo": map[string]any{"method": "webhook"}}).must(t, http.StatusCreated)
		if created.JSON["temporaryAccessPass"] != nil {
			t.Fatalf("response: %s", created.Raw)
		}
		env.App.DeliverOnce(ctx)
		mu.Lock()
		var got map[string]any
		for _, b := range bodies {
			var v map[string]any
			if json.Unmarshal(b, &v) == nil && v["userId"] == u.ID {
				got = v
			}
		}
		mu.Unlock()
		code, _ := got["temporaryAccessPass"].(string)
		if got["type"] != "temporaryAccessPass" || got["temporaryAccessPassId"] != created.str("id") || code == "" {
			t.Fatalf("webhook body: %v", got)
		}
		if !signsIn(t, env, u.UserPrincipalName, code) {
			t.Fatal("the delivered pass does not sign in")
		}
		id := created.JSON["delivery"].(map[string]any)["id"].(string)
		if d, _ := env.Store.GetDelivery(ctx, id); d.Status != domain.DeliveryDelivered || d.Sealed != nil {
			t.Fatalf("delivery: %+v", d)
		}
	})
}

// TestUserReportsPassFromNotice: the notice's link shows a confirmation on
// GET (changing nothing), and on POST revokes the pass and flags it, once.
func TestUserReportsPassFromNotice(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := setMail(t, env, env.CreateUser(t, "dave@example.com"), "dave@mail.example", "")
		a := methodsAdmin(t, env)
		created := a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		if created.str("temporaryAccessPass") == "" {
			t.Fatalf("a pass asked to be shown was not: %s", created.Raw)
		}
		env.App.DeliverOnce(ctx)
		notice := mail.WaitFor(t, 1, 10*time.Second)[0]
		if notice.To[0] != "dave@mail.example" || !strings.Contains(notice.Subject, "Temporary Access Pass") {
			t.Fatalf("notice: %+v", notice)
		}
		link := reportLink.FindString(notice.Text)
		if link == "" || !strings.Contains(notice.HTML, link) {
			t.Fatalf("notice has no report link:\n%s", notice.Text)
		}
		page := func(method, link string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, link, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if status, body := page(http.MethodGet, link); status != http.StatusOK || !strings.Contains(body, "<form method=\"post\">") {
			t.Fatalf("GET %d: %s", status, body)
		}
		if passes, _ := env.Store.ListUserPasses(ctx, u.ID); len(passes) != 1 {
			t.Fatal("a GET of the link changed something")
		}
		// A forged or altered link does nothing.
		lu, _ := url.Parse(link)
		forged := strings.TrimSuffix(link, lu.Path[len(lu.Path)-2:]) + "xx"
		if status, body := page(http.MethodPost, forged); status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
			t.Fatalf("forged link: %d %s", status, body)
		}
		if status, body := page(http.MethodPost, link); status != http.StatusOK || !strings.Contains(body, "was removed") {
			t.Fatalf("POST %d: %s", status, body)
		}
		if passes, _ := env.Store.ListUserPasses(ctx, u.ID); len(passes) != 0 {
			t.Fatal("the reported pass was not revoked")
		}
		if status, body := page(http.MethodPost, link); status != http.StatusOK || !strings.Contains(body, "reported already") {
			t.Fatalf("second POST %d: %s", status, body)
		}
		reports := audits(t, env, directory.ActivityReportedSuspicious)
		if len(reports) != 1 || reports[0].InitiatedBy.UserID != u.ID || reports[0].TargetResources[0].ID != u.ID {
			t.Fatalf("report audits: %+v", reports)
		}
		if strings.Contains(env.Logs(), lu.Path) {
			t.Fatal("the report link's token is in the log")
		}
	})
}

// TestNoNoticeWhenTurnedOff: notices are on by default with SMTP, and can be
// turned off.
func TestNoNoticeWhenTurnedOff(t *testing.T) {
	off := false
	withDelivery(t, func(c *server.DeliveryConfig) { c.NotifyUsers = &off }, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		u := setMail(t, env, env.CreateUser(t, "erin@example.com"), "erin@mail.example", "")
		methodsAdmin(t, env).do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		if n := env.App.DeliverOnce(context.Background()); n != 0 {
			t.Fatalf("claimed %d deliveries with notices off", n)
		}
	})
}

// TestNoticeOfGonePassStillGoesOut: a pass used up or revoked before its
// notice went (say, by the passkey an impostor registered with it) is still
// told of, and its issuance can still be reported, once.
func TestNoticeOfGonePassStillGoesOut(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := setMail(t, env, env.CreateUser(t, "gina@example.com"), "gina@mail.example", "")
		a := methodsAdmin(t, env)
		id := a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated).str("id")
		a.do(http.MethodDelete, passPath(u.ID)+"/"+id, nil).must(t, http.StatusNoContent)
		env.App.DeliverOnce(ctx)
		link := reportLink.FindString(mail.WaitFor(t, 1, 10*time.Second)[0].Text)
		resp, err := http.Post(link, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "report was recorded") {
			t.Fatalf("report of a gone pass: %d %s", resp.StatusCode, body)
		}
		reports := audits(t, env, directory.ActivityReportedSuspicious)
		if len(reports) != 1 {
			t.Fatalf("report audits: %+v", reports)
		}
		found := false
		for _, kv := range reports[0].AdditionalDetails {
			found = found || (kv.Key == "PassId" && kv.Value == id)
		}
		if !found {
			t.Fatalf("report audit does not name the pass: %+v", reports[0])
		}
	})
}

// TestDeliveryOfEndedPassIsCancelled: a pass that ended (or went) while its
// delivery waited is not sent, and its sealed copy is dropped.
func TestDeliveryOfEndedPassIsCancelled(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := env.CreateUser(t, "hank@example.com")
		a := methodsAdmin(t, env)
		created := a.do(http.MethodPost, passPath(u.ID), map[string]any{"lifetimeInMinutes": 60,
			"deliverTo": map[string]any{"method": "email", "recipient": "hank@mail.example"}}).must(t, http.StatusCreated)
		id := created.JSON["delivery"].(map[string]any)["id"].(string)
		env.Clock.Advance(61 * time.Minute)
		env.App.DeliverOnce(ctx)
		d, err := env.Store.GetDelivery(ctx, id)
		if err != nil || d.Status != domain.DeliveryCancelled || d.Sealed != nil {
			t.Fatalf("delivery of an ended pass: %+v, %v", d, err)
		}
		if n := len(mail.Messages()); n != 0 {
			t.Fatalf("%d mails sent for an ended pass", n)
		}
	})
}

// TestSendEndsWithinItsLease: a mail server that never answers cannot keep a
// send going past the claim's lease (when another replica could claim the
// same delivery): the attempt is cut short and recorded as failed.
func TestSendEndsWithinItsLease(t *testing.T) {
	withDelivery(t, nil, func(t *testing.T, env *testenv.Env, mail *testenv.MailCatcher) {
		ctx := context.Background()
		u := env.CreateUser(t, "ivy@example.com")
		created := methodsAdmin(t, env).do(http.MethodPost, passPath(u.ID), map[string]any{
			"deliverTo": map[string]any{"method": "email", "recipient": "ivy@mail.example"}}).must(t, http.StatusCreated)
		id := created.JSON["delivery"].(map[string]any)["id"].(string)
		mailer, err := delivery.NewMailer(mail.URL(), "firstkey@example.com")
		if err != nil {
			t.Fatal(err)
		}
		mail.Stall()
		const lease = 2 * time.Second
		w := &delivery.Worker{Dir: env.Dir, Mailer: mailer, Lease: lease}
		start := time.Now()
		if n := w.RunOnce(ctx); n != 1 {
			t.Fatalf("claimed %d", n)
		}
		// The one bound this test is about: the attempt did not outlast the
		// lease (the connection's own timeout is a minute), with room to spare
		// for a slow machine.
		if took := time.Since(start); took > lease+10*time.Second {
			t.Fatalf("the send went on for %v with a lease of %v", took, lease)
		}
		d, _ := env.Store.GetDelivery(ctx, id)
		if d.Status != domain.DeliveryPending || d.Attempts != 1 || d.LeaseOwner != "" || d.LastError == "" {
			t.Fatalf("after a send cut short: %+v", d)
		}
	})
}
