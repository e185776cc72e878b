package sandbox

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/verigate/caddy-iamport/internal/demopage"
)

func init() {
	caddy.RegisterModule(Demo{})
	httpcaddyfile.RegisterHandlerDirective("iamport_demo", parseDemo)
	// The page answers requests itself, like respond.
	httpcaddyfile.RegisterDirectiveOrder("iamport_demo", httpcaddyfile.Before, "respond")
}

// Demo is an HTTP handler that serves the demo's signup page: a form, a
// "본인인증" button that calls the sandbox's browser SDK imitation, the POST
// of the verification id to the gateway's verify path, and the gateway's
// answer in words (see internal/demopage). It answers GET and HEAD with the
// page at every path but its two assets (/demo/app.js and /demo/app.css),
// and other methods with 405. It always answers; it never calls the next
// handler.
//
// It belongs to the demo, like the sandbox: a production build, which
// imports only the plugin's root package, does not carry it.
type Demo struct {
	// SDK is the origin at which browsers reach the iamport_sandbox site,
	// e.g. http://127.0.0.1:8081. Required.
	SDK string `json:"sdk,omitempty"`
	// V1 makes the page verify with i'mport V1 (IMP.certification).
	V1 *DemoV1 `json:"v1,omitempty"`
	// V2 makes the page verify with PortOne V2
	// (PortOne.requestIdentityVerification).
	V2 *DemoV2 `json:"v2,omitempty"`
	// URL is the page's address, e.g. http://localhost:8080/. Optional:
	// when set, it is logged when the config loads, so that whoever runs
	// the demo sees where to open it.
	URL string `json:"url,omitempty"`

	h *demopage.Handler
}

// DemoV1 is the page's i'mport V1 settings.
type DemoV1 struct {
	// UserCode is passed to IMP.init. Default: imp00000000.
	UserCode string `json:"user_code,omitempty"`
	// ChannelKey is passed to IMP.certification when set.
	ChannelKey string `json:"channel_key,omitempty"`
	// Signup is the verify path the page posts the imp_uid to. Default:
	// /signup.
	Signup string `json:"signup,omitempty"`
}

// DemoV2 is the page's PortOne V2 settings; all three are required.
type DemoV2 struct {
	// StoreID is passed as storeId.
	StoreID string `json:"store_id,omitempty"`
	// ChannelKey is passed as channelKey.
	ChannelKey string `json:"channel_key,omitempty"`
	// Signup is the verify path the page posts the identityVerificationId
	// to.
	Signup string `json:"signup,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Demo) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.iamport_demo",
		New: func() caddy.Module { return new(Demo) },
	}
}

// Provision checks the settings and renders the page.
func (d *Demo) Provision(ctx caddy.Context) error {
	cfg := demopage.Config{SDK: d.SDK}
	if d.V1 != nil {
		cfg.V1 = &demopage.V1{UserCode: d.V1.UserCode, ChannelKey: d.V1.ChannelKey, Signup: d.V1.Signup}
	}
	if d.V2 != nil {
		cfg.V2 = &demopage.V2{StoreID: d.V2.StoreID, ChannelKey: d.V2.ChannelKey, Signup: d.V2.Signup}
	}
	h, err := demopage.New(cfg)
	if err != nil {
		return err
	}
	d.h = h
	if d.URL != "" {
		ctx.Logger().Info("demo signup page: open " + d.URL + " in a browser")
	}
	return nil
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	d.h.ServeHTTP(w, r)
	return nil
}

// UnmarshalCaddyfile implements caddyfile.Unmarshaler. Syntax:
//
//	iamport_demo [<matcher>] {
//	    sdk <origin>
//	    url <the page's address, logged at startup>
//	    v1 {
//	        user_code   <code>
//	        channel_key <key>
//	        signup      <path>
//	    }
//	    v2 {
//	        store_id    <store id>
//	        channel_key <key>
//	        signup      <path>
//	    }
//	}
//
// sdk is required, and v1 or v2 or both (v1 may be written without a
// block, taking its defaults).
func (d *Demo) UnmarshalCaddyfile(disp *caddyfile.Dispenser) error {
	disp.Next() // the directive name
	if disp.NextArg() {
		return disp.ArgErr()
	}
	for nesting := disp.Nesting(); disp.NextBlock(nesting); {
		switch disp.Val() {
		case "sdk":
			if !disp.AllArgs(&d.SDK) {
				return disp.ArgErr()
			}
		case "url":
			if !disp.AllArgs(&d.URL) {
				return disp.ArgErr()
			}
		case "v1":
			if d.V1 != nil {
				return disp.Err("v1 given twice")
			}
			d.V1 = new(DemoV1)
			if err := unmarshalFields(disp, map[string]*string{
				"user_code": &d.V1.UserCode, "channel_key": &d.V1.ChannelKey, "signup": &d.V1.Signup,
			}); err != nil {
				return err
			}
		case "v2":
			if d.V2 != nil {
				return disp.Err("v2 given twice")
			}
			d.V2 = new(DemoV2)
			if err := unmarshalFields(disp, map[string]*string{
				"store_id": &d.V2.StoreID, "channel_key": &d.V2.ChannelKey, "signup": &d.V2.Signup,
			}); err != nil {
				return err
			}
		default:
			return disp.Errf("unrecognized subdirective: %s", disp.Val())
		}
	}
	if d.SDK == "" {
		return disp.Err("iamport_demo: sdk is required")
	}
	if d.V1 == nil && d.V2 == nil {
		return disp.Err("iamport_demo: v1 or v2 is required")
	}
	return nil
}

// unmarshalFields reads a block of one-value subdirectives into fields,
// after checking that the block's opening line has no argument.
func unmarshalFields(disp *caddyfile.Dispenser, fields map[string]*string) error {
	block := disp.Val()
	if disp.NextArg() {
		return disp.ArgErr()
	}
	for nesting := disp.Nesting(); disp.NextBlock(nesting); {
		dst, ok := fields[disp.Val()]
		if !ok {
			return disp.Errf("%s: unrecognized subdirective: %s", block, disp.Val())
		}
		if !disp.AllArgs(dst) {
			return disp.ArgErr()
		}
	}
	return nil
}

func parseDemo(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	d := new(Demo)
	err := d.UnmarshalCaddyfile(h.Dispenser)
	return d, err
}

// Interface guards
var (
	_ caddy.Module                = (*Demo)(nil)
	_ caddy.Provisioner           = (*Demo)(nil)
	_ caddyhttp.MiddlewareHandler = (*Demo)(nil)
	_ caddyfile.Unmarshaler       = (*Demo)(nil)
)
