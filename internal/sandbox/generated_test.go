package sandbox

import (
	"net/http"
	"testing"
)

func TestGeneratedAdultsAreDistinctAdults(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	adult := certify(t, s, tok, AdultID)
	seen := map[string]bool{adult.resp["unique_key"].(string): true}
	for _, id := range []string{"imp_200000000000", "imp_200000000001", "imp_299999999999"} {
		r := certify(t, s, tok, id)
		if r.status != http.StatusOK || r.resp["imp_uid"] != id {
			t.Fatalf("%s: %d %s", id, r.status, r.body)
		}
		for _, k := range []string{"birthday", "certified", "certified_at", "foreigner", "name"} {
			if r.resp[k] != adult.resp[k] {
				t.Errorf("%s: %s = %v, the adult's is %v", id, k, r.resp[k], adult.resp[k])
			}
		}
		ci := r.resp["unique_key"].(string)
		if seen[ci] || r.resp["unique_in_site"] == adult.resp["unique_in_site"] {
			t.Errorf("%s shares a CI or DI with another identity", id)
		}
		seen[ci] = true
	}
	for _, id := range []string{"imp_20000000000", "imp_2000000000000", "imp_300000000000"} {
		if r := certify(t, s, tok, id); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404 (not a generated adult)", id, r.status)
		}
	}
}
