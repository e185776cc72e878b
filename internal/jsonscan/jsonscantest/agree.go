// Package jsonscantest holds the tests every fast decoder built on
// jsonscan's object readers owes: that it decodes what encoding/json
// decodes, into the same values, and declines the rest without leaving
// anything behind. Imported by tests only.
package jsonscantest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Case is a text and whether the fast decoder should take it itself
// (true) or leave it to encoding/json.
type Case struct {
	Name string
	Body string
	Fast bool
}

// Run checks each case: fast takes it or declines it as the case says,
// leaves its destination untouched when it declines, and agrees with
// encoding/json when it takes it.
func Run[T any](t *testing.T, cases []Case, fast func([]byte, *T) bool) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var got T
			if took := fast([]byte(c.Body), &got); took != c.Fast {
				t.Fatalf("fast decoder took it: %v, want %v", took, c.Fast)
			}
			var zero T
			if !c.Fast && !reflect.DeepEqual(got, zero) {
				t.Fatalf("a declined text left %+v", got)
			}
			Agrees(t, []byte(c.Body), fast)
		})
	}
}

// Agrees fails t when fast takes body but encoding/json refuses it or
// decodes it into other values than fast did.
func Agrees[T any](t testing.TB, body []byte, fast func([]byte, *T) bool) {
	t.Helper()
	var got T
	if !fast(body, &got) {
		return
	}
	var want T
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("the fast decoder took %q; encoding/json: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("for %q\nfast decoder  %s\nencoding/json %s", body, g, w)
	}
}
