package identity

import (
	"fmt"
	"strings"
)

// Field names a piece of the verified identity that may be forwarded to the
// backend on top of the headers always sent (CI hash, DI, birth year).
type Field string

// The forwardable fields, with the header each one adds after the prefix.
const (
	FieldName        Field = "name"         // Name: percent-encoded UTF-8
	FieldGender      Field = "gender"       // Gender: "male" or "female"
	FieldForeigner   Field = "foreigner"    // Foreigner: "true" or "false"
	FieldPhone       Field = "phone"        // Phone: digits only
	FieldCarrier     Field = "carrier"      // Carrier: SKT, KT, LGT, *_MVNO
	FieldBirthday    Field = "birthday"     // Birthday: YYYY-MM-DD
	FieldAge         Field = "age"          // Age: decimal years
	FieldImpUID      Field = "imp_uid"      // Imp-Uid: the verification id
	FieldCertifiedAt Field = "certified_at" // At: RFC 3339 in UTC
)

var allFields = [...]Field{
	FieldName, FieldGender, FieldForeigner, FieldPhone, FieldCarrier,
	FieldBirthday, FieldAge, FieldImpUID, FieldCertifiedAt,
}

// AllFields returns every forwardable field, in the order of the constants.
// The caller owns the returned slice.
func AllFields() []Field {
	out := make([]Field, len(allFields))
	copy(out, allFields[:])
	return out
}

// ParseField returns the field named s. Case is ignored and '-' may stand
// for '_', so "Imp-UID" is FieldImpUID. An unknown name is an error that
// lists the known ones.
func ParseField(s string) (Field, error) {
	want := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	for _, f := range allFields {
		if string(f) == want {
			return f, nil
		}
	}
	names := make([]string, len(allFields))
	for i, f := range allFields {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown identity field %q; known fields: %s", s, strings.Join(names, ", "))
}
