package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestKeyIDIsTheRFC7638Thumbprint(t *testing.T) {
	// The examples of RFC 7638 §3.1 (RSA) and RFC 8037 §A.3 (Ed25519).
	tests := []struct{ name, jwk, want string }{
		{"rsa", `{"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`,
			"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{"ed25519", `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
			"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var jwk jose.JSONWebKey
			if err := json.Unmarshal([]byte(tt.jwk), &jwk); err != nil {
				t.Fatal(err)
			}
			got, err := KeyID(jwk.Key)
			if err != nil || got != tt.want {
				t.Fatalf("KeyID = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestKeyIDOfAP256KeyHashesTheCanonicalJWK(t *testing.T) {
	key := mustGenerate(t)
	pub := key.private.Public().(*ecdsa.PublicKey)
	b, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	canonical := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, enc(b[1:33]), enc(b[33:]))
	sum := sha256.Sum256([]byte(canonical))
	if want := enc(sum[:]); key.ID != want {
		t.Fatalf("kid = %s, want %s", key.ID, want)
	}
}

func TestNewKeyTakesTheAlgorithmFromTheKeyType(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name    string
		key     crypto.Signer
		want    jose.SignatureAlgorithm
		wantErr string
	}{
		{"P-256 is ES256", p256, jose.ES256, ""},
		{"Ed25519 is EdDSA", ed, jose.EdDSA, ""},
		{"RSA 2048 is RS256", rsa2048, jose.RS256, ""},
		{"P-384 is refused", p384, "", "want P-256"},
		{"RSA 1024 is refused", rsa1024, "", "too small"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewKey error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || k.Algorithm != tt.want {
				t.Fatalf("NewKey = %v, %v; want algorithm %s", k, err, tt.want)
			}
			token, err := k.SignPayload([]byte(`{"sub":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{tt.want})
			if err != nil {
				t.Fatal(err)
			}
			h := jws.Signatures[0].Protected
			if h.KeyID != k.ID || h.Algorithm != string(tt.want) || h.ExtraHeaders["typ"] != "JWT" {
				t.Fatalf("protected header = %+v", h)
			}
			pub := k.Public()
			if _, err := jws.Verify(&pub); err != nil {
				t.Fatalf("verifying with the published key: %v", err)
			}
		})
	}
}

// TestES256SignaturesAreRFC6979 proves the P-256 key signs through the
// deterministic signer (see rfc6979): the same payload gives the same
// signature, which crypto/ecdsa's hedged default never does, and that
// signature is the one crypto/ecdsa's RFC 6979 signer makes. An assertion
// is never signed twice: its jti differs each time.
func TestES256SignaturesAreRFC6979(t *testing.T) {
	k := mustGenerate(t)
	payload := []byte(`{"sub":"x"}`)
	first, err := k.SignPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	second, err := k.SignPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("two signatures of one payload differ:\n%s\n%s", first, second)
	}
	signingInput := first[:strings.LastIndexByte(first, '.')]
	digest := sha256.Sum256([]byte(signingInput))
	der, err := k.private.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 64)
	sig.R.FillBytes(raw[:32])
	sig.S.FillBytes(raw[32:])
	if got := first[len(signingInput)+1:]; got != base64.RawURLEncoding.EncodeToString(raw) {
		t.Fatalf("signature %s is not crypto/ecdsa's RFC 6979 signature", got)
	}
	is := &Issuer{Issuer: "i", Audience: "a"}
	a, _ := is.Sign(k, Claims{Subject: "x"})
	b, _ := is.Sign(k, Claims{Subject: "x"})
	if a == b {
		t.Fatal("two assertions of the same identity are identical: the jti must differ")
	}
}

func TestParsePEMReadsEveryKeyInOrder(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	pk8ed, _ := x509.MarshalPKCS8PrivateKey(ed)
	var data []byte
	data = append(data, pemBlock("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7})...)
	data = append(data, pemBlock("EC PRIVATE KEY", sec1)...)
	data = append(data, pemBlock("PRIVATE KEY", pk8ed)...)
	data = append(data, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rs))...)
	keys, err := ParsePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256}
	if len(keys) != len(want) {
		t.Fatalf("ParsePEM gave %d keys, want %d", len(keys), len(want))
	}
	for i, k := range keys {
		if k.Algorithm != want[i] {
			t.Errorf("key %d: %s, want %s", i, k.Algorithm, want[i])
		}
	}
}

func TestParsePEMRoundTripsAGeneratedKey(t *testing.T) {
	key := mustGenerate(t)
	data, err := key.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParsePEM(data)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID {
		t.Fatalf("ParsePEM(MarshalPEM) = %v, %v; want key %s", keys, err, key.ID)
	}
}

func TestParsePEMRefusesWhatIsNotAUsablePrivateKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(ec.Public())
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	encrypted := "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END EC PRIVATE KEY-----\n"
	tests := []struct{ name, data, want string }{
		{"empty", "", "no private key"},
		{"not PEM", "hello", "no PEM block"},
		{"public key", string(pemBlock("PUBLIC KEY", pubDER)), "unsupported PEM block"},
		{"certificate", string(pemBlock("CERTIFICATE", []byte{1})), "unsupported PEM block"},
		{"only parameters", string(pemBlock("EC PARAMETERS", []byte{1})), "no private key"},
		{"broken key", string(pemBlock("PRIVATE KEY", []byte{1, 2, 3})), "parsing PRIVATE KEY"},
		{"P-384", string(pemBlock("PRIVATE KEY", p384DER)), "want P-256"},
		{"encrypted", encrypted, "encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePEM([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePEM error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestStaticSetSignsWithTheFirstAndPublishesAll(t *testing.T) {
	a, b := mustGenerate(t), mustGenerate(t)
	set, err := StaticSet([]*Key{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if set.Signing(timeZero) != a {
		t.Error("the first key does not sign")
	}
	if got := set.Published(timeZero); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("published %v, want both keys", got)
	}
	if _, err := StaticSet([]*Key{a, a}); err == nil {
		t.Error("a key given twice was accepted")
	}
	if _, err := StaticSet(nil); err == nil {
		t.Error("an empty set was accepted")
	}
}

func TestJWKSPublishesPublicKeysOnly(t *testing.T) {
	set, _ := StaticSet([]*Key{mustGenerate(t), mustGenerate(t)})
	data, err := set.JWKS(timeZero)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(raw.Keys))
	}
	for i, k := range raw.Keys {
		if _, private := k["d"]; private {
			t.Errorf("key %d carries the private part", i)
		}
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] != set.IDs()[i] {
			t.Errorf("key %d = %v", i, k)
		}
	}
}

// TestJWKSOfKeyFilesPublishesPublicKeysOnly covers the other key types a
// key_file may hold: RSA (PKCS #1 and PKCS #8) and Ed25519, read as the
// key_file lines are, by ParsePEM.
func TestJWKSOfKeyFilesPublishesPublicKeysOnly(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs8, _ := rsa.GenerateKey(rand.Reader, 2048)
	pk8ed, _ := x509.MarshalPKCS8PrivateKey(ed)
	pk8rs, _ := x509.MarshalPKCS8PrivateKey(rs8)
	var data []byte
	data = append(data, pemBlock("PRIVATE KEY", pk8ed)...)
	data = append(data, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rs1))...)
	data = append(data, pemBlock("PRIVATE KEY", pk8rs)...)
	keys, err := ParsePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	set, err := StaticSet(keys)
	if err != nil {
		t.Fatal(err)
	}
	body, err := set.JWKS(timeZero)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(raw.Keys))
	}
	want := []map[string]any{
		{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA"},
		{"kty": "RSA", "alg": "RS256"},
		{"kty": "RSA", "alg": "RS256"},
	}
	for i, k := range raw.Keys {
		// The private members of RFC 7518 §6.3.2 (RSA) and RFC 8037 §2 (OKP).
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %d (%v) carries the private member %q", i, k["kty"], private)
			}
		}
		for name, v := range want[i] {
			if k[name] != v {
				t.Errorf("key %d: %s = %v, want %v", i, name, k[name], v)
			}
		}
		if k["use"] != "sig" || k["kid"] != set.IDs()[i] {
			t.Errorf("key %d = %v", i, k)
		}
		if k["kty"] == "OKP" && k["x"] == nil {
			t.Errorf("key %d has no public x: %v", i, k)
		}
		if k["kty"] == "RSA" && (k["n"] == nil || k["e"] == nil) {
			t.Errorf("key %d has no public modulus or exponent: %v", i, k)
		}
	}
}

var timeZero time.Time

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func mustGenerate(t testing.TB) *Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
