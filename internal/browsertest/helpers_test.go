package browsertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

// issuedPass is the Graph API's answer to creating a pass: the only time the
// code is shown.
type issuedPass struct {
	ID   string `json:"id"`
	Code string `json:"temporaryAccessPass"`
}

// issuePass creates a pass for upn through the Graph API, as an administrator's
// automation would.
func issuePass(t *testing.T, env *testenv.Env, upn string, oneTime bool) issuedPass {
	t.Helper()
	token := env.AppToken(t, domain.PermUserAuthenticationMethodReadWrite)
	body, _ := json.Marshal(map[string]any{"isUsableOnce": oneTime, "lifetimeInMinutes": 60})
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1.0/users/"+url.PathEscape(upn)+"/authentication/temporaryAccessPassMethods", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create pass: %v", err)
	}
	defer resp.Body.Close()
	var p issuedPass
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusCreated || p.Code == "" {
		t.Fatalf("create pass: status %d, decode %v", resp.StatusCode, err)
	}
	return p
}

// signInRecord is what the tests read of a Graph signIn.
type signInRecord struct {
	UserPrincipalName string `json:"userPrincipalName"`
	Status            struct {
		ErrorCode int `json:"errorCode"`
	} `json:"status"`
	AuthenticationDetails []struct {
		AuthenticationMethod       string  `json:"authenticationMethod"`
		AuthenticationMethodDetail *string `json:"authenticationMethodDetail"`
		Succeeded                  bool    `json:"succeeded"`
	} `json:"authenticationDetails"`
}

func (s signInRecord) method() string {
	if len(s.AuthenticationDetails) == 0 {
		return ""
	}
	return s.AuthenticationDetails[0].AuthenticationMethod
}

func (s signInRecord) detail() string {
	if len(s.AuthenticationDetails) == 0 || s.AuthenticationDetails[0].AuthenticationMethodDetail == nil {
		return ""
	}
	return *s.AuthenticationDetails[0].AuthenticationMethodDetail
}

// signIns reads the sign-in log through the Graph API with a reader's token.
func signIns(t *testing.T, env *testenv.Env) []signInRecord {
	t.Helper()
	token := env.AppToken(t, domain.PermAuditLogReadAll)
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/v1.0/auditLogs/signIns?$top=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read sign-in log: %v", err)
	}
	defer resp.Body.Close()
	var page struct {
		Value []signInRecord `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("read sign-in log: status %d, decode %v", resp.StatusCode, err)
	}
	return page.Value
}

// count counts the log entries that match.
func count(recs []signInRecord, match func(signInRecord) bool) int {
	n := 0
	for _, r := range recs {
		if match(r) {
			n++
		}
	}
	return n
}

// do runs browser steps and fails the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	err := chromedp.Do(sctx, steps...)
	t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, strings.TrimSpace(body))
	}
}

// text reads the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	// Bounded: a missing element fails the test instead of waiting forever.
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("read %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// signInWithPass goes through the sign-in pages with a pass and lands on My
// Security Info.
func signInWithPass(t *testing.T, ctx context.Context, env *testenv.Env, upn, code string) {
	t.Helper()
	do(t, ctx, "open the sign-in page",
		chromedp.Navigate(env.URL+"/login?login_hint="+url.QueryEscape(upn)),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	do(t, ctx, "choose to use a pass",
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#use-pass")),
		chromedp.Click(chromedp.CSS("#use-pass")),
		chromedp.WaitVisible(chromedp.CSS("#pass")))
	do(t, ctx, "enter the pass",
		chromedp.SendKeys(chromedp.CSS("#pass"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
}

// signOut presses "Sign out" and waits for the sign-in page.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(".account button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	if got := text(t, ctx, ".alert.success"); got != "You have signed out." {
		t.Errorf("after sign-out the page says %q", got)
	}
}

// emptyField empties an input, as a person selecting its text and deleting it
// does, so that typing replaces what the page suggested there.
func emptyField(css string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(f => (f.value = "", true))(document.querySelector(`+jsString(css)+`))`)(ctx, t)
		return chromedp.Void{}, err
	}
}
