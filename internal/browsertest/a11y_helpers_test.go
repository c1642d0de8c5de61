package browsertest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axePath is axe-core's browser build, installed by scripts/install-test-deps
// (npm ci in internal/browsertest/axe, version pinned by its package-lock.json).
var axePath = filepath.Join("axe", "node_modules", "axe-core", "axe.min.js")

var (
	axeOnce   sync.Once
	axeScript string
	axeErr    error
)

// axeSource is axe.min.js, read once. Without it the scan is skipped, except in
// CI, where it fails: CI must not pass without having scanned.
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(axePath)
		axeScript, axeErr = string(b), err
	})
	if axeErr != nil {
		msg := fmt.Sprintf("axe-core is not installed (%v): run scripts/install-test-deps", axeErr)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return axeScript
}

// axeViolation is what the report says of one broken rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun is the scan: every rule axe runs by default (WCAG 2.x A and AA, and its
// best practices), over the whole document, violations only.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary || ""}))
})))`

// scanA11y runs axe-core on the page the tab shows, evaluated from the file on
// disk (the page never fetches it; DevTools evaluation is not bound by the
// page's CSP), and returns its violations as a readable list, empty when there
// are none.
func scanA11y(t *testing.T, ctx context.Context) string {
	t.Helper()
	src := axeSource(t)
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("look for axe in the page: %v", err)
	}
	if !loaded {
		if _, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("load axe-core into the page: %v", err)
		}
	}
	vs, err := chromedp.Run(sctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s (%s): %s — %s\n", v.ID, v.Impact, v.Help, v.URL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "      at %s: %s\n        %s\n", n.Target, n.HTML, strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n        "))
		}
	}
	return b.String()
}

// colorScheme makes the tab's pages see prefers-color-scheme: dark (or light),
// as a system set to dark mode does.
func colorScheme(t *testing.T, ctx context.Context, dark bool) {
	t.Helper()
	v := "light"
	if dark {
		v = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}},
	}); err != nil {
		t.Fatalf("emulate prefers-color-scheme: %s: %v", v, err)
	}
}

// phoneWidth is the width of a current small phone (iPhone 12 to 15) in CSS pixels.
const phoneWidth, phoneHeight = 390, 844

// screenshotPhone saves the page as it looks on a phone, then restores the
// desktop window. A page wider than the phone fails the test: at 390 px nothing
// may need scrolling sideways.
func screenshotPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	do(t, ctx, "narrow the window to a phone's", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(1)))
	defer do(t, ctx, "widen the window again", chromedp.EmulateReset())
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if wide > phoneWidth {
		who, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 391).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "")).join(", ")`))
		t.Errorf("%s: the page is %d px wide on a %d px phone (too wide: %s)", name, wide, phoneWidth, who)
	}
	screenshot(t, ctx, name+"-390")
}
