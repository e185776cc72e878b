package sandbox

import (
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// origin is the page the fake verifications ran on; the real API reports
// the page URL and sometimes about:blank.
const origin = "about:blank"

// certificationAnswer is the response member of a certification answer,
// with the field names, types, nulls and absent keys of the real API.
type certificationAnswer struct {
	ImpUID       string  `json:"imp_uid"`
	MerchantUID  *string `json:"merchant_uid"`
	PGTID        *string `json:"pg_tid"`
	PGProvider   string  `json:"pg_provider"`
	Name         *string `json:"name"`
	Gender       *string `json:"gender"`
	Birth        int64   `json:"birth"`
	Birthday     string  `json:"birthday"`
	Foreigner    bool    `json:"foreigner"`
	ForeignerV2  *bool   `json:"foreigner_v2"`
	Phone        *string `json:"phone,omitempty"`
	Carrier      *string `json:"carrier,omitempty"`
	Certified    bool    `json:"certified"`
	CertifiedAt  int64   `json:"certified_at"`
	UniqueKey    *string `json:"unique_key"`
	UniqueInSite *string `json:"unique_in_site"`
	Origin       string  `json:"origin"`
}

// certificationFor builds the certification of test identity id as it
// reads at now, reporting false for ids with no record. It also returns
// id's fixture, if id has one, with or without a record.
func certificationFor(id string, now time.Time) (certificationAnswer, fixture, bool) {
	f, ok := fixtureFor(id)
	if !ok || f.birthday == nil {
		return certificationAnswer{}, f, false
	}
	return certificationOf(f, now, now.Add(-f.certifiedAgo), "mid_sandbox_"+f.Label), f, true
}

// certificationOf builds the certification of fixture f (with f.ID as its
// imp_uid) as it reads at now: certified at at (when f is certified) for
// the order merchantUID. f must have a birthday.
func certificationOf(f fixture, now, at time.Time, merchantUID string) certificationAnswer {
	born := f.birthday(seoulToday(now))
	c := certificationAnswer{
		ImpUID:      f.ID,
		MerchantUID: new(merchantUID),
		PGProvider:  f.provider,
		Name:        nullable(f.name),
		Gender:      nullable(f.gender),
		Birth:       born.Unix(),
		Birthday:    born.Format(time.DateOnly),
		Foreigner:   f.foreigner,
		ForeignerV2: f.foreignerV2,
		Phone:       nullable(f.phone),
		Carrier:     nullable(f.carrier),
		Certified:   f.certified,
		Origin:      origin,
	}
	if f.certified {
		c.CertifiedAt = at.Unix()
		c.PGTID = new(pgTID(f, at))
	}
	if f.ci {
		c.UniqueKey = new(fakeCI(f.Label))
	}
	if f.di {
		c.UniqueInSite = new(fakeDI(f.Label))
	}
	return c
}

// nullable returns nil for "" and a pointer to s otherwise.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pgTID imitates the provider's transaction id: Danal's 24 digits (the
// Seoul time of verification and 10 digits of the imp_uid) or an Inicis
// "INISA_" id.
func pgTID(f fixture, at time.Time) string {
	digits := strings.TrimPrefix(f.ID, "imp_")
	if f.provider == providerInicis {
		return "INISA_SANDBOX" + digits
	}
	if len(digits) > 10 { // ids chosen by a page (V2) may be shorter
		digits = digits[len(digits)-10:]
	}
	return at.In(certification.Seoul).Format("20060102150405") + digits
}

// fakeCI returns a deterministic 88-character base64 string (64 bytes, the
// size of a real CI) that is distinct for every label.
func fakeCI(label string) string {
	sum := sha512.Sum512([]byte("caddy-iamport sandbox CI " + label))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// fakeDI returns a deterministic 64-character base64 string (48 bytes)
// that is distinct for every label and from every CI.
func fakeDI(label string) string {
	sum := sha512.Sum384([]byte("caddy-iamport sandbox DI " + label))
	return base64.StdEncoding.EncodeToString(sum[:])
}
