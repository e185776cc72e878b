package extract

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// initialBuffer is the most bytes allocated for a body before any of it
// has arrived (64 KiB).
const initialBuffer = 64 << 10

// unknownBuffer is the first allocation for a body of unknown length.
const unknownBuffer = 4 << 10

// hasBody reports whether r carries a body that could be read.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// readBody reads the whole body of r, at most max bytes, and replaces it
// with a copy of what was read (see the package documentation).
func readBody(r *http.Request, max int64) ([]byte, *problem.Error) {
	if r.ContentLength > max {
		return nil, problem.New(problem.BodyTooLarge, "the request body is larger than "+strconv.FormatInt(max, 10)+" bytes")
	}
	orig := r.Body
	limit := max + 1
	if limit < 0 { // max is math.MaxInt64
		limit = max
	}
	// One byte more than a declared length, so that the final read finds
	// EOF without growing the buffer. A declared length is not trusted with
	// a large allocation before the bytes arrive.
	size := int64(unknownBuffer)
	if r.ContentLength > 0 {
		size = min(initialBuffer, r.ContentLength+1)
	}
	buf := make([]byte, 0, min(size, limit))
	for {
		if len(buf) == cap(buf) {
			next := 2 * int64(cap(buf))
			if r.ContentLength >= int64(cap(buf)) {
				next = r.ContentLength + 1
			}
			grown := make([]byte, len(buf), min(next, limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := orig.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			putBack(r, buf, orig)
			return nil, problem.New(problem.BodyTooLarge, "the request body is larger than "+strconv.FormatInt(max, 10)+" bytes")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			putBack(r, buf, orig)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, problem.Wrap(problem.BodyTooLarge, "the request body is larger than the configured limit", err)
			}
			return nil, problem.Wrap(problem.BodyInvalid, "the request body could not be read", readError(err))
		}
	}
	rb := &replayBody{orig: orig}
	rb.Reset(buf)
	r.Body = rb
	r.ContentLength = int64(len(buf))
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Set("Content-Length", strconv.Itoa(len(buf)))
	r.TransferEncoding = nil
	return buf, nil
}

// errReadTimedOut is the cause of a body read cut off by the handler's read
// deadline.
var errReadTimedOut = errors.New("reading the body timed out")

// readError returns the cause of a failed body read without the
// connection's addresses: net/http's read errors are *net.OpError values
// that name both ends ("read tcp 10.0.0.1:443->203.0.113.7:51234: i/o
// timeout"), and the cause is logged with the refusal.
func readError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errReadTimedOut
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return readError(op.Err)
	}
	return err
}

// putBack puts the bytes read so far in front of the rest of the original
// body, for a read that stopped early.
func putBack(r *http.Request, read []byte, orig io.ReadCloser) {
	r.Body = &partialBody{Reader: io.MultiReader(bytes.NewReader(read), orig), orig: orig}
}

// replayBody serves the bytes read from a body; closing it closes the body
// they came from.
type replayBody struct {
	bytes.Reader
	orig io.Closer
}

// Close closes the original body.
func (b *replayBody) Close() error { return b.orig.Close() }

// partialBody serves the bytes read before a read stopped, then the rest of
// the original body; closing it closes the original body.
type partialBody struct {
	io.Reader
	orig io.Closer
}

// Close closes the original body.
func (b *partialBody) Close() error { return b.orig.Close() }
