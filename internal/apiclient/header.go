package apiclient

// HeaderSafe reports whether s is credential text that can follow a scheme
// word ("Bearer ", "PortOne ") in an Authorization header as it is:
// printable ASCII without spaces or control characters. An empty s is
// safe; callers refuse empty credentials themselves.
func HeaderSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
