package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// clientCredentialsToken gets an access token for an application the way any
// OAuth client does: discovery first, then the token endpoint it names. base is
// the replica to ask; issuer is the public URL every replica shares.
func clientCredentialsToken(t *testing.T, base, issuer, clientID, clientSecret string) string {
	t.Helper()
	var disco struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if code := call(t, "GET", base+"/.well-known/openid-configuration", "", nil, &disco); code != http.StatusOK || disco.TokenEndpoint == "" {
		t.Fatalf("discovery: %d %+v", code, disco)
	}
	if disco.Issuer != issuer {
		t.Errorf("discovery issuer = %q, want %q", disco.Issuer, issuer)
	}
	// The endpoint is named under the public URL; ask this replica for it.
	endpoint, err := url.Parse(disco.TokenEndpoint)
	if err != nil || !strings.HasPrefix(disco.TokenEndpoint, issuer) {
		t.Fatalf("token_endpoint %q is not under the issuer %s", disco.TokenEndpoint, issuer)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, err := http.NewRequest("POST", base+endpoint.Path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials: %d %v %+v", resp.StatusCode, err, tok)
	}
	if !strings.EqualFold(tok.TokenType, "Bearer") {
		t.Errorf("token_type = %q", tok.TokenType)
	}
	return tok.AccessToken
}

// signIn posts the pass sign-in form as a browser on the server's own page
// would, and returns the status and whether a session cookie was set.
func signIn(t *testing.T, base, upn, pass string) (int, bool) {
	t.Helper()
	return signInWith(t, noRedirects, base, upn, pass)
}

// signInWith is signIn through the client hc (from another source address, say).
func signInWith(t *testing.T, hc *http.Client, base, upn, pass string) (int, bool) {
	t.Helper()
	resp, err := hc.PostForm(base+"/login/tap", url.Values{"username": {upn}, "pass": {pass}})
	if err != nil {
		t.Errorf("sign in: %v", err)
		return 0, false
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "firstkey_session" && c.Value != "" {
			return resp.StatusCode, true
		}
	}
	return resp.StatusCode, false
}

// assertNoSecrets checks that no log contains any of the secrets.
func assertNoSecrets(t *testing.T, logs map[string]string, secrets map[string]string) {
	t.Helper()
	for name, log := range logs {
		if log == "" {
			t.Errorf("%s logged nothing", name)
		}
		for what, s := range secrets {
			if s != "" && strings.Contains(log, s) {
				t.Errorf("the log of %s contains the %s", name, what)
			}
		}
	}
}
