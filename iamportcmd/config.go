package iamportcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/verigate/caddy-iamport/caddymodule"
	"github.com/verigate/caddy-iamport/internal/certification"
)

// handlerName is the value of the "handler" member that names the module.
const handlerName = "iamport_verify"

// handlerRef is one iamport_verify handler found in an adapted config.
type handlerRef struct {
	// label names the handler for the operator: its site address and its
	// position among the site's iamport_verify handlers, from 1
	// ("localhost:8080 #1").
	label string
	// sites are the site's addresses, one of which --site may name.
	sites []string
	// raw is the handler's JSON.
	raw json.RawMessage
}

// selection is what the flags --config, --adapter, --site and --source
// ask for.
type selection struct {
	configFile, adapter, site, source string
}

// selectionFlags reads the flags configFlags added.
func selectionFlags(fl caddycmd.Flags) selection {
	return selection{fl.String("config"), fl.String("adapter"), fl.String("site"), fl.String("source")}
}

// loadHandlers reads the config the way `caddy run` does (caddycmd.LoadConfig:
// the same --config and --adapter rules, the adjacent Caddyfile when
// --config is absent) and returns its iamport_verify handlers: those of
// sel.site and of sel.source when they are set.
func loadHandlers(sel selection) ([]handlerRef, error) {
	switch sel.source {
	case "", certification.SourceIamport, certification.SourcePortOne:
	default:
		return nil, fmt.Errorf("--source: want %s or %s", certification.SourceIamport, certification.SourcePortOne)
	}
	handlers, err := loadSiteHandlers(sel.configFile, sel.adapter, sel.site)
	if err != nil || sel.source == "" {
		return handlers, err
	}
	var picked []handlerRef
	for _, h := range handlers {
		// A handler whose source cannot be told stays, so that its
		// error is reported.
		if src, err := caddymodule.SourceOf(h.raw); err != nil || src == sel.source {
			picked = append(picked, h)
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no iamport_verify handler with source %s among the %d selected", sel.source, len(handlers))
	}
	return picked, nil
}

// loadSiteHandlers returns the config's iamport_verify handlers, those of
// site when it is not empty.
func loadSiteHandlers(configFile, adapter, site string) ([]handlerRef, error) {
	cfg, _, _, err := caddycmd.LoadConfig(configFile, adapter)
	if err != nil {
		return nil, err
	}
	if len(cfg) == 0 {
		return nil, errors.New("no config: give one with --config (and --adapter), or run in the directory of a Caddyfile")
	}
	all, err := findHandlers(cfg)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errors.New("the config has no iamport_verify handler")
	}
	if site == "" {
		return all, nil
	}
	var picked []handlerRef
	var known []string
	for _, h := range all {
		if slices.Contains(h.sites, site) {
			picked = append(picked, h)
		}
		for _, s := range h.sites {
			if !slices.Contains(known, s) {
				known = append(known, s)
			}
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no iamport_verify handler on site %q; the config has them on %s", site, strings.Join(known, ", "))
	}
	return picked, nil
}

// server is the part of an HTTP server's JSON that locates its routes.
type server struct {
	Listen []string          `json:"listen"`
	Routes []json.RawMessage `json:"routes"`
	Errors *struct {
		Routes []json.RawMessage `json:"routes"`
	} `json:"errors"`
	NamedRoutes map[string]json.RawMessage `json:"named_routes"`
}

// findHandlers returns every iamport_verify handler of the HTTP app's
// servers, in config order (servers by name), wherever it sits: in a
// route, a subroute (a Caddyfile handle or route block), the errors
// routes or a named route. A handler's site is the host matcher of the
// server's top-level route that holds it, with the server's port;
// handlers outside such a route are named by the server's listen
// addresses.
func findHandlers(cfg []byte) ([]handlerRef, error) {
	var doc struct {
		Apps struct {
			HTTP struct {
				Servers map[string]json.RawMessage `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(caddy.RemoveMetaFields(cfg), &doc); err != nil {
		return nil, fmt.Errorf("decoding config: %w", err)
	}
	var found []handlerRef
	counts := map[string]int{}
	add := func(sites []string, raw json.RawMessage) {
		label := strings.Join(sites, ", ")
		counts[label]++
		found = append(found, handlerRef{
			label: label + " #" + strconv.Itoa(counts[label]),
			sites: sites,
			raw:   raw,
		})
	}
	names := make([]string, 0, len(doc.Apps.HTTP.Servers))
	for name := range doc.Apps.HTTP.Servers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var srv server
		if err := json.Unmarshal(doc.Apps.HTTP.Servers[name], &srv); err != nil {
			return nil, fmt.Errorf("decoding server %s: %w", name, err)
		}
		listen := srv.Listen
		if len(listen) == 0 {
			listen = []string{"server " + name}
		}
		for _, route := range srv.Routes {
			sites := routeSites(route, srv.Listen)
			if len(sites) == 0 {
				sites = listen
			}
			if err := walk(route, func(raw json.RawMessage) { add(sites, raw) }); err != nil {
				return nil, fmt.Errorf("decoding server %s: %w", name, err)
			}
		}
		var rest []json.RawMessage
		if srv.Errors != nil {
			rest = append(rest, srv.Errors.Routes...)
		}
		routeNames := make([]string, 0, len(srv.NamedRoutes))
		for n := range srv.NamedRoutes {
			routeNames = append(routeNames, n)
		}
		slices.Sort(routeNames)
		for _, n := range routeNames {
			rest = append(rest, srv.NamedRoutes[n])
		}
		for _, route := range rest {
			if err := walk(route, func(raw json.RawMessage) { add(listen, raw) }); err != nil {
				return nil, fmt.Errorf("decoding server %s: %w", name, err)
			}
		}
	}
	return found, nil
}

// routeSites returns the addresses a top-level route serves: each host of
// its host matchers, with the server's port when it listens on one.
func routeSites(route json.RawMessage, listen []string) []string {
	var r struct {
		Match []struct {
			Host []string `json:"host"`
		} `json:"match"`
	}
	if json.Unmarshal(route, &r) != nil {
		return nil
	}
	port := ""
	if len(listen) == 1 {
		if addr, err := caddy.ParseNetworkAddress(listen[0]); err == nil && addr.StartPort == addr.EndPort && addr.StartPort != 0 {
			port = strconv.FormatUint(uint64(addr.StartPort), 10)
		}
	}
	var sites []string
	for _, m := range r.Match {
		for _, h := range m.Host {
			s := h
			if port != "" {
				s = net.JoinHostPort(h, port)
			}
			if !slices.Contains(sites, s) {
				sites = append(sites, s)
			}
		}
	}
	return sites
}

// walk calls visit for every JSON object under raw, raw included, whose
// "handler" member is iamport_verify: array items in order, object
// members by name. It does not look inside a handler it found.
func walk(raw json.RawMessage, visit func(json.RawMessage)) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		for _, item := range items {
			if err := walk(item, visit); err != nil {
				return err
			}
		}
	case '{':
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return err
		}
		// Decoded, as Caddy decodes it, so no spelling of the name escapes.
		var name string
		if json.Unmarshal(members["handler"], &name) == nil && name == handlerName {
			visit(raw)
			return nil
		}
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := walk(members[k], visit); err != nil {
				return err
			}
		}
	}
	return nil
}
