package iamport

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

func date(y int, m time.Month, d int) certification.Date {
	return certification.Date{Year: y, Month: m, Day: d}
}

// answerRecord decodes raw as the response member of a 200 answer, the way
// a lookup does: one pass over the whole answer, then decodeRecord.
func answerRecord(raw string) (certification.Record, error) {
	w, _, err := decodeAnswer[wireCert]([]byte(`{"code":0,"message":null,"response":` + raw + `}`))
	if err != nil {
		return certification.Record{}, err
	}
	return decodeRecord(w, testID)
}

func TestDecodeRecordNormalises(t *testing.T) {
	// Midnight 1987-07-01 in Seoul fell in daylight saving time (UTC+10):
	// a fixed +9 offset would read it as June 30.
	dst := time.Date(1987, 6, 30, 14, 0, 0, 0, time.UTC).Unix()
	pre1970 := time.Date(1965, 2, 28, 15, 0, 0, 0, time.UTC).Unix()
	tests := []struct {
		name string
		raw  string
		want certification.Record
	}{
		{"empty object gives an empty record for the id", `{}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"nulls everywhere never crash",
			`{"imp_uid":null,"certified":null,"certified_at":null,"name":null,"gender":null,"birthday":null,"birth":null,
			"foreigner":null,"foreigner_v2":null,"phone":null,"carrier":null,"unique_key":null,"unique_in_site":null}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"inicis: null gender and DI, absent phone and carrier",
			`{"imp_uid":"` + testID + `","certified":true,"name":"김","gender":null,"birthday":"1990-02-07",
			"foreigner":false,"unique_key":"ci","unique_in_site":null}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Certified: true, Name: "김", Birthday: date(1990, 2, 7), CI: "ci"}},
		{"foreigner_v2 null falls back to foreigner", `{"foreigner":true,"foreigner_v2":null}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Foreigner: true}},
		{"foreigner_v2 false overrides foreigner", `{"foreigner":true,"foreigner_v2":false}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"foreigner_v2 true overrides foreigner", `{"foreigner":false,"foreigner_v2":true}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Foreigner: true}},
		{"birth is read in Asia/Seoul", `{"birth":325695600}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1980, 4, 28)}},
		{"birth in a Seoul DST year", `{"birth":` + strconv.FormatInt(dst, 10) + `}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1987, 7, 1)}},
		{"negative birth before 1970", `{"birth":` + strconv.FormatInt(pre1970, 10) + `}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1965, 3, 1)}},
		{"birthday wins over birth", `{"birthday":"1993-07-08","birth":325695600}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1993, 7, 8)}},
		{"unpadded birthday falls back to birth", `{"birthday":"1980-4-28","birth":325695600}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1980, 4, 28)}},
		{"impossible birthday falls back to birth", `{"birthday":"1980-02-30","birth":325695600}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Birthday: date(1980, 4, 28)}},
		{"compact birthday is refused", `{"birthday":"19800428"}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"birthday with time is refused", `{"birthday":"1980-04-28T00:00:00"}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"birth 0 means unknown", `{"birth":0}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"malformed birth is ignored", `{"birth":"325695600"}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"fractional birth is ignored", `{"birth":325695600.5}`, certification.Record{Source: certification.SourceIamport, ImpUID: testID}},
		{"certified_at 0 is the zero time", `{"certified":true,"certified_at":0}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Certified: true}},
		{"certified_at is Unix seconds", `{"certified_at":1512446940}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, CertifiedAt: time.Unix(1512446940, 0).UTC()}},
		{"unknown members are ignored", `{"pg_tid":null,"origin":{"a":[1,2]},"new_field":"x","certified":true}`,
			certification.Record{Source: certification.SourceIamport, ImpUID: testID, Certified: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := answerRecord(tt.raw)
			if err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if got != tt.want {
				t.Fatalf("record = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRecordRefusesWrongTypesAndOtherIDs(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"certified as string", `{"certified":"true"}`},
		{"certified_at as string", `{"certified_at":"1700000000"}`},
		{"name as number", `{"name":1}`},
		{"foreigner_v2 as string", `{"foreigner_v2":"false"}`},
		{"unique_key as object", `{"unique_key":{}}`},
		{"response is an array", `[]`},
		{"another imp_uid", `{"imp_uid":"imp_1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := answerRecord(tt.raw); err == nil {
				t.Fatal("decoding succeeded, want an error")
			} else if tt.name == "another imp_uid" && !errors.Is(err, errOtherID) {
				t.Fatalf("error = %v, want errOtherID", err)
			}
		})
	}
}
