// Package singleuse lets an identity verification id pass at most once.
//
// A Store reserves an id atomically for a time to live: of any number of
// concurrent Reserve calls for the same id, across every gateway sharing
// the store, exactly one returns true. Memory keeps reservations in this
// process; Redis shares them between gateway instances.
package singleuse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Store remembers which ids have been used.
type Store interface {
	// Reserve marks id as used for ttl. It returns true when this call
	// reserved it, false when it was already reserved. Atomic under
	// concurrency.
	Reserve(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Release forgets a reservation so the id can pass again (used when the
	// upstream fails).
	Release(ctx context.Context, id string) error
	// Close releases the store's resources. The store must not be used
	// afterwards.
	Close() error
}

// ErrClosed is returned by a store used after Close.
var ErrClosed = errors.New("single-use store is closed")

// keyBytes is how many bytes of the SHA-256 digest identify an id: 16 bytes
// (128 bits), far beyond any chance of two ids colliding.
const keyBytes = 16

// Key returns the store key for id: the first 32 hex digits of id's SHA-256
// digest. Keys carry no personal data and have a fixed length whatever the
// id looks like.
func Key(id string) string {
	d := digest(id)
	return hex.EncodeToString(d[:])
}

// digest is the binary form of Key.
func digest(id string) [keyBytes]byte {
	sum := sha256.Sum256([]byte(id))
	return [keyBytes]byte(sum[:keyBytes])
}

// checkArgs rejects arguments no caller should pass.
func checkArgs(id string, ttl time.Duration) error {
	if id == "" {
		return errors.New("empty id")
	}
	if ttl <= 0 {
		return errors.New("non-positive ttl " + ttl.String())
	}
	return nil
}

var (
	_ Store = (*Memory)(nil)
	_ Store = (*Redis)(nil)
)
