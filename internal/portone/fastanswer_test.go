package portone

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fastAnswerCases are answers with whether decodeVerificationFast reads
// them itself (true) or leaves them to encoding/json.
var fastAnswerCases = []struct {
	name string
	body string
	fast bool
}{
	{"a verified answer with every member", verifiedBody, true},
	{"escaped Hangul and slashes", `{"status":"VERIFIED","id":"` + testID + `","verifiedAt":"2026-08-01T10:15:30Z",` +
		`"verifiedCustomer":{"name":"\ud64d\uae38\ub3d9","ci":"a\/b+c=="}}`, true},
	{"a ready answer", `{"status":"READY","id":"` + testID + `","requestedCustomer":{"name":"x"}}`, true},
	{"nulls everywhere", `{"status":null,"id":null,"verifiedAt":null,"verifiedCustomer":null}`, true},
	{"null customer members", `{"status":"VERIFIED","verifiedCustomer":{"name":null,"isForeigner":null,"ci":null}}`, true},
	{"unknown members of every kind", `{"a":[1,{"b":[]}],"n":-1.5e3,"t":true,"status":"FAILED","failure":{"reason":"x","pgCode":null}}`, true},
	{"an empty object", `{}`, true},

	{"a name in another case", `{"Status":"VERIFIED"}`, false},
	{"a nested name in another case", `{"verifiedCustomer":{"CI":"x"}}`, false},
	{"a name beyond ASCII", `{"ſtatus":"VERIFIED"}`, false},
	{"an escaped name", `{"st\u0061tus":"VERIFIED"}`, false},
	{"a member twice", `{"status":"READY","status":"VERIFIED"}`, false},
	{"isForeigner as a string", `{"verifiedCustomer":{"isForeigner":"false"}}`, false},
	{"status as a number", `{"status":1}`, false},
	{"a customer that is an array", `{"verifiedCustomer":[]}`, false},
	{"invalid UTF-8", "{\"verifiedCustomer\":{\"name\":\"\xff\"}}", false},
	{"trailing data", `{} {}`, false},
	{"truncated", `{"status":"VERIFIED"`, false},
	{"not an object", `null`, false},
}

// TestFastAnswerDecodesWhatEncodingJSONDecodes proves that
// decodeVerificationFast takes the answers PortOne sends (so that the fast
// path is the one used), leaves the rest to encoding/json, and gives
// encoding/json's result for what it takes.
func TestFastAnswerDecodesWhatEncodingJSONDecodes(t *testing.T) {
	for _, tt := range fastAnswerCases {
		t.Run(tt.name, func(t *testing.T) {
			var w wireVerification
			if got := decodeVerificationFast([]byte(tt.body), &w); got != tt.fast {
				t.Fatalf("decodeVerificationFast = %v, want %v", got, tt.fast)
			}
			if !tt.fast && !reflect.DeepEqual(w, wireVerification{}) {
				t.Fatalf("a declined answer left %+v", w)
			}
			compareWithEncodingJSON(t, []byte(tt.body))
		})
	}
}

// FuzzVerificationAnswer checks decodeVerificationFast against
// encoding/json: whatever it accepts, encoding/json accepts too, into the
// same values.
func FuzzVerificationAnswer(f *testing.F) {
	for _, tt := range fastAnswerCases {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compareWithEncodingJSON(t, body)
	})
}

func compareWithEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	var fast wireVerification
	if !decodeVerificationFast(body, &fast) {
		return
	}
	var std wireVerification
	if err := json.Unmarshal(body, &std); err != nil {
		t.Fatalf("decodeVerificationFast accepted %q; encoding/json: %v", body, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("fast          %s\nencoding/json %s", dump(fast), dump(std))
	}
}

func dump(w wireVerification) string {
	b, _ := json.Marshal(w)
	return string(b)
}
