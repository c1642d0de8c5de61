package main

import (
	"bytes"
	"context"
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

	"github.com/firstkey/firstkey/internal/bench/webflow"
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

// registerPasskey signs p in with the pass and registers a new software passkey
// on My Security Info, the way the page's script does.
func registerPasskey(ctx context.Context, origin string, p *person) error {
	b, err := browser()
	if err != nil {
		return err
	}
	if err := webflow.SignInWithPass(ctx, b, origin, p.upn, p.pass); err != nil {
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
