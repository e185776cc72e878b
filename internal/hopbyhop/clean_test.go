package hopbyhop

import (
	"bufio"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/identity"
)

const prefix = "X-Verified-"

func TestCleanRemovesConnectionElementsUnderThePrefix(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // nil: the header is gone
	}{
		{"keep-alive only", []string{"keep-alive"}, []string{"keep-alive"}},
		{"one identity name", []string{"X-Verified-CI-Hash"}, nil},
		{"identity names among others", []string{"keep-alive, X-Verified-CI-Hash, X-Foo,x-verified-di"}, []string{"keep-alive, X-Foo"}},
		{"every spelling", []string{"x_verified_ci_hash, X.VERIFIED.DI, X-Verified_Birth.Year"}, nil},
		{"several lines", []string{"close", "X-Verified-DI", "TE"}, []string{"close, TE"}},
		{"whitespace and empty elements", []string{" ,\tX-Verified-Di\t, , Keep-Alive ,"}, []string{"Keep-Alive"}},
		{"the bare prefix", []string{"X-Verified-"}, nil},
		{"not under the prefix", []string{"X-Verified, X-Verifiedx-A, Y-X-Verified-A"}, []string{"X-Verified, X-Verifiedx-A, Y-X-Verified-A"}},
		{"HTTP2-Settings", []string{"Upgrade, HTTP2-Settings"}, []string{"Upgrade"}},
		{"empty value", []string{""}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{"Connection": tt.in, "X-Foo": {"kept"}}}
			New(identity.NewFilter(prefix)).Clean(r)
			got, ok := r.Header["Connection"]
			if tt.want == nil {
				if ok {
					t.Fatalf("Connection = %q, want it gone", got)
				}
			} else if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Connection = %q, want %q", got, tt.want)
			}
			if r.Header.Get("X-Foo") != "kept" {
				t.Fatal("Clean deleted a nominated header: only the proxy applies nominations on exempt requests")
			}
		})
	}
}

func TestCleanDropsUpgradesThatCarryHTTP(t *testing.T) {
	tests := []struct {
		name        string
		upgrade     []string
		wantUpgrade []string // nil: gone
		wantConn    []string // Connection was "Upgrade, HTTP2-Settings, keep-alive"
	}{
		{"websocket", []string{"websocket"}, []string{"websocket"}, []string{"Upgrade, keep-alive"}},
		{"h2c", []string{"h2c"}, nil, []string{"keep-alive"}},
		{"h2c in upper case", []string{"H2C"}, nil, []string{"keep-alive"}},
		{"websocket then h2c", []string{"websocket, h2c"}, []string{"websocket"}, []string{"Upgrade, keep-alive"}},
		{"h2c then websocket on two lines", []string{"h2c", "websocket"}, []string{"websocket"}, []string{"Upgrade, keep-alive"}},
		{"HTTP/2.0", []string{"HTTP/2.0"}, nil, []string{"keep-alive"}},
		{"TLS then HTTP (RFC 2817)", []string{"TLS/1.2, HTTP/1.1"}, nil, []string{"keep-alive"}},
		{"h2 and h3", []string{"h2, h3"}, nil, []string{"keep-alive"}},
		{"h2c with a version", []string{"h2c/1"}, nil, []string{"keep-alive"}},
		{"malformed element", []string{"h2c;q=1"}, nil, []string{"keep-alive"}},
		{"malformed version", []string{"websocket/"}, nil, []string{"keep-alive"}},
		{"other protocols", []string{"SPDY/3.1, connect-udp"}, []string{"SPDY/3.1, connect-udp"}, []string{"Upgrade, keep-alive"}},
		{"empty", []string{""}, []string{""}, []string{"Upgrade, keep-alive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{
				"Upgrade":        tt.upgrade,
				"Connection":     {"Upgrade, HTTP2-Settings, keep-alive"},
				"Http2-Settings": {"AAMAAABkAAQCAAAAAAIAAAAA"},
			}}
			New(identity.NewFilter(prefix)).Clean(r)
			if got, ok := r.Header["Upgrade"]; tt.wantUpgrade == nil && ok || tt.wantUpgrade != nil && !reflect.DeepEqual(got, tt.wantUpgrade) {
				t.Errorf("Upgrade = %q (present %v), want %q", got, ok, tt.wantUpgrade)
			}
			if got := r.Header["Connection"]; !reflect.DeepEqual(got, tt.wantConn) {
				t.Errorf("Connection = %q, want %q", got, tt.wantConn)
			}
			if _, ok := r.Header["Http2-Settings"]; ok {
				t.Error("HTTP2-Settings survived")
			}
		})
	}
}

func TestRelayable(t *testing.T) {
	for e, want := range map[string]bool{
		"websocket": true, "WebSocket": true, "SPDY/3.1": true, "connect-udp": true, "foo/1.0": true,
		"h2c": false, "H2C": false, "h2": false, "h3": false, "HTTP/2.0": false, "http": false,
		"TLS/1.0": false, "SSL/3.0": false, "": false, "/1": false, "a/": false, "a/b/c": false,
		"h2c;x": false, "web socket": false, "websocket\x00": false,
	} {
		if got := Relayable(e); got != want {
			t.Errorf("Relayable(%q) = %v, want %v", e, got, want)
		}
	}
}

// readRequest parses raw HTTP/1.1 bytes with Go's own request reader, which
// fills Trailer the way the server does.
func readRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCleanStripsTrailersUnderThePrefixWhenTheBodyEnds(t *testing.T) {
	raw := "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n" +
		"Trailer: X-Verified-CI-Hash, X-Checksum, x_verified_di\r\n\r\n" +
		"5\r\nhello\r\n0\r\n" +
		"X-Verified-CI-Hash: forged\r\nX-Checksum: 1\r\nX_Verified_DI: forged\r\n" +
		"X-Verified-Birth-Year: 1970\r\nX-Undeclared: kept\r\n\r\n"
	r := readRequest(t, raw)
	New(identity.NewFilter(prefix)).Clean(r)
	// The declared names under the prefix are gone before the body is read,
	// so a proxy does not announce them.
	if got := keys(r.Trailer); !reflect.DeepEqual(got, []string{"X-Checksum"}) {
		t.Fatalf("declared trailers after Clean = %v, want [X-Checksum]", got)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || string(body) != "hello" {
		t.Fatalf("body %q, %v", body, err)
	}
	// Go merged every received trailer; those under the prefix are gone.
	if got := keys(r.Trailer); !reflect.DeepEqual(got, []string{"X-Checksum", "X-Undeclared"}) {
		t.Fatalf("trailers after the body = %v, want [X-Checksum X-Undeclared]", got)
	}
}

func TestCleanLeavesARequestWithoutTrailersAlone(t *testing.T) {
	r := readRequest(t, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
	body := r.Body
	New(identity.NewFilter(prefix)).Clean(r)
	if r.Body != body || r.Trailer != nil {
		t.Fatal("Clean wrapped the body of a request that declares no trailer")
	}
}

func keys(h http.Header) []string {
	var out []string
	for k := range h {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestCleanDoesNotAllocateForABrowserRequest(t *testing.T) {
	g := New(identity.NewFilter(prefix))
	r := &http.Request{Header: browserHeaders()}
	allocs := testing.AllocsPerRun(100, func() { g.Clean(r) })
	if allocs != 0 {
		t.Errorf("Clean allocated %v times per browser request, want 0", allocs)
	}
	if !reflect.DeepEqual(r.Header, browserHeaders()) {
		t.Errorf("Clean changed a browser request: %v", r.Header)
	}
}

// browserHeaders is what a browser sends over HTTP/1.1 with a page request.
func browserHeaders() http.Header {
	return http.Header{
		"User-Agent":                {"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0"},
		"Accept":                    {"text/html,application/xhtml+xml"},
		"Accept-Language":           {"ko-KR,ko;q=0.9"},
		"Accept-Encoding":           {"gzip, deflate, br, zstd"},
		"Connection":                {"keep-alive"},
		"Cookie":                    {"session=abc"},
		"Upgrade-Insecure-Requests": {"1"},
	}
}

func TestWithNameCoversOneMoreHeaderOutsideThePrefix(t *testing.T) {
	g := New(identity.NewFilter(prefix).WithName("X-Identity-Token"))
	r := &http.Request{Header: http.Header{"Connection": {"x_identity_token, X-Identity-Token-2, X-Verified-DI, close"}}}
	g.Clean(r)
	if got := r.Header["Connection"]; !reflect.DeepEqual(got, []string{"X-Identity-Token-2, close"}) {
		t.Fatalf("Connection = %q, want the assertion header and the prefix's names gone", got)
	}

	raw := "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n" +
		"Trailer: X-Identity-Token, X-Checksum\r\n\r\n" +
		"5\r\nhello\r\n0\r\n" +
		"X-Identity-Token: forged\r\nX-Checksum: 1\r\nX.Identity.Token: forged\r\n\r\n"
	tr := readRequest(t, raw)
	g.Clean(tr)
	if got := keys(tr.Trailer); !reflect.DeepEqual(got, []string{"X-Checksum"}) {
		t.Fatalf("declared trailers after Clean = %v, want [X-Checksum]", got)
	}
	if _, err := io.ReadAll(tr.Body); err != nil {
		t.Fatal(err)
	}
	if got := keys(tr.Trailer); !reflect.DeepEqual(got, []string{"X-Checksum"}) {
		t.Fatalf("trailers after the body = %v, want [X-Checksum]", got)
	}
}
