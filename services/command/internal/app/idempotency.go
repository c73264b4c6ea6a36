package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Errors of an idempotency key; the HTTP port maps each to one answer.
var (
	ErrIdempotencyMismatch   = errors.New("this Idempotency-Key was used for another request")
	ErrIdempotencyInProgress = errors.New("a request with this Idempotency-Key is still running")
)

// Idempotency stores the answers of requests sent with an Idempotency-Key,
// by guest and key, so that a retry replays the first answer.
type Idempotency interface {
	// Begin claims (guest,key) for a request with fingerprint. It returns the stored answer to replay when the
	// same request completed before; ErrIdempotencyMismatch when the key was used for another request;
	// ErrIdempotencyInProgress while the first is still running (a claim older than a minute is taken over).
	Begin(ctx context.Context, guest, key string, fingerprint []byte) (Stored, bool, error)
	// Complete stores the answer of the request that claimed (guest,key).
	Complete(ctx context.Context, guest, key string, status int, body []byte) error
	Abandon(ctx context.Context, guest, key string) error // forget a claim whose request must be retryable
	// Prune deletes answers (and dead claims) older than olderThan and
	// returns how many.
	Prune(ctx context.Context, olderThan time.Duration) (int64, error)
}

// Stored is a completed request's answer.
type Stored struct {
	Status int
	Body   []byte
}

// IdempotencySlot is the claim of the request being served, carried in its
// context. A use case that stores the answer itself, inside its own
// transaction, calls MarkDone once that transaction committed, so the HTTP
// layer does not complete (or abandon) the claim again.
type IdempotencySlot struct {
	Guest, Key string
	done       atomic.Bool
}

// MarkDone records that the answer is stored; a nil slot ignores it.
func (s *IdempotencySlot) MarkDone() {
	if s != nil {
		s.done.Store(true)
	}
}

// Done reports whether MarkDone was called.
func (s *IdempotencySlot) Done() bool { return s != nil && s.done.Load() }

type slotKey struct{}

// WithIdempotencySlot returns ctx carrying s.
func WithIdempotencySlot(ctx context.Context, s *IdempotencySlot) context.Context {
	return context.WithValue(ctx, slotKey{}, s)
}

// IdempotencySlotFrom returns the slot ctx carries, or nil when the
// request came without an Idempotency-Key.
func IdempotencySlotFrom(ctx context.Context) *IdempotencySlot {
	s, _ := ctx.Value(slotKey{}).(*IdempotencySlot)
	return s
}
