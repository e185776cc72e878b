package identity

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

const prefix = "X-Verified-"

func fullValues() Values {
	return Values{
		Record: certification.Record{
			ImpUID:      "imp_123456789012",
			Certified:   true,
			CertifiedAt: time.Date(2026, 11, 26, 10, 2, 3, 999, time.FixedZone("KST", 9*3600)),
			Name:        "홍길동",
			Gender:      "male",
			Birthday:    certification.Date{Year: 1990, Month: time.March, Day: 7},
			Foreigner:   false,
			Phone:       "01012345678",
			Carrier:     "SKT_MVNO",
			CI:          "raw-ci-never-sent",
			DI:          "di+/=value",
		},
		CIHash: "b6761f889b6b5fdb08a99e40aebe72a62a3f2f667ad0b068ed0adc3c8353e615",
		Age:    36,
	}
}

func TestSetWritesEveryField(t *testing.T) {
	h := http.Header{}
	NewHeaders(prefix).Set(h, fullValues(), AllFields())
	want := map[string]string{
		"X-Verified-Ci-Hash":    "b6761f889b6b5fdb08a99e40aebe72a62a3f2f667ad0b068ed0adc3c8353e615",
		"X-Verified-Di":         "di+/=value",
		"X-Verified-Birth-Year": "1990",
		"X-Verified-Name":       "%ED%99%8D%EA%B8%B8%EB%8F%99",
		"X-Verified-Gender":     "male",
		"X-Verified-Foreigner":  "false",
		"X-Verified-Phone":      "01012345678",
		"X-Verified-Carrier":    "SKT_MVNO",
		"X-Verified-Birthday":   "1990-03-07",
		"X-Verified-Age":        "36",
		"X-Verified-Imp-Uid":    "imp_123456789012",
		"X-Verified-At":         "2026-11-26T01:02:03Z",
	}
	for k, v := range want {
		if got := h[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%q]", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("Set wrote %d headers, want %d: %v", len(h), len(want), h)
	}
	for k, v := range h {
		if strings.Contains(v[0], "raw-ci") {
			t.Errorf("%s carries the raw CI", k)
		}
	}
}

func TestSetWritesOnlyTheAlwaysHeadersWithoutForward(t *testing.T) {
	h := http.Header{}
	NewHeaders(prefix).Set(h, fullValues(), nil)
	if len(h) != 3 || h.Get("X-Verified-Ci-Hash") == "" || h.Get("X-Verified-Di") == "" || h.Get("X-Verified-Birth-Year") != "1990" {
		t.Errorf("Set without forward fields wrote %v", h)
	}
}

func TestSetLeavesOutAbsentValues(t *testing.T) {
	h := http.Header{}
	v := Values{Record: certification.Record{Foreigner: true}, Age: 0}
	NewHeaders(prefix).Set(h, v, AllFields())
	// Only Foreigner, a bool, always has a value.
	if len(h) != 1 || h.Get("X-Verified-Foreigner") != "true" {
		t.Errorf("Set with an empty record wrote %v", h)
	}
}

func TestSetLeavesOutAnUnknownForeignerStatus(t *testing.T) {
	h := http.Header{}
	v := Values{Record: certification.Record{ForeignerUnknown: true}, Age: 0}
	NewHeaders(prefix).Set(h, v, AllFields())
	if len(h) != 0 {
		t.Errorf("Set with an unknown foreigner status wrote %v", h)
	}
}

func TestSetUsesTheGivenPrefix(t *testing.T) {
	h := http.Header{}
	NewHeaders("X-Id-").Set(h, fullValues(), []Field{FieldAge})
	if h.Get("X-Id-Age") != "36" || h.Get("X-Id-Ci-Hash") == "" {
		t.Errorf("Set with prefix X-Id- wrote %v", h)
	}
}

func TestSetDropsUnsafeValuesAndOddDates(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Values)
		field  Field
		header string
	}{
		{"CRLF in carrier", func(v *Values) { v.Record.Carrier = "SKT\r\nX-Evil: 1" }, FieldCarrier, "X-Verified-Carrier"},
		{"LF in DI", func(v *Values) { v.Record.DI = "a\nb" }, "", "X-Verified-Di"},
		{"NUL in phone", func(v *Values) { v.Record.Phone = "010\x001234" }, FieldPhone, "X-Verified-Phone"},
		{"non-ASCII gender", func(v *Values) { v.Record.Gender = "남" }, FieldGender, "X-Verified-Gender"},
		{"DEL in id", func(v *Values) { v.Record.ImpUID = "imp_1\x7f" }, FieldImpUID, "X-Verified-Imp-Uid"},
		{"leading space in hash", func(v *Values) { v.CIHash = " abc" }, "", "X-Verified-Ci-Hash"},
		{"month 13", func(v *Values) { v.Record.Birthday.Month = 13 }, FieldBirthday, "X-Verified-Birthday"},
		{"year 0 birth year", func(v *Values) { v.Record.Birthday = certification.Date{} }, "", "X-Verified-Birth-Year"},
		{"year 10000", func(v *Values) { v.Record.Birthday.Year = 10000 }, FieldBirthday, "X-Verified-Birthday"},
		{"age without birthday", func(v *Values) { v.Record.Birthday = certification.Date{} }, FieldAge, "X-Verified-Age"},
		{"negative age", func(v *Values) { v.Age = -1 }, FieldAge, "X-Verified-Age"},
		{"zero certified_at", func(v *Values) { v.Record.CertifiedAt = time.Time{} }, FieldCertifiedAt, "X-Verified-At"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := fullValues()
			tt.edit(&v)
			h := http.Header{}
			NewHeaders(prefix).Set(h, v, []Field{tt.field})
			if got, ok := h[tt.header]; ok {
				t.Errorf("%s = %q, want it left out", tt.header, got)
			}
		})
	}
}

func TestSetNameEncodingKeepsOnlyUnreservedBytes(t *testing.T) {
	tests := []struct{ name, want string }{
		{"홍길동", "%ED%99%8D%EA%B8%B8%EB%8F%99"},
		{"John Smith", "John%20Smith"},
		{"a-b.c_d~e", "a-b.c_d~e"},
		{"a+b/c%d\r\n\x00", "a%2Bb%2Fc%25d%0D%0A%00"},
		{"\xff", "%FF"},
	}
	for _, tt := range tests {
		v := fullValues()
		v.Record.Name = tt.name
		h := http.Header{}
		NewHeaders(prefix).Set(h, v, []Field{FieldName})
		if got := h.Get("X-Verified-Name"); got != tt.want {
			t.Errorf("name %q sent as %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSetWithRepeatedForwardFieldsWritesEachOnce(t *testing.T) {
	fields := append(append([]Field{}, AllFields()...), AllFields()...)
	h := http.Header{}
	NewHeaders(prefix).Set(h, fullValues(), fields)
	if len(h) != 12 {
		t.Fatalf("Set wrote %d headers, want 12", len(h))
	}
	for k, v := range h {
		if len(v) != 1 {
			t.Errorf("%s has %d values, want 1", k, len(v))
		}
	}
	h.Add("X-Verified-Ci-Hash", "appended")
	if h.Get("X-Verified-Di") != "di+/=value" {
		t.Error("appending to one header overwrote another")
	}
}
