package identity

import (
	"strings"
	"testing"
)

func TestParseFieldAcceptsEveryFieldInAnySpelling(t *testing.T) {
	for _, f := range AllFields() {
		for _, s := range []string{string(f), strings.ToUpper(string(f)), strings.ReplaceAll(string(f), "_", "-"), " " + string(f) + " "} {
			got, err := ParseField(s)
			if err != nil || got != f {
				t.Errorf("ParseField(%q) = %q, %v; want %q", s, got, err, f)
			}
		}
	}
}

func TestParseFieldRejectsUnknownNames(t *testing.T) {
	for _, s := range []string{"", "ci", "di", "unique_key", "names", "imp uid"} {
		if f, err := ParseField(s); err == nil || f != "" {
			t.Errorf("ParseField(%q) = %q, %v; want an error", s, f, err)
		} else if !strings.Contains(err.Error(), "certified_at") {
			t.Errorf("ParseField(%q) error %q does not list the known fields", s, err)
		}
	}
}

func TestAllFieldsListsNineAndReturnsACopy(t *testing.T) {
	a := AllFields()
	if len(a) != 9 || a[0] != FieldName || a[8] != FieldCertifiedAt {
		t.Fatalf("AllFields() = %v", a)
	}
	a[0] = "changed"
	if AllFields()[0] != FieldName {
		t.Error("AllFields shares its slice with callers")
	}
}
