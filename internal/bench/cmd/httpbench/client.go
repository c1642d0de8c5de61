package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/softkey"
)

func newClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 256, MaxIdleConns: 1024},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// call sends one request and checks its status; the error names the status
// only, never a body, which for a pass or a token would hold a secret.
func call(ctx context.Context, c *http.Client, method, u string, body io.Reader, hdr map[string]string, want int, out any) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp, fmt.Errorf("%s %s: status %d, want %d", method, req.URL.Path, resp.StatusCode, want)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
		}
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	return resp, nil
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

var (
	jsonHdr = map[string]string{"Content-Type": "application/json"}
	formHdr = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
)

func bearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
}

// clientCredentials gets a token for an application at a token endpoint.
func clientCredentials(ctx context.Context, c *http.Client, tokenURL, id, secret, scope string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("client credentials: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", errors.New("client credentials: no access token in the answer")
	}
	return tok.AccessToken, nil
}

// person is a user who signs in with a multi-use pass and with a passkey
// held by the software authenticator.
type person struct {
	id, upn, pass string
	key           *softkey.Key
	refresh       string // the current refresh token of this person's chain
}

var csrfInPage = regexp.MustCompile(`(?:name="csrf" value|data-csrf)="([^"]+)"`)

// browser is a cookie-jar client at the issuer's origin, redirects not followed.
func browser() (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := newClient()
	c.Jar = jar
	return c, nil
}

// signInWithPass posts the pass page and keeps the session cookie in b. A busy
// server (429: the pass checks are queued full) is asked again a little later,
// as a person would; this is setup, not measurement.
func signInWithPass(ctx context.Context, b *http.Client, origin string, p *person) error {
	form := url.Values{"username": {p.upn}, "pass": {p.pass}}
	for try := 0; ; try++ {
		resp, err := call(ctx, b, http.MethodPost, origin+"/login/tap", strings.NewReader(form.Encode()), formHdr, http.StatusSeeOther, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || try == 50 {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// registerPasskey signs p in with the pass and registers a new software passkey
// on My Security Info, the way the page's script does.
func registerPasskey(ctx context.Context, origin string, p *person) error {
	b, err := browser()
	if err != nil {
		return err
	}
	if err := signInWithPass(ctx, b, origin, p); err != nil {
		return fmt.Errorf("sign in to register a passkey: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/mysecurityinfo", nil)
	if err != nil {
		return err
	}
	resp, err := b.Do(req)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInPage.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return fmt.Errorf("My Security Info: status %d, no CSRF token", resp.StatusCode)
	}
	hdr := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": string(m[1])}
	var begin struct {
		CeremonyID string          `json:"ceremonyId"`
		Options    json.RawMessage `json:"options"`
	}
	if _, err := call(ctx, b, http.MethodPost, origin+"/webauthn/register/begin", strings.NewReader("{}"), hdr, http.StatusOK, &begin); err != nil {
		return err
	}
	if p.key, err = softkey.New(origin); err != nil {
		return err
	}
	cred, err := p.key.Register(begin.Options)
	if err != nil {
		return err
	}
	_, err = call(ctx, b, http.MethodPost, origin+"/webauthn/register/finish",
		jsonBody(map[string]any{"ceremonyId": begin.CeremonyID, "name": "bench", "credential": cred}), hdr, http.StatusCreated, nil)
	return err
}

// passkeySignIn is one whole passkey sign-in: begin, a real ES256 assertion by
// the software authenticator, finish (which opens a session).
func passkeySignIn(ctx context.Context, c *http.Client, base string, p *person) error {
	var begin struct {
		CeremonyID string          `json:"ceremonyId"`
		Options    json.RawMessage `json:"options"`
	}
	if _, err := call(ctx, c, http.MethodPost, base+"/webauthn/login/begin", jsonBody(map[string]any{"username": p.upn}), jsonHdr, http.StatusOK, &begin); err != nil {
		return err
	}
	cred, err := p.key.Assert(begin.Options)
	if err != nil {
		return err
	}
	resp, err := call(ctx, c, http.MethodPost, base+"/webauthn/login/finish",
		jsonBody(map[string]any{"ceremonyId": begin.CeremonyID, "credential": cred}), jsonHdr, http.StatusOK, nil)
	if err != nil {
		return err
	}
	if len(resp.Cookies()) == 0 {
		return errors.New("login/finish set no session cookie")
	}
	return nil
}

// startChain signs p in with the pass, authorizes the public application (code
// flow with PKCE S256) and exchanges the code: the first refresh token of a
// rotation chain. The redirect URI is never visited: the code is read from the
// redirect that points there.
func startChain(ctx context.Context, origin, authURL, tokenURL, clientID, redirect string, p *person) (string, error) {
	b, err := browser()
	if err != nil {
		return "", err
	}
	if err := signInWithPass(ctx, b, origin, p); err != nil {
		return "", fmt.Errorf("sign in for a refresh chain: %w", err)
	}
	var raw [32]byte
	_, _ = crand.Read(raw[:])
	verifier := base64.RawURLEncoding.EncodeToString(raw[:])
	challenge := sha256.Sum256([]byte(verifier))
	next := authURL + "?" + url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid offline_access"}, "state": {"bench"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"},
	}.Encode()
	code := ""
	for hop := 0; code == "" && hop < 8; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return "", err
		}
		resp, err := b.Do(req)
		if err != nil {
			return "", fmt.Errorf("authorize: %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return "", fmt.Errorf("authorize: %s answered %d without a redirect", req.URL.Path, resp.StatusCode)
		}
		if next = loc.String(); strings.HasPrefix(next, redirect+"?") {
			if code = loc.Query().Get("code"); code == "" {
				return "", fmt.Errorf("authorize: back to the application with error %q", loc.Query().Get("error"))
			}
		}
	}
	if code == "" {
		return "", errors.New("authorize: too many redirects before the application's")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {clientID}, "code_verifier": {verifier}}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if _, err := call(ctx, b, http.MethodPost, tokenURL, strings.NewReader(form.Encode()), formHdr, http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("code exchange: %w", err)
	}
	if tok.RefreshToken == "" {
		return "", errors.New("code exchange: no refresh token for offline_access")
	}
	return tok.RefreshToken, nil
}

// refresh rotates p's refresh token once.
func refresh(ctx context.Context, c *http.Client, tokenURL, clientID string, p *person) error {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.refresh}, "client_id": {clientID}}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if _, err := call(ctx, c, http.MethodPost, tokenURL, strings.NewReader(form.Encode()), formHdr, http.StatusOK, &tok); err != nil {
		return err
	}
	if tok.RefreshToken == "" {
		return errors.New("no refresh token in the answer")
	}
	p.refresh = tok.RefreshToken
	return nil
}
