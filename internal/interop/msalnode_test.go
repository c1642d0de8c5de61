package interop_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// msalDir holds testdata/msal: a Node project pinning @azure/msal-node, and the
// script that uses it.
const msalDir = "testdata/msal"

var (
	msalOnce    sync.Once
	msalProject string // where the project is installed
	msalSkip    string // why it cannot run here
	msalErr     error
)

// msalNode installs the Node project once per test binary with `npm ci` (the
// versions of its package-lock.json, from the npm registry) into the user's
// cache directory, under a name that changes with the project's files, and
// returns that directory. Without Node it skips the test, except in CI.
func msalNode(t *testing.T) string {
	t.Helper()
	msalOnce.Do(func() { msalProject, msalSkip, msalErr = installMSALNode() })
	if msalSkip != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(msalSkip)
		}
		t.Skip(msalSkip)
	}
	if msalErr != nil {
		t.Fatal(msalErr)
	}
	return msalProject
}

func installMSALNode() (dir, skip string, err error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", tool + " is not installed: run scripts/install-test-deps (Node.js 20 or later)", nil
		}
	}
	out, err := exec.Command("node", "-p", "process.versions.node.split('.')[0]").Output()
	if major, _ := strconv.Atoi(strings.TrimSpace(string(out))); err != nil || major < 20 {
		return "", "Node.js 20 or later is needed for @azure/msal-node (node " + strings.TrimSpace(string(out)) + "): run scripts/install-test-deps", nil
	}
	files := []string{"package.json", "package-lock.json", "token.mjs"}
	sum := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(msalDir, f))
		if err != nil {
			return "", "", err
		}
		sum.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir = filepath.Join(cache, "firstkey-test", "msal-node-"+hex.EncodeToString(sum.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@azure", "msal-node", "package.json")); err == nil {
		return dir, "", nil
	}
	// Install beside the final place and rename, so that a test binary running
	// at the same time never sees half an installation.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "installing-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(msalDir, f))
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return "", "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", &installError{err: err, out: string(out)}
	}
	if err := os.Rename(tmp, dir); err != nil && !isInstalled(dir) {
		return "", "", err
	}
	return dir, "", nil
}

func isInstalled(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "node_modules", "@azure", "msal-node", "package.json"))
	return err == nil
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string {
	return "npm ci in " + msalDir + ": " + e.err.Error() + "\n" + e.out
}

// MSAL for Node.js's confidential client, configured as for Entra ID with only
// the authority changed (firstkey's https://host/{tenant id}, named in
// knownAuthorities), gets an app-only token over HTTPS that firstkey's API
// accepts, and caches it by the expiry it read.
func TestMSALNodeConfidentialClient(t *testing.T) {
	project := msalNode(t)
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.NewWithOptions(t, be, testenv.Options{TLS: true})
			clientID, secret := e.CreateApp(t, domain.PermUserReadAll)
			tenant := e.App.Provider().TenantID()

			cmd := exec.CommandContext(t.Context(), "node", "token.mjs")
			cmd.Dir = project
			cmd.Env = append(os.Environ(),
				"NODE_EXTRA_CA_CERTS="+e.CA.File,
				"FIRSTKEY_AUTHORITY="+e.URL+"/"+tenant,
				"FIRSTKEY_CLIENT_ID="+clientID,
				"FIRSTKEY_CLIENT_SECRET="+secret,
				"FIRSTKEY_SCOPE=https://graph.microsoft.com/.default")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			var got struct {
				AccessToken, TokenType, Error, Message string
				FromCache, SameToken                   bool
			}
			if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &got); err != nil || runErr != nil || got.AccessToken == "" {
				t.Fatalf("msal-node: %v; %s %s\nstdout: %s\nstderr: %s", runErr, got.Error, got.Message, stdout.String(), stderr.String())
			}
			if !strings.EqualFold(got.TokenType, "Bearer") || !got.FromCache || !got.SameToken {
				t.Errorf("msal-node: token type %q, second call from cache %v with the same token %v", got.TokenType, got.FromCache, got.SameToken)
			}
			claims := jwtClaims(t, got.AccessToken)
			if claims["tid"] != tenant || claims["iss"] != e.Issuer+"/"+tenant+"/v2.0" || claims["appid"] != clientID {
				t.Errorf("msal-node's token: tid %v, iss %v, appid %v", claims["tid"], claims["iss"], claims["appid"])
			}

			req, _ := http.NewRequest(http.MethodGet, e.URL+"/v1.0/users", nil)
			req.Header.Set("Authorization", "Bearer "+got.AccessToken)
			resp, err := e.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /v1.0/users with msal-node's token: %d", resp.StatusCode)
			}
		})
	}
}

// jwtClaims decodes a JWT's payload without checking it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("token payload: %v", err)
	}
	return claims
}
