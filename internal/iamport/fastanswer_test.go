package iamport

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// sandboxAnswer is a certification answer as the sandbox (and i'mport)
// sends it.
const sandboxAnswer = `{"code":0,"message":null,"response":{"imp_uid":"imp_100000000001","merchant_uid":"mid_sandbox_adult",` +
	`"pg_tid":"202611262247080000000001","pg_provider":"danal","name":"Sandbox Adult","gender":"male","birth":840985200,` +
	`"birthday":"1996-08-26","foreigner":false,"foreigner_v2":false,"phone":"01012345678","carrier":"SKT","certified":true,` +
	`"certified_at":1795700828,"unique_key":"xSCbqMX+NIyR9yzAXJ3SHXDUJPNoQDbuQueE9aWcInCDkCvop5Tar0Db9UvyDhC/jbXhy0f7WhRy/GTGaq495w==",` +
	`"unique_in_site":"0/MtKe0muHfNPgqAimyLuYbi+OqZCvoTVj274NavjyXxTjbTfTPdhpUNkMprLw/X","origin":"about:blank"}}`

// fastAnswerCases are answers with whether decodeCertFast reads them
// itself (true) or leaves them to encoding/json.
var fastAnswerCases = []struct {
	name string
	body string
	fast bool
}{
	{"the sandbox's answer", sandboxAnswer, true},
	{"escaped Hangul and slashes, as PHP's json_encode writes them",
		`{"code":0,"response":{"name":"\ud64d\uae38\ub3d9","unique_key":"a\/b+c==","certified":true}}`, true},
	{"raw Hangul", `{"code":0,"response":{"name":"홍길동"}}`, true},
	{"whitespace everywhere", " {\n\"code\" : 0 ,\t\"response\" : { \"certified\" : true , \"birth\" : 1 } } \n", true},
	{"nulls everywhere", `{"code":0,"message":null,"response":{"imp_uid":null,"certified":null,"certified_at":null,` +
		`"name":null,"birth":null,"foreigner":null,"foreigner_v2":null,"unique_key":null}}`, true},
	{"a null response", `{"code":0,"response":null}`, true},
	{"no response", `{"code":0}`, true},
	{"an error answer", `{"code":-1,"message":"\uc778\uc99d\uc815\ubcf4\uac00 \uc5c6\uc2b5\ub2c8\ub2e4","response":null}`, true},
	{"unknown members of every kind", `{"code":0,"x":[1,{"a":[]}],"response":{"origin":{"a":[1,2]},"pg_tid":null,"n":-1.5e3}}`, true},
	{"birth as a string", `{"code":0,"response":{"birth":"325695600"}}`, true},
	{"negative zero code", `{"code":-0,"response":{}}`, true},

	{"a name in another case", `{"code":0,"response":{"Certified":true}}`, false},
	{"a name folding onto a known one", `{"code":0,"response":{"UNIQUE_KEY":"x"}}`, false},
	{"a name beyond ASCII", `{"code":0,"response":{"ſertified":true}}`, false},
	{"an escaped name", `{"code":0,"response":{"imp\u005fuid":"imp_1"}}`, false},
	{"a member twice", `{"code":0,"response":{"certified":false,"certified":true}}`, false},
	{"code twice", `{"code":1,"code":0,"response":{}}`, false},
	{"certified as a string", `{"code":0,"response":{"certified":"true"}}`, false},
	{"certified_at with a fraction", `{"code":0,"response":{"certified_at":1.5}}`, false},
	{"certified_at with an exponent", `{"code":0,"response":{"certified_at":1e9}}`, false},
	{"certified_at beyond int64", `{"code":0,"response":{"certified_at":9223372036854775808}}`, false},
	{"a code that is a string", `{"code":"0","response":{}}`, false},
	{"a response that is an array", `{"code":0,"response":[]}`, false},
	{"an error answer whose response is a string", `{"code":1,"response":"no"}`, false},
	{"invalid UTF-8", "{\"code\":0,\"response\":{\"name\":\"\xff\"}}", false},
	{"trailing data", `{"code":0,"response":{}} {}`, false},
	{"truncated", `{"code":0,"response":{"name":"x"`, false},
	{"a trailing comma", `{"code":0,"response":{"name":"x",}}`, false},
	{"not an object", `[]`, false},
}

// TestFastAnswerDecodesWhatEncodingJSONDecodes proves that decodeCertFast
// takes the answers i'mport sends (so that the fast path is the one used)
// and leaves the rest to encoding/json, and that decodeAnswer ends the
// same way either way.
func TestFastAnswerDecodesWhatEncodingJSONDecodes(t *testing.T) {
	for _, tt := range fastAnswerCases {
		t.Run(tt.name, func(t *testing.T) {
			var env envelope[wireCert]
			if got := decodeCertFast([]byte(tt.body), &env); got != tt.fast {
				t.Fatalf("decodeCertFast = %v, want %v", got, tt.fast)
			}
			if !tt.fast && !reflect.DeepEqual(env, envelope[wireCert]{}) {
				t.Fatalf("a declined answer left %+v", env)
			}
			compareWithEncodingJSON(t, []byte(tt.body))
		})
	}
}

// FuzzCertAnswer checks decodeCertFast against encoding/json: whatever it
// accepts, encoding/json accepts too, with the same code, the same
// response member, and the same record and record error.
func FuzzCertAnswer(f *testing.F) {
	for _, tt := range fastAnswerCases {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compareWithEncodingJSON(t, body)
	})
}

func compareWithEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	var fast envelope[wireCert]
	if !decodeCertFast(body, &fast) {
		return
	}
	var std envelope[wireCert]
	if err := json.Unmarshal(body, &std); err != nil {
		t.Fatalf("decodeCertFast accepted %q; encoding/json: %v", body, err)
	}
	if (fast.Code == nil) != (std.Code == nil) || fast.Code != nil && *fast.Code != *std.Code {
		t.Fatalf("code: fast %v, encoding/json %v", fast.Code, std.Code)
	}
	if (fast.Response == nil) != (std.Response == nil) {
		t.Fatalf("response: fast %+v, encoding/json %+v", fast.Response, std.Response)
	}
	if fast.Response == nil {
		return
	}
	const id = "imp_100000000001"
	fr, ferr := decodeRecord(fast.Response, id)
	sr, serr := decodeRecord(std.Response, id)
	if fr != sr || !errors.Is(ferr, serr) && (ferr == nil || serr == nil || ferr.Error() != serr.Error()) {
		t.Fatalf("record:\nfast          %+v, %v\nencoding/json %+v, %v", fr, ferr, sr, serr)
	}
	if !reflect.DeepEqual(fast.Response, std.Response) {
		t.Fatalf("response member:\nfast          %+v\nencoding/json %+v", fast.Response, std.Response)
	}
}
