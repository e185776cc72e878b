package caddymodule_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/certmagic"
	"github.com/go-jose/go-jose/v4"

	"github.com/verigate/caddy-iamport/assertion"
	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/signing"
)

const (
	testAudience = "https://app.example"
	jwksURL      = gatewayURL + "/.well-known/jwks.json"
)

// storageDir returns a new directory for Caddy's storage. It lives under
// the package's temporary data directory (removed when the tests end), not
// t.TempDir: the background key refresh of a config loaded by one test may
// still write there after that test ended.
func storageDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(os.Getenv("XDG_DATA_HOME"), "storage")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// storageOption points Caddy's storage at dir (a global option line).
func storageOption(dir string) string { return "\tstorage file_system " + dir + "\n" }

// assertionSite is a gateway site whose iamport_verify verifies POST
// /signup, signs assertions with block (the assertion subdirective and its
// options), and whose JWKS handler, given jwksBlock, sits at
// /.well-known/jwks.json.
func assertionSite(backend, block, jwksBlock string) site {
	return site{
		host:    "localhost",
		options: "verify {\n\t\t\tmethod POST\n\t\t\tpath /signup\n\t\t}\n\t\t" + block,
		after:   "handle /.well-known/jwks.json {\n\t\tiamport_jwks " + jwksBlock + "\n\t}\n\treverse_proxy " + backend,
	}
}

func goVerifier(t *testing.T, audience, issuer string) *assertion.Verifier {
	t.Helper()
	v, err := assertion.NewVerifier(assertion.Config{JWKSURL: jwksURL, Audience: audience, Issuer: issuer})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tokenHeader decodes the protected header of a compact JWS.
func tokenHeader(t *testing.T, token string) jose.Header {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256})
	if err != nil {
		t.Fatalf("parsing assertion: %v", err)
	}
	return jws.Signatures[0].Protected
}

// storedKeys reads the generated keys in dir as a second instance would.
func storedKeys(t *testing.T, dir string) *signing.KeySet {
	t.Helper()
	m, err := signing.NewManager(signing.ManagerConfig{Storage: &certmagic.FileStorage{Path: dir}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := m.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// jwksIDs fetches the JWKS and returns its key ids.
func jwksIDs(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

func TestAVerifiedRequestCarriesAnAssertionOfItsIdentity(t *testing.T) {
	be := newBackend(t)
	dir := storageDir(t)
	tester := startCaddy(t, buildConfig(t, storageOption(dir), be.addr(), []site{
		assertionSite(be.addr(), "forward name age certified_at\n\t\tassertion "+testAudience, ""),
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idHangul+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got, tokens, id := verifiedAssertion(t, be)
	// The sandbox dates its identities at request time ("a minute ago"),
	// so a second fetch may fall into the next second: compare with the
	// forwarded X-Verified-At, which comes from the same answer.
	certified, err := time.Parse(time.RFC3339, got.Get("X-Verified-At"))
	if err != nil {
		t.Fatalf("X-Verified-At: %v", err)
	}
	if id.CIHash != got.Get("X-Verified-Ci-Hash") || fmt.Sprint(id.BirthYear) != got.Get("X-Verified-Birth-Year") ||
		id.DI != got.Get("X-Verified-Di") || id.Source != "iamport" || !id.VerifiedAt.Equal(certified) ||
		id.Name != "홍길동" || id.Age == nil || fmt.Sprint(*id.Age) != got.Get("X-Verified-Age") ||
		!id.CertifiedAt.Equal(certified) || id.Gender != "" || id.Phone != "" {
		t.Fatalf("identity %+v does not match the headers %v", id, identityHeaders(got))
	}
	if d := id.Expiry.Sub(id.IssuedAt); d != 2*time.Minute {
		t.Errorf("lifetime %s, want the default 2m", d)
	}
	h := tokenHeader(t, tokens[0])
	stored := storedKeys(t, dir)
	if h.Algorithm != "ES256" || h.KeyID != stored.IDs()[0] || h.ExtraHeaders["typ"] != "JWT" {
		t.Fatalf("header %+v, want ES256 with the stored key %s", h, stored.IDs()[0])
	}
}

func TestAssertionOptionsSetIssuerLifetimeAndHeader(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, buildConfig(t, storageOption(storageDir(t)), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience+" {\n\t\t\tissuer https://gw.example\n\t\t\tlifetime 45s\n\t\t\theader X-Identity-Token\n\t\t}", ""),
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := be.last(t).Header
	if got.Get("X-Verified-Assertion") != "" {
		t.Fatal("the default header was sent too")
	}
	id, err := goVerifier(t, testAudience, "https://gw.example").Verify(context.Background(), got.Get("X-Identity-Token"))
	if err != nil {
		t.Fatal(err)
	}
	if d := id.Expiry.Sub(id.IssuedAt); d != 45*time.Second {
		t.Errorf("lifetime %s, want 45s", d)
	}
	if _, err := goVerifier(t, testAudience, "caddy-iamport").Verify(context.Background(), got.Get("X-Identity-Token")); err == nil {
		t.Error("the assertion verified under the default issuer")
	}
}

func TestForgedAndReplayedAssertionsNeverReachTheUpstream(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, buildConfig(t, allowlistOptions+storageOption(storageDir(t)), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience, ""),
	}))
	// A real assertion, captured from a verified request.
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	real := be.last(t).Header.Get("X-Verified-Assertion")
	if real == "" {
		t.Fatal("no assertion on a verified request")
	}
	spellings := []string{"X-Verified-Assertion", "x-verified-assertion", "X-Verified_Assertion", "x.verified.assertion"}

	t.Run("exempt request", func(t *testing.T) {
		for _, name := range spellings {
			req, _ := http.NewRequest(http.MethodGet, gatewayURL+"/profile", nil)
			req.Header[name] = []string{real}
			if resp, _ := do(t, tester, req); resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ids := identityHeaders(be.last(t).Header); len(ids) != 0 {
				t.Fatalf("%s replayed on an exempt request reached the upstream: %v", name, ids)
			}
		}
	})
	t.Run("refused request", func(t *testing.T) {
		before := be.hits()
		resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idUnknown+`"}`, "X-Verified-Assertion", real)
		assertProblem(t, resp, body, http.StatusForbidden, "verification_not_found")
		if be.hits() != before {
			t.Fatal("a refused request reached the upstream")
		}
	})
	t.Run("verified request", func(t *testing.T) {
		headers := []string{}
		for _, name := range spellings {
			headers = append(headers, name, real)
		}
		resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idNoDI+`"}`, headers...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		ids := identityHeaders(be.last(t).Header)
		if got := ids["X-Verified-Assertion"]; len(got) != 1 || got[0] == real {
			t.Fatalf("assertions reaching the upstream: %q", got)
		}
		for k := range ids {
			if k != "X-Verified-Assertion" && identityNorm(k) == "x-verified-assertion" {
				t.Fatalf("forged spelling %s reached the upstream", k)
			}
		}
	})
}

func identityNorm(name string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(name))
}

func TestAnAssertionHeaderOutsideThePrefixIsStrippedToo(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, buildConfig(t, storageOption(storageDir(t)), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience+" {\n\t\t\theader X-Identity-Token\n\t\t}", ""),
	}))
	for _, name := range []string{"X-Identity-Token", "x-identity-token"} {
		req, _ := http.NewRequest(http.MethodGet, gatewayURL+"/profile", nil)
		req.Header[name] = []string{"forged"}
		req.Header["X-Identity-Token-2"] = []string{"kept"}
		do(t, tester, req)
		got := be.last(t).Header
		if got.Get("X-Identity-Token") != "" {
			t.Fatalf("%s from the client reached the upstream", name)
		}
		if got.Get("X-Identity-Token-2") != "kept" {
			t.Fatal("a header that only starts with the assertion header's name was stripped")
		}
	}
}

func TestRefusedRequestsCarryNoAssertionAndBrokenKeysFailClosed(t *testing.T) {
	be := newBackend(t)
	dir := storageDir(t)
	fs := &certmagic.FileStorage{Path: dir}
	if err := fs.Store(context.Background(), signing.StorageKey, []byte("{broken")); err != nil {
		t.Fatal(err)
	}
	tester := startCaddy(t, buildConfig(t, storageOption(dir), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience, ""),
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	assertProblem(t, resp, body, http.StatusServiceUnavailable, "verification_unavailable")
	if be.hits() != 0 {
		t.Fatal("a request without an assertion key reached the upstream")
	}
	resp, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != strconv.Itoa(problem.RetryAfterSeconds) || problem.RetryAfterSeconds != 5 {
		t.Fatalf("JWKS with broken keys: status %d, Retry-After %q; want 503 with Retry-After: 5 (problem.RetryAfterSeconds %d)", resp.StatusCode, resp.Header.Get("Retry-After"), problem.RetryAfterSeconds)
	}
	if data, _ := fs.Load(context.Background(), signing.StorageKey); string(data) != "{broken" {
		t.Fatal("the broken key state was overwritten")
	}
	// The id was not used up (the keys are checked before the reservation):
	// the same id is refused for the same reason, not as reused.
	resp, body = postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	assertProblem(t, resp, body, http.StatusServiceUnavailable, "verification_unavailable")
}

func TestTheJWKSWorksWithoutIamportVerifyAndSurvivesRestarts(t *testing.T) {
	dir := storageDir(t)
	cfg := func(path string) string {
		return fmt.Sprintf(globalOptions, storageOption(dir)) + fmt.Sprintf(`
http://localhost:9080 {
	handle %s {
		iamport_jwks
	}
	respond 404
}
`, path)
	}
	startCaddy(t, cfg("/.well-known/jwks.json"))
	resp, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	err = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: %d, %v", resp.StatusCode, err)
	}
	if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/jwk-set+json" || cc != "public, max-age=300" {
		t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	if len(set.Keys) != 1 || !set.Keys[0].IsPublic() || set.Keys[0].Algorithm != "ES256" || set.Keys[0].Use != "sig" {
		t.Fatalf("JWKS keys %+v, want one public ES256 signing key", set.Keys)
	}
	first := []string{set.Keys[0].KeyID}

	// A second instance sharing the storage has the same keys.
	if got := storedKeys(t, dir).IDs(); !slices.Equal(got, first) {
		t.Fatalf("a second instance reads keys %v, want %v", got, first)
	}
	// A restart (Caddy stopped, then started with a new config on the same
	// storage) publishes the same keys.
	if err := caddy.Stop(); err != nil {
		t.Fatal(err)
	}
	startCaddy(t, cfg("/keys"))
	if got := jwksIDs(t, gatewayURL+"/keys"); !slices.Equal(got, first) {
		t.Fatalf("after a restart: keys %v, want %v", got, first)
	}
	req, _ := http.NewRequest(http.MethodPost, gatewayURL+"/keys", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST to the JWKS: %v, %v; want 405", resp, err)
	}
}

func TestKeyFilesSignWithTheFirstAndPublishEvery(t *testing.T) {
	be := newBackend(t)
	dir := storageDir(t)
	keyDir := t.TempDir()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	edFile := filepath.Join(keyDir, "new.pem")
	if err := os.WriteFile(edFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	old, _ := signing.GenerateKey()
	oldPEM, _ := old.MarshalPEM()
	oldFile := filepath.Join(keyDir, "old.pem")
	if err := os.WriteFile(oldFile, oldPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	edKey, _ := signing.NewKey(edPriv)
	files := fmt.Sprintf("{\n\t\t\tkey_file %s\n\t\t\tkey_file %s\n\t\t}", edFile, oldFile)
	tester := startCaddy(t, buildConfig(t, storageOption(dir), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience+" "+files, files),
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	token := be.last(t).Header.Get("X-Verified-Assertion")
	if h := tokenHeader(t, token); h.KeyID != edKey.ID || h.Algorithm != "EdDSA" {
		t.Fatalf("header %+v, want EdDSA with %s", h, edKey.ID)
	}
	if got := jwksIDs(t, jwksURL); !slices.Equal(got, []string{edKey.ID, old.ID}) {
		t.Fatalf("JWKS %v, want both keys in file order", got)
	}
	if _, err := goVerifier(t, testAudience, "caddy-iamport").Verify(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if (&certmagic.FileStorage{Path: dir}).Exists(context.Background(), signing.StorageKey) {
		t.Fatal("a key was generated although key files are configured")
	}
}

func TestValidateAndAdaptNeitherGenerateNorStoreKeys(t *testing.T) {
	dir := storageDir(t)
	src := fmt.Sprintf(`{
	admin off
	storage file_system %s
}
http://localhost:9999 {
	iamport_verify {
		api_key k
		api_secret s
		ci_hash_key c
		api_base http://127.0.0.1:1
		assertion https://app.example
	}
	handle /.well-known/jwks.json {
		iamport_jwks
	}
	respond "ok"
}`, dir)
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg caddy.Config
	if err := json.Unmarshal(adapted, &cfg); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&cfg); err != nil {
		t.Fatalf("validate: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("adapt and validate wrote to the storage: %v", entries)
	}
}

func TestAdaptOrdersTheJWKSAfterVerifyAndBeforeRespond(t *testing.T) {
	src := `http://localhost:9999 {
	respond /other "other"
	iamport_jwks /.well-known/jwks.json
	iamport_verify {
		api_key k
		api_secret s
		ci_hash_key c
		verify {
			path /signup
		}
		assertion https://app.example {
			lifetime 1m
			key_file {env.KEY_FILE}
		}
	}
}`
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(adapted)
	verify, jwks, respond := strings.Index(s, `"handler":"iamport_verify"`), strings.Index(s, `"handler":"iamport_jwks"`), strings.Index(s, `"handler":"static_response"`)
	if !(verify >= 0 && verify < jwks && jwks < respond) {
		t.Fatalf("handler order: iamport_verify@%d iamport_jwks@%d static_response@%d in %s", verify, jwks, respond, s)
	}
	if !strings.Contains(s, `"assertion":{"audience":"https://app.example","key_files":["{env.KEY_FILE}"],"lifetime":60000000000}`) {
		t.Fatalf("assertion JSON not as expected: %s", s)
	}
}

func TestAReplayedAssertionSentAsATrailerNeverReachesTheUpstream(t *testing.T) {
	for _, header := range []string{"X-Verified-Assertion", "X-Identity-Token"} {
		t.Run(header, func(t *testing.T) {
			up := newRawUpstream(t)
			startCaddy(t, buildConfig(t, storageOption(storageDir(t)), up.addr(), []site{
				assertionSite(up.addr(), "assertion "+testAudience+" {\n\t\t\theader "+header+"\n\t\t}", ""),
			}))
			resp, body := postJSON(t, currentTester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			first := up.waitRequests(t, 1)
			real := first.header(header)
			if real == "" {
				t.Fatal("no assertion on a verified request")
			}
			// The real assertion, replayed as a declared trailer of an
			// exempt request (some servers merge trailers into headers).
			c := dialGateway(t)
			c.send("POST /comment HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
				"Transfer-Encoding: chunked\r\nTrailer: " + header + ", X-Checksum\r\n\r\n" +
				chunkedBody("hello") + header + ": " + real + "\r\nX-Checksum: 1\r\n\r\n")
			if status, _, got := c.answer(); status != http.StatusOK {
				t.Fatalf("status %d: %s", status, got)
			}
			q := up.waitRequests(t, 2)
			checksum := false
			for _, f := range q.Trailers {
				if strings.EqualFold(f.Name, header) {
					t.Fatalf("the replayed assertion reached the upstream as a trailer: %+v", q.Trailers)
				}
				checksum = checksum || f.Name == "X-Checksum"
			}
			if !checksum {
				t.Fatalf("the control trailer X-Checksum did not arrive either: %+v", q.Trailers)
			}
		})
	}
}

// TestAPortOneVerificationIsAssertedWithItsSource proves that the
// assertion names the source that verified the person: `src` is "portone"
// for the V2 source (and "iamport" for V1, in the test above), with the
// same claims as the headers.
func TestAPortOneVerificationIsAssertedWithItsSource(t *testing.T) {
	be := newBackend(t)
	dir := storageDir(t)
	s := assertionSite(be.addr(), "assertion "+testAudience, "")
	s.v2 = true
	tester := startCaddy(t, buildConfig(t, storageOption(dir), be.addr(), []site{s}))
	resp, body := postJSON(t, tester, "localhost", "/signup", v2Body(v2Adult))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got, _, id := verifiedAssertion(t, be)
	if id.Source != "portone" || id.CIHash != got.Get("X-Verified-Ci-Hash") ||
		fmt.Sprint(id.BirthYear) != got.Get("X-Verified-Birth-Year") || id.DI != got.Get("X-Verified-Di") {
		t.Fatalf("identity %+v does not match the V2 headers %v", id, identityHeaders(got))
	}
}

// verifiedAssertion returns the headers of the backend's last request, its
// assertion header's values (exactly one, or the test fails) and the
// identity the Go verifier reads from it with the test's audience and the
// default issuer.
func verifiedAssertion(t *testing.T, be *backend) (http.Header, []string, *assertion.Identity) {
	t.Helper()
	got := be.last(t).Header
	tokens := got.Values("X-Verified-Assertion")
	if len(tokens) != 1 {
		t.Fatalf("the backend got %d assertions, want 1", len(tokens))
	}
	id, err := goVerifier(t, testAudience, "caddy-iamport").Verify(context.Background(), tokens[0])
	if err != nil {
		t.Fatalf("verifying the assertion: %v", err)
	}
	return got, tokens, id
}
