package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// MinRSABits is the smallest RSA key accepted.
const MinRSABits = 2048

// Key is a private signing key with its algorithm, its key id and a
// go-jose signer. It is safe for concurrent use.
type Key struct {
	// ID is the key id ("kid"): the RFC 7638 SHA-256 thumbprint of the
	// public key, base64url without padding.
	ID string
	// Algorithm is the JWS algorithm the key's type implies.
	Algorithm jose.SignatureAlgorithm

	private crypto.Signer
	signer  jose.Signer
}

// NewKey wraps priv. It accepts an ECDSA P-256 key (ES256), an Ed25519 key
// (EdDSA) or an RSA key of at least 2048 bits (RS256), and refuses every
// other key.
func NewKey(priv crypto.Signer) (*Key, error) {
	var alg jose.SignatureAlgorithm
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("unsupported ECDSA curve %s: want P-256", k.Curve.Params().Name)
		}
		alg = jose.ES256
	case ed25519.PrivateKey:
		alg = jose.EdDSA
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("RSA key of %d bits is too small: want at least %d", bits, MinRSABits)
		}
		alg = jose.RS256
	default:
		return nil, fmt.Errorf("unsupported key type %T: want ECDSA P-256, Ed25519 or RSA", priv)
	}
	kid, err := KeyID(priv.Public())
	if err != nil {
		return nil, err
	}
	var signingKey any = priv
	if ec, ok := priv.(*ecdsa.PrivateKey); ok {
		signingKey = cryptosigner.Opaque(rfc6979{ec})
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: signingKey, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("creating signer: %w", err)
	}
	return &Key{ID: kid, Algorithm: alg, private: priv, signer: signer}, nil
}

// rfc6979 signs with an ECDSA key deterministically (RFC 6979, the
// HMAC-DRBG nonce keyed by the private key and the digest), through
// go-jose's cryptosigner, which turns the ASN.1 signature into JWS's R‖S.
//
// Why not Go's default hedged signature (rand mixed into that nonce)? Cost:
// the hedged nonce runs its HMAC-DRBG with SHA-512 over block-padded
// inputs, about 11 µs and 2 KB of the 52 µs a P-256 signature takes on
// this project's VM (BENCHMARKS.md, "Signed assertions"), a fifth of a
// verification's budget. What hedging adds over RFC 6979 is protection
// against fault attacks that make the signer sign the same message twice;
// an assertion never repeats, because every payload carries a fresh
// 128-bit random jti (Issuer.Sign), so the nonce is already derived from
// fresh randomness and no two signatures share a message. RFC 6979 is
// also what ECDSA signers without a trusted RNG use, and Ed25519 signs the
// same way by design.
type rfc6979 struct{ key *ecdsa.PrivateKey }

func (s rfc6979) Public() crypto.PublicKey { return s.key.Public() }

// Sign ignores rand: a nil rand asks crypto/ecdsa for RFC 6979.
func (s rfc6979) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.key.Sign(nil, digest, opts)
}

// KeyID returns the key id of a public key: its RFC 7638 JWK thumbprint
// with SHA-256, base64url-encoded without padding.
func KeyID(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("computing key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// GenerateKey creates a new P-256 key.
func GenerateKey() (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating P-256 key: %w", err)
	}
	return NewKey(priv)
}

// Public returns the key's public JWK, with "kid", "alg" and "use":"sig".
func (k *Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.private.Public(), KeyID: k.ID, Algorithm: string(k.Algorithm), Use: "sig"}
}

// SignPayload signs payload (the claims, JSON) and returns the compact
// serialization, with "alg", "kid" and "typ":"JWT" in the protected header.
func (k *Key) SignPayload(payload []byte) (string, error) {
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing assertion: %w", err)
	}
	return jws.CompactSerialize()
}

// MarshalPEM returns the private key as a PKCS #8 "PRIVATE KEY" PEM block.
func (k *Key) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.private)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePEM reads every private key in data, in order: PKCS #8 ("PRIVATE
// KEY"), SEC 1 ("EC PRIVATE KEY") and PKCS #1 ("RSA PRIVATE KEY") blocks.
// "EC PARAMETERS" blocks (as `openssl ecparam -genkey` writes) are skipped;
// any other block, an encrypted key, a key NewKey refuses, or data without
// a key is an error.
func ParsePEM(data []byte) ([]*Key, error) {
	var keys []*Key
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if _, ok := block.Headers["Proc-Type"]; ok {
			return nil, errors.New("encrypted PEM keys are not supported")
		}
		var priv any
		var err error
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY":
			priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			priv, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			return nil, fmt.Errorf("unsupported PEM block %q: want a private key", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", block.Type, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported key type %T", priv)
		}
		key, err := NewKey(signer)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	if len(bytes.TrimSpace(rest)) > 0 && len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	if len(keys) == 0 {
		return nil, errors.New("no private key found")
	}
	return keys, nil
}
