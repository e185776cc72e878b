package portone

import (
	"testing"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// FuzzDecodeRecord feeds arbitrary answers to the V2 decoder: it must never
// panic, and whatever it accepts must be a record about the requested id in
// the V1 vocabulary, certified only with a verification time.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(verifiedBody))
	f.Add([]byte(`{"status":"READY","id":"` + testID + `"}`))
	f.Add([]byte(`{"status":"VERIFIED","id":"` + testID + `","verifiedAt":"2026-08-01T10:15:30+09:00","verifiedCustomer":{"name":"x","operator":"LGU","gender":"OTHER"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"status":"VERIFIED","id":"` + testID + `","verifiedAt":"0000-01-01T00:00:00Z","verifiedCustomer":{"birthDate":"0000-00-00"}}`))
	genders := map[string]bool{"": true, "male": true, "female": true}
	carriers := map[string]bool{"": true, "SKT": true, "KT": true, "LGT": true, "SKT_MVNO": true, "KT_MVNO": true, "LGT_MVNO": true}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec, err := decodeRecord(body, testID)
		if err != nil {
			if rec != (certification.Record{}) {
				t.Fatalf("an error came with a record: %+v", rec)
			}
			return
		}
		if rec.Source != certification.SourcePortOne || rec.ImpUID != testID {
			t.Fatalf("record about %q from %q", rec.ImpUID, rec.Source)
		}
		if rec.Certified == rec.CertifiedAt.IsZero() && rec.Certified {
			t.Fatalf("certified without a verification time: %+v", rec)
		}
		if !genders[rec.Gender] || !carriers[rec.Carrier] {
			t.Fatalf("outside the V1 vocabulary: gender %q carrier %q", rec.Gender, rec.Carrier)
		}
		if !rec.Certified && rec != (certification.Record{Source: rec.Source, ImpUID: rec.ImpUID}) {
			t.Fatalf("a record that is not certified carries data: %+v", rec)
		}
	})
}
