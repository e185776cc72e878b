package extract

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
}

// WithDefaults returns o with every unset option replaced by its default:
// Field by DefaultField and a MaxBody that is not positive by
// DefaultMaxBody.
func (o Options) WithDefaults() Options {
	if o.Field == "" {
		o.Field = DefaultField
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}
