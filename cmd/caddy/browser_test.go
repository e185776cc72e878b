package main

import (
	"context"
	"fmt"
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
	"github.com/verigate/caddy-iamport/internal/sandboxtest"
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

// source is one verification service the demo page offers.
type source struct {
	name     string // subtest name
	radio    string // the page's source choice: v1 or v2
	window   string // the sandbox window's path
	signup   string // the verify path the page posts to
	idField  string // the id in the posted JSON
	cancel   string // the SDK's failure code for a cancel
	unfinish string // the SDK's failure code for an unfinished verification
}

var sources = []source{
	{"i'mport V1", "v1", "/sdk/v1/certification", "/signup", "imp_uid", "sandbox_cancelled", "sandbox_not_certified"},
	{"PortOne V2", "v2", "/sdk/v2/identity-verification", "/signup/v2", "identityVerificationId", "SANDBOX_CANCELLED", "SANDBOX_NOT_VERIFIED"},
}

// TestBrowserSignup drives the demo (Caddyfile.example in an in-process
// Caddy) in headless Chromium as a person does with the mouse: fill in the
// form, choose i'mport V1 or PortOne V2, press 본인인증, pick an identity in
// the sandbox's verification window, and read the answer on the page. One
// browser serves every subtest, each in its own tab; each source gets a
// freshly loaded demo, so that the demo's per-client limit on signups (10 a
// minute) counts each source's flows apart.
func TestBrowserSignup(t *testing.T) {
	browser := browsertest.Start(t)
	start := time.Now()
	t.Cleanup(func() { t.Logf("browser flows took %v", time.Since(start).Round(time.Millisecond)) })
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			loadDemo(t)
			testSignupFlows(t, browser, src)
		})
	}
}

func testSignupFlows(t *testing.T, browser context.Context, src source) {
	t.Run("adult passes and the backend shows the verified headers", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "adult@example.com", "성인회원")
		pickInPopup(t, tab, src, `button[value="adult"]`)
		waitResult(t, tab, "#birth-year")
		wantText(t, tab, "#result-title", "가입 완료")
		wantText(t, tab, "#birth-year", strconv.Itoa(birthYear(30)))
		wantText(t, tab, "#ci-hash", adultCIHash(t)[:12]+"…")
		// The form reached the backend with the verified headers, as the
		// page shows when the person opens "what the backend received".
		backend := backendAnswer(t, tab)
		for _, want := range []string{"backend saw POST " + src.signup + "\n", `"` + src.idField + `":"`,
			`"email":"adult@example.com"`, `"nick":"성인회원"`,
			"X-Verified-CI-Hash:    " + adultCIHash(t), "X-Verified-Age:        30"} {
			if !strings.Contains(backend, want) {
				t.Errorf("the backend's answer lacks %q:\n%s", want, backend)
			}
		}
	})

	t.Run("minor is refused as underage", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "minor@example.com", "minor")
		pickInPopup(t, tab, src, `button[value="minor"]`)
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "underage")
		wantText(t, tab, "#result", "가입 연령 미달")
		wantText(t, tab, "#result", "Below the minimum age")
		wantText(t, tab, "#result", "HTTP 403")
	})

	t.Run("the same verification sent again is refused as reused", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "twice@example.com", "twice")
		pickInPopup(t, tab, src, `button[value="adult"]`)
		waitResult(t, tab, "#birth-year")
		run(t, tab, chromedp.Click(chromedp.CSS("#replay")))
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "imp_uid_reused")
		wantText(t, tab, "#result", "이미 사용된 본인인증")
		wantText(t, tab, "#result", "HTTP 409")
	})

	t.Run("cancel in the window sends nothing to the server", func(t *testing.T) {
		before := sandboxLookups(t)
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "cancel@example.com", "cancel")
		pickInPopup(t, tab, src, `button[name="cancel"]`)
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#result-title", "본인인증이 완료되지 않았습니다")
		wantText(t, tab, "#sdk-code", src.cancel)
		wantText(t, tab, "#sdk-message", "취소")
		if after := sandboxLookups(t); after != before {
			t.Errorf("the gateway looked a verification up after a cancel: %d lookups before, %d after", before, after)
		}
	})

	t.Run("an unfinished verification is reported by the SDK and not sent", func(t *testing.T) {
		before := sandboxLookups(t)
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "unfinished@example.com", "unfinished")
		pickInPopup(t, tab, src, `button[value="not_certified"]`)
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", src.unfinish)
		if after := sandboxLookups(t); after != before {
			t.Errorf("the page sent an unfinished verification: %d lookups before, %d after", before, after)
		}
	})

	t.Run("a result posted by anyone but the sandbox's window is ignored", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "forged@example.com", "forged")
		popup := openPopup(t, tab, src)
		// The page's own origin claims a completed verification of the
		// fixed adult: the SDK must wait for its window instead.
		forged := map[string]string{
			"v1": `{sandbox: "iamport", result: {success: true, imp_success: true, imp_uid: "imp_100000000001", merchant_uid: "m", error_code: null, error_msg: null}}`,
			"v2": `{sandbox: "portone", result: {transactionType: "IDENTITY_VERIFICATION", identityVerificationId: "identity-verification-100000000001", identityVerificationTxId: "t"}}`,
		}[src.radio]
		if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`window.postMessage(`+forged+`, "*")`)); err != nil {
			t.Fatal(err)
		}
		run(t, popup, chromedp.Click(chromedp.CSS(`button[name="cancel"]`)))
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", src.cancel)
	})

	t.Run("closing the window is a cancel", func(t *testing.T) {
		tab := tabFor(t, browser)
		fillForm(t, tab, src, "closed@example.com", "closed")
		popup := openPopup(t, tab, src)
		run(t, popup, chromedp.WaitVisible(chromedp.CSS(`button[value="adult"]`)))
		if err := chromedp.Cancel(popup); err != nil {
			t.Fatalf("closing the window: %v", err)
		}
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", src.cancel)
	})

	t.Run("mobile redirect flow lands back on the page with the form kept", func(t *testing.T) {
		tab := tabFor(t, browser, mobile)
		fillForm(t, tab, src, "mobile@example.com", "모바일")
		// No popup: the tab itself goes to the window, then back.
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")))
		run(t, tab, chromedp.WaitVisible(chromedp.CSS(`button[value="adult"]`)))
		windowURL := value(t, tab, chromedp.Location())
		if !strings.HasPrefix(windowURL, demoSandbox+src.window+"?") || !strings.Contains(windowURL, "mode=redirect") {
			t.Fatalf("the tab went to %s, not the sandbox's window in redirect mode", windowURL)
		}
		run(t, tab, chromedp.Click(chromedp.CSS(`button[value="adult"]`)))
		waitResult(t, tab, "#birth-year")
		wantText(t, tab, "#result-title", "가입 완료")
		wantText(t, tab, "#birth-year", strconv.Itoa(birthYear(30)))
		// What the person typed survived the round trip and reached the backend.
		backend := backendAnswer(t, tab)
		if !strings.Contains(backend, "backend saw POST "+src.signup+"\n") ||
			!strings.Contains(backend, `"email":"mobile@example.com"`) || !strings.Contains(backend, `"nick":"모바일"`) {
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
		tab := tabFor(t, browser, mobile)
		fillForm(t, tab, src, "young@example.com", "young")
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")),
			chromedp.Click(chromedp.CSS(`button[value="minor"]`)))
		waitResult(t, tab, "#problem-code")
		wantText(t, tab, "#problem-code", "underage")
	})

	t.Run("mobile redirect flow cancelled", func(t *testing.T) {
		tab := tabFor(t, browser, mobile)
		fillForm(t, tab, src, "later@example.com", "later")
		run(t, tab, chromedp.Click(chromedp.CSS("#verify")),
			chromedp.Click(chromedp.CSS(`button[name="cancel"]`)))
		waitResult(t, tab, "#sdk-code")
		wantText(t, tab, "#sdk-code", src.cancel)
		email := value(t, tab, chromedp.Value(chromedp.CSS("#email")))
		if email != "later@example.com" {
			t.Errorf("the form shows e-mail %q after the cancelled redirect", email)
		}
	})
}

// TestBrowserLandingReadsEitherSpellingOfSuccess lands on the demo page as
// i'mport's redirect does, but with only one of the two flags real
// integrations see (success or imp_success), and checks that the page
// completes the signup with either.
func TestBrowserLandingReadsEitherSpellingOfSuccess(t *testing.T) {
	browser := browsertest.Start(t)
	loadDemo(t)
	for _, flag := range []string{"success", "imp_success"} {
		t.Run(flag, func(t *testing.T) {
			landing := landingOf(t, "adult")
			q := landing.Query()
			q.Del(map[string]string{"success": "imp_success", "imp_success": "success"}[flag])
			landing.RawQuery = q.Encode()
			tab := tabFor(t, browser)
			// What the page keeps in sessionStorage before it leaves for the window.
			run(t, tab, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
					`sessionStorage.setItem("caddy-iamport-demo", JSON.stringify({email: "flag@example.com", nick: "`+flag+`", source: "v1"}))`))
				return err
			}), chromedp.Navigate(landing.String()))
			waitResult(t, tab, "#birth-year")
			if backend := backendAnswer(t, tab); !strings.Contains(backend, `"nick":"`+flag+`"`) {
				t.Errorf("the backend's answer lacks the kept nickname:\n%s", backend)
			}
		})
	}
}

// landingOf completes a verification of label in the sandbox's V1 window in
// redirect mode, as a phone would, and returns the landing URL it sends the
// tab to.
func landingOf(t *testing.T, label string) *url.URL {
	t.Helper()
	form := url.Values{"mode": {"redirect"}, "m_redirect_url": {demoPage}, "merchant_uid": {"mid_landing"},
		"user_code": {"imp00000000"}, "identity": {label}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(demoSandbox+"/sdk/v1/certification", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther || loc.Query().Get("imp_uid") == "" {
		t.Fatalf("the window answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}

// mobile makes tabFor's tab a phone (the user agent and screen of an
// iPhone 13), where the SDKs redirect instead of opening a popup.
var mobile = chromedp.Emulate(device.IPhone13)

// tabFor opens a tab for one subtest, bounded by stepTimeout, sets it up
// with setup (e.g. mobile), and opens the demo page in it.
func tabFor(t *testing.T, browser context.Context, setup ...chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	tab := browsertest.Tab(t, browser)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	t.Cleanup(cancel)
	run(t, ctx, setup...)
	run(t, ctx, chromedp.Navigate(demoPage), chromedp.WaitVisible(chromedp.CSS("#verify")))
	return ctx
}

// fillForm types the e-mail and nickname as a person would, and chooses
// the verification service.
func fillForm(t *testing.T, tab context.Context, src source, email, nick string) {
	t.Helper()
	run(t, tab,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#nick"), nick),
		chromedp.Click(chromedp.CSS(`input[name="source"][value="`+src.radio+`"]`)))
}

// openPopup presses 본인인증 and returns the sandbox window it opened.
func openPopup(t *testing.T, tab context.Context, src source) context.Context {
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
	run(t, popup, chromedp.WaitVisible(chromedp.CSS("button[name=cancel]")))
	if u := value(t, popup, chromedp.Location()); !strings.HasPrefix(u, demoSandbox+src.window+"?") || !strings.Contains(u, "mode=popup") {
		t.Fatalf("the window opened at %s, not the sandbox's %s in popup mode", u, src.window)
	}
	return popup
}

// pickInPopup presses 본인인증, then the button selected by sel in the
// window it opened.
func pickInPopup(t *testing.T, tab context.Context, src source, sel string) {
	t.Helper()
	popup := openPopup(t, tab, src)
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
	ci, _ := sandboxtest.Certification(t, demoSandbox, "sandbox_key", "sandbox_secret", "imp_100000000001")["unique_key"].(string)
	if ci == "" {
		t.Fatal("the sandbox's adult has no CI")
	}
	return identity.HashCI([]byte(demoCIKey), ci)
}

// sandboxLookups returns how many verification lookups (V1 and V2) the
// sandbox answered.
func sandboxLookups(t *testing.T) int64 {
	t.Helper()
	s := sandboxtest.Stats(t, demoSandbox)
	return s.Certifications + s.IdentityVerifications
}

// TestBrowserSDKMisuseIsReported proves what the README's "What differs
// from the real SDKs" says of a page that misuses the sandbox's SDKs: i'mport's
// IMP.certification before IMP.init answers sandbox_not_initialised, a
// blocked popup answers sandbox_popup_blocked (SANDBOX_POPUP_BLOCKED for
// V2), and PortOne's requestIdentityVerification rejects with a TypeError
// without storeId or identityVerificationId, or for a redirection without
// redirectUrl. Each runs in the demo page, whose SDKs are loaded but not
// yet initialised; window.open returning null stands for a popup blocker.
func TestBrowserSDKMisuseIsReported(t *testing.T) {
	browser := browsertest.Start(t)
	loadDemo(t)
	const v1 = `new Promise(done => IMP.certification({merchant_uid: "mid_misuse"}, rsp => done(rsp.success + " " + rsp.error_code)))`
	const v2ok = `{storeId: "store-sandbox", identityVerificationId: "identity-verification-misuse", channelKey: "channel-key-sandbox"}`
	const v2 = `PortOne.requestIdentityVerification(%s).then(r => "resolved " + r.code, e => e.name + ": " + e.message)`
	tests := []struct{ name, script, want string }{
		{"V1 before IMP.init", v1, "false sandbox_not_initialised"},
		{"V1 popup blocked", `window.open = () => null; IMP.init("imp00000000"); ` + v1, "false sandbox_popup_blocked"},
		{"V2 without storeId", fmt.Sprintf(v2, `{identityVerificationId: "identity-verification-misuse"}`), "TypeError: requestIdentityVerification: storeId is required"},
		{"V2 without identityVerificationId", fmt.Sprintf(v2, `{storeId: "store-sandbox"}`), "TypeError: requestIdentityVerification: identityVerificationId is required"},
		{"V2 redirection without redirectUrl", fmt.Sprintf(v2, `{...`+v2ok+`, forceRedirect: true}`), "TypeError: requestIdentityVerification: redirectUrl is required for a redirection"},
		{"V2 popup blocked", `window.open = () => null; ` + fmt.Sprintf(v2, v2ok), "resolved SANDBOX_POPUP_BLOCKED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := tabFor(t, browser)
			got := value(t, tab, chromedp.Evaluate[string](tt.script, chromedp.EvalAwaitPromise))
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
