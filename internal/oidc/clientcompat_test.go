package oidc_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Client behaviours seen in widely used relying-party libraries and SDKs,
// each reproduced here the way the library does it on the wire.

// answer is a back-channel response: status, headers and the JSON body.
type answer struct {
	status int
	header http.Header
	ctype  string
	raw    string
	body   map[string]any
}

// postRaw posts form to u. basic, when not nil, is the Authorization header's
// user and password exactly as given (a library that form-encodes them first,
// as RFC 6749 §2.3.1 says, sends a UUID's dashes as %2D).
func postRaw(t *testing.T, u string, form url.Values, basic *[2]string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic[0]+":"+basic[1])))
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, ctype: resp.Header.Get("Content-Type"), raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// wantError checks an RFC 6749 §5.2 error: the status, JSON, the code.
func (a answer) wantError(t *testing.T, what string, status int, code string) {
	t.Helper()
	if a.status != status || !strings.HasPrefix(a.ctype, "application/json") || a.body["error"] != code {
		t.Fatalf("%s: %d %s %s, want %d JSON error %s", what, a.status, a.ctype, a.raw, status, code)
	}
}

func (a answer) wantOK(t *testing.T, what string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s: %d %s", what, a.status, a.raw)
	}
}

// formEncoded is RFC 6749 §2.3.1's encoding as some libraries apply it: every
// character but letters and digits escaped, so a UUID's dashes become %2D.
func formEncoded(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// confidential is a firstkey with a person signed in, in a browser, to a
// confidential web application.
type confidential struct {
	e *testenv.Env
	u domain.User
	r *rp
	b *browser
}

func newConfidential(t *testing.T) confidential {
	t.Helper()
	e := testenv.New(t, storetest.Backends()[0])
	e.EnablePassPolicy(t)
	u := e.CreateUser(t, "ada@example.com")
	r := newRP(t, e, domain.Application{})
	if r.secret == "" {
		t.Fatal("the application has no secret")
	}
	b := newBrowser(t)
	r.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false))
	return confidential{e: e, u: u, r: r, b: b}
}

// RFC 6749 §2.3.1: a client's id and secret are form-encoded before HTTP Basic
// encodes them. Code exchange and refresh work whether the client encodes them
// (dashes as %2D, as a certified Node.js library does) or sends them plain.
func TestBasicCredentialsFormEncodedOrPlain(t *testing.T) {
	c := newConfidential(t)
	r := c.r
	for _, enc := range []struct {
		name string
		fn   func(string) string
	}{{"plain", func(s string) string { return s }}, {"form-encoded", formEncoded}} {
		t.Run(enc.name, func(t *testing.T) {
			if enc.name == "form-encoded" && !strings.Contains(enc.fn(r.app.ClientID), "%2D") {
				t.Fatalf("the encoded client id %q has no %%2D", enc.fn(r.app.ClientID))
			}
			creds := &[2]string{enc.fn(r.app.ClientID), enc.fn(r.secret)}
			f := r.signIn(c.b, c.u.UserPrincipalName, "")
			a := postRaw(t, r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {f.code},
				"redirect_uri": {r.cfg.RedirectURL}, "code_verifier": {f.verifier}}, creds)
			a.wantOK(t, "code exchange")
			rt, _ := a.body["refresh_token"].(string)
			if rt == "" || a.body["id_token"] == nil {
				t.Fatalf("code exchange: %s", a.raw)
			}
			a = postRaw(t, r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, creds)
			a.wantOK(t, "refresh")
			at, _ := a.body["access_token"].(string)

			a = postRaw(t, r.endpoint("introspection_endpoint"), url.Values{"token": {at}}, creds)
			a.wantOK(t, "introspection")
			if a.body["active"] != true {
				t.Fatalf("introspection: %s", a.raw)
			}
			a = postRaw(t, r.endpoint("device_authorization_endpoint"), url.Values{"scope": {"openid"}}, creds)
			a.wantOK(t, "device authorization")
			a = postRaw(t, r.endpoint("revocation_endpoint"), url.Values{"token": {at}}, creds)
			a.wantOK(t, "revocation")
			a = postRaw(t, r.endpoint("introspection_endpoint"), url.Values{"token": {at}}, creds)
			if a.body["active"] != false {
				t.Fatalf("introspection after revocation: %s", a.raw)
			}
		})
	}
	// A wrong secret is still wrong, however it is encoded.
	a := postRaw(t, r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"client_credentials"}},
		&[2]string{formEncoded(r.app.ClientID), formEncoded(r.secret + "x")})
	a.wantError(t, "a wrong secret", http.StatusUnauthorized, "invalid_client")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("a refused Basic client got no Basic challenge: %v", a.header)
	}
}

// MSAL appends ?client-request-id=… to the token URL, and RFC 6749 §3.2 allows
// a query there: the token, introspection and revocation endpoints accept it.
// OAuth parameters in the URL are still refused.
func TestQueryOnBackChannelURLs(t *testing.T) {
	c := newConfidential(t)
	r := c.r
	creds := &[2]string{r.app.ClientID, r.secret}
	q := "?client-request-id=" + randomID()
	a := postRaw(t, r.cfg.Endpoint.TokenURL+q, url.Values{"grant_type": {"client_credentials"}}, creds)
	a.wantOK(t, "client credentials with client-request-id")
	at, _ := a.body["access_token"].(string)

	f := r.signIn(c.b, c.u.UserPrincipalName, "")
	a = postRaw(t, r.cfg.Endpoint.TokenURL+q, url.Values{"grant_type": {"authorization_code"}, "code": {f.code},
		"redirect_uri": {r.cfg.RedirectURL}, "code_verifier": {f.verifier}}, creds)
	a.wantOK(t, "code exchange with client-request-id")
	rt, _ := a.body["refresh_token"].(string)
	a = postRaw(t, r.cfg.Endpoint.TokenURL+q, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, creds)
	a.wantOK(t, "refresh with client-request-id")
	rt, _ = a.body["refresh_token"].(string)

	a = postRaw(t, r.endpoint("introspection_endpoint")+q, url.Values{"token": {at}}, creds)
	a.wantOK(t, "introspection with client-request-id")
	if a.body["active"] != true {
		t.Fatalf("introspection: %s", a.raw)
	}
	a = postRaw(t, r.endpoint("revocation_endpoint")+q, url.Values{"token": {rt}}, creds)
	a.wantOK(t, "revocation with client-request-id")
	postRaw(t, r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, creds).
		wantError(t, "the revoked refresh token", http.StatusBadRequest, "invalid_grant")

	for _, param := range []string{"client_secret", "code", "refresh_token", "token", "grant_type"} {
		a = postRaw(t, r.cfg.Endpoint.TokenURL+q+"&"+param+"=x", url.Values{"grant_type": {"client_credentials"}}, creds)
		a.wantError(t, param+" in the URL", http.StatusBadRequest, "invalid_request")
		if d, _ := a.body["error_description"].(string); !strings.Contains(d, param) {
			t.Errorf("%s in the URL: the description %q does not name it", param, d)
		}
	}
}

// Introspection accepts client_secret_post as well as Basic, discovery says
// so, and every failure there is JSON.
func TestIntrospectionClientAuthentication(t *testing.T) {
	c := newConfidential(t)
	r := c.r
	at := c.e.ClientCredentialsToken(t, r.app.ClientID, r.secret)
	ep := r.endpoint("introspection_endpoint")

	a := postRaw(t, ep, url.Values{"token": {at}, "client_id": {r.app.ClientID}, "client_secret": {r.secret}}, nil)
	a.wantOK(t, "introspection with client_secret_post")
	if a.body["active"] != true || a.body["client_id"] != r.app.ClientID {
		t.Fatalf("introspection with client_secret_post: %s", a.raw)
	}

	postRaw(t, ep, url.Values{"token": {at}}, nil).
		wantError(t, "no credentials", http.StatusUnauthorized, "invalid_client")
	postRaw(t, ep, url.Values{"token": {at}, "client_id": {r.app.ClientID}}, nil).
		wantError(t, "a client id without its secret", http.StatusUnauthorized, "invalid_client")
	postRaw(t, ep, url.Values{"token": {at}, "client_id": {r.app.ClientID}, "client_secret": {"wrong"}}, nil).
		wantError(t, "a wrong secret in the body", http.StatusUnauthorized, "invalid_client")
	a = postRaw(t, ep, url.Values{"token": {at}}, &[2]string{r.app.ClientID, "wrong"})
	a.wantError(t, "a wrong secret with Basic", http.StatusUnauthorized, "invalid_client")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("a refused Basic client got no Basic challenge: %v", a.header)
	}
	postRaw(t, ep, url.Values{"token": {at}, "client_secret": {r.secret}}, &[2]string{r.app.ClientID, r.secret}).
		wantError(t, "two authentication methods", http.StatusBadRequest, "invalid_request")

	var doc struct {
		Introspection []string `json:"introspection_endpoint_auth_methods_supported"`
	}
	if err := r.provider.Claims(&doc); err != nil || strings.Join(doc.Introspection, " ") != "client_secret_basic client_secret_post" {
		t.Fatalf("introspection_endpoint_auth_methods_supported %v (%v)", doc.Introspection, err)
	}
}

// Every OAuth endpoint answers its errors in JSON: userinfo without a token, a
// method an endpoint does not serve.
func TestOAuthErrorsAreJSON(t *testing.T) {
	c := newConfidential(t)
	r := c.r
	req, _ := http.NewRequest(http.MethodGet, r.endpoint("userinfo_endpoint"), nil)
	a := send(t, req)
	a.wantError(t, "userinfo without a token", http.StatusUnauthorized, "invalid_request")
	if a.header.Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("userinfo without a token: challenge %q", a.header.Get("WWW-Authenticate"))
	}
	req, _ = http.NewRequest(http.MethodGet, r.endpoint("userinfo_endpoint"), nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	a = send(t, req)
	a.wantError(t, "userinfo with a bad token", http.StatusUnauthorized, "invalid_token")

	for _, ep := range []string{"token_endpoint", "introspection_endpoint", "revocation_endpoint", "device_authorization_endpoint"} {
		req, _ := http.NewRequest(http.MethodGet, r.endpoint(ep), nil)
		a := send(t, req)
		a.wantError(t, "GET "+ep, http.StatusMethodNotAllowed, "invalid_request")
		if a.header.Get("Allow") == "" {
			t.Errorf("GET %s: no Allow header", ep)
		}
	}
}

// A refresh grant naming a client that does not exist is invalid_client, 401,
// whether the client id comes in the body or with HTTP Basic.
func TestRefreshWithUnknownClient(t *testing.T) {
	s := newSignedIn(t, storetest.Backends()[0], domain.Application{})
	ghost := randomID()
	postRaw(t, s.r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.tok.RefreshToken},
		"client_id": {ghost}}, nil).wantError(t, "unknown client_id in the body", http.StatusUnauthorized, "invalid_client")
	a := postRaw(t, s.r.cfg.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.tok.RefreshToken}},
		&[2]string{ghost, "secret"})
	a.wantError(t, "unknown client with Basic", http.StatusUnauthorized, "invalid_client")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no Basic challenge: %v", a.header)
	}
	// Nothing was spent: the real client's refresh token still works.
	if _, err := s.r.refresh(s.tok.RefreshToken); err != nil {
		t.Fatalf("the refresh token after the refused requests: %v", err)
	}
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
