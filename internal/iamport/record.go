package iamport

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// wireCert is the certification response member; members not listed here
// are ignored. A member that is absent or null decodes to its zero value,
// which means "unknown" or "no" for each of them; only imp_uid (absent:
// taken to be the id asked about) and foreigner_v2 (present: overrides
// foreigner) need a pointer to tell absence apart.
type wireCert struct {
	ImpUID       *string         `json:"imp_uid"`
	Certified    bool            `json:"certified"`
	CertifiedAt  int64           `json:"certified_at"`
	Name         string          `json:"name"`
	Gender       string          `json:"gender"`
	Birthday     string          `json:"birthday"`
	Birth        json.RawMessage `json:"birth"`
	Foreigner    bool            `json:"foreigner"`
	ForeignerV2  *bool           `json:"foreigner_v2"`
	Phone        string          `json:"phone"`
	Carrier      string          `json:"carrier"`
	UniqueKey    string          `json:"unique_key"`
	UniqueInSite string          `json:"unique_in_site"`
}

var errOtherID = errors.New("answer is about another imp_uid")

// decodeRecord turns a certification response member, decoded, into a Record for the
// id that was asked about.
//
// Documented fields with the wrong JSON type make the answer invalid. The
// undocumented `birth` is only a fallback: when it is malformed it is
// treated as absent. An imp_uid in the answer that differs from id makes
// the answer invalid; an absent one is taken to be id.
func decodeRecord(w *wireCert, id string) (certification.Record, error) {
	if w.ImpUID != nil && *w.ImpUID != id {
		return certification.Record{}, errOtherID
	}
	rec := certification.Record{
		Source:    certification.SourceIamport,
		ImpUID:    id,
		Certified: w.Certified,
		Name:      w.Name,
		Gender:    w.Gender,
		Birthday:  birthday(w.Birthday, w.Birth),
		Foreigner: w.Foreigner,
		Phone:     w.Phone,
		Carrier:   w.Carrier,
		CI:        w.UniqueKey,
		DI:        w.UniqueInSite,
	}
	if w.ForeignerV2 != nil {
		rec.Foreigner = *w.ForeignerV2
	}
	if w.CertifiedAt > 0 {
		rec.CertifiedAt = time.Unix(w.CertifiedAt, 0).UTC()
	}
	return rec, nil
}

// birthday prefers the documented `birthday` (strict YYYY-MM-DD) and falls
// back to `birth`, Unix seconds at midnight Asia/Seoul, read as a date in
// that zone. A `birth` of 0 means unknown: nobody's Seoul midnight falls on
// the Unix epoch.
func birthday(text string, birth json.RawMessage) certification.Date {
	if len(text) == len(time.DateOnly) {
		if t, err := time.Parse(time.DateOnly, text); err == nil {
			return certification.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
		}
	}
	secs, err := strconv.ParseInt(string(birth), 10, 64)
	if err != nil || secs == 0 {
		return certification.Date{}
	}
	y, m, d := time.Unix(secs, 0).In(certification.Seoul).Date()
	return certification.Date{Year: y, Month: m, Day: d}
}
