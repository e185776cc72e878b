package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/verigate/caddy-iamport/internal/iamport"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// TestJSONScannerAgreesWithEncodingJSON proves the hand scanner accepts
// exactly the objects encoding/json accepts, and finds the same top-level
// value.
func TestJSONScannerAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `{"a":1}`, `{"a":-0.5E-7,"b":[],"c":{},"d":[[{}]]}`, `{"a":"\ud83d\ude00","b":"\ud800"}`,
		`{"a":"\"\\\/\b\f\n\r\t\u00e9"}`, `{"a":[1,2,]}`, `{"a":}`, `{"a" 1}`, `{a:1}`, `{"a":1,}`,
		`{"a":1 "b":2}`, `{"a":tru}`, `{"a":nul}`, `{"a":True}`, `{"a":1.}`, `{"a":.1}`, `{"a":1e}`,
		`{"a":+1}`, `{"a":-}`, `{"a":0x1}`, `{"a":"\u12"}`, `{"a":"\U0041"}`, `{"a":[1}`, `{"a":{]}`,
		`{"a":[1]]}`, `{"a":"x}`, `{"a":1}}`, `{"a":1e+5,"b":1E-5,"c":0}`, `{"":""}`, `{"a":[null,true,false]}`,
		"{\"a\":\"\x7f\"}", `{"imp_uid":"\u0069mp_\u0031"}`, `{"imp_uid":"imp_1","x":{"imp_uid":5}}`,
	}
	for _, doc := range docs {
		var want struct {
			ID *string `json:"imp_uid"`
		}
		wantErr := json.Unmarshal([]byte(doc), &want) != nil || !json.Valid([]byte(doc))
		c := collector{field: DefaultField, valid: iamport.ValidImpUID[[]byte]}
		perr := scanJSON([]byte(doc), &c)
		gotErr := perr != nil && perr.Code == problem.BodyInvalid
		if gotErr != wantErr {
			t.Errorf("scanJSON(%s) error = %v; encoding/json error = %v", doc, perr, wantErr)
			continue
		}
		if !wantErr && want.ID != nil && *want.ID != c.id {
			t.Errorf("scanJSON(%s) found %q; encoding/json found %q", doc, c.id, *want.ID)
		}
	}
}

// jsonDepth returns the deepest nesting of a valid JSON text.
func jsonDepth(b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return deepest
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
				deepest = max(deepest, depth)
			} else {
				depth--
			}
		}
	}
}
