package iamport

import (
	"testing"

	"github.com/verigate/caddy-iamport/internal/jsonscan/jsonscantest"
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
var fastAnswerCases = []jsonscantest.Case{
	{Name: "the sandbox's answer", Body: sandboxAnswer, Fast: true},
	{Name: "escaped Hangul and slashes, as PHP's json_encode writes them",
		Body: `{"code":0,"response":{"name":"\ud64d\uae38\ub3d9","unique_key":"a\/b+c==","certified":true}}`, Fast: true},
	{Name: "raw Hangul", Body: `{"code":0,"response":{"name":"홍길동"}}`, Fast: true},
	{Name: "whitespace everywhere", Body: " {\n\"code\" : 0 ,\t\"response\" : { \"certified\" : true , \"birth\" : 1 } } \n", Fast: true},
	{Name: "nulls everywhere", Body: `{"code":0,"message":null,"response":{"imp_uid":null,"certified":null,"certified_at":null,` +
		`"name":null,"birth":null,"foreigner":null,"foreigner_v2":null,"unique_key":null}}`, Fast: true},
	{Name: "a null response", Body: `{"code":0,"response":null}`, Fast: true},
	{Name: "no response", Body: `{"code":0}`, Fast: true},
	{Name: "an error answer", Body: `{"code":-1,"message":"\uc778\uc99d\uc815\ubcf4\uac00 \uc5c6\uc2b5\ub2c8\ub2e4","response":null}`, Fast: true},
	{Name: "unknown members of every kind", Body: `{"code":0,"x":[1,{"a":[]}],"response":{"origin":{"a":[1,2]},"pg_tid":null,"n":-1.5e3}}`, Fast: true},
	{Name: "birth as a string", Body: `{"code":0,"response":{"birth":"325695600"}}`, Fast: true},
	{Name: "negative zero code", Body: `{"code":-0,"response":{}}`, Fast: true},

	{Name: "a name in another case", Body: `{"code":0,"response":{"Certified":true}}`, Fast: false},
	{Name: "a name folding onto a known one", Body: `{"code":0,"response":{"UNIQUE_KEY":"x"}}`, Fast: false},
	{Name: "a name beyond ASCII", Body: `{"code":0,"response":{"ſertified":true}}`, Fast: false},
	{Name: "an escaped name", Body: `{"code":0,"response":{"imp\u005fuid":"imp_1"}}`, Fast: false},
	{Name: "a member twice", Body: `{"code":0,"response":{"certified":false,"certified":true}}`, Fast: false},
	{Name: "code twice", Body: `{"code":1,"code":0,"response":{}}`, Fast: false},
	{Name: "certified as a string", Body: `{"code":0,"response":{"certified":"true"}}`, Fast: false},
	{Name: "certified_at with a fraction", Body: `{"code":0,"response":{"certified_at":1.5}}`, Fast: false},
	{Name: "certified_at with an exponent", Body: `{"code":0,"response":{"certified_at":1e9}}`, Fast: false},
	{Name: "certified_at beyond int64", Body: `{"code":0,"response":{"certified_at":9223372036854775808}}`, Fast: false},
	{Name: "a code that is a string", Body: `{"code":"0","response":{}}`, Fast: false},
	{Name: "a response that is an array", Body: `{"code":0,"response":[]}`, Fast: false},
	{Name: "an error answer whose response is a string", Body: `{"code":1,"response":"no"}`, Fast: false},
	{Name: "invalid UTF-8", Body: "{\"code\":0,\"response\":{\"name\":\"\xff\"}}", Fast: false},
	{Name: "trailing data", Body: `{"code":0,"response":{}} {}`, Fast: false},
	{Name: "truncated", Body: `{"code":0,"response":{"name":"x"`, Fast: false},
	{Name: "a trailing comma", Body: `{"code":0,"response":{"name":"x",}}`, Fast: false},
	{Name: "not an object", Body: `[]`, Fast: false},
}

// TestFastAnswerDecodesWhatEncodingJSONDecodes proves that decodeCertFast
// takes the answers i'mport sends (so that the fast path is the one used),
// leaves the rest to encoding/json, and gives encoding/json's envelope and
// response member for what it takes.
func TestFastAnswerDecodesWhatEncodingJSONDecodes(t *testing.T) {
	jsonscantest.Run(t, fastAnswerCases, decodeCertFast)
}

// FuzzCertAnswer checks decodeCertFast against encoding/json: whatever it
// accepts, encoding/json accepts too, into the same values.
func FuzzCertAnswer(f *testing.F) {
	for _, c := range fastAnswerCases {
		f.Add([]byte(c.Body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		jsonscantest.Agrees(t, body, decodeCertFast)
	})
}
