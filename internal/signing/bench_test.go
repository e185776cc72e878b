package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/identity"
)

// BenchmarkSign measures one assertion: claims, JSON, jti, ES256 signature
// and compact serialization ("assertion_ed25519": the same with an Ed25519
// key from a key file, EdDSA). "ecdsa_rfc6979" is the bare deterministic
// P-256 signature of a digest that Key uses, the floor of its ES256
// assertions; "ecdsa_only" is crypto/ecdsa's default hedged signature, for
// comparison (see rfc6979 in key.go).
func BenchmarkSign(b *testing.B) {
	key := mustGenerate(b)
	rec := record()
	is := &Issuer{Issuer: "caddy-iamport", Audience: "https://app.example.com"}
	b.Run("assertion", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := is.Sign(key, IdentityClaims(&rec, "b6761f889b6b5fdb08a99e40aebe72a62a3f2f667ad0b068ed0adc3c8353e615", 36, []identity.Field{identity.FieldAge})); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("assertion_ed25519", func(b *testing.B) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		ed, err := NewKey(priv)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := is.Sign(ed, IdentityClaims(&rec, "b6761f889b6b5fdb08a99e40aebe72a62a3f2f667ad0b068ed0adc3c8353e615", 36, []identity.Field{identity.FieldAge})); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ecdsa_rfc6979", func(b *testing.B) {
		priv := key.private.(*ecdsa.PrivateKey)
		digest := sha256.Sum256([]byte("payload"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := priv.Sign(nil, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ecdsa_only", func(b *testing.B) {
		priv := key.private.(*ecdsa.PrivateKey)
		digest := sha256.Sum256([]byte("payload"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, priv, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkJWKS measures the key set body a JWKS request gets: after the
// first call, the encoded body of the same set is reused.
func BenchmarkJWKS(b *testing.B) {
	set, err := StaticSet([]*Key{mustGenerate(b), mustGenerate(b)})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.JWKS(now); err != nil {
			b.Fatal(err)
		}
	}
}
