package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func TestIdentitiesListsEveryIDInOrder(t *testing.T) {
	want := []string{AdultID, MinorID, TurnsNineteenTodayID, TurnsNineteenTomorrowID, NotCertifiedID,
		ForeignerID, StaleID, NoCIID, NoDIID, HangulNameID, APIErrorID}
	got := Identities()
	if len(got) != len(want) {
		t.Fatalf("Identities() has %d entries, want %d", len(got), len(want))
	}
	for i, id := range got {
		if id.ID != want[i] {
			t.Errorf("entry %d: ID %q, want %q", i, id.ID, want[i])
		}
		if !regexp.MustCompile(`^imp_[0-9]{12}$`).MatchString(id.ID) {
			t.Errorf("ID %q is not imp_ and 12 digits", id.ID)
		}
		if !snakeCase.MatchString(id.Label) {
			t.Errorf("%s: label %q is not snake_case", id.ID, id.Label)
		}
		if !strings.HasSuffix(id.Description, ".") || len(id.Description) < 20 {
			t.Errorf("%s: description %q is not a sentence", id.ID, id.Description)
		}
	}
}

// ageOn returns the age in full years on today of a person born on
// birthday (YYYY-MM-DD).
func ageOn(t *testing.T, birthday string, today time.Time) int {
	t.Helper()
	b, err := time.Parse(time.DateOnly, birthday)
	if err != nil {
		t.Fatalf("birthday %q: %v", birthday, err)
	}
	y, m, d := today.Date()
	age := y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age--
	}
	return age
}

func TestIdentityRecordsCarryTheDocumentedFields(t *testing.T) {
	no, yes := false, true
	tests := []struct {
		id           string
		name, gender any // nil means null
		provider     string
		foreigner    bool
		foreignerV2  any
		phone        string // "" means the key is absent
		carrier      string
		certified    bool
		certifiedAgo time.Duration
		ci, di       bool
		age          int
	}{
		{AdultID, "Sandbox Adult", "male", "danal", false, no, "01012345678", "SKT", true, time.Minute, true, true, 30},
		{MinorID, "Sandbox Minor", "female", "danal", false, no, "01000000002", "KT", true, time.Minute, true, true, 15},
		{TurnsNineteenTodayID, "Sandbox Nineteen Today", "male", "danal", false, no, "01000000003", "LGT", true, time.Minute, true, true, 19},
		{TurnsNineteenTomorrowID, "Sandbox Nineteen Tomorrow", "female", "danal", false, no, "01000000004", "SKT_MVNO", true, time.Minute, true, true, 18},
		{NotCertifiedID, nil, nil, "danal", false, nil, "", "", false, 0, false, false, 30},
		{ForeignerID, "Sandbox Foreigner", "female", "danal", true, yes, "01000000006", "KT_MVNO", true, time.Minute, true, true, 28},
		{StaleID, "Sandbox Stale", "male", "danal", false, no, "01000000007", "SKT", true, 2 * time.Hour, true, true, 35},
		{NoCIID, "Sandbox No CI", "female", "danal", false, no, "01000000008", "LGT_MVNO", true, time.Minute, false, true, 41},
		{NoDIID, "Sandbox No DI", nil, "inicis_unified", false, nil, "", "", true, time.Minute, true, false, 33},
		{HangulNameID, "홍길동", "male", "danal", false, no, "01000000010", "KT", true, time.Minute, true, true, 45},
	}
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	today := baseTime.In(certification.Seoul)
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := certify(t, s, tok, tt.id)
			if r.status != http.StatusOK || r.code != "0" || r.message != nil {
				t.Fatalf("status %d code %s message %v, want 200, 0, null", r.status, r.code, r.message)
			}
			c := r.resp
			wantCertifiedAt := json.Number("0")
			if tt.certified {
				wantCertifiedAt = json.Number(itoa(baseTime.Add(-tt.certifiedAgo).Unix()))
			}
			checks := map[string]any{
				"imp_uid": tt.id, "merchant_uid": "mid_sandbox_" + labelOf(tt.id), "pg_provider": tt.provider,
				"name": tt.name, "gender": tt.gender, "foreigner": tt.foreigner, "foreigner_v2": tt.foreignerV2,
				"certified": tt.certified, "certified_at": wantCertifiedAt, "origin": "about:blank",
			}
			for key, want := range checks {
				got, ok := c[key]
				if !ok {
					t.Errorf("key %q absent, want %v", key, want)
				} else if got != want {
					t.Errorf("%s = %#v, want %#v", key, got, want)
				}
			}
			for key, want := range map[string]string{"phone": tt.phone, "carrier": tt.carrier} {
				got, present := c[key]
				if want == "" && present {
					t.Errorf("key %q present (%v), want absent", key, got)
				}
				if want != "" && got != want {
					t.Errorf("%s = %v, want %q", key, got, want)
				}
			}
			checkBase64(t, c, "unique_key", tt.ci, 88)
			checkBase64(t, c, "unique_in_site", tt.di, 64)
			if got := ageOn(t, c["birthday"].(string), today); got != tt.age {
				t.Errorf("age on %s = %d, want %d (birthday %v)", today.Format(time.DateOnly), got, tt.age, c["birthday"])
			}
			if tt.certified == (c["pg_tid"] == nil) {
				t.Errorf("pg_tid = %v, want a value exactly when certified", c["pg_tid"])
			}
		})
	}
}

func labelOf(id string) string {
	f, _ := fixtureFor(id)
	return f.Label
}

// checkBase64 checks that key holds a base64 string of length n when want
// is true and null otherwise.
func checkBase64(t *testing.T, c map[string]any, key string, want bool, n int) {
	t.Helper()
	v, ok := c[key]
	if !ok {
		t.Errorf("key %q absent, want present", key)
		return
	}
	if !want {
		if v != nil {
			t.Errorf("%s = %v, want null", key, v)
		}
		return
	}
	s, _ := v.(string)
	if _, err := base64.StdEncoding.DecodeString(s); err != nil || len(s) != n {
		t.Errorf("%s = %q, want %d base64 characters (decode error %v)", key, s, n, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
