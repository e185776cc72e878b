package assertion

import (
	"context"
	"time"
)

// Identity is what a verified assertion states.
type Identity struct {
	// CIHash is the "sub" claim: the lower-case hex keyed hash of the
	// person's CI, the same value as the X-Verified-CI-Hash header.
	CIHash string
	// BirthYear is the four-digit year of birth (0 when unknown).
	BirthYear int
	// DI is the DI scoped to the merchant, or "" when the verification
	// gave none.
	DI string
	// VerifiedAt is when the person completed the verification.
	VerifiedAt time.Time
	// Source is the verification source: "iamport" (V1) or "portone" (V2).
	Source string

	// The fields the gateway forwards only when configured to (`forward`);
	// empty, nil or zero otherwise.
	Name        string
	Gender      string
	Foreigner   *bool
	Phone       string
	Carrier     string
	Birthday    string // YYYY-MM-DD
	Age         *int
	ImpUID      string
	CertifiedAt time.Time

	// The registered claims.
	Issuer   string
	Audience string
	ID       string // "jti", unique per assertion
	IssuedAt time.Time
	Expiry   time.Time
}

// wireClaims is the payload as the gateway writes it.
type wireClaims struct {
	BirthYear   int    `json:"birth_year"`
	DI          string `json:"di"`
	VerifiedAt  int64  `json:"verified_at"`
	Source      string `json:"src"`
	Name        string `json:"name"`
	Gender      string `json:"gender"`
	Foreigner   *bool  `json:"foreigner"`
	Phone       string `json:"phone"`
	Carrier     string `json:"carrier"`
	Birthday    string `json:"birthday"`
	Age         *int   `json:"age"`
	ImpUID      string `json:"imp_uid"`
	CertifiedAt string `json:"certified_at"`
}

type contextKey struct{}

// NewContext returns a copy of ctx carrying id.
func NewContext(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, contextKey{}, id)
}

// FromContext returns the identity Middleware verified for this request.
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(contextKey{}).(*Identity)
	return id, ok && id != nil
}
