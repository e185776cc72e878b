package iamport

import "context"

// Gate bounds the certification calls in flight; *lookuplimit.Limiter is
// one. The client holds a slot around each GET /certifications call only,
// retries included, never around getToken: the token call is one shared
// call, and a lookup waiting for it should not keep a slot another lookup
// could use.
type Gate interface {
	// Acquire waits for a slot while ctx lasts and returns the function
	// that gives it back. Its errors wrap certification.ErrUnavailable.
	Acquire(ctx context.Context) (release func(), err error)
}

// openGate is the Gate of a client configured without one.
type openGate struct{}

func (openGate) Acquire(context.Context) (func(), error) { return func() {}, nil }
