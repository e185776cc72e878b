package policy

import "fmt"

// ParseForeigners reads the foreigners setting, which must be exactly
// "allow" or "deny", and returns the value for Policy.DenyForeigners.
func ParseForeigners(s string) (deny bool, err error) {
	switch s {
	case "allow":
		return false, nil
	case "deny":
		return true, nil
	}
	return false, fmt.Errorf("parsing foreigners %q: want \"allow\" or \"deny\"", s)
}
