package sandbox

import "strings"

// V2IDPrefix starts the identityVerificationId of every PortOne V2 test
// identity: the same identities as the V1 ones, under "identity-verification-"
// and the V1 id's 12 digits, the shape PortOne's guide generates
// ("identity-verification-" and a random suffix). The same person has the
// same CI and DI under both ids.
const V2IDPrefix = "identity-verification-"

// The identityVerificationId of every V2 test identity. Each is the V1
// identity of the same digits; ForeignerUnknownV2ID exists only in V2.
const (
	AdultV2ID                 = V2IDPrefix + "100000000001"
	MinorV2ID                 = V2IDPrefix + "100000000002"
	TurnsNineteenTodayV2ID    = V2IDPrefix + "100000000003"
	TurnsNineteenTomorrowV2ID = V2IDPrefix + "100000000004"
	NotCertifiedV2ID          = V2IDPrefix + "100000000005"
	ForeignerV2ID             = V2IDPrefix + "100000000006"
	StaleV2ID                 = V2IDPrefix + "100000000007"
	NoCIV2ID                  = V2IDPrefix + "100000000008"
	NoDIV2ID                  = V2IDPrefix + "100000000009"
	HangulNameV2ID            = V2IDPrefix + "100000000010"
	APIErrorV2ID              = V2IDPrefix + "100000000011"
	ForeignerUnknownV2ID      = V2IDPrefix + "100000000012"
)

// GeneratedAdultV2Prefix starts the ids of generated V2 adults: this prefix
// and 11 more digits (identity-verification-200000000000 to
// identity-verification-299999999999) is the generated adult of the same
// digits under V1 (GeneratedAdultPrefix).
const GeneratedAdultV2Prefix = V2IDPrefix + "2"

// v2OnlyFixtures are identities only the V2 API has, because V1 has no way
// to express them.
var v2OnlyFixtures = []fixture{
	{Identity: Identity{ForeignerUnknownV2ID, "foreigner_unknown", "An adult aged 31 verified through Danal without the extra contract: no isForeigner, operator or phoneNumber (passes; refused as foreigner_denied with foreigners deny, since nationality is unknown)."},
		name: "Sandbox Foreigner Unknown", gender: "male", birthday: agedYears(31), provider: providerDanal,
		certified: true, certifiedAgo: minuteAgo, foreignerUnknown: true, ci: true, di: true},
}

// V2Identities returns the documented V2 test identities in id order: every
// V1 identity under its V2 id, then the V2-only ones.
func V2Identities() []Identity {
	out := make([]Identity, 0, len(fixtures)+len(v2OnlyFixtures))
	for _, f := range fixtures {
		id := f.Identity
		id.ID = V2IDPrefix + strings.TrimPrefix(f.ID, "imp_")
		out = append(out, id)
	}
	for _, f := range v2OnlyFixtures {
		out = append(out, f.Identity)
	}
	return out
}

// v2FixtureFor returns the fixture of V2 id, with ID set to id.
func v2FixtureFor(id string) (fixture, bool) {
	for _, f := range v2OnlyFixtures {
		if f.ID == id {
			return f, true
		}
	}
	digits, ok := strings.CutPrefix(id, V2IDPrefix)
	if !ok {
		return fixture{}, false
	}
	f, ok := fixtureFor("imp_" + digits)
	if !ok {
		return fixture{}, false
	}
	f.ID = id
	return f, true
}
