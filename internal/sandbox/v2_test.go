package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

const v2Auth = "PortOne " + DefaultPortOneSecret

// v2Reply is a decoded V2 answer.
type v2Reply struct {
	status int
	header http.Header
	body   string
	obj    map[string]any
}

// v2Get asks s for id with the given Authorization header and query.
func v2Get(t *testing.T, s *Server, id, auth, query string) v2Reply {
	t.Helper()
	r := do(t, s, http.MethodGet, "/identity-verifications/"+id+query, "", map[string]string{"Authorization": auth})
	out := v2Reply{status: r.status, header: r.header, body: r.body}
	_ = json.Unmarshal([]byte(r.body), &out.obj)
	return out
}

// wantV2Error checks that r is a V2 error answer with status and type.
func wantV2Error(t *testing.T, r v2Reply, status int, typ string) {
	t.Helper()
	if r.status != status || r.obj["type"] != typ {
		t.Errorf("got %d %s, want %d with type %s", r.status, r.body, status, typ)
	}
	if msg, _ := r.obj["message"].(string); msg == "" {
		t.Errorf("error body %s has no message", r.body)
	}
	if _, enveloped := r.obj["code"]; enveloped {
		t.Errorf("V2 error body %s carries a V1 envelope", r.body)
	}
}

func TestV2IdentitiesListEveryV1IdentityUnderItsV2IDThenTheV2OnlyOnes(t *testing.T) {
	v1 := Identities()
	v2 := V2Identities()
	if len(v2) != len(v1)+1 {
		t.Fatalf("V2Identities() has %d entries, want %d", len(v2), len(v1)+1)
	}
	shape := regexp.MustCompile(`^identity-verification-[0-9]{12}$`)
	for i, id := range v2 {
		if !shape.MatchString(id.ID) {
			t.Errorf("V2 id %q is not identity-verification- and 12 digits", id.ID)
		}
		if i < len(v1) && (id.ID != V2IDPrefix+strings.TrimPrefix(v1[i].ID, "imp_") || id.Label != v1[i].Label) {
			t.Errorf("entry %d = %+v, want V1's %+v under its V2 id", i, id, v1[i])
		}
	}
	if last := v2[len(v2)-1]; last.ID != ForeignerUnknownV2ID || last.Label != "foreigner_unknown" {
		t.Errorf("last entry %+v, want the V2-only foreigner_unknown", last)
	}
}

func TestV2IdentityVerificationsCarryTheDocumentedFields(t *testing.T) {
	tests := []struct {
		id              string
		status          string
		pg              string
		name, gender    any // nil: absent
		operator, phone any
		isForeigner     any
		ci, di          bool
		verifiedAgo     time.Duration
		age             int
	}{
		{AdultV2ID, "VERIFIED", "DANAL", "Sandbox Adult", "MALE", "SKT", "01012345678", false, true, true, time.Minute, 30},
		{MinorV2ID, "VERIFIED", "DANAL", "Sandbox Minor", "FEMALE", "KT", "01000000002", false, true, true, time.Minute, 15},
		{TurnsNineteenTodayV2ID, "VERIFIED", "DANAL", "Sandbox Nineteen Today", "MALE", "LGU", "01000000003", false, true, true, time.Minute, 19},
		{TurnsNineteenTomorrowV2ID, "VERIFIED", "DANAL", "Sandbox Nineteen Tomorrow", "FEMALE", "SKT_MVNO", "01000000004", false, true, true, time.Minute, 18},
		{ForeignerV2ID, "VERIFIED", "DANAL", "Sandbox Foreigner", "FEMALE", "KT_MVNO", "01000000006", true, true, true, time.Minute, 28},
		{StaleV2ID, "VERIFIED", "DANAL", "Sandbox Stale", "MALE", "SKT", "01000000007", false, true, true, 2 * time.Hour, 35},
		{NoCIV2ID, "VERIFIED", "DANAL", "Sandbox No CI", "FEMALE", "LGU_MVNO", "01000000008", false, false, true, time.Minute, 41},
		{NoDIV2ID, "VERIFIED", "INICIS_UNIFIED", "Sandbox No DI", nil, nil, nil, false, true, false, time.Minute, 33},
		{HangulNameV2ID, "VERIFIED", "DANAL", "홍길동", "MALE", "KT", "01000000010", false, true, true, time.Minute, 45},
		{ForeignerUnknownV2ID, "VERIFIED", "DANAL", "Sandbox Foreigner Unknown", "MALE", nil, nil, nil, true, true, time.Minute, 31},
	}
	s, _ := newTestServer(t, baseTime)
	today := baseTime.In(certification.Seoul)
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := v2Get(t, s, tt.id, v2Auth, "")
			if r.status != http.StatusOK {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			o := r.obj
			at := baseTime.Add(-tt.verifiedAgo).UTC().Format(time.RFC3339)
			for k, want := range map[string]any{"status": tt.status, "id": tt.id, "verifiedAt": at, "version": "V2"} {
				if o[k] != want {
					t.Errorf("%s = %v, want %v", k, o[k], want)
				}
			}
			for _, k := range []string{"requestedAt", "updatedAt", "statusChangedAt", "pgTxId", "pgRawResponse"} {
				if s, _ := o[k].(string); s == "" {
					t.Errorf("required member %s missing", k)
				}
			}
			if ch, _ := o["channel"].(map[string]any); ch["pgProvider"] != tt.pg || ch["type"] != "TEST" {
				t.Errorf("channel = %v, want pgProvider %s and type TEST", o["channel"], tt.pg)
			}
			c, _ := o["verifiedCustomer"].(map[string]any)
			for k, want := range map[string]any{"name": tt.name, "gender": tt.gender, "operator": tt.operator, "phoneNumber": tt.phone, "isForeigner": tt.isForeigner} {
				got, present := c[k]
				if want == nil && present {
					t.Errorf("%s = %v, want absent", k, got)
				}
				if want != nil && got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			for k, want := range map[string]bool{"ci": tt.ci, "di": tt.di} {
				if _, present := c[k]; present != want {
					t.Errorf("%s present = %v, want %v", k, present, want)
				}
			}
			if got := ageOn(t, c["birthDate"].(string), today); got != tt.age {
				t.Errorf("age = %d, want %d", got, tt.age)
			}
		})
	}
}

func TestV2NotCertifiedIsReady(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	r := v2Get(t, s, NotCertifiedV2ID, v2Auth, "")
	if r.status != http.StatusOK || r.obj["status"] != "READY" || r.obj["id"] != NotCertifiedV2ID {
		t.Fatalf("got %d %s, want 200 READY", r.status, r.body)
	}
	for _, k := range []string{"verifiedCustomer", "verifiedAt", "pgRawResponse"} {
		if _, present := r.obj[k]; present {
			t.Errorf("a READY verification carries %s", k)
		}
	}
	if _, ok := r.obj["requestedCustomer"].(map[string]any); !ok {
		t.Errorf("a READY verification has no requestedCustomer: %s", r.body)
	}
}

func TestV2IdentitiesHaveTheCIAndDIOfTheirV1Twin(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	for _, id := range []string{AdultID, HangulNameID, "imp_200000000042"} {
		v1 := certify(t, s, tok, id).resp
		v2 := v2Get(t, s, V2IDPrefix+strings.TrimPrefix(id, "imp_"), v2Auth, "").obj
		c, _ := v2["verifiedCustomer"].(map[string]any)
		if c["ci"] != v1["unique_key"] || c["di"] != v1["unique_in_site"] || c["birthDate"] != v1["birthday"] {
			t.Errorf("%s: V2 ci/di/birthDate %v/%v/%v differ from V1's %v/%v/%v", id, c["ci"], c["di"], c["birthDate"],
				v1["unique_key"], v1["unique_in_site"], v1["birthday"])
		}
	}
}

func TestV2GeneratedAdultsAndUnknownIDs(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	for _, id := range []string{GeneratedAdultV2Prefix + "00000000000", GeneratedAdultV2Prefix + "99999999999"} {
		if r := v2Get(t, s, id, v2Auth, ""); r.status != http.StatusOK || r.obj["status"] != "VERIFIED" || r.obj["id"] != id {
			t.Errorf("%s: %d %s", id, r.status, r.body)
		}
	}
	for _, id := range []string{"identity-verification-999999999999", "identity-verification-abc", "imp_100000000001",
		GeneratedAdultV2Prefix + "0000000000", "identity-verification-100000000001x"} {
		wantV2Error(t, v2Get(t, s, id, v2Auth, ""), http.StatusNotFound, "IDENTITY_VERIFICATION_NOT_FOUND")
	}
	wantV2Error(t, v2Get(t, s, APIErrorV2ID, v2Auth, ""), http.StatusBadRequest, "INVALID_REQUEST")
}

func TestV2ChecksTheSecretBeforeAnythingElse(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	for _, auth := range []string{"", "PortOne", "PortOne ", "PortOne wrong", "Bearer " + DefaultPortOneSecret,
		"Bearer " + tok, DefaultPortOneSecret, "PortOne " + DefaultAPISecret, "PortOne " + DefaultPortOneSecret + "x"} {
		for _, id := range []string{AdultV2ID, "identity-verification-999999999999"} {
			r := v2Get(t, s, id, auth, "")
			wantV2Error(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
		}
	}
	for _, auth := range []string{v2Auth, "portone " + DefaultPortOneSecret, "PORTONE  " + DefaultPortOneSecret} {
		if r := v2Get(t, s, AdultV2ID, auth, ""); r.status != http.StatusOK {
			t.Errorf("Authorization %q: %d %s, want 200", auth, r.status, r.body)
		}
	}
	custom := New(Config{PortOneSecret: "custom-secret"})
	if r := v2Get(t, custom, AdultV2ID, "PortOne custom-secret", ""); r.status != http.StatusOK {
		t.Errorf("configured secret: %d %s", r.status, r.body)
	}
	wantV2Error(t, v2Get(t, custom, AdultV2ID, v2Auth, ""), http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestV2AcceptsOnlyItsOwnStoreID(t *testing.T) {
	s := New(Config{PortOneStoreID: "store-mine"})
	for _, q := range []string{"", "?storeId=store-mine", "?other=1&storeId=store-mine"} {
		if r := v2Get(t, s, AdultV2ID, v2Auth, q); r.status != http.StatusOK {
			t.Errorf("query %q: %d %s, want 200", q, r.status, r.body)
		}
	}
	for _, q := range []string{"?storeId=store-other", "?storeId=", "?storeId=store-mine&storeId=store-other"} {
		wantV2Error(t, v2Get(t, s, AdultV2ID, v2Auth, q), http.StatusForbidden, "FORBIDDEN")
	}
}

func TestV2RoutesAndMethods(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	r := do(t, s, http.MethodPost, "/identity-verifications/"+AdultV2ID, "", map[string]string{"Authorization": v2Auth})
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Errorf("POST: %d Allow %q, want 405 Allow GET", r.status, r.header.Get("Allow"))
	}
	for _, p := range []string{"/identity-verifications/", "/identity-verifications/" + AdultV2ID + "/confirm"} {
		if r := do(t, s, http.MethodGet, p, "", map[string]string{"Authorization": v2Auth}); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
	if st := s.Stats(); st.IdentityVerifications != 3 || st.Certifications != 0 || st.GetToken != 0 {
		t.Errorf("stats = %+v, want 3 identity verification calls only", st)
	}
	s.Reset()
	if st := s.Stats(); st.IdentityVerifications != 0 {
		t.Errorf("stats after Reset = %+v", st)
	}
}
