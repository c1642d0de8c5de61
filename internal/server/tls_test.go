package server_test

import (
	"context"
	"crypto/tls"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// presented does a TLS handshake with firstkey as a client trusting only the
// test CA would, and returns the serial number of the certificate it got.
func presented(t *testing.T, env *testenv.Env) *big.Int {
	t.Helper()
	u, _ := url.Parse(env.URL)
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: env.CA.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// A renewed certificate is served from the next handshake on, without a
// restart; a renewal caught half written (a new certificate beside the old
// key) leaves the old certificate in service. TLS does not touch the store,
// so SQLite serves.
func TestHTTPSPicksUpARenewedCertificate(t *testing.T) {
	var certFile, keyFile string
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{TLS: true,
		Server: func(c *server.Config) { certFile, keyFile = c.TLSCertFile, c.TLSKeyFile }})
	if !strings.HasPrefix(env.Issuer, "https://localhost:") {
		t.Fatalf("issuer %s, want https://localhost:PORT", env.Issuer)
	}
	resp, err := env.HTTPClient().Get(env.URL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("GET /healthz over HTTPS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got == "" {
		t.Error("an https firstkey sends no Strict-Transport-Security")
	}
	first := presented(t, env)

	renewed := env.CA.Issue(t, "localhost", "127.0.0.1")
	if err := os.WriteFile(certFile, renewed.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := presented(t, env); got.Cmp(first) != 0 {
		t.Fatalf("with a new certificate beside the old key, firstkey presented serial %v, want the old %v", got, first)
	}
	renewed.Write(t, certFile, keyFile)
	if got := presented(t, env); got.Cmp(renewed.Cert.SerialNumber) != 0 {
		t.Fatalf("after renewal firstkey presented serial %v, want the renewed %v (the old one was %v)", got, renewed.Cert.SerialNumber, first)
	}
	// And once more, to show the first reload was no one-off.
	again := env.CA.Issue(t, "localhost")
	again.Write(t, certFile, keyFile)
	if got := presented(t, env); got.Cmp(again.Cert.SerialNumber) != 0 {
		t.Fatalf("after a second renewal firstkey presented serial %v, want %v", got, again.Cert.SerialNumber)
	}
	logs := env.Logs()
	for _, want := range []string{`"TLS certificate reloaded"`, `"TLS certificate files changed but do not load`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if strings.Contains(logs, "PRIVATE KEY") {
		t.Error("the log contains a private key")
	}
}

// Certificate problems stop firstkey at start-up with the reason, before it
// serves anything.
func TestHTTPSRefusesABadCertificateConfiguration(t *testing.T) {
	ca := testenv.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca.Issue(t, "localhost").Write(t, certFile, keyFile)
	other := ca.Issue(t, "localhost")
	otherKey := filepath.Join(dir, "other.key")
	if err := os.WriteFile(otherKey, other.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, cert, key, issuer, want string
	}{
		{"missing file", filepath.Join(dir, "nope.crt"), keyFile, "", "nope.crt"},
		{"key of another certificate", certFile, otherKey, "", "private key does not match"},
		{"certificate without key", certFile, "", "", "--tls-key"},
		{"http issuer", certFile, keyFile, "http://localhost:8443", "https"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:8443",
				Issuer: c.issuer, TLSCertFile: c.cert, TLSKeyFile: c.key, Hasher: secret.Hasher{Argon2: secret.FastArgon2}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("start with %s: %v, want an error naming %q", c.name, err, c.want)
			}
		})
	}
}
