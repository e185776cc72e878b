package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/verigate/caddy-iamport/internal/browsertest"
	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/identity"
)

// The demo's addresses and CI hash key, as Caddyfile.example has them.
const (
	demoPage    = "http://localhost:8080/"
	demoSandbox = "http://127.0.0.1:8081"
	demoCIKey   = "demo-ci-hash-key-change-me"
)

// stepTimeout bounds one browser flow: generous, since CI machines and
// this project's build machine are shared and slow, but a hung flow still
// fails instead of waiting for the test binary's deadline.
const stepTimeout = 30 * time.Second

// TestBrowserSignupV1 drives the demo (Caddyfile.example in an in-process
// Caddy) in headless Chromium as a person does with the mouse: fill in the
// form, press 본인인증, pick an identity in the sandbox's verification
// window, and read the answer on the page. One browser serves every
// subtest, each in its own tab.
func TestBrowserSignupV1(t *testing.T) {
	browser := browsertest.Start(t)
	loadDemo(t)
	start := time.Now()
	t.Cleanup(func() { t.Logf("browser flows took %v", time.Since(start).Round(time.Millisecond)) })

	t.Run("adult passes and the backend shows the verified headers", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, "adult@example.com", "성인회원")
		pickInPopup(t, tab, `button[value="adult"]`)
		waitResult(t, tab, "#birth-year")
		wantText(t, tab, "#result-title", "가입 완료")
		wantText(t, tab, "#birth-year", strconv.Itoa(birthYear(30)))
		wantText(t, tab, "#ci-hash", adultCIHash(t)[:12]+"…")
		// The form reached the backend with the verified headers, as the
		// page shows when the person opens "what the backend received".
		backend := backendAnswer(t, tab)
		for _, want := range []string{"backend saw POST /signup", `"email":"adult@example.com"`, `"nick":"성인회원"`,
			"X-Verified-CI-Hash:    " + adultCIHash(t), "X-Verified-Age:        30"} {
			if !strings.Contains(backend, want) {
				t.Errorf("the backend's answer lacks %q:\n%s", want, backend)
			}
		}
	})

	t.Run("minor is refused as underage", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, "minor@example.com", "minor")
		pickInPopup(t, tab, `button[value="minor"]`)
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "underage")
		wantText(t, tab, "#result", "가입 연령 미달")
		wantText(t, tab, "#result", "Below the minimum age")
		wantText(t, tab, "#result", "HTTP 403")
	})

	t.Run("the same verification sent again is refused as reused", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, "twice@example.com", "twice")
		pickInPopup(t, tab, `button[value="adult"]`)
		waitResult(t, tab, "#birth-year")
		run(t, tab, chromedp.Click(chromedp.CSS("#replay")))
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "imp_uid_reused")
		wantText(t, tab, "#result", "이미 사용된 본인인증")
		wantText(t, tab, "#result", "HTTP 409")
	})

	t.Run("cancel in the window sends nothing to the server", func(t *testing.T) {
		before := sandboxStats(t)
		tab := tabFor(t, browser)
		fillForm(t, tab, "cancel@example.com", "cancel")
		pickInPopup(t, tab, `button[name="cancel"]`)
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#result-title", "본인인증이 완료되지 않았습니다")
		wantText(t, tab, "#sdk-code", "sandbox_cancelled")
		wantText(t, tab, "#sdk-message", "취소")
		if after := sandboxStats(t); after != before {
			t.Errorf("the gateway looked a verification up after a cancel: %d lookups before, %d after", before, after)
		}
	})

	t.Run("closing the window is a cancel", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, "closed@example.com", "closed")
		popup := openPopup(t, tab)
		run(t, popup, chromedp.WaitVisible(chromedp.CSS(`button[value="adult"]`)))
		if err := chromedp.Cancel(popup); err != nil {
			t.Fatalf("closing the window: %v", err)
		}
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", "sandbox_cancelled")
	})

	t.Run("mobile redirect flow lands back on the page with the form kept", func(t *testing.T) {
		tab := tabFor(t, browser)
		run(t, tab, chromedp.Emulate(device.IPhone13))
		fillForm(t, tab, "mobile@example.com", "모바일")
		// No popup: the tab itself goes to the window, then back.
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")))
		run(t, tab, chromedp.WaitVisible(chromedp.CSS(`button[value="adult"]`)))
		windowURL := value(t, tab, chromedp.Location())
		if !strings.HasPrefix(windowURL, demoSandbox+"/sdk/v1/certification?") || !strings.Contains(windowURL, "mode=redirect") {
			t.Fatalf("the tab went to %s, not the sandbox's window in redirect mode", windowURL)
		}
		run(t, tab, chromedp.Click(chromedp.CSS(`button[value="adult"]`)))
		waitResult(t, tab, "#birth-year")
		wantText(t, tab, "#result-title", "가입 완료")
		wantText(t, tab, "#birth-year", strconv.Itoa(birthYear(30)))
		// What the person typed survived the round trip and reached the backend.
		backend := backendAnswer(t, tab)
		if !strings.Contains(backend, `"email":"mobile@example.com"`) || !strings.Contains(backend, `"nick":"모바일"`) {
			t.Errorf("the backend did not get what was typed before the redirect:\n%s", backend)
		}
		email := value(t, tab, chromedp.Value(chromedp.CSS("#email")))
		location := value(t, tab, chromedp.Location())
		if email != "mobile@example.com" {
			t.Errorf("the form shows e-mail %q after the redirect", email)
		}
		if location != demoPage {
			t.Errorf("the id stayed in the address bar: %s", location)
		}
	})

	t.Run("mobile redirect flow with a minor is refused", func(t *testing.T) {
		tab := tabFor(t, browser)
		run(t, tab, chromedp.Emulate(device.IPhone13))
		fillForm(t, tab, "young@example.com", "young")
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")),
			chromedp.Click(chromedp.CSS(`button[value="minor"]`)))
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "underage")
	})

	t.Run("mobile redirect flow cancelled", func(t *testing.T) {
		tab := tabFor(t, browser)
		run(t, tab, chromedp.Emulate(device.IPhone13))
		fillForm(t, tab, "later@example.com", "later")
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")),
			chromedp.Click(chromedp.CSS(`button[name="cancel"]`)))
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", "sandbox_cancelled")
		email := value(t, tab, chromedp.Value(chromedp.CSS("#email")))
		if email != "later@example.com" {
			t.Errorf("the form shows e-mail %q after the cancelled redirect", email)
		}
	})
}

// tabFor opens a tab for one subtest, bounded by stepTimeout, on the demo
// page.
func tabFor(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab := browsertest.Tab(t, browser)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	t.Cleanup(cancel)
	run(t, ctx, chromedp.Navigate(demoPage), chromedp.WaitVisible(chromedp.CSS("#verify")))
	return ctx
}

// fillForm types the e-mail and nickname as a person would.
func fillForm(t *testing.T, tab context.Context, email, nick string) {
	t.Helper()
	run(t, tab,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#nick"), nick))
}

// openPopup presses 본인인증 and returns the sandbox window it opened.
func openPopup(t *testing.T, tab context.Context) context.Context {
	t.Helper()
	opened := chromedp.WaitNewTarget(tab, func(i *target.Info) bool { return i.Type == "page" })
	run(t, tab, chromedp.Click(chromedp.CSS("#verify")))
	var id target.ID
	select {
	case id = <-opened:
	case <-tab.Done():
		t.Fatal("no verification window opened")
	}
	popup, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	return popup
}

// pickInPopup presses 본인인증, then the button selected by sel in the
// window it opened.
func pickInPopup(t *testing.T, tab context.Context, sel string) {
	t.Helper()
	popup := openPopup(t, tab)
	run(t, popup, chromedp.Click(chromedp.CSS(sel)))
}

// waitResult waits until the page's answer shows the element sel.
func waitResult(t *testing.T, tab context.Context, sel string) {
	t.Helper()
	run(t, tab, chromedp.WaitVisible(chromedp.CSS("#result "+sel)))
}

// textOf returns the text of the element sel.
func textOf(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	return value(t, tab, chromedp.Text(chromedp.CSS(sel)))
}

// backendAnswer opens the result's "what the backend received" and returns
// its text.
func backendAnswer(t *testing.T, tab context.Context) string {
	t.Helper()
	run(t, tab, chromedp.Click(chromedp.CSS("#result summary")), chromedp.WaitVisible(chromedp.CSS("#backend-answer")))
	return textOf(t, tab, "#backend-answer")
}

// wantText fails unless the element sel's text contains want.
func wantText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	if got := textOf(t, tab, sel); !strings.Contains(got, want) {
		t.Errorf("%s says %q, want it to contain %q", sel, got, want)
	}
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// value runs an action that returns a value.
func value[T any](t *testing.T, ctx context.Context, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// birthYear is the birth year of a sandbox identity aged years today, by
// the sandbox's rule (the last birthday about three months ago, in Seoul).
func birthYear(years int) int {
	y, m, d := time.Now().In(certification.Seoul).Date()
	return time.Date(y-years, m-3, d, 0, 0, 0, 0, certification.Seoul).Year()
}

// adultCIHash is the CI hash the demo gateway gives the sandbox's adult:
// the HMAC of the CI the sandbox reports for imp_100000000001, under the
// demo's key. Every verification of the adult is the same person.
func adultCIHash(t *testing.T) string {
	t.Helper()
	form := url.Values{"imp_key": {"sandbox_key"}, "imp_secret": {"sandbox_secret"}}
	resp, err := http.PostForm(demoSandbox+"/users/getToken", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, demoSandbox+"/certifications/imp_100000000001", nil)
	req.Header.Set("Authorization", tok.Response.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cert struct {
		Response struct {
			UniqueKey string `json:"unique_key"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cert); err != nil || cert.Response.UniqueKey == "" {
		t.Fatalf("the adult's CI: %v", err)
	}
	return identity.HashCI([]byte(demoCIKey), cert.Response.UniqueKey)
}

// sandboxStats returns how many certification lookups the sandbox answered.
func sandboxStats(t *testing.T) int64 {
	t.Helper()
	resp, err := http.Get(demoSandbox + "/__sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Certifications int64 `json:"certifications"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.Certifications
}
