package portone

import "github.com/verigate/caddy-iamport/internal/jsonscan"

// decodeVerificationFast decodes an IdentityVerification answer without
// reflection, on the request path, with jsonscan's object readers: the
// answer's nested objects and unread members cost encoding/json several
// microseconds of a verification (BENCHMARKS.md, "Signed assertions"). It
// reports whether it decoded body. When it did, w holds exactly what
// json.Unmarshal would have put there (FuzzVerificationAnswer checks this
// against encoding/json); when it did not, w is untouched and
// decodeRecord hands body to encoding/json, which then decides. It
// declines whatever it does not read the way encoding/json does (see
// jsonscan.Members and the readers): bad UTF-8, member names that are
// escaped, beyond ASCII or equal to a known name but for case, a known
// member given twice, a member of another JSON type than its field, and
// anything that is not one valid JSON object.
func decodeVerificationFast(body []byte, w *wireVerification) bool {
	var out wireVerification
	ok := jsonscan.Object(body, verificationNames, func(s *jsonscan.Scanner, i int) bool {
		switch i {
		case 0:
			return s.OptionalString(&out.Status)
		case 1:
			return s.OptionalString(&out.ID)
		case 2:
			return s.OptionalString(&out.VerifiedAt)
		default: // verifiedCustomer
			if s.Null() {
				out.VerifiedCustomer = nil
				return true
			}
			c := new(wireCustomer)
			if !s.Members(2, customerNames, func(i int) bool { return customerMember(s, c, i) }) {
				return false
			}
			out.VerifiedCustomer = c
			return true
		}
	})
	if ok {
		*w = out
	}
	return ok
}

// The member names decodeVerificationFast reads, by index.
var (
	verificationNames = []string{"status", "id", "verifiedAt", "verifiedCustomer"}
	customerNames     = []string{"name", "operator", "phoneNumber", "birthDate", "gender", "isForeigner", "ci", "di"}
)

// customerMember reads the value of the wireCustomer member
// customerNames[i].
func customerMember(s *jsonscan.Scanner, c *wireCustomer, i int) bool {
	switch i {
	case 0:
		return s.OptionalString(&c.Name)
	case 1:
		return s.OptionalString(&c.Operator)
	case 2:
		return s.OptionalString(&c.PhoneNumber)
	case 3:
		return s.OptionalString(&c.BirthDate)
	case 4:
		return s.OptionalString(&c.Gender)
	case 5:
		return s.OptionalBool(&c.IsForeigner)
	case 6:
		return s.OptionalString(&c.CI)
	default:
		return s.OptionalString(&c.DI)
	}
}
