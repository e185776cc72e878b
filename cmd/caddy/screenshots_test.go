package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/verigate/caddy-iamport/internal/browsertest"
)

// TestScreenshots is not a test: it makes the README's screenshots of the
// demo page, after a verified signup and after a refusal, by driving the
// same browser through the same flows as TestBrowserSignup. It runs only
// when SCREENSHOTS_DIR names the folder to write them to; run it through
// docs/screenshots/make.sh whenever the page changes.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SCREENSHOTS_DIR")
	if dir == "" {
		t.Skip("set SCREENSHOTS_DIR (docs/screenshots/make.sh does) to write the README's screenshots")
	}
	browser := browsertest.Start(t)
	loadDemo(t)
	shots := []struct {
		file, email, nick, pick, wait string
	}{
		{"signup-verified.png", "kim@example.com", "김민지", `button[value="adult"]`, "#birth-year"},
		{"signup-refused.png", "lee@example.com", "이서준", `button[value="minor"]`, "#problem-code"},
	}
	// The sandbox's verification window, as the popup opens it.
	tab := tabFor(t, browser)
	fillForm(t, tab, sources[0], "kim@example.com", "김민지")
	popup := openPopup(t, tab, sources[0])
	run(t, popup, chromedp.WaitVisible(chromedp.CSS(`button[value="adult"]`)))
	write(t, filepath.Join(dir, "sandbox-window.png"), value(t, popup, chromedp.FullScreenshot(100)))

	for _, s := range shots {
		tab = tabFor(t, browser)
		run(t, tab, chromedp.EmulateViewport(760, 900))
		fillForm(t, tab, sources[0], s.email, s.nick)
		pickInPopup(t, tab, sources[0], s.pick)
		waitResult(t, tab, s.wait)
		if s.wait == "#birth-year" {
			backendAnswer(t, tab) // open "what the backend received"
		}
		// Keep the focus ring (the page focuses the answer) out of the picture.
		run(t, tab, chromedp.Blur(chromedp.CSS("#result")))
		write(t, filepath.Join(dir, s.file), value(t, tab, chromedp.FullScreenshot(100)))
	}
}

func write(t *testing.T, path string, png []byte) {
	t.Helper()
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
