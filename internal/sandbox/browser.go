package sandbox

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The browser half of the sandbox: imitations of the browser SDKs, the
// verification window they open, and its stylesheet and script. Everything
// is embedded; nothing is loaded from the internet.
const (
	// PathIamportJS serves the imitation of i'mport's
	// https://cdn.iamport.kr/v1/iamport.js (global IMP).
	PathIamportJS = "/sdk/iamport.js"
	// PathV1Window is the verification window IMP.certification opens:
	// GET shows the test identities, POST completes or cancels.
	PathV1Window = "/sdk/v1/certification"

	prefixSDK      = "/sdk/"
	pathWindowJS   = "/sdk/window.js"
	pathWindowCSS  = "/sdk/window.css"
	maxWindowForm  = 16 << 10 // bytes of form a window POST may send
	maxParamLength = 2048     // bytes of any one window parameter
)

//go:embed web
var webFS embed.FS

// webModTime is the zero time: the assets carry no Last-Modified, and
// browsers revalidate them (Cache-Control: no-cache) on every load.
var webModTime time.Time

var windowTemplates = template.Must(template.ParseFS(webFS, "web/window.html", "web/done.html", "web/refused.html"))

// staticAssets are the files served as they are, by path.
var staticAssets = map[string]struct{ file, contentType string }{
	PathIamportJS: {"web/iamport.js", "text/javascript; charset=utf-8"},
	PathPortOneJS: {"web/portone.js", "text/javascript; charset=utf-8"},
	pathWindowJS:  {"web/window.js", "text/javascript; charset=utf-8"},
	pathWindowCSS: {"web/window.css", "text/css; charset=utf-8"},
}

// serveBrowser answers every path under /sdk/.
func (s *Server) serveBrowser(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if a, ok := staticAssets[p]; ok {
		if allow(w, r, refusePage, http.MethodGet, http.MethodHead) {
			serveAsset(w, r, a.file, a.contentType)
		}
		return
	}
	switch p {
	case PathV1Window:
		s.serveV1Window(w, r)
	case PathV2Window:
		s.serveV2Window(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveAsset answers with an embedded file. The SDK imitations may be loaded
// by any page (they are scripts), and are revalidated on every load so that
// a changed sandbox is picked up at once.
func serveAsset(w http.ResponseWriter, r *http.Request, file, contentType string) {
	body, err := webFS.ReadFile(file)
	if err != nil {
		http.Error(w, "sandbox: missing asset", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", webModTime, bytes.NewReader(body))
}

// Window modes: a popup window posts its result to the page that opened it;
// a redirect sends the whole tab to the page's landing URL.
const (
	modePopup    = "popup"
	modeRedirect = "redirect"
)

// windowParams are the parameters every window carries from the SDK call
// to the form post, shared by V1 and V2.
type windowParams struct {
	mode     string // modePopup or modeRedirect
	origin   string // popup: the opener's origin, the postMessage target
	redirect string // redirect: the landing URL, absolute http(s)
	company  string // shown in the window; may be empty
}

// errBadWindow marks window parameters a page could not have produced
// through the SDK.
var errBadWindow = errors.New("bad window parameters")

// readWindowParams reads and checks the shared parameters. redirectKey is
// the name of the landing URL parameter (m_redirect_url or redirectUrl).
func readWindowParams(v url.Values, redirectKey string) (windowParams, error) {
	for k, vals := range v {
		for _, val := range vals {
			if len(val) > maxParamLength {
				return windowParams{}, fmt.Errorf("%w: %s is longer than %d bytes", errBadWindow, k, maxParamLength)
			}
		}
	}
	p := windowParams{mode: v.Get("mode"), company: v.Get("company")}
	switch p.mode {
	case modePopup:
		o, err := checkOrigin(v.Get("origin"))
		if err != nil {
			return windowParams{}, err
		}
		p.origin = o
	case modeRedirect:
		u, err := checkLanding(v.Get(redirectKey))
		if err != nil {
			return windowParams{}, fmt.Errorf("%w: %s: %v", errBadWindow, redirectKey, err)
		}
		p.redirect = u
	default:
		return windowParams{}, fmt.Errorf("%w: mode must be %q or %q", errBadWindow, modePopup, modeRedirect)
	}
	return p, nil
}

// checkOrigin accepts a serialised http(s) origin (scheme://host[:port],
// nothing else), the only thing postMessage may be aimed at; "*" would hand
// the result to whatever page sits in the opener.
func checkOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return "", fmt.Errorf("%w: origin must be an http(s) origin such as http://localhost:8080", errBadWindow)
	}
	return u.Scheme + "://" + u.Host, nil
}

// checkLanding accepts an absolute http(s) URL without a fragment.
func checkLanding(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("must be an absolute http(s) URL")
	}
	if u.User != nil {
		return "", errors.New("must not carry user information")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// withQuery returns landing with the pairs appended to its query, keeping
// the parameters it already has, in the given order.
func withQuery(landing string, pairs [][2]string) string {
	u, err := url.Parse(landing)
	if err != nil { // checked by checkLanding before
		return landing
	}
	var b strings.Builder
	b.WriteString(u.RawQuery)
	for _, kv := range pairs {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[1]))
	}
	u.RawQuery = b.String()
	return u.String()
}

// hiddenField is a parameter the window form carries back to the sandbox.
type hiddenField struct{ Name, Value string }

// choice is one test identity the window offers.
type choice struct {
	Label, Korean, English, Description string
}

// windowPage is what web/window.html shows.
type windowPage struct {
	Product string // "i'mport V1 IMP.certification" or "PortOne V2 …"
	Company string
	Action  string
	Hidden  []hiddenField
	Choices []choice
}

// donePage is what web/done.html shows: the result a popup posts to its
// opener.
type donePage struct {
	Channel string // the message's "sandbox" member: "iamport" or "portone"
	Origin  string // the postMessage target origin
	Result  string // the result object, as JSON
	Summary string // the outcome in words, for a window left open
}

// renderPage answers w with one of the window templates.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := windowTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "sandbox: rendering the window failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// Only this sandbox's own stylesheet and script run in the window.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self' http: https:; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// refuseWindow answers 400 with a page saying what was wrong with the
// window's parameters.
func refuseWindow(w http.ResponseWriter, err error) {
	renderPage(w, http.StatusBadRequest, "refused.html", err.Error())
}
