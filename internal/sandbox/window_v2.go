package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/verigate/caddy-iamport/internal/portone"
)

// The V2 browser paths.
const (
	// PathPortOneJS serves the imitation of PortOne's
	// https://cdn.portone.io/v2/browser-sdk.js (global PortOne).
	PathPortOneJS = "/sdk/portone.js"
	// PathV2Window is the verification window
	// PortOne.requestIdentityVerification opens: GET shows the test
	// identities, POST completes or cancels.
	PathV2Window = "/sdk/v2/identity-verification"
)

// v2WindowIdentities are the identities the V2 window offers: the V1 ones,
// with PortOne named where V1's name i'mport, and the V2-only one.
var v2WindowIdentities = func() []choice {
	out := slices.Clone(windowIdentities)
	for i, c := range out {
		if c.Label == "api_error" {
			out[i].Korean, out[i].English = "조회 시 PortOne 오류", "PortOne error on lookup"
		}
	}
	return append(out, choice{Label: "foreigner_unknown", Korean: "국적 정보 없음 (31세)", English: "Nationality not reported, 31"})
}()

// v2WindowChoices returns the identities the V2 window offers, each with
// the description of its fixture.
func v2WindowChoices() []choice { return describedChoices(v2WindowIdentities, v2FixtureByLabel) }

// v2FixtureByLabel returns the V1 or V2-only test identity labelled label.
func v2FixtureByLabel(label string) (fixture, bool) {
	if f, ok := fixtureByLabel(label); ok {
		return f, true
	}
	i := slices.IndexFunc(v2OnlyFixtures, func(f fixture) bool { return f.Label == label })
	if i < 0 {
		return fixture{}, false
	}
	return v2OnlyFixtures[i], true
}

// Failure codes and messages of V2 verifications. PortOne documents the
// response's code as present on failure only; these name the sandbox's
// cases.
const (
	v2CodeCancelled       = "SANDBOX_CANCELLED"
	v2CodeNotVerified     = "SANDBOX_NOT_VERIFIED"
	v2CodeAlreadyVerified = "SANDBOX_ALREADY_VERIFIED"
	v2MsgAlreadyVerified  = "이미 인증이 완료된 본인인증 건입니다."
)

// v2Result is what requestIdentityVerification's promise resolves to (the
// browser SDK's IdentityVerificationResponse): code and message only on
// failure.
type v2Result struct {
	TransactionType          string `json:"transactionType"`
	IdentityVerificationID   string `json:"identityVerificationId"`
	IdentityVerificationTxID string `json:"identityVerificationTxId"`
	Code                     string `json:"code,omitempty"`
	Message                  string `json:"message,omitempty"`
}

// query returns the parameters PortOne appends to redirectUrl: the same
// members as the promise's result.
func (r v2Result) query() [][2]string {
	q := [][2]string{
		{"transactionType", r.TransactionType},
		{"identityVerificationId", r.IdentityVerificationID},
		{"identityVerificationTxId", r.IdentityVerificationTxID},
	}
	if r.Code != "" {
		q = append(q, [2]string{"code", r.Code}, [2]string{"message", r.Message})
	}
	return q
}

// v2Params are the V2 window's own parameters.
type v2Params struct {
	storeID, id, txID string
}

// readV2Params checks the parameters PortOne.requestIdentityVerification
// passes: the sandbox's own storeId, an identityVerificationId in the
// grammar the gateway accepts, and the attempt's transaction id.
func (s *Server) readV2Params(v url.Values) (v2Params, error) {
	p := v2Params{storeID: v.Get("storeId"), id: v.Get("identityVerificationId"), txID: v.Get("identityVerificationTxId")}
	if p.storeID != s.storeID {
		return v2Params{}, fmt.Errorf("%w: storeId %q is not this sandbox's store (%s)", errBadWindow, p.storeID, s.storeID)
	}
	// The gateway's PortOne source's grammar (portone.ValidID): 1 to 128
	// ASCII letters, digits, '-' and '_'.
	if !portone.ValidID(p.id) {
		return v2Params{}, fmt.Errorf("%w: identityVerificationId must be 1 to %d letters, digits, '-' or '_'", errBadWindow, portone.MaxIDLength)
	}
	if !portone.ValidID(p.txID) || len(p.txID) > 64 {
		return v2Params{}, fmt.Errorf("%w: identityVerificationTxId must be 1 to 64 letters, digits, '-' or '_'", errBadWindow)
	}
	return p, nil
}

// serveV2Window answers PathV2Window. GET shows the window
// requestIdentityVerification opened; POST completes the verification of
// the page's identityVerificationId with the identity picked (answered by
// GET /identity-verifications/{id} from then on) or cancels it, and hands
// the result to the page: posted to the opener in popup mode, appended to
// redirectUrl in redirect mode. An id that is already verified cannot be
// verified again, as with PortOne; an unfinished one can.
func (s *Server) serveV2Window(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, refusePage, http.MethodGet, http.MethodHead, http.MethodPost) {
		return
	}
	if r.Method != http.MethodPost {
		q := r.URL.Query()
		if _, err := readWindowParams(q, "redirectUrl"); err != nil {
			refuseWindow(w, err)
			return
		}
		if _, err := s.readV2Params(q); err != nil {
			refuseWindow(w, err)
			return
		}
		renderPage(w, http.StatusOK, "window.html", windowPage{
			Product: "PortOne V2 · requestIdentityVerification", Company: s.storeID, Action: PathV2Window,
			Hidden:  hiddenFields(q, "mode", "origin", "redirectUrl", "storeId", "identityVerificationId", "identityVerificationTxId"),
			Choices: v2WindowChoices(),
		})
		return
	}

	form, ok := readWindowForm(w, r)
	if !ok {
		return
	}
	wp, err := readWindowParams(form, "redirectUrl")
	if err != nil {
		refuseWindow(w, err)
		return
	}
	p, err := s.readV2Params(form)
	if err != nil {
		refuseWindow(w, err)
		return
	}
	res := v2Result{TransactionType: "IDENTITY_VERIFICATION", IdentityVerificationID: p.id, IdentityVerificationTxID: p.txID}
	if form.Has("cancel") {
		res.Code, res.Message = v2CodeCancelled, v1MsgCancelled
	} else {
		label := form.Get("identity")
		if !offers(v2WindowIdentities, label) {
			refuseWindow(w, fmt.Errorf("%w: unknown identity %q", errBadWindow, label))
			return
		}
		switch {
		case fixedV2ID(p.id) || !s.mintedV2.put(p.id, minted{label: label, at: s.now()}, unfinished):
			res.Code, res.Message = v2CodeAlreadyVerified, v2MsgAlreadyVerified
		case label == "not_certified":
			res.Code, res.Message = v2CodeNotVerified, v1MsgNotCertified
		}
	}
	handBack(w, r, wp, "portone", res.query(), res, res.Code == "")
}

// unfinished reports whether a recorded V2 verification may be tried again:
// only one that was not completed.
func unfinished(old minted) bool { return old.label == "not_certified" }

// fixedV2ID reports whether id is one of the fixed or generated V2 test
// identities, which are verified already and cannot be verified again.
func fixedV2ID(id string) bool {
	_, ok := v2FixtureFor(id)
	return ok
}

// mintedVerification returns the V2 verification of an
// identityVerificationId completed in the window, as it reads at now, and
// reports whether id is one. Its fixture's label says which identity the
// person picked.
func (s *Server) mintedVerification(id string, now time.Time) (v2Verification, fixture, bool) {
	m, f, ok := mintedFixture(&s.mintedV2, id, v2FixtureByLabel)
	if !ok {
		return v2Verification{}, fixture{}, false
	}
	if f.birthday == nil { // api_error: no record, an error answer
		return v2Verification{}, f, true
	}
	return verificationOf(f, now, m.certifiedAt(f)), f, true
}
