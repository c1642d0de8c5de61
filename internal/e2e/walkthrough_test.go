package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestReadmeWalkthrough is the first half hour of an operator: start firstkey with
// no configuration, sign in as the bootstrap administrator, register an
// application, and issue a new joiner's pass through the Graph API. It uses the
// production argon2id parameters.
func TestReadmeWalkthrough(t *testing.T) {
	work := t.TempDir()
	env := cleanEnv()
	srv := startServe(t, "serve", work, "", env)
	srv.waitHealthy()

	// The bootstrap administrator's pass is printed once, on stdout.
	var admin, adminPass, signInURL string
	deadline := time.Now().Add(30 * time.Second)
	re := regexp.MustCompile(`(?m)^Administrator:\s+(\S+)\n(?s:.*)^Temporary Access Pass:\s+(\S+)\n^Sign in at:\s+(\S+)`)
	for {
		if m := re.FindStringSubmatch(srv.stdout.String()); m != nil {
			admin, adminPass, signInURL = m[1], m[2], m[3]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no bootstrap pass:\n%s", srv.stdout.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	if admin != "admin@firstkey.local" || signInURL != srv.base+"/mysecurityinfo" {
		t.Errorf("bootstrap administrator %q, sign-in URL %q", admin, signInURL)
	}

	// It created ./firstkey-data with a private master key.
	data := filepath.Join(work, "firstkey-data")
	if _, err := os.Stat(filepath.Join(data, "firstkey.db")); err != nil {
		t.Errorf("no database in ./firstkey-data: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(data, "master.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("./firstkey-data/master.key: %v, %v", fi, err)
	}

	// The administrator signs in with the pass.
	if code, cookie := signIn(t, srv.base, admin, adminPass); code != http.StatusSeeOther || !cookie {
		t.Errorf("bootstrap administrator sign-in: %d (session cookie %v)", code, cookie)
	}

	// An application for automation, registered with the CLI next to the running server.
	var app struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	cliJSON(t, work, env, &app, "app", "create", "--name", "onboarding",
		"--permission", "User.ReadWrite.All", "--permission", "UserAuthenticationMethod.ReadWrite.All")
	if app.ClientID == "" || app.ClientSecret == "" {
		t.Fatalf("app create: %+v", app)
	}
	token := clientCredentialsToken(t, srv.base, srv.base, app.ClientID, app.ClientSecret)

	// A new joiner and their pass, through the Graph API.
	var user struct {
		ID                string `json:"id"`
		UserPrincipalName string `json:"userPrincipalName"`
	}
	code := call(t, "POST", srv.base+"/v1.0/users", token, map[string]any{
		"accountEnabled": true, "displayName": "Bob Smith", "mailNickname": "bob", "userPrincipalName": "bob@example.com",
	}, &user)
	if code != http.StatusCreated || user.ID == "" {
		t.Fatalf("create user: %d %+v", code, user)
	}
	var pass map[string]any
	code = call(t, "POST", srv.base+"/v1.0/users/bob%40example.com/authentication/temporaryAccessPassMethods", token,
		map[string]any{"lifetimeInMinutes": 60, "isUsableOnce": true}, &pass)
	bobPass, _ := pass["temporaryAccessPass"].(string)
	passID, _ := pass["id"].(string)
	if code != http.StatusCreated || bobPass == "" || passID == "" {
		t.Fatalf("create pass: %d %v", code, pass)
	}
	var readBack map[string]any
	if code := call(t, "GET", srv.base+"/v1.0/users/"+user.ID+"/authentication/temporaryAccessPassMethods/"+passID, token, nil, &readBack); code != http.StatusOK {
		t.Fatalf("read pass back: %d %v", code, readBack)
	}
	if v, ok := readBack["temporaryAccessPass"]; !ok || v != nil {
		t.Errorf("read back, temporaryAccessPass = %v (present %v), want null", v, ok)
	}
	if readBack["isUsableOnce"] != true || readBack["lifetimeInMinutes"] != float64(60) {
		t.Errorf("read back = %v", readBack)
	}

	// Bob signs in once with it; the CLI then sees the pass used.
	if code, cookie := signIn(t, srv.base, "bob@example.com", bobPass); code != http.StatusSeeOther || !cookie {
		t.Errorf("bob's sign-in: %d (session cookie %v)", code, cookie)
	}
	var passes []struct {
		ID                    string `json:"id"`
		MethodUsabilityReason string `json:"methodUsabilityReason"`
	}
	cliJSON(t, work, env, &passes, "tap", "list", "bob@example.com")
	if len(passes) != 1 || passes[0].ID != passID || passes[0].MethodUsabilityReason != "OneTimeUsed" {
		t.Errorf("tap list after sign-in = %+v", passes)
	}

	// SIGTERM: a graceful stop, exit 0.
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited with %d after SIGTERM", code)
	}
	if out := srv.stdout.String(); len(regexp.MustCompile(`Temporary Access Pass:`).FindAllString(out, -1)) != 1 {
		t.Errorf("serve printed the bootstrap pass other than once:\n%s", out)
	}
	assertNoSecrets(t, map[string]string{"serve": srv.stderr.String()}, map[string]string{
		"bootstrap pass": adminPass, "new joiner's pass": bobPass, "client secret": app.ClientSecret, "access token": token,
	})
}
