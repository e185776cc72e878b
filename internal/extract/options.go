package extract

import "github.com/verigate/caddy-iamport/internal/iamport"

// The defaults WithDefaults fills in.
const (
	// DefaultField is the parameter name the id is read from.
	DefaultField = "imp_uid"
	// DefaultMaxBody is the largest body, in bytes, that is read (1 MiB).
	DefaultMaxBody int64 = 1 << 20
)

// Options configures ID. The zero value is ready to use and means the
// defaults.
type Options struct {
	// Field is the query, form and top-level JSON key that carries the id.
	// Empty means DefaultField ("imp_uid").
	Field string
	// MaxBody is the largest body, in bytes, that ID reads. Zero or a
	// negative value means DefaultMaxBody (1 MiB).
	MaxBody int64
	// ValidID is the id grammar of the configured verification source
	// (certification.Source.ValidID); every value found must pass it. nil
	// means i'mport V1's grammar, iamport.ValidImpUID.
	ValidID func(id []byte) bool
}

// WithDefaults returns o with every unset option replaced by its default:
// Field by DefaultField, a MaxBody that is not positive by DefaultMaxBody
// and a nil ValidID by iamport.ValidImpUID.
func (o Options) WithDefaults() Options {
	if o.Field == "" {
		o.Field = DefaultField
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.ValidID == nil {
		o.ValidID = iamport.ValidImpUID[[]byte]
	}
	return o
}
