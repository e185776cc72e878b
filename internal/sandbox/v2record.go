package sandbox

import (
	"strings"
	"time"
)

// v2Verification is a PortOne V2 IdentityVerification as GET
// /identity-verifications/{id} answers it (V2-spec IdentityVerification:
// READY or VERIFIED here), with the spec's member names and optional
// members left out when empty.
type v2Verification struct {
	Status            string               `json:"status"`
	ID                string               `json:"id"`
	Channel           v2Channel            `json:"channel"`
	RequestedCustomer *v2RequestedCustomer `json:"requestedCustomer,omitempty"`
	VerifiedCustomer  *v2VerifiedCustomer  `json:"verifiedCustomer,omitempty"`
	RequestedAt       string               `json:"requestedAt"`
	UpdatedAt         string               `json:"updatedAt"`
	StatusChangedAt   string               `json:"statusChangedAt"`
	VerifiedAt        string               `json:"verifiedAt,omitempty"`
	PgTxID            string               `json:"pgTxId,omitempty"`
	PgRawResponse     string               `json:"pgRawResponse,omitempty"`
	Version           string               `json:"version"`
}

// v2Channel is SelectedChannel.
type v2Channel struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Key          string `json:"key"`
	Name         string `json:"name"`
	PgProvider   string `json:"pgProvider"`
	PgMerchantID string `json:"pgMerchantId"`
}

// v2RequestedCustomer is IdentityVerificationRequestedCustomer; the sandbox
// requests nothing in advance, so it is empty.
type v2RequestedCustomer struct{}

// v2VerifiedCustomer is IdentityVerificationVerifiedCustomer.
type v2VerifiedCustomer struct {
	Name        string  `json:"name"`
	Operator    *string `json:"operator,omitempty"`
	PhoneNumber *string `json:"phoneNumber,omitempty"`
	BirthDate   string  `json:"birthDate"`
	Gender      *string `json:"gender,omitempty"`
	IsForeigner *bool   `json:"isForeigner,omitempty"`
	CI          *string `json:"ci,omitempty"`
	DI          *string `json:"di,omitempty"`
}

// v2Providers maps the V1 pg_provider of a fixture to V2's PgProvider.
var v2Providers = map[string]string{providerDanal: "DANAL", providerInicis: "INICIS_UNIFIED"}

// v2Time formats a timestamp as the V2 API does: RFC 3339 in UTC.
func v2Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// verificationFor builds the V2 identity verification of test identity id
// as it reads at now, reporting false for ids with no record. An
// unfinished verification is READY; the rest are VERIFIED. It also
// returns id's fixture, if id has one, with or without a record.
func verificationFor(id string, now time.Time) (v2Verification, fixture, bool) {
	f, ok := v2FixtureFor(id)
	if !ok || f.birthday == nil {
		return v2Verification{}, f, false
	}
	return verificationOf(f, now, now.Add(-f.certifiedAgo)), f, true
}

// verificationOf builds the V2 identity verification of fixture f (with
// f.ID as its id) as it reads at now: requested a minute before at, and
// verified at at when f is certified. f must have a birthday.
func verificationOf(f fixture, now, at time.Time) v2Verification {
	v := v2Verification{
		ID: f.ID,
		Channel: v2Channel{Type: "TEST", ID: "channel-id-sandbox", Key: "channel-key-sandbox", Name: "sandbox",
			PgProvider: v2Providers[f.provider], PgMerchantID: "sandbox"},
		Version: "V2",
	}
	v.RequestedAt = v2Time(at.Add(-time.Minute))
	if !f.certified {
		v.Status = "READY"
		v.RequestedCustomer = &v2RequestedCustomer{}
		v.UpdatedAt, v.StatusChangedAt = v.RequestedAt, v.RequestedAt
		return v
	}
	v.Status = "VERIFIED"
	v.UpdatedAt, v.StatusChangedAt, v.VerifiedAt = v2Time(at), v2Time(at), v2Time(at)
	v.PgTxID = pgTID(f, at)
	v.PgRawResponse = "{}"
	c := &v2VerifiedCustomer{
		Name:        f.name,
		Operator:    nullable(v2Operator(f.carrier)),
		PhoneNumber: nullable(f.phone),
		BirthDate:   f.birthday(seoulToday(now)).Format(time.DateOnly),
		Gender:      nullable(strings.ToUpper(f.gender)),
	}
	if !f.foreignerUnknown {
		c.IsForeigner = new(f.foreigner)
	}
	if f.ci {
		c.CI = new(fakeCI(f.Label))
	}
	if f.di {
		c.DI = new(fakeDI(f.Label))
	}
	v.VerifiedCustomer = c
	return v
}

// v2Operator maps a V1 carrier to V2's IdentityVerificationOperator: LG U+
// is "LGT" in V1 and "LGU" in V2.
func v2Operator(carrier string) string {
	if rest, ok := strings.CutPrefix(carrier, "LGT"); ok {
		return "LGU" + rest
	}
	return carrier
}
