package demopage

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

// Asset paths. The page itself is answered for every other GET.
const (
	PathScript     = "/demo/app.js"
	PathStylesheet = "/demo/app.css"
)

// Config is what the page needs to know. At least one of V1 and V2 must be
// set; with both, the page lets the person choose.
type Config struct {
	// SDK is the origin at which the browser reaches the sandbox, which
	// serves /sdk/iamport.js and /sdk/portone.js, e.g.
	// http://127.0.0.1:8081. Required.
	SDK string
	// V1 configures i'mport V1 (IMP.certification).
	V1 *V1
	// V2 configures PortOne V2 (PortOne.requestIdentityVerification).
	V2 *V2
}

// V1 is the page's i'mport V1 settings.
type V1 struct {
	// UserCode is the merchant code passed to IMP.init. Default:
	// imp00000000, the documentation's example.
	UserCode string
	// ChannelKey is passed to IMP.certification when set.
	ChannelKey string
	// Signup is the path the page posts {imp_uid, email, nick} to, a
	// path covered by the gateway's verify block. Default: /signup.
	Signup string
}

// V2 is the page's PortOne V2 settings.
type V2 struct {
	// StoreID is the storeId passed to requestIdentityVerification.
	// Required.
	StoreID string
	// ChannelKey is the channelKey passed to requestIdentityVerification.
	// Required.
	ChannelKey string
	// Signup is the path the page posts {identityVerificationId, email,
	// nick} to. Required.
	Signup string
}

// Handler serves the page and its assets. Create it with New.
type Handler struct {
	page []byte // the rendered page
	csp  string
}

//go:embed web
var webFS embed.FS

var pageTemplate = template.Must(template.ParseFS(webFS, "web/index.html"))

// pageData is what web/index.html shows.
type pageData struct {
	SDK string
	V1  *V1
	V2  *V2
}

// New checks cfg, fills its defaults and renders the page once.
func New(cfg Config) (*Handler, error) {
	sdk, err := origin(cfg.SDK)
	if err != nil {
		return nil, fmt.Errorf("sdk: %w", err)
	}
	if cfg.V1 == nil && cfg.V2 == nil {
		return nil, errors.New("neither i'mport V1 nor PortOne V2 is configured")
	}
	data := pageData{SDK: sdk}
	if cfg.V1 != nil {
		v1 := *cfg.V1
		if v1.UserCode == "" {
			v1.UserCode = "imp00000000"
		}
		if v1.Signup == "" {
			v1.Signup = "/signup"
		}
		if !strings.HasPrefix(v1.Signup, "/") {
			return nil, fmt.Errorf("v1 signup path %q must start with /", v1.Signup)
		}
		data.V1 = &v1
	}
	if cfg.V2 != nil {
		v2 := *cfg.V2
		if v2.StoreID == "" || v2.ChannelKey == "" || v2.Signup == "" {
			return nil, errors.New("v2 needs a store id, a channel key and a signup path")
		}
		if !strings.HasPrefix(v2.Signup, "/") {
			return nil, fmt.Errorf("v2 signup path %q must start with /", v2.Signup)
		}
		data.V2 = &v2
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering the page: %w", err)
	}
	return &Handler{
		page: buf.Bytes(),
		// The page runs its own script and the SDK from the sandbox, and
		// talks only to its own origin; the SDK's window is a popup or a
		// navigation, never a frame.
		csp: "default-src 'self'; script-src 'self' " + sdk + "; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'",
	}, nil
}

// origin checks that s is a serialised http(s) origin and returns it.
func origin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an http(s) origin such as http://127.0.0.1:8081", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// assets are the files served as they are.
var assets = map[string]struct{ file, contentType string }{
	PathScript:     {"web/app.js", "text/javascript; charset=utf-8"},
	PathStylesheet: {"web/app.css", "text/css; charset=utf-8"},
}

// ServeHTTP answers GET and HEAD: the assets at their paths, the page at
// every other path (so that the redirect flow's landing URL, the page's URL
// with the id in the query, shows the page). Other methods are answered 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-cache")
	if a, ok := assets[r.URL.Path]; ok {
		body, err := webFS.ReadFile(a.file)
		if err != nil {
			http.Error(w, "demo page: missing asset", http.StatusInternalServerError)
			return
		}
		hdr.Set("Content-Type", a.contentType)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.csp)
	// The landing URL carries the verification id; keep it out of the
	// Referer of anything the page loads.
	hdr.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}
