package iamport

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestLogsAndErrorsCarryNoSecretsOrPersonalData runs every kind of call
// with debug logging on and checks what was logged and returned.
func TestLogsAndErrorsCarryNoSecretsOrPersonalData(t *testing.T) {
	secrets := []string{testKey, testSecret, "TOKEN-must-not-leak", testName, testPhone, testCI, testDI}
	core, logs := observer.New(zapcore.DebugLevel)
	f := newFake(t)
	var errs []error
	scenarios := []handler{
		nil, // default: success
		statusSeq(f, 401, 200),
		statusSeq(f, 401, 401),
		statusSeq(f, 503, 503),
		func(w http.ResponseWriter, _ *http.Request, _ int32) {
			writeJSON(w, 200, `{"code":1,"message":"`+testName+`","response":null}`)
		},
		func(w http.ResponseWriter, _ *http.Request, _ int32) {
			writeJSON(w, 200, `{"code":0,"response":{"certified":"`+testCI+`"}}`)
		},
	}
	for _, h := range scenarios {
		f.certCalls.Store(0)
		if h == nil {
			f.cert = f.defaultCert
		} else {
			f.cert = h
		}
		c, _, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core) })
		_, err := c.Lookup(context.Background(), testID)
		errs = append(errs, err)
	}
	f.token = func(w http.ResponseWriter, _ *http.Request, _ int32) { writeJSON(w, 401, `{"code":-1}`) }
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core) })
	_, err := c.Lookup(context.Background(), testID)
	errs = append(errs, err)

	if logs.Len() == 0 {
		t.Fatal("no debug lines logged")
	}
	for _, e := range logs.All() {
		keys := make([]string, 0, len(e.Context))
		for k := range e.ContextMap() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "duration,endpoint,outcome,status" {
			t.Errorf("log line %q has fields %s, want duration,endpoint,outcome,status", e.Message, got)
		}
		line := e.Message + fmt.Sprint(e.ContextMap())
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("log line %q contains %q", line, s)
			}
		}
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains %q", err, s)
			}
		}
	}
}
