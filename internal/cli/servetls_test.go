package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/testenv"
)

// `serve --tls-cert` (with the key from FIRSTKEY_TLS_KEY) serves HTTPS, and its
// default issuer, sign-in URL and Entra-style authority are https. The store
// plays no part, so SQLite serves.
func TestServeHTTPSFromFlagAndEnvironment(t *testing.T) {
	// Not parallel: it sets FIRSTKEY_TLS_KEY.
	ca := testenv.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca.Issue(t, "localhost", "127.0.0.1").Write(t, certFile, keyFile)
	t.Setenv("FIRSTKEY_TLS_KEY", keyFile)
	h := &harness{t: t, data: t.TempDir()}

	wantContains(t, h.fail(cli.ExitUsage, "serve", "--tls-key", keyFile), "--tls-cert and --tls-key go together")

	addr := freeAddr(t)
	base := "https" + strings.TrimPrefix(localBase(addr), "http")
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runCtx(ctx, append([]string{"serve", "--listen", addr, "--tls-cert", certFile, "--output", "json"}, h.global()...), stdout, stderr)
	}()
	t.Cleanup(cancel)
	client := ca.Client()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, stderr.String())
		default:
		}
		if resp, err := client.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become healthy over HTTPS: %s", stderr.String())
		}
	}

	var boot struct{ SignInURL, TenantID string }
	if err := json.Unmarshal([]byte(stdout.String()), &boot); err != nil {
		t.Fatalf("bootstrap JSON: %v\n%s", err, stdout.String())
	}
	if boot.SignInURL != base+"/mysecurityinfo" {
		t.Errorf("sign-in URL %s, want %s/mysecurityinfo", boot.SignInURL, base)
	}
	resp, err := client.Get(base + "/" + boot.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("tenant discovery: %v", err)
	}
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || doc.Issuer != base+"/"+boot.TenantID+"/v2.0" || doc.TokenEndpoint != base+"/"+boot.TenantID+"/oauth2/v2.0/token" {
		t.Errorf("tenant discovery over HTTPS: %+v (%v)", doc, err)
	}

	cancel()
	if code := <-done; code != cli.ExitOK {
		t.Errorf("serve exited with %d: %s", code, stderr.String())
	}
	wantContains(t, stderr.String(), `"tls":true`, `"issuer":"`+base+`"`)
}
