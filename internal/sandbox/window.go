package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// The mechanism both verification windows (V1's and V2's) share: the
// identities offered, the hidden fields the form carries back, reading the
// posted form, and handing the result to the page. Each window keeps its
// own parameters and result shape.

// describedChoices returns offered, each choice with the description of the
// fixture byLabel finds for it.
func describedChoices(offered []choice, byLabel func(string) (fixture, bool)) []choice {
	out := make([]choice, len(offered))
	for i, c := range offered {
		f, _ := byLabel(c.Label)
		c.Description = f.Description
		out[i] = c
	}
	return out
}

// offers reports whether choices include label.
func offers(choices []choice, label string) bool {
	return slices.ContainsFunc(choices, func(c choice) bool { return c.Label == label })
}

// hiddenFields returns the parameters of q named by keys, in that order,
// leaving out the empty ones, for the window form to carry back.
func hiddenFields(q url.Values, keys ...string) []hiddenField {
	hidden := make([]hiddenField, 0, len(keys))
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			hidden = append(hidden, hiddenField{k, v})
		}
	}
	return hidden
}

// readWindowForm reads the window's posted form, at most maxWindowForm
// bytes. When the form cannot be read it answers 400 with the refusal page
// and reports false.
func readWindowForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWindowForm)
	if err := r.ParseForm(); err != nil {
		refuseWindow(w, fmt.Errorf("%w: %v", errBadWindow, err))
		return nil, false
	}
	return r.PostForm, true
}

// handBack hands a window's result to the page: in redirect mode it sends
// the tab to the landing URL with query appended (303); in popup mode it
// answers done.html, which posts result (as JSON) to the opener's origin on
// channel ("iamport" or "portone") and says in words whether the
// verification succeeded.
func handBack(w http.ResponseWriter, r *http.Request, p windowParams, channel string, query [][2]string, result any, succeeded bool) {
	if p.mode == modeRedirect {
		http.Redirect(w, r, withQuery(p.redirect, query), http.StatusSeeOther)
		return
	}
	body, _ := json.Marshal(result)
	summary := "본인인증을 마쳤습니다. 이 창을 닫아 주세요. / Verification finished; you may close this window."
	if !succeeded {
		summary = "본인인증이 완료되지 않았습니다. 이 창을 닫아 주세요. / Verification not completed; you may close this window."
	}
	renderPage(w, http.StatusOK, "done.html", donePage{Channel: channel, Origin: p.origin, Result: string(body), Summary: summary})
}

// mintedFixture returns the verification reg recorded under id and the
// fixture of the identity picked (found by byLabel), with ID set to id,
// reporting false when id is not recorded.
func mintedFixture(reg *mintRegistry, id string, byLabel func(string) (fixture, bool)) (minted, fixture, bool) {
	m, ok := reg.get(id)
	if !ok {
		return minted{}, fixture{}, false
	}
	f, ok := byLabel(m.label)
	if !ok {
		return minted{}, fixture{}, false
	}
	f.ID = id
	return m, f, true
}
