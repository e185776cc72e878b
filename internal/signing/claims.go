package signing

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/identity"
)

// Assertion lifetimes.
const (
	// DefaultLifetime is how long an assertion is valid when the
	// configuration says nothing: 2 minutes.
	DefaultLifetime = 2 * time.Minute
	// MaxLifetime is the longest lifetime accepted: 10 minutes, as Google
	// IAP's. Retain must cover it.
	MaxLifetime = 10 * time.Minute
)

// Claims is the payload of an assertion. The registered claims are always
// present; birth_year, di and verified_at when the verification gave a
// value; the forwarded fields only when the configuration forwards them
// and the verification gave a value. Nothing else is ever added.
type Claims struct {
	Issuer    string `json:"iss"`
	Audience  string `json:"aud"`
	Subject   string `json:"sub"` // the CI hash, lower-case hex
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	Expiry    int64  `json:"exp"`
	ID        string `json:"jti"`

	BirthYear  int    `json:"birth_year,omitempty"`
	DI         string `json:"di,omitempty"`
	VerifiedAt int64  `json:"verified_at,omitempty"` // Unix seconds
	Source     string `json:"src,omitempty"`         // "iamport" or "portone"

	// Forwarded fields, each under its `forward` name.
	Name        string `json:"name,omitempty"` // UTF-8, as verified
	Gender      string `json:"gender,omitempty"`
	Foreigner   *bool  `json:"foreigner,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Carrier     string `json:"carrier,omitempty"`
	Birthday    string `json:"birthday,omitempty"` // YYYY-MM-DD
	Age         *int   `json:"age,omitempty"`
	ImpUID      string `json:"imp_uid,omitempty"`
	CertifiedAt string `json:"certified_at,omitempty"` // RFC 3339, UTC
}

// IdentityClaims returns the identity part of the claims for a verified
// record: sub (the CI hash), birth_year, di, verified_at (CertifiedAt in
// Unix seconds), src (rec.Source) and each field of forward. age is the
// age the policy computed (left out when negative or the birthday is
// unknown). The registered claims are set by Issuer.Sign.
func IdentityClaims(rec *certification.Record, ciHash string, age int, forward []identity.Field) Claims {
	c := Claims{Subject: ciHash, DI: rec.DI, Source: rec.Source}
	if validYear(rec.Birthday.Year) {
		c.BirthYear = rec.Birthday.Year
	}
	if !rec.CertifiedAt.IsZero() {
		c.VerifiedAt = rec.CertifiedAt.Unix()
	}
	for _, f := range forward {
		switch f {
		case identity.FieldName:
			c.Name = rec.Name
		case identity.FieldGender:
			c.Gender = rec.Gender
		case identity.FieldForeigner:
			foreigner := rec.Foreigner
			c.Foreigner = &foreigner
		case identity.FieldPhone:
			c.Phone = rec.Phone
		case identity.FieldCarrier:
			c.Carrier = rec.Carrier
		case identity.FieldBirthday:
			if validDate(rec.Birthday) {
				c.Birthday = rec.Birthday.String()
			}
		case identity.FieldAge:
			if !rec.Birthday.IsZero() && age >= 0 {
				a := age
				c.Age = &a
			}
		case identity.FieldImpUID:
			c.ImpUID = rec.ImpUID
		case identity.FieldCertifiedAt:
			if !rec.CertifiedAt.IsZero() {
				c.CertifiedAt = rec.CertifiedAt.UTC().Format(time.RFC3339)
			}
		}
	}
	return c
}

func validYear(y int) bool { return y >= 1 && y <= 9999 }

func validDate(d certification.Date) bool {
	return validYear(d.Year) && d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && d.Day <= 31
}

// Issuer sets the registered claims and signs.
type Issuer struct {
	// Issuer is the "iss" claim. Required.
	Issuer string
	// Audience is the "aud" claim, a single string. Required.
	Audience string
	// Lifetime is exp − iat; 0 means DefaultLifetime. At most MaxLifetime.
	Lifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Check reports whether the issuer is usable.
func (is *Issuer) Check() error {
	switch {
	case is.Issuer == "":
		return errors.New("the issuer is empty")
	case is.Audience == "":
		return errors.New("the audience is empty")
	case is.Lifetime != 0:
		return CheckLifetime(is.Lifetime)
	}
	return nil
}

// CheckLifetime reports whether d is an acceptable assertion lifetime: one
// second to MaxLifetime. (An Issuer's zero Lifetime, meaning
// DefaultLifetime, is not checked with it.)
func CheckLifetime(d time.Duration) error {
	if d < time.Second || d > MaxLifetime {
		return fmt.Errorf("lifetime %s is out of range: want 1s to %s", d, MaxLifetime)
	}
	return nil
}

// Sign completes c with iss, aud, iat = nbf = now, exp = now + lifetime
// and a fresh random jti (128 bits, base64url), and signs it with key.
func (is *Issuer) Sign(key *Key, c Claims) (string, error) {
	now := time.Now
	if is.Now != nil {
		now = is.Now
	}
	lifetime := is.Lifetime
	if lifetime == 0 {
		lifetime = DefaultLifetime
	}
	t := now()
	c.Issuer = is.Issuer
	c.Audience = is.Audience
	c.IssuedAt = t.Unix()
	c.NotBefore = c.IssuedAt
	c.Expiry = t.Add(lifetime).Unix()
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("generating jti: %w", err)
	}
	c.ID = base64.RawURLEncoding.EncodeToString(id[:])
	payload, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("encoding claims: %w", err)
	}
	return key.SignPayload(payload)
}
