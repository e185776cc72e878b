package signing

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/clocktest"
	"github.com/verigate/caddy-iamport/internal/identity"
)

var certifiedAt = time.Date(2026, 11, 26, 10, 2, 3, 0, certification.Seoul)

func record() certification.Record {
	return certification.Record{
		Source:      certification.SourceIamport,
		ImpUID:      "imp_123456789012",
		Certified:   true,
		CertifiedAt: certifiedAt,
		Name:        "홍길동",
		Gender:      "male",
		Birthday:    certification.Date{Year: 1990, Month: time.March, Day: 7},
		Phone:       "01012345678",
		Carrier:     "SKT_MVNO",
		CI:          "raw-ci-never-sent",
		DI:          "di+/=value",
	}
}

// payload signs c and returns the verified payload as a generic map.
func payload(t *testing.T, is *Issuer, key *Key, c Claims) map[string]any {
	t.Helper()
	token, err := is.Sign(key, c)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{key.Algorithm})
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public()
	raw, err := jws.Verify(&pub)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignedClaimsAreExactlyTheListedOnes(t *testing.T) {
	clock := clocktest.New(time.Unix(1_800_000_000, 0))
	is := &Issuer{Issuer: "caddy-iamport", Audience: "https://app.example", Now: clock.Now}
	rec := record()
	key := mustGenerate(t)

	tests := []struct {
		name    string
		forward []identity.Field
		want    map[string]any // besides iss, aud, iat, nbf, exp, jti
	}{
		{"no forward", nil, map[string]any{
			"sub": "hash", "birth_year": 1990.0, "di": "di+/=value", "verified_at": float64(certifiedAt.Unix()), "src": "iamport",
		}},
		{"every field forwarded", identity.AllFields(), map[string]any{
			"sub": "hash", "birth_year": 1990.0, "di": "di+/=value", "verified_at": float64(certifiedAt.Unix()), "src": "iamport",
			"name": "홍길동", "gender": "male", "foreigner": false, "phone": "01012345678", "carrier": "SKT_MVNO",
			"birthday": "1990-03-07", "age": 36.0, "imp_uid": "imp_123456789012", "certified_at": "2026-11-26T01:02:03Z",
		}},
		{"age only", []identity.Field{identity.FieldAge}, map[string]any{
			"sub": "hash", "birth_year": 1990.0, "di": "di+/=value", "verified_at": float64(certifiedAt.Unix()), "src": "iamport",
			"age": 36.0,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := payload(t, is, key, IdentityClaims(&rec, "hash", 36, tt.forward))
			jti, _ := got["jti"].(string)
			if len(jti) != 22 {
				t.Errorf("jti = %q, want 22 base64url characters (128 bits)", jti)
			}
			want := map[string]any{
				"iss": "caddy-iamport", "aud": "https://app.example", "jti": jti,
				"iat": 1.8e9, "nbf": 1.8e9, "exp": 1.8e9 + 120,
			}
			for k, v := range tt.want {
				want[k] = v
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("claims =\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestClaimsLeaveOutWhatTheVerificationDidNotGive(t *testing.T) {
	rec := certification.Record{Source: certification.SourceIamport, Certified: true, Foreigner: true}
	c := IdentityClaims(&rec, "hash", 20, identity.AllFields())
	data, _ := json.Marshal(c)
	var got map[string]any
	_ = json.Unmarshal(data, &got)
	// Only the foreigner flag, a bool, always has a value; registered
	// claims are present (empty until signed).
	for _, k := range []string{"birth_year", "di", "verified_at", "name", "gender", "phone", "carrier", "birthday", "age", "imp_uid", "certified_at"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %v, want it left out", k, v)
		}
	}
	if got["foreigner"] != true || got["src"] != "iamport" {
		t.Errorf("claims = %v", got)
	}
	if strings.Contains(string(data), "raw-ci") {
		t.Error("the raw CI is in the claims")
	}
}

func TestClaimsNeverCarryTheRawCI(t *testing.T) {
	rec := record()
	data, _ := json.Marshal(IdentityClaims(&rec, "hash", 36, identity.AllFields()))
	if strings.Contains(string(data), rec.CI) {
		t.Fatalf("claims carry the raw CI: %s", data)
	}
}

func TestSignGivesEveryAssertionItsOwnID(t *testing.T) {
	is := &Issuer{Issuer: "i", Audience: "a"}
	key := mustGenerate(t)
	seen := map[string]bool{}
	for range 200 {
		id := payload(t, is, key, Claims{Subject: "s"})["jti"].(string)
		if seen[id] {
			t.Fatalf("jti %s repeated", id)
		}
		seen[id] = true
	}
}

func TestLifetimeSetsExpiry(t *testing.T) {
	clock := clocktest.New(time.Unix(1_800_000_000, 0))
	key := mustGenerate(t)
	for _, lifetime := range []time.Duration{0, 30 * time.Second, MaxLifetime} {
		is := &Issuer{Issuer: "i", Audience: "a", Lifetime: lifetime, Now: clock.Now}
		if err := is.Check(); err != nil {
			t.Fatal(err)
		}
		want := lifetime
		if want == 0 {
			want = DefaultLifetime
		}
		got := payload(t, is, key, Claims{})
		if got["exp"].(float64)-got["iat"].(float64) != want.Seconds() {
			t.Errorf("lifetime %s: exp−iat = %v", lifetime, got["exp"].(float64)-got["iat"].(float64))
		}
	}
}

func TestIssuerCheckRefusesBadSettings(t *testing.T) {
	for _, is := range []Issuer{
		{Audience: "a"},
		{Issuer: "i"},
		{Issuer: "i", Audience: "a", Lifetime: MaxLifetime + time.Second},
		{Issuer: "i", Audience: "a", Lifetime: -time.Second},
		{Issuer: "i", Audience: "a", Lifetime: time.Millisecond},
	} {
		if err := is.Check(); err == nil {
			t.Errorf("Check(%+v) accepted it", is)
		}
	}
}
