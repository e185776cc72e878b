package sandbox

import (
	"slices"
	"strings"
	"time"
)

// The imp_uid of every test identity. Each is "imp_" and 12 digits, the
// shape of real certification ids.
const (
	AdultID                 = "imp_100000000001"
	MinorID                 = "imp_100000000002"
	TurnsNineteenTodayID    = "imp_100000000003"
	TurnsNineteenTomorrowID = "imp_100000000004"
	NotCertifiedID          = "imp_100000000005"
	ForeignerID             = "imp_100000000006"
	StaleID                 = "imp_100000000007"
	NoCIID                  = "imp_100000000008"
	NoDIID                  = "imp_100000000009"
	HangulNameID            = "imp_100000000010"
	APIErrorID              = "imp_100000000011"
)

// Identity describes one test identity the sandbox knows.
type Identity struct {
	// ID is the imp_uid to look the identity up with.
	ID string
	// Label is a short snake_case name such as "adult".
	Label string
	// Description is a sentence saying what the identity is for.
	Description string
}

// Identities returns the documented test identities in ID order.
func Identities() []Identity {
	out := make([]Identity, len(fixtures))
	for i, f := range fixtures {
		out[i] = f.Identity
	}
	return out
}

// Providers named by the fixtures.
const (
	providerDanal   = "danal"
	providerInicis  = "inicis_unified"
	minuteAgo       = time.Minute
	stalenessOfTest = 2 * time.Hour
)

// fixture is how a test identity's certification is built at request time.
// Empty name or gender is sent as null; empty phone or carrier leaves the
// key out.
type fixture struct {
	Identity
	name, gender   string
	birthday       func(today time.Time) time.Time
	provider       string
	phone, carrier string
	certified      bool
	certifiedAgo   time.Duration
	foreigner      bool
	foreignerV2    *bool
	// foreignerUnknown leaves isForeigner out of the V2 answer (V2-only
	// identities).
	foreignerUnknown bool
	ci, di           bool
}

var (
	ptrTrue  = new(true)
	ptrFalse = new(false)
)

// fixtures lists the identities in ID order. APIErrorID has no record: the
// handler answers it with a business error.
var fixtures = []fixture{
	{Identity: Identity{AdultID, "adult", "An adult aged 30, certified a minute ago through Danal, with every field present: male, phone 01012345678, carrier SKT, CI and DI."},
		name: "Sandbox Adult", gender: "male", birthday: agedYears(30), provider: providerDanal, phone: "01012345678", carrier: "SKT",
		certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{MinorID, "minor", "A 15-year-old certified a minute ago; a policy of 19 or over must refuse it."},
		name: "Sandbox Minor", gender: "female", birthday: agedYears(15), provider: providerDanal, phone: "01000000002", carrier: "KT",
		certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{TurnsNineteenTodayID, "turns_19_today", "A person whose 19th birthday is today in Asia/Seoul, so 19 today; on 29 February, which has no such birthday, born on 28 February instead."},
		name: "Sandbox Nineteen Today", gender: "male", birthday: func(t time.Time) time.Time { return turningOn(t, 19, true) },
		provider: providerDanal, phone: "01000000003", carrier: "LGT", certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{TurnsNineteenTomorrowID, "turns_19_tomorrow", "A person whose 19th birthday is tomorrow in Asia/Seoul, so still 18 today; when tomorrow is 29 February, born on 1 March instead."},
		name: "Sandbox Nineteen Tomorrow", gender: "female", birthday: func(t time.Time) time.Time { return turningOn(t.AddDate(0, 0, 1), 19, false) },
		provider: providerDanal, phone: "01000000004", carrier: "SKT_MVNO", certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{NotCertifiedID, "not_certified", "An unfinished verification: certified false, certified_at 0, null name, gender, pg_tid, CI and DI, no phone or carrier; its birthday is an adult's, so only the certified check refuses it."},
		birthday: agedYears(30), provider: providerDanal},
	{Identity: Identity{ForeignerID, "foreigner", "An adult aged 28 whom Danal reports as a foreign national (foreigner and foreigner_v2 true)."},
		name: "Sandbox Foreigner", gender: "female", birthday: agedYears(28), provider: providerDanal, phone: "01000000006", carrier: "KT_MVNO",
		certified: true, certifiedAgo: minuteAgo, foreigner: true, foreignerV2: ptrTrue, ci: true, di: true},
	{Identity: Identity{StaleID, "stale", "An adult aged 35 whose verification finished two hours ago, older than a typical freshness limit."},
		name: "Sandbox Stale", gender: "male", birthday: agedYears(35), provider: providerDanal, phone: "01000000007", carrier: "SKT",
		certified: true, certifiedAgo: stalenessOfTest, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{NoCIID, "no_ci", "An adult aged 41 whose unique_key (CI) is null, as when the provider contract leaves CI out."},
		name: "Sandbox No CI", gender: "female", birthday: agedYears(41), provider: providerDanal, phone: "01000000008", carrier: "LGT_MVNO",
		certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, di: true},
	{Identity: Identity{NoDIID, "no_di", "An adult aged 33 verified through inicis_unified: unique_in_site (DI), gender and foreigner_v2 are null and the phone and carrier keys are absent."},
		name: "Sandbox No DI", birthday: agedYears(33), provider: providerInicis,
		certified: true, certifiedAgo: minuteAgo, ci: true},
	{Identity: Identity{HangulNameID, "hangul_name", "An adult aged 45 named 홍길동, to prove that Hangul names pass through intact."},
		name: "홍길동", gender: "male", birthday: agedYears(45), provider: providerDanal, phone: "01000000010", carrier: "KT",
		certified: true, certifiedAgo: minuteAgo, foreignerV2: ptrFalse, ci: true, di: true},
	{Identity: Identity{APIErrorID, "api_error", "Answered with HTTP 200 and code 1 (a business error, as the real API reports one) and a null response."}},
}

// GeneratedAdultPrefix starts the ids of generated adults: any id made of
// this prefix and 11 more digits (imp_200000000000 to imp_299999999999) is
// an adult like AdultID, certified a minute ago, with a CI and DI of its
// own. They give load tests and concurrency tests as many distinct fresh
// verifications as they need.
const GeneratedAdultPrefix = "imp_2"

// fixtureFor returns the fixture with the given id.
func fixtureFor(id string) (fixture, bool) {
	if generatedAdult(id) {
		f := fixtures[0] // the adult
		f.ID = id
		f.Label = "adult_" + strings.TrimPrefix(id, "imp_")
		return f, true
	}
	i := slices.IndexFunc(fixtures, func(f fixture) bool { return f.ID == id })
	if i < 0 {
		return fixture{}, false
	}
	return fixtures[i], true
}

// generatedAdult reports whether id is GeneratedAdultPrefix and 11 digits.
func generatedAdult(id string) bool {
	return len(id) == len(GeneratedAdultPrefix)+11 && strings.HasPrefix(id, GeneratedAdultPrefix) &&
		allDigits(id[len(GeneratedAdultPrefix):])
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
