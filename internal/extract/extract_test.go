package extract

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

const (
	jsonCT   = "application/json"
	formCT   = "application/x-www-form-urlencoded"
	mpCT     = "multipart/form-data; boundary=XyZ"
	boundary = "XyZ"
)

func TestIDFindsTheID(t *testing.T) {
	tests := []struct {
		name, query, ct, body string
	}{
		{"query only, no body", "imp_uid=imp_1", "", ""},
		{"query decoded so imp_%31 is imp_1", "imp_uid=imp_%31", "", ""},
		{"query among other parameters", "a=b&imp_uid=imp_1&c=%zz", "", ""},
		{"JSON body", "", jsonCT, `{"imp_uid":"imp_1"}`},
		{"JSON with charset parameter", "", "application/json; charset=UTF-8", `{"imp_uid":"imp_1"}`},
		{"vendor +json type", "", "application/vnd.api+json", `{"imp_uid":"imp_1"}`},
		{"JSON key and value with escapes", "", jsonCT, `{"imp\u005fuid":"\u0069mp_1"}`},
		{"JSON with other members of every kind", "", jsonCT, `{"a":[1,-2.5e+3,true,false,null,{"b":"c\n"}],"imp_uid":"imp_1","z":{}}`},
		{"JSON with whitespace around", "", jsonCT, " \r\n\t{ \"imp_uid\" : \"imp_1\" } \n"},
		{"JSON nested key with the same value", "", jsonCT, `{"user":{"imp_uid":"imp_1"},"imp_uid":"imp_1"}`},
		{"JSON nested key only, as Rails wraps parameters", "", jsonCT, `{"user":{"imp_uid":"imp_1"},"list":[{"imp_uid":"imp_1"}]}`},
		{"JSON nested non-string under other keys", "", jsonCT, `{"user":{"id":5,"tags":[null,true]},"imp_uid":"imp_1"}`},
		{"JSON duplicate key with the same value", "", jsonCT, `{"imp_uid":"imp_1","imp_uid":"imp_1"}`},
		{"JSON empty value counts as absent", "imp_uid=imp_1", jsonCT, `{"imp_uid":""}`},
		{"JSON 64 levels deep is allowed", "", jsonCT, `{"a":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `,"imp_uid":"imp_1"}`},
		{"query and body agree", "imp_uid=imp_1", jsonCT, `{"imp_uid":"imp_1"}`},
		{"form body", "", formCT, "name=%ED%99%8D&imp_uid=imp_1&x="},
		{"form with charset parameter", "", formCT + "; charset=utf-8", "imp_uid=imp_1"},
		{"form repeated with the same value", "", formCT, "imp_uid=imp_1&imp_uid=imp_1"},
		{"form empty value counts as absent", "", formCT, "imp_uid=&imp_uid=imp_1"},
		{"multipart field", "", mpCT, multipartBody(boundary, field("a", "b"), field("imp_uid", "imp_1"))},
		{"multipart quoted boundary", "", `multipart/form-data; boundary="a.b:c"`, multipartBody("a.b:c", field("imp_uid", "imp_1"))},
		{"multipart ignores other file parts", "", mpCT, multipartBody(boundary, file("avatar", "imp_uid.png", "imp_2"), field("imp_uid", "imp_1"))},
		{"text/plain with an empty body", "imp_uid=imp_1", "text/plain", ""},
		{"no content type with an empty body", "imp_uid=imp_1", "", ""},
		{"form array spelling holds the id", "", formCT, "imp_uid%5B%5D=imp_1"},
		{"form nested spelling holds the id", "", formCT, "user%5Bimp_uid%5D=imp_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(tt.query, tt.ct, tt.body)
			id, perr := ID(r, Options{})
			if perr != nil {
				t.Fatalf("ID() error = %v", perr)
			}
			if id != "imp_1" {
				t.Fatalf("ID() = %q, want imp_1", id)
			}
		})
	}
}

func TestIDRefuses(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[", 100000) + `}`
	tests := []struct {
		name, query, ct, body string
		want                  problem.Code
	}{
		{"nothing anywhere", "", "", "", problem.ImpUIDMissing},
		{"only empty values", "imp_uid=", jsonCT, `{"imp_uid":""}`, problem.ImpUIDMissing},
		{"only an empty nested JSON key", "", jsonCT, `{"user":{"imp_uid":""}}`, problem.ImpUIDMissing},
		{"empty JSON object", "", jsonCT, `{}`, problem.ImpUIDMissing},
		{"id in a text/plain body", "", "text/plain", "imp_uid=imp_1", problem.BodyInvalid},
		{"body without a content type", "imp_uid=imp_1", "", `imp_uid=imp_2`, problem.BodyInvalid},
		{"multipart/mixed body", "imp_uid=imp_1", "multipart/mixed; boundary=XyZ", multipartBody(boundary, field("imp_uid", "imp_2")), problem.BodyInvalid},
		{"JSON nested key differs", "", jsonCT, `{"user":{"imp_uid":"imp_2"},"imp_uid":"imp_1"}`, problem.ImpUIDConflict},
		{"JSON key in an array differs", "", jsonCT, `{"imp_uid":"imp_1","list":[{"x":[{"imp_uid":"imp_2"}]}]}`, problem.ImpUIDConflict},
		{"JSON nested null", "", jsonCT, `{"imp_uid":"imp_1","user":{"imp_uid":null}}`, problem.ImpUIDInvalid},

		{"body and query differ", "imp_uid=imp_1", jsonCT, `{"imp_uid":"imp_2"}`, problem.ImpUIDConflict},
		{"repeated query field differs", "imp_uid=imp_1&imp_uid=imp_2", "", "", problem.ImpUIDConflict},
		{"query split on semicolon too", "a=1;imp_uid=imp_2", formCT, "imp_uid=imp_1", problem.ImpUIDConflict},
		{"repeated form field differs", "", formCT, "imp_uid=imp_1&imp_uid=imp_2", problem.ImpUIDConflict},
		{"duplicate top-level JSON key differs", "", jsonCT, `{"imp_uid":"imp_1","imp_uid":"imp_2"}`, problem.ImpUIDConflict},
		{"JSON key differing only in case", "", jsonCT, `{"imp_uid":"imp_1","IMP_UID":"imp_2"}`, problem.ImpUIDConflict},
		{"JSON key with dotless i folds like encoding/json", "", jsonCT, `{"imp_uid":"imp_1","\u0131mp_uid":"imp_2"}`, problem.ImpUIDConflict},
		{"form key PHP reads as imp_uid", "", formCT, "imp_uid=imp_1&imp.uid=imp_2", problem.ImpUIDConflict},
		{"query key PHP reads as imp_uid", "imp[uid=imp_2", formCT, "imp_uid=imp_1", problem.ImpUIDConflict},
		{"percent-encoded key", "imp%5Fuid=imp_2", formCT, "imp_uid=imp_1", problem.ImpUIDConflict},
		{"multipart and query differ", "imp_uid=imp_2", mpCT, multipartBody(boundary, field("imp_uid", "imp_1")), problem.ImpUIDConflict},
		{"multipart file part named like the field", "", mpCT, multipartBody(boundary, field("imp_uid", "imp_1"), file("imp_uid", "x.txt", "imp_2")), problem.ImpUIDConflict},

		{"JSON number", "", jsonCT, `{"imp_uid":123}`, problem.ImpUIDInvalid},
		{"JSON array", "", jsonCT, `{"imp_uid":["imp_1"]}`, problem.ImpUIDInvalid},
		{"JSON object", "", jsonCT, `{"imp_uid":{"v":"imp_1"}}`, problem.ImpUIDInvalid},
		{"JSON null", "", jsonCT, `{"imp_uid":null}`, problem.ImpUIDInvalid},
		{"JSON bool", "", jsonCT, `{"imp_uid":true}`, problem.ImpUIDInvalid},
		{"JSON cut off after the key", "", jsonCT, `{"imp_uid":`, problem.BodyInvalid},
		{"JSON number then broken", "", jsonCT, `{"imp_uid":123,`, problem.BodyInvalid},
		{"path traversal", "", jsonCT, `{"imp_uid":"imp_1/../../users/getToken"}`, problem.ImpUIDInvalid},
		{"path traversal in query", "imp_uid=imp_1%2F..%2F..%2Fusers%2FgetToken", "", "", problem.ImpUIDInvalid},
		{"Arabic-Indic digits", "", jsonCT, `{"imp_uid":"imp_١٢٣"}`, problem.ImpUIDInvalid},
		{"full-width digits", "", formCT, "imp_uid=imp_%EF%BC%91", problem.ImpUIDInvalid},
		{"CRLF", "imp_uid=imp_1%0D%0AX-Evil:%201", "", "", problem.ImpUIDInvalid},
		{"NUL in JSON escape", "", jsonCT, `{"imp_uid":"imp_1\u0000"}`, problem.ImpUIDInvalid},
		{"33 characters", "imp_uid=imp_" + strings.Repeat("1", 29), "", "", problem.ImpUIDInvalid},
		{"upper-case prefix", "imp_uid=IMP_1", "", "", problem.ImpUIDInvalid},
		{"malformed escape in the query value", "imp_uid=imp_1%zz", "", "", problem.ImpUIDInvalid},
		{"multipart value over 4 KiB", "", mpCT, multipartBody(boundary, field("imp_uid", "imp_1"+strings.Repeat("1", 5000))), problem.ImpUIDInvalid},
		{"invalid before conflict in the same query", "imp_uid=imp_x&imp_uid=imp_2", "", "", problem.ImpUIDInvalid},

		{"invalid JSON", "", jsonCT, `{"imp_uid":"imp_1",}`, problem.BodyInvalid},
		{"JSON array at top level", "", jsonCT, `[{"imp_uid":"imp_1"}]`, problem.BodyInvalid},
		{"JSON string at top level", "", jsonCT, `"imp_1"`, problem.BodyInvalid},
		{"JSON trailing data", "", jsonCT, `{"imp_uid":"imp_1"}{"imp_uid":"imp_2"}`, problem.BodyInvalid},
		{"JSON trailing garbage", "", jsonCT, `{"imp_uid":"imp_1"} x`, problem.BodyInvalid},
		{"JSON byte order mark", "", jsonCT, "\xEF\xBB\xBF{\"imp_uid\":\"imp_1\"}", problem.BodyInvalid},
		{"JSON invalid UTF-8 in an unrelated value", "", jsonCT, "{\"imp_uid\":\"imp_1\",\"n\":\"\xff\"}", problem.BodyInvalid},
		{"JSON 65 levels deep", "", jsonCT, `{"a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `,"imp_uid":"imp_1"}`, problem.BodyInvalid},
		{"JSON 100k nested arrays", "", jsonCT, deep, problem.BodyInvalid},
		{"JSON bad number", "", jsonCT, `{"a":01,"imp_uid":"imp_1"}`, problem.BodyInvalid},
		{"JSON bad escape", "", jsonCT, `{"a":"\x","imp_uid":"imp_1"}`, problem.BodyInvalid},
		{"JSON raw control character", "", jsonCT, "{\"a\":\"\t\",\"imp_uid\":\"imp_1\"}", problem.BodyInvalid},
		{"JSON whitespace only", "", jsonCT, "  ", problem.BodyInvalid},
		{"JSON in UTF-16", "", "application/json; charset=utf-16", `{"imp_uid":"imp_1"}`, problem.BodyInvalid},
		{"JSON gzip encoded", "", jsonCT, `{"imp_uid":"imp_1"}`, problem.BodyInvalid},
		{"form bad escape", "", formCT, "imp_uid=imp_1&x=%zz", problem.BodyInvalid},
		{"form semicolon separator", "", formCT, "x=1;imp_uid=imp_2&imp_uid=imp_1", problem.BodyInvalid},
		{"multipart without boundary", "", "multipart/form-data", multipartBody(boundary, field("imp_uid", "imp_1")), problem.BodyInvalid},
		{"multipart boundary too long", "", "multipart/form-data; boundary=" + strings.Repeat("b", 71), multipartBody(strings.Repeat("b", 71), field("imp_uid", "imp_1")), problem.BodyInvalid},
		{"multipart without closing boundary", "", mpCT, "--XyZ\r\nContent-Disposition: form-data; name=\"imp_uid\"\r\n\r\nimp_1\r\n", problem.BodyInvalid},
		{"multipart garbage", "", mpCT, "no parts here", problem.BodyInvalid},
		{"multipart duplicate name parameter", "", mpCT, multipartBody(boundary, [2]string{`Content-Disposition: form-data; name="a"; name="imp_uid"`, "imp_2"}), problem.BodyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(tt.query, tt.ct, tt.body)
			if strings.Contains(tt.name, "gzip") {
				r.Header.Set("Content-Encoding", "gzip")
			}
			id, perr := ID(r, Options{})
			if codeOf(perr) != tt.want {
				t.Fatalf("ID() = %q, %v; want code %s", id, perr, tt.want)
			}
			if id != "" {
				t.Errorf("ID() returned id %q with a refusal", id)
			}
		})
	}
}

func TestIDRefusesSeveralContentTypes(t *testing.T) {
	for _, cts := range [][]string{{jsonCT, "text/plain"}, {"text/plain", jsonCT}, {"text/plain", "text/plain"}} {
		r := post("imp_uid=imp_1", "", `{"imp_uid":"imp_2"}`)
		r.Header["Content-Type"] = cts
		if _, perr := ID(r, Options{}); codeOf(perr) != problem.BodyInvalid {
			t.Errorf("Content-Type %q: ID() error = %v, want body_invalid", cts, perr)
		}
	}
}

func TestIDUsesConfiguredField(t *testing.T) {
	r := post("imp_uid=imp_9", jsonCT, `{"verification":"imp_1"}`)
	id, perr := ID(r, Options{Field: "verification"})
	if perr != nil || id != "imp_1" {
		t.Fatalf("ID() = %q, %v; want imp_1", id, perr)
	}
}

func TestWithDefaultsFillsOnlyUnsetOptions(t *testing.T) {
	tests := []struct{ in, want Options }{
		{Options{}, Options{Field: "imp_uid", MaxBody: 1 << 20}},
		{Options{MaxBody: -5}, Options{Field: "imp_uid", MaxBody: 1 << 20}},
		{Options{Field: "id", MaxBody: 10}, Options{Field: "id", MaxBody: 10}},
	}
	for _, tt := range tests {
		got := tt.in.WithDefaults()
		if got.Field != tt.want.Field || got.MaxBody != tt.want.MaxBody || got.ValidID == nil {
			t.Errorf("%+v.WithDefaults() = %+v, want %+v with a ValidID", tt.in, got, tt.want)
		}
	}
}

func TestIDChecksValuesWithTheConfiguredGrammar(t *testing.T) {
	// A grammar that accepts only "v2-" ids stands in for a second source.
	v2 := func(id []byte) bool { return bytes.HasPrefix(id, []byte("v2-")) }
	tests := []struct {
		name  string
		valid func([]byte) bool
		id    string
		want  problem.Code // "" means accepted
	}{
		{"default grammar accepts an imp_uid", nil, "imp_1", ""},
		{"default grammar refuses another shape", nil, "v2-abc", problem.ImpUIDInvalid},
		{"configured grammar accepts its ids", v2, "v2-abc", ""},
		{"configured grammar refuses an imp_uid", v2, "imp_1", problem.ImpUIDInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, perr := ID(post("", jsonCT, `{"imp_uid":"`+tt.id+`"}`), Options{ValidID: tt.valid})
			if tt.want == "" {
				if perr != nil || id != tt.id {
					t.Fatalf("ID() = %q, %v; want %q", id, perr, tt.id)
				}
				return
			}
			if perr == nil || perr.Code != tt.want {
				t.Fatalf("ID() = %q, %v; want %s", id, perr, tt.want)
			}
		})
	}
}

func TestIDLeavesRequestsWithoutBodyAlone(t *testing.T) {
	tests := []struct {
		name string
		body func() *http.Request
	}{
		{"nil body", func() *http.Request { r := post("imp_uid=imp_1", jsonCT, ""); r.Body = nil; return r }},
		{"http.NoBody", func() *http.Request { r := post("imp_uid=imp_1", jsonCT, ""); r.Body = http.NoBody; return r }},
		{"ContentLength 0", func() *http.Request { return post("imp_uid=imp_1", jsonCT, "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.body()
			before := r.Body
			if id, perr := ID(r, Options{}); perr != nil || id != "imp_1" {
				t.Fatalf("ID() = %q, %v", id, perr)
			}
			if r.Body != before || r.Header.Get("Content-Length") != "0" {
				t.Errorf("body or framing changed")
			}
		})
	}
}
