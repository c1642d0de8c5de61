package browsertest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; FIRSTKEY_CHROMIUM may name another build.
func chromiumPath() string {
	if p := os.Getenv("FIRSTKEY_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

var (
	// browser is the one Chromium every test opens its tabs in.
	browser context.Context
	// noBrowser says why there is none.
	noBrowser string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		noBrowser = fmt.Sprintf("Chromium is not installed at %s: run scripts/install-test-deps (or set FIRSTKEY_CHROMIUM)", path)
		return m.Run()
	}
	profile, err := os.MkdirTemp("", "firstkey-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser profile:", err)
		return 1
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		noBrowser = fmt.Sprintf("Chromium at %s did not start: %v", path, err)
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, noBrowser)
			return 1
		}
		return m.Run()
	}
	browser = ctx
	return m.Run()
}

// needBrowser skips a test without Chromium, except in CI, where it fails: CI must
// not pass without having run the browser tests.
func needBrowser(t *testing.T) {
	t.Helper()
	if browser != nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("browser tests cannot run in CI: %s", noBrowser)
	}
	t.Skipf("browser tests skipped: %s", noBrowser)
}

// newTab opens a tab in a browser context of its own (its own cookies, so tests
// in parallel do not share sessions) with a virtual platform authenticator that
// holds discoverable credentials and verifies the user.
func newTab(t *testing.T) context.Context {
	t.Helper()
	needBrowser(t)
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: new(false)}); err != nil {
		t.Fatalf("enable WebAuthn domain: %v", err)
	}
	_, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("add virtual authenticator: %v", err)
	}
	return ctx
}

// stepTimeout bounds one browser step (see do), so that a page that never shows
// what a test waits for fails the test instead of hanging it.
const stepTimeout = 30 * time.Second

// screenshotDir is artifacts/screenshots at the repository root.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "artifacts", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// screenshot saves the whole page as artifacts/screenshots/name.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
