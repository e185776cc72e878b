package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// windowIdentities are the test identities the verification window offers,
// with how the window names them. Each can be picked any number of times;
// every pick is a new verification of the same person (the same CI and DI).
var windowIdentities = []choice{
	{Label: "adult", Korean: "성인 (30세)", English: "Adult, 30"},
	{Label: "minor", Korean: "미성년자 (15세)", English: "Minor, 15"},
	{Label: "turns_19_today", Korean: "오늘 만 19세", English: "Turns 19 today"},
	{Label: "turns_19_tomorrow", Korean: "내일 만 19세 (오늘은 18세)", English: "Turns 19 tomorrow (18 today)"},
	{Label: "foreigner", Korean: "외국인 (28세)", English: "Foreign national, 28"},
	{Label: "hangul_name", Korean: "홍길동 (45세)", English: "Named 홍길동, 45"},
	{Label: "no_di", Korean: "DI 없음 (KG이니시스 통합인증)", English: "No DI (KG Inicis unified)"},
	{Label: "no_ci", Korean: "CI 없음", English: "No CI"},
	{Label: "stale", Korean: "2시간 전에 끝난 인증", English: "Verified two hours ago"},
	{Label: "not_certified", Korean: "인증 미완료", English: "Not completed"},
	{Label: "api_error", Korean: "조회 시 i'mport 오류", English: "i'mport error on lookup"},
}

// windowChoices returns the identities the window offers, each with the
// description of its fixture.
func windowChoices() []choice { return describedChoices(windowIdentities, fixtureByLabel) }

// fixtureByLabel returns the fixed test identity labelled label.
func fixtureByLabel(label string) (fixture, bool) {
	i := slices.IndexFunc(fixtures, func(f fixture) bool { return f.Label == label })
	if i < 0 {
		return fixture{}, false
	}
	return fixtures[i], true
}

// Error codes and messages of failed V1 verifications. i'mport documents
// no list of certification error codes; these name the sandbox's cases.
const (
	v1CodeCancelled    = "sandbox_cancelled"
	v1MsgCancelled     = "사용자가 본인인증을 취소했습니다."
	v1CodeNotCertified = "sandbox_not_certified"
	v1MsgNotCertified  = "본인인증이 완료되지 않았습니다."
)

// v1Result is what IMP.certification's callback receives (cft-rt: success,
// error_code, error_msg, imp_uid, merchant_uid), plus imp_success, the
// other spelling of success that i'mport's SDKs also send.
type v1Result struct {
	Success     bool    `json:"success"`
	ImpSuccess  bool    `json:"imp_success"`
	ImpUID      *string `json:"imp_uid"`
	MerchantUID string  `json:"merchant_uid"`
	ErrorCode   *string `json:"error_code"`
	ErrorMsg    *string `json:"error_msg"`
}

// query returns the parameters i'mport appends to m_redirect_url: imp_uid,
// merchant_uid, and success and imp_success as "true" or "false"; a
// failure adds error_code and error_msg. A cancelled verification has no
// imp_uid.
func (r v1Result) query() [][2]string {
	var q [][2]string
	if r.ImpUID != nil {
		q = append(q, [2]string{"imp_uid", *r.ImpUID})
	}
	q = append(q, [2]string{"merchant_uid", r.MerchantUID},
		[2]string{"success", fmt.Sprint(r.Success)}, [2]string{"imp_success", fmt.Sprint(r.ImpSuccess)})
	if r.ErrorCode != nil {
		q = append(q, [2]string{"error_code", *r.ErrorCode}, [2]string{"error_msg", *r.ErrorMsg})
	}
	return q
}

// serveV1Window answers PathV1Window. GET shows the window IMP.certification
// opened; POST completes the verification with the identity picked (a new
// imp_uid, answered by GET /certifications/{imp_uid} from then on) or
// cancels it, and hands the result to the page: posted to the opener in
// popup mode, appended to m_redirect_url in redirect mode.
func (s *Server) serveV1Window(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, refusePage, http.MethodGet, http.MethodHead, http.MethodPost) {
		return
	}
	if r.Method != http.MethodPost {
		q := r.URL.Query()
		if _, err := readWindowParams(q, "m_redirect_url"); err != nil {
			refuseWindow(w, err)
			return
		}
		company := q.Get("company")
		if company == "" {
			company = "포트원" // the documented default of the company parameter
		}
		renderPage(w, http.StatusOK, "window.html", windowPage{
			Product: "i'mport V1 · IMP.certification", Company: company, Action: PathV1Window,
			Hidden:  hiddenFields(q, "mode", "origin", "m_redirect_url", "merchant_uid"),
			Choices: windowChoices(),
		})
		return
	}

	form, ok := readWindowForm(w, r)
	if !ok {
		return
	}
	p, err := readWindowParams(form, "m_redirect_url")
	if err != nil {
		refuseWindow(w, err)
		return
	}
	res := v1Result{MerchantUID: form.Get("merchant_uid")}
	if form.Has("cancel") {
		res.ErrorCode, res.ErrorMsg = new(v1CodeCancelled), new(v1MsgCancelled)
	} else {
		label := form.Get("identity")
		if !offers(windowIdentities, label) {
			refuseWindow(w, fmt.Errorf("%w: unknown identity %q", errBadWindow, label))
			return
		}
		id, err := s.minted.add(MintedPrefix, 11, minted{label: label, at: s.now(), merchantUID: res.MerchantUID})
		if err != nil {
			http.Error(w, "sandbox: "+err.Error(), http.StatusInternalServerError)
			return
		}
		res.ImpUID = &id
		if label == "not_certified" {
			res.ErrorCode, res.ErrorMsg = new(v1CodeNotCertified), new(v1MsgNotCertified)
		} else {
			res.Success, res.ImpSuccess = true, true
		}
	}
	handBack(w, r, p, "iamport", res.query(), res, res.Success)
}

// mintedCertification returns the certification of an imp_uid minted by
// the window, as it reads at now, and reports whether id is one. Its
// fixture's label says which identity the person picked.
func (s *Server) mintedCertification(id string, now time.Time) (certificationAnswer, fixture, bool) {
	m, f, ok := mintedFixture(&s.minted, id, fixtureByLabel)
	if !ok {
		return certificationAnswer{}, fixture{}, false
	}
	if f.birthday == nil { // api_error: no record, a business error
		return certificationAnswer{}, f, true
	}
	return certificationOf(f, now, m.certifiedAt(f), m.merchantUID), f, true
}
