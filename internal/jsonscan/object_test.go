package jsonscan

import (
	"encoding/json"
	"reflect"
	"testing"
)

// kinds has a field for each reader.
type kinds struct {
	S  string          `json:"s"`
	PS *string         `json:"ps"`
	B  bool            `json:"b"`
	PB *bool           `json:"pb"`
	I  int64           `json:"i"`
	R  json.RawMessage `json:"r"`
	O  *kinds          `json:"o"`
}

var kindNames = []string{"s", "ps", "b", "pb", "i", "r", "o"}

func readKinds(s *Scanner, k *kinds, i, depth int) bool {
	switch i {
	case 0:
		return s.String(&k.S)
	case 1:
		return s.OptionalString(&k.PS)
	case 2:
		return s.Bool(&k.B)
	case 3:
		return s.OptionalBool(&k.PB)
	case 4:
		return s.Int(&k.I, 64)
	case 5:
		var ok bool
		k.R, ok = s.Raw(depth)
		return ok
	default:
		if s.Null() {
			k.O = nil
			return true
		}
		o := new(kinds)
		if !s.Members(depth+1, kindNames, func(j int) bool { return readKinds(s, o, j, depth+1) }) {
			return false
		}
		k.O = o
		return true
	}
}

// TestObjectReadersGiveWhatEncodingJSONGives proves each reader against
// encoding/json on what it takes, and that it declines what encoding/json
// reads another way.
func TestObjectReadersGiveWhatEncodingJSONGives(t *testing.T) {
	tests := []struct {
		doc  string
		take bool
	}{
		{`{"s":"a\u00e9\/","ps":"x","b":true,"pb":false,"i":-42,"r":{"x":[1, 2]},"o":{"s":"in","o":null}}`, true},
		{`{"s":null,"ps":null,"b":null,"pb":null,"i":null,"r":null,"o":null}`, true},
		{` { "unknown" : [ {} , [ ] , "x" , 1e5 , true ] , "i" : 9223372036854775807 } `, true},
		{`{}`, true},
		{`{"S":"x"}`, false},
		{`{"\u0073":"x"}`, false},
		{`{"ſ":"x"}`, false},
		{`{"s":"x","s":"y"}`, false},
		{`{"s":1}`, false},
		{`{"b":"true"}`, false},
		{`{"i":1.0}`, false},
		{`{"i":9223372036854775808}`, false},
		{`{"o":[]}`, false},
		{"{\"s\":\"\xc3\"}", false},
		{`{"s":"x"} 1`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		var got kinds
		took := Object([]byte(tt.doc), kindNames, func(s *Scanner, i int) bool { return readKinds(s, &got, i, 1) })
		if took != tt.take {
			t.Errorf("Object(%s) = %v, want %v", tt.doc, took, tt.take)
			continue
		}
		if !took {
			continue
		}
		var want kinds
		if err := json.Unmarshal([]byte(tt.doc), &want); err != nil {
			t.Errorf("Object took %s; encoding/json: %v", tt.doc, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Object(%s) = %+v; encoding/json %+v", tt.doc, got, want)
		}
	}
}
