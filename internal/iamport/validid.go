package iamport

import "errors"

// ErrInvalidID is returned by Lookup, before any network call, for an
// imp_uid that fails ValidImpUID.
var ErrInvalidID = errors.New("invalid imp_uid")
