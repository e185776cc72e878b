package iamport

import (
	"errors"
	"testing"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// TestDecodeAnswerReadsTheEnvelopeInOnePass proves the envelope rules of a
// 200 answer decoded together with its response member: what makes it
// invalid, what is an API error, and that a member of another shape does
// not hide a non-zero code.
func TestDecodeAnswerReadsTheEnvelopeInOnePass(t *testing.T) {
	tests := []struct {
		name, body, outcome string
		err                 error
	}{
		{"a sound answer", `{"code":0,"message":null,"response":{"access_token":"t","now":1,"expired_at":2}}`, apiclient.OutcomeOK, nil},
		{"no code", `{"response":{"access_token":"t"}}`, apiclient.OutcomeInvalidAnswer, errNoCode},
		{"a code that is not a number", `{"code":"0","response":{}}`, apiclient.OutcomeInvalidAnswer, nil},
		{"a non-zero code", `{"code":-1,"message":"bad","response":null}`, apiclient.OutcomeAPIError, nil},
		{"a non-zero code with a member of another shape", `{"code":1,"response":"no such token"}`, apiclient.OutcomeAPIError, nil},
		{"a null response", `{"code":0,"response":null}`, apiclient.OutcomeInvalidAnswer, errNullResponse},
		{"no response", `{"code":0}`, apiclient.OutcomeInvalidAnswer, errNullResponse},
		{"a response that is an array", `{"code":0,"response":[]}`, apiclient.OutcomeInvalidAnswer, nil},
		{"a member of the wrong type", `{"code":0,"response":{"now":"1"}}`, apiclient.OutcomeInvalidAnswer, nil},
		{"malformed JSON", `{"code":0,"response":{}`, apiclient.OutcomeInvalidAnswer, nil},
		{"not an object", `[]`, apiclient.OutcomeInvalidAnswer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			member, outcome, err := decodeAnswer[tokenAnswer]([]byte(tt.body))
			if outcome != tt.outcome {
				t.Fatalf("outcome = %q (%v), want %q", outcome, err, tt.outcome)
			}
			if (err == nil) != (tt.outcome == apiclient.OutcomeOK) {
				t.Fatalf("err = %v with outcome %q", err, outcome)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if (member != nil) != (tt.outcome == apiclient.OutcomeOK) {
				t.Fatalf("member = %v with outcome %q", member, outcome)
			}
		})
	}
}
