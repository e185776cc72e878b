package lookuplimit

import (
	"context"
	"fmt"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// Wrap returns a Source that holds one of l's slots for the whole of each
// src.Lookup. Use it for sources whose Lookup is one call (PortOne V2
// authenticates every call with the API secret and fetches no token). For
// the i'mport client, pass l as iamport.Config.Gate instead, so that its
// getToken calls are not counted.
func (l *Limiter) Wrap(src certification.Source) certification.Source {
	return limitedSource{l: l, src: src}
}

type limitedSource struct {
	l   *Limiter
	src certification.Source
}

// Lookup waits for a slot within ctx, then asks the wrapped source.
func (s limitedSource) Lookup(ctx context.Context, id string) (certification.Record, error) {
	release, err := s.l.Acquire(ctx)
	if err != nil {
		return certification.Record{}, fmt.Errorf("looking up verification: %w", err)
	}
	defer release()
	return s.src.Lookup(ctx, id)
}

// Name returns the wrapped source's name.
func (s limitedSource) Name() string { return s.src.Name() }

// ValidID is the wrapped source's id grammar.
func (s limitedSource) ValidID(id []byte) bool { return s.src.ValidID(id) }

// Unwrap returns the wrapped source, for what is not a lookup and takes no
// slot, such as the operator's credential check.
func (s limitedSource) Unwrap() certification.Source { return s.src }
