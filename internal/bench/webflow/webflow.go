// Package webflow is what the load generators do as a person in a browser
// would: sign in on the pass page, authorize a public application with the
// code flow and PKCE, and exchange the code for the first refresh token of a
// rotation chain. Errors name statuses only, never a body, which for a pass or
// a token would hold a secret.
package webflow

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SignInWithPass posts the pass page at origin with browser, which must keep
// cookies and not follow redirects. A busy server (429: the pass checks are
// queued full) is asked again a little later, as a person would.
func SignInWithPass(ctx context.Context, browser *http.Client, origin, upn, pass string) error {
	form := url.Values{"username": {upn}, "pass": {pass}}.Encode()
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, origin+"/login/tap", strings.NewReader(form))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := browser.Do(req)
		if err != nil {
			return fmt.Errorf("pass sign-in: %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusSeeOther:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests && try < 50:
			time.Sleep(200 * time.Millisecond)
		default:
			return fmt.Errorf("pass sign-in: status %d, want 303", resp.StatusCode)
		}
	}
}

// StartChain signs the person in at origin (the issuer's, where the
// authorization request looks for the session), runs the public application's
// authorization request in that session (code flow, PKCE S256, scope openid
// offline_access) and exchanges the code: the first refresh token of a
// rotation chain. The redirect URI is never visited: the code is read from the
// redirect that points there.
func StartChain(ctx context.Context, browser *http.Client, origin, authURL, tokenURL, clientID, redirect, upn, pass string) (string, error) {
	if err := SignInWithPass(ctx, browser, origin, upn, pass); err != nil {
		return "", fmt.Errorf("sign in for a refresh chain: %w", err)
	}
	var raw [32]byte
	_, _ = crand.Read(raw[:])
	verifier := base64.RawURLEncoding.EncodeToString(raw[:])
	challenge := sha256.Sum256([]byte(verifier))
	next := authURL + "?" + url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid offline_access"}, "state": {"load"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"},
	}.Encode()
	code := ""
	for hop := 0; code == "" && hop < 8; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return "", err
		}
		resp, err := browser.Do(req)
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := browser.Do(req)
	if err != nil {
		return "", fmt.Errorf("code exchange: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("code exchange: status %d, want 200", resp.StatusCode)
	}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", fmt.Errorf("code exchange: %w", err)
	}
	if tok.RefreshToken == "" {
		return "", errors.New("code exchange: no refresh token for offline_access")
	}
	return tok.RefreshToken, nil
}
