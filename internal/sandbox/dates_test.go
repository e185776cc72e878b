package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

func TestNineteenthBirthdayIdentitiesFollowSeoulCalendar(t *testing.T) {
	tests := []struct {
		name                   string
		now                    time.Time
		wantToday, wantTomorow string
	}{
		{"ordinary day", time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC), "2007-06-15", "2007-06-16"},
		{"just after midnight in Seoul while UTC is a day behind", time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC), "2007-03-02", "2007-03-03"},
		{"just before midnight in Seoul", time.Date(2026, 3, 1, 14, 59, 59, 0, time.UTC), "2007-03-01", "2007-03-02"},
		{"last day of a month", time.Date(2026, 4, 30, 1, 0, 0, 0, time.UTC), "2007-04-30", "2007-05-01"},
		{"new year's eve in Seoul", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), "2007-12-31", "2008-01-01"},
		{"leap day falls back to 28 February for today", time.Date(2028, 2, 29, 3, 0, 0, 0, time.UTC), "2009-02-28", "2009-03-01"},
		{"day before leap day falls back to 1 March for tomorrow", time.Date(2028, 2, 28, 3, 0, 0, 0, time.UTC), "2009-02-28", "2009-03-01"},
		{"common-year 28 February with a leap birth year", time.Date(2027, 2, 28, 3, 0, 0, 0, time.UTC), "2008-02-28", "2008-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, tt.now)
			tok, _ := getToken(t, s)
			today := tt.now.In(certification.Seoul)
			for id, want := range map[string]struct {
				birthday string
				age      int
			}{TurnsNineteenTodayID: {tt.wantToday, 19}, TurnsNineteenTomorrowID: {tt.wantTomorow, 18}} {
				r := certify(t, s, tok, id)
				got, _ := r.resp["birthday"].(string)
				if got != want.birthday {
					t.Errorf("%s: birthday = %q, want %q", id, got, want.birthday)
				}
				if age := ageOn(t, got, today); age != want.age {
					t.Errorf("%s: age on %s = %d, want %d", id, today.Format(time.DateOnly), age, want.age)
				}
			}
		})
	}
}

func TestBirthIsMidnightInSeoulOfBirthday(t *testing.T) {
	clocks := []time.Time{
		time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 3, 0, 0, 0, time.UTC),
		time.Date(2033, 10, 1, 3, 0, 0, 0, time.UTC), // hangul_name is then born 1988-07-01, in Korean daylight saving time
	}
	for _, now := range clocks {
		s, _ := newTestServer(t, now)
		tok, _ := getToken(t, s)
		for _, id := range Identities() {
			if id.ID == APIErrorID {
				continue
			}
			r := certify(t, s, tok, id.ID)
			day, err := time.ParseInLocation(time.DateOnly, r.resp["birthday"].(string), certification.Seoul)
			if err != nil {
				t.Fatalf("%s at %s: birthday: %v", id.ID, now, err)
			}
			if got := r.resp["birth"]; got != json.Number(itoa(day.Unix())) {
				t.Errorf("%s at %s: birth = %v, want %d (00:00 Asia/Seoul of %s)", id.ID, now, got, day.Unix(), r.resp["birthday"])
			}
		}
	}
}

func TestCIAndDIAreDistinctPerIdentity(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	seen := map[string]string{}
	for _, id := range Identities() {
		r := certify(t, s, tok, id.ID)
		for _, key := range []string{"unique_key", "unique_in_site"} {
			v, ok := r.resp[key].(string)
			if !ok {
				continue
			}
			if other, dup := seen[v]; dup {
				t.Errorf("%s %s repeats %s", id.ID, key, other)
			}
			seen[v] = id.ID + " " + key
		}
	}
	if again := certify(t, s, tok, AdultID); again.resp["unique_key"] != fakeCI("adult") {
		t.Error("adult CI changed between calls, want a deterministic value")
	}
}

func TestCertificationAnswerKeepsNumbersIntegral(t *testing.T) {
	s, _ := newTestServer(t, time.Date(2026, 6, 15, 3, 0, 0, 500_000_000, time.UTC))
	tok, _ := getToken(t, s)
	r := certify(t, s, tok, AdultID)
	var raw map[string]any
	if err := json.Unmarshal(r.respRaw, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"birth", "certified_at"} {
		f, ok := raw[key].(float64)
		if !ok || f != float64(int64(f)) {
			t.Errorf("%s = %v, want an integer", key, raw[key])
		}
	}
	if r.status != http.StatusOK {
		t.Errorf("status %d, want 200", r.status)
	}
}

func TestBirthUsesSeoulDaylightSavingTimeOfThe1980s(t *testing.T) {
	s, _ := newTestServer(t, time.Date(2033, 10, 1, 3, 0, 0, 0, time.UTC))
	tok, _ := getToken(t, s)
	r := certify(t, s, tok, HangulNameID)
	if r.resp["birthday"] != "1988-07-01" {
		t.Fatalf("birthday = %v, want 1988-07-01", r.resp["birthday"])
	}
	want := time.Date(1988, 6, 30, 14, 0, 0, 0, time.UTC).Unix() // 00:00 at UTC+10
	if got := r.resp["birth"]; got != json.Number(itoa(want)) {
		t.Errorf("birth = %v, want %d", got, want)
	}
}
