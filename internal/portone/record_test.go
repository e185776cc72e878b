package portone

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// edited returns verifiedBody with edit applied to its decoded object (and
// to its verifiedCustomer, passed as the second map).
func edited(t *testing.T, edit func(v, c map[string]any)) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(verifiedBody), &v); err != nil {
		t.Fatal(err)
	}
	c, _ := v["verifiedCustomer"].(map[string]any)
	edit(v, c)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullRecord is what verifiedBody maps to.
func fullRecord() certification.Record {
	return certification.Record{
		Source: certification.SourcePortOne, ImpUID: testID, Certified: true, CertifiedAt: verifiedAt,
		Name: testName, Gender: "female", Birthday: certification.Date{Year: 1990, Month: time.January, Day: 31},
		Foreigner: false, Phone: testPhone, Carrier: "LGT_MVNO", CI: testCI, DI: testDI,
	}
}

func TestDecodeRecordMapsEachRule(t *testing.T) {
	notCertified := certification.Record{Source: certification.SourcePortOne, ImpUID: testID}
	tests := []struct {
		name    string
		edit    func(v, c map[string]any)
		want    func(r *certification.Record) // edits fullRecord(); nil with wantErr
		wantErr error                         // nil: no error
	}{
		// status
		{name: "VERIFIED with every field maps every field", edit: func(v, c map[string]any) {}, want: func(*certification.Record) {}},
		{name: "READY is not certified", edit: func(v, c map[string]any) {
			v["status"] = "READY"
			delete(v, "verifiedCustomer")
			delete(v, "verifiedAt")
		},
			want: func(r *certification.Record) { *r = notCertified }},
		{name: "FAILED is not certified", edit: func(v, c map[string]any) {
			v["status"] = "FAILED"
			v["failure"] = map[string]any{"reason": "x"}
			delete(v, "verifiedAt")
		}, want: func(r *certification.Record) { *r = notCertified }},
		{name: "an unknown status is a failure", edit: func(v, c map[string]any) { v["status"] = "CANCELLED" }, wantErr: errUnexpectedStatus},
		{name: "a lower-case status is unknown", edit: func(v, c map[string]any) { v["status"] = "verified" }, wantErr: errUnexpectedStatus},
		{name: "a missing status is a failure", edit: func(v, c map[string]any) { delete(v, "status") }, wantErr: errNoStatus},
		{name: "a null status is a failure", edit: func(v, c map[string]any) { v["status"] = nil }, wantErr: errNoStatus},
		// id
		{name: "another id is a failure", edit: func(v, c map[string]any) { v["id"] = "identity-verification-other" }, wantErr: errOtherID},
		{name: "another id is a failure even when not verified", edit: func(v, c map[string]any) { v["id"] = "x"; v["status"] = "READY" }, wantErr: errOtherID},
		{name: "a missing id is a failure", edit: func(v, c map[string]any) { delete(v, "id") }, wantErr: errNoID},
		// verifiedAt
		{name: "verifiedAt with an offset is read as that instant", edit: func(v, c map[string]any) { v["verifiedAt"] = "2026-08-01T19:15:30.5+09:00" },
			want: func(r *certification.Record) { r.CertifiedAt = verifiedAt.Add(500 * time.Millisecond) }},
		{name: "a verified answer without verifiedAt is a failure", edit: func(v, c map[string]any) { delete(v, "verifiedAt") }, wantErr: errNoVerifiedAt},
		{name: "a verifiedAt that is not RFC 3339 is a failure", edit: func(v, c map[string]any) { v["verifiedAt"] = "2026-08-01 10:15:30" }, wantErr: errBadVerifiedAt},
		{name: "a verified answer without verifiedCustomer is a failure", edit: func(v, c map[string]any) { delete(v, "verifiedCustomer") }, wantErr: errNoCustomer},
		// birthDate
		{name: "no birthDate (a V1-era record) leaves the birthday unknown", edit: func(v, c map[string]any) { delete(c, "birthDate") },
			want: func(r *certification.Record) { r.Birthday = certification.Date{} }},
		{name: "a birthDate with a time is a failure", edit: func(v, c map[string]any) { c["birthDate"] = "1990-01-31T00:00:00Z" }, wantErr: errBadBirthDate},
		{name: "a compact birthDate is a failure", edit: func(v, c map[string]any) { c["birthDate"] = "19900131" }, wantErr: errBadBirthDate},
		{name: "an impossible birthDate is a failure", edit: func(v, c map[string]any) { c["birthDate"] = "1990-02-30" }, wantErr: errBadBirthDate},
		// ci, di
		{name: "no ci leaves CI empty (the policy says ci_missing)", edit: func(v, c map[string]any) { delete(c, "ci") },
			want: func(r *certification.Record) { r.CI = "" }},
		{name: "no di (KG Inicis) leaves DI empty", edit: func(v, c map[string]any) { delete(c, "di") },
			want: func(r *certification.Record) { r.DI = "" }},
		// gender
		{name: "gender MALE is male", edit: func(v, c map[string]any) { c["gender"] = "MALE" }, want: func(r *certification.Record) { r.Gender = "male" }},
		{name: "gender OTHER is left out", edit: func(v, c map[string]any) { c["gender"] = "OTHER" }, want: func(r *certification.Record) { r.Gender = "" }},
		{name: "an unknown gender is left out", edit: func(v, c map[string]any) { c["gender"] = "NONBINARY" }, want: func(r *certification.Record) { r.Gender = "" }},
		{name: "no gender is left out", edit: func(v, c map[string]any) { delete(c, "gender") }, want: func(r *certification.Record) { r.Gender = "" }},
		// operator
		{name: "operator SKT is SKT", edit: func(v, c map[string]any) { c["operator"] = "SKT" }, want: func(r *certification.Record) { r.Carrier = "SKT" }},
		{name: "operator KT is KT", edit: func(v, c map[string]any) { c["operator"] = "KT" }, want: func(r *certification.Record) { r.Carrier = "KT" }},
		{name: "operator LGU is LGT", edit: func(v, c map[string]any) { c["operator"] = "LGU" }, want: func(r *certification.Record) { r.Carrier = "LGT" }},
		{name: "operator SKT_MVNO is SKT_MVNO", edit: func(v, c map[string]any) { c["operator"] = "SKT_MVNO" }, want: func(r *certification.Record) { r.Carrier = "SKT_MVNO" }},
		{name: "operator KT_MVNO is KT_MVNO", edit: func(v, c map[string]any) { c["operator"] = "KT_MVNO" }, want: func(r *certification.Record) { r.Carrier = "KT_MVNO" }},
		{name: "operator LGU_MVNO is LGT_MVNO", edit: func(v, c map[string]any) { c["operator"] = "LGU_MVNO" }, want: func(r *certification.Record) { r.Carrier = "LGT_MVNO" }},
		{name: "an unknown operator is left out", edit: func(v, c map[string]any) { c["operator"] = "LGT" }, want: func(r *certification.Record) { r.Carrier = "" }},
		{name: "no operator (KG Inicis) is left out", edit: func(v, c map[string]any) { delete(c, "operator") }, want: func(r *certification.Record) { r.Carrier = "" }},
		// isForeigner
		{name: "isForeigner true is a foreigner", edit: func(v, c map[string]any) { c["isForeigner"] = true }, want: func(r *certification.Record) { r.Foreigner = true }},
		{name: "no isForeigner (Danal without the contract) is unknown", edit: func(v, c map[string]any) { delete(c, "isForeigner") },
			want: func(r *certification.Record) { r.ForeignerUnknown = true }},
		// name, phone
		{name: "no name or phone leaves them empty", edit: func(v, c map[string]any) { delete(c, "name"); delete(c, "phoneNumber") },
			want: func(r *certification.Record) { r.Name, r.Phone = "", "" }},
		// types
		{name: "a string isForeigner makes the answer invalid", edit: func(v, c map[string]any) { c["isForeigner"] = "false" }, wantErr: errDecode},
		{name: "a numeric id makes the answer invalid", edit: func(v, c map[string]any) { v["id"] = 1 }, wantErr: errDecode},
		{name: "a verifiedCustomer array makes the answer invalid", edit: func(v, c map[string]any) { v["verifiedCustomer"] = []any{} }, wantErr: errDecode},
		{name: "unknown members are ignored", edit: func(v, c map[string]any) { v["newField"] = map[string]any{"a": 1}; c["newField"] = 1 },
			want: func(*certification.Record) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRecord(edited(t, tt.edit), testID)
			if tt.wantErr != nil {
				if tt.wantErr == errDecode {
					var te *json.UnmarshalTypeError
					if !errors.As(err, &te) {
						t.Fatalf("error = %v, want a JSON type error", err)
					}
					return
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeRecord: %v", err)
			}
			want := fullRecord()
			tt.want(&want)
			if got != want {
				t.Fatalf("record = %+v\nwant     %+v", got, want)
			}
		})
	}
}

// errDecode stands for "a JSON type error" in the table above.
var errDecode = errors.New("json type error")

func TestDecodeRecordRefusesWhatIsNotAnObject(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"VERIFIED"`, `{"status":"VERIFIED"`, `{} {}`} {
		if _, err := decodeRecord([]byte(body), testID); err == nil {
			t.Errorf("decodeRecord(%q) accepted it", body)
		}
	}
}
