package portone

import (
	"testing"

	"github.com/verigate/caddy-iamport/internal/jsonscan/jsonscantest"
)

// fastAnswerCases are answers with whether decodeVerificationFast reads
// them itself (true) or leaves them to encoding/json.
var fastAnswerCases = []jsonscantest.Case{
	{Name: "a verified answer with every member", Body: verifiedBody, Fast: true},
	{Name: "escaped Hangul and slashes", Body: `{"status":"VERIFIED","id":"` + testID + `","verifiedAt":"2026-08-01T10:15:30Z",` +
		`"verifiedCustomer":{"name":"\ud64d\uae38\ub3d9","ci":"a\/b+c=="}}`, Fast: true},
	{Name: "a ready answer", Body: `{"status":"READY","id":"` + testID + `","requestedCustomer":{"name":"x"}}`, Fast: true},
	{Name: "nulls everywhere", Body: `{"status":null,"id":null,"verifiedAt":null,"verifiedCustomer":null}`, Fast: true},
	{Name: "null customer members", Body: `{"status":"VERIFIED","verifiedCustomer":{"name":null,"isForeigner":null,"ci":null}}`, Fast: true},
	{Name: "unknown members of every kind", Body: `{"a":[1,{"b":[]}],"n":-1.5e3,"t":true,"status":"FAILED","failure":{"reason":"x","pgCode":null}}`, Fast: true},
	{Name: "an empty object", Body: `{}`, Fast: true},

	{Name: "a name in another case", Body: `{"Status":"VERIFIED"}`, Fast: false},
	{Name: "a nested name in another case", Body: `{"verifiedCustomer":{"CI":"x"}}`, Fast: false},
	{Name: "a name beyond ASCII", Body: `{"ſtatus":"VERIFIED"}`, Fast: false},
	{Name: "an escaped name", Body: `{"st\u0061tus":"VERIFIED"}`, Fast: false},
	{Name: "a member twice", Body: `{"status":"READY","status":"VERIFIED"}`, Fast: false},
	{Name: "isForeigner as a string", Body: `{"verifiedCustomer":{"isForeigner":"false"}}`, Fast: false},
	{Name: "status as a number", Body: `{"status":1}`, Fast: false},
	{Name: "a customer that is an array", Body: `{"verifiedCustomer":[]}`, Fast: false},
	{Name: "invalid UTF-8", Body: "{\"verifiedCustomer\":{\"name\":\"\xff\"}}", Fast: false},
	{Name: "trailing data", Body: `{} {}`, Fast: false},
	{Name: "truncated", Body: `{"status":"VERIFIED"`, Fast: false},
	{Name: "not an object", Body: `null`, Fast: false},
}

// TestFastAnswerDecodesWhatEncodingJSONDecodes proves that
// decodeVerificationFast takes the answers PortOne sends (so that the fast
// path is the one used), leaves the rest to encoding/json, and gives
// encoding/json's result for what it takes.
func TestFastAnswerDecodesWhatEncodingJSONDecodes(t *testing.T) {
	jsonscantest.Run(t, fastAnswerCases, decodeVerificationFast)
}

// FuzzVerificationAnswer checks decodeVerificationFast against
// encoding/json: whatever it accepts, encoding/json accepts too, into the
// same values.
func FuzzVerificationAnswer(f *testing.F) {
	for _, c := range fastAnswerCases {
		f.Add([]byte(c.Body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		jsonscantest.Agrees(t, body, decodeVerificationFast)
	})
}
