// Package browsertest starts one headless Chromium for a test and opens
// tabs in it, through the Chrome DevTools Protocol (chromedp). Tests that
// drive the demo page and the sandbox's browser SDKs use it.
//
// Chromium is found on PATH as chromium, chromium-browser, google-chrome or
// google-chrome-stable (Debian: apt-get install chromium fonts-noto-cjk).
// When none is there, Start skips the test with that hint, unless the CI
// environment variable is "true", where it fails: CI must run these tests.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// InstallHint is the message given when no Chromium is on PATH.
const InstallHint = "chromium not found: install it with apt-get install chromium fonts-noto-cjk (the font renders Hangul)"

// names are the executables tried, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of the Chromium executable, or "" when there is none.
func Find() string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Start launches one headless Chromium for tb, to be shared by its subtests
// (each opens its own Tab), and returns its context. Chromium is stopped
// when tb ends. Popup blocking stays on, as in a person's browser, so a
// window opened outside a click fails as it would for them. Chromium runs
// with --no-sandbox when the test runs as root, which its sandbox refuses.
func Start(tb testing.TB) context.Context {
	tb.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal(InstallHint)
		}
		tb.Skip(InstallHint)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("disable-popup-blocking", false),
		chromedp.Flag("lang", "ko-KR"),
		chromedp.WindowSize(1000, 900),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// Do with no action starts the browser with a first, blank tab.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		tb.Fatalf("starting %s: %v", path, err)
	}
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return bctx
}

// Tab opens a new tab in the browser started by Start and closes it when tb
// ends.
func Tab(tb testing.TB, browser context.Context, opts ...chromedp.ContextOption) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser, opts...)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		tb.Fatalf("opening a tab: %v", err)
	}
	tb.Cleanup(cancel)
	return ctx
}
