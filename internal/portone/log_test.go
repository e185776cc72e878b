package portone

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestARefusedSecretIsLoggedAtWarn(t *testing.T) {
	for _, status := range []int{401, 403} {
		core, logs := observer.New(zapcore.InfoLevel)
		f := newFake(t, answer(status, `{"type":"UNAUTHORIZED"}`))
		c, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core) })
		_, err := c.Lookup(context.Background(), testID)
		if !errors.Is(err, errSecretRefused) {
			t.Errorf("status %d: error = %v, want it to say the secret was refused", status, err)
		}
		warn := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("refused the API secret").All()
		if len(warn) != 1 || warn[0].ContextMap()["status"] != int64(status) {
			t.Errorf("status %d: warn lines %v, want one saying the secret was refused, with the status", status, logs.All())
		}
	}
	// Other failures do not blame the secret.
	core, logs := observer.New(zapcore.InfoLevel)
	f := newFake(t, answer(404, `{"type":"IDENTITY_VERIFICATION_NOT_FOUND"}`))
	c, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core) })
	_, _ = c.Lookup(context.Background(), testID)
	if logs.Len() != 0 {
		t.Errorf("a 404 logged %v at info or above", logs.All())
	}
}

// TestARefusedSecretIsLoggedAtMostOnceASecond proves the warning's rate
// bound with an injected clock: a burst of refused lookups writes one line,
// and the next line, a second later, counts the ones held back. Every
// lookup still fails with the secret refused.
func TestARefusedSecretIsLoggedAtMostOnceASecond(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	f := newFake(t, answer(401, `{"type":"UNAUTHORIZED"}`))
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, _ := testClient(t, f, func(cfg *Config) {
		cfg.Logger = zap.New(core)
		cfg.Now = func() time.Time { return now }
	})
	lookups := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := c.Lookup(context.Background(), testID); !errors.Is(err, errSecretRefused) {
				t.Fatalf("lookup error = %v, want the secret refused", err)
			}
		}
	}
	warnings := func() []observer.LoggedEntry {
		return logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("refused the API secret").All()
	}
	lookups(5)
	if w := warnings(); len(w) != 1 || w[0].ContextMap()["not_logged_since_last_line"] != int64(0) {
		t.Fatalf("after a burst of 5: %d warnings %v, want 1 counting 0 held back", len(w), w)
	}
	now = now.Add(999 * time.Millisecond)
	lookups(1)
	if w := warnings(); len(w) != 1 {
		t.Fatalf("999 ms later: %d warnings, want still 1", len(w))
	}
	now = now.Add(time.Millisecond)
	lookups(1)
	w := warnings()
	if len(w) != 2 || w[1].ContextMap()["not_logged_since_last_line"] != int64(5) {
		t.Fatalf("a second later: %d warnings %v, want a second one counting 5 held back", len(w), w)
	}
}

// TestLogsAndErrorsCarryNoSecretsOrPersonalData runs every kind of answer
// with debug logging on and checks what was logged and returned.
func TestLogsAndErrorsCarryNoSecretsOrPersonalData(t *testing.T) {
	secrets := []string{testSecret, testID, testStore, testName, testPhone, testCI, testDI}
	core, logs := observer.New(zapcore.DebugLevel)
	scenarios := []handler{
		answer(200, verifiedBody),
		answer(401, `{"type":"UNAUTHORIZED","message":"`+testSecret+`"}`),
		answer(404, `{"type":"IDENTITY_VERIFICATION_NOT_FOUND","message":"`+testID+`"}`),
		answer(409, `{"type":"`+testName+`","message":"`+testCI+`"}`),
		answer(503, `{"type":"X","message":"`+testPhone+`"}`),
		answer(200, `{"id":"`+testID+`","status":"`+testDI+`"}`),
		answer(200, strings.Replace(verifiedBody, `"1990-01-31"`, `"`+testCI+`"`, 1)),
	}
	var errs []error
	for _, h := range scenarios {
		f := newFake(t, h)
		c, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core); cfg.StoreID = testStore })
		_, err := c.Lookup(context.Background(), testID)
		errs = append(errs, err)
	}
	// A network error: net/http puts the URL, with the id, into its errors.
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", Secret: testSecret, StoreID: testStore, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lookup(context.Background(), testID)
	errs = append(errs, err)

	var texts []string
	for _, e := range errs {
		if e != nil {
			texts = append(texts, e.Error())
		}
	}
	for _, entry := range logs.All() {
		texts = append(texts, entry.Message)
		for k, v := range entry.ContextMap() {
			texts = append(texts, k, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(v), "\n", " "), "\t", " ")))
		}
	}
	if len(texts) < len(scenarios) {
		t.Fatalf("only %d texts to check", len(texts))
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%q leaks %q", text, s)
			}
		}
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}
