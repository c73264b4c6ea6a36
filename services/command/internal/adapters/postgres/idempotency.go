package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/services/command/internal/app"
)

// ClaimLease is how long a request's claim on its idempotency key stands:
// a claim whose request crashed is taken over once it has passed.
const ClaimLease = time.Minute

// pruneBatch bounds the rows one prune statement deletes, so pruning never
// holds many locks for long.
const pruneBatch = 5000

// errNotClaimed: Complete found no running claim (abandoned, or completed
// by a request that took the claim over).
var errNotClaimed = errors.New("no running claim on this idempotency key")

// Idempotency keeps idempotency claims and answers in the
// idempotency_keys table, by guest and key. PostgreSQL's clock decides
// every lease, so instances never disagree.
type Idempotency struct {
	pool *pgxpool.Pool
}

var _ app.Idempotency = (*Idempotency)(nil)

// NewIdempotency returns the store on pool.
func NewIdempotency(pool *pgxpool.Pool) *Idempotency { return &Idempotency{pool: pool} }

// beginAttempts bounds Begin's retries when the record it conflicted with
// vanished (abandoned) before it could read it.
const beginAttempts = 3

// Begin claims (guest,key), or tells why not: the answer to replay,
// app.ErrIdempotencyMismatch or app.ErrIdempotencyInProgress. One
// INSERT … ON CONFLICT decides between concurrent requests: exactly one
// inserts (or takes over a claim whose lease has passed); the others read
// the record it left.
func (s *Idempotency) Begin(ctx context.Context, guest, key string, fingerprint []byte) (app.Stored, bool, error) {
	for range beginAttempts {
		claimed, err := s.claim(ctx, guest, key, fingerprint)
		if err != nil {
			return app.Stored{}, false, fmt.Errorf("Idempotency.Begin(%q): %w", key, err)
		}
		if claimed {
			return app.Stored{}, false, nil
		}
		r, found, err := s.read(ctx, guest, key)
		if err != nil {
			return app.Stored{}, false, fmt.Errorf("Idempotency.Begin(%q): %w", key, err)
		}
		if found {
			return r.decide(fingerprint)
		}
	}
	return app.Stored{}, false, app.ErrIdempotencyInProgress
}

func (s *Idempotency) claim(ctx context.Context, guest, key string, fingerprint []byte) (bool, error) {
	var claimed bool
	err := s.pool.QueryRow(ctx, `
		INSERT INTO idempotency_keys AS k (guest_id, key, request_hash, locked_until)
		VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
		ON CONFLICT (guest_id, key) DO UPDATE
		    SET request_hash = excluded.request_hash, locked_until = excluded.locked_until, created_at = now()
		    WHERE k.completed_at IS NULL AND k.locked_until <= now()
		RETURNING true`, guest, key, fingerprint, ClaimLease.Milliseconds()).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return claimed, err
}

// claimRecord is a stored claim or answer.
type claimRecord struct {
	hash   []byte
	status *int
	body   []byte
}

func (s *Idempotency) read(ctx context.Context, guest, key string) (claimRecord, bool, error) {
	var r claimRecord
	err := s.pool.QueryRow(ctx, `
		SELECT request_hash, status_code, response_body FROM idempotency_keys
		WHERE guest_id = $1 AND key = $2`, guest, key).Scan(&r.hash, &r.status, &r.body)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// decide answers a request that found the key taken: another request is a
// mismatch even while the first runs.
func (r claimRecord) decide(fingerprint []byte) (app.Stored, bool, error) {
	switch {
	case !bytes.Equal(r.hash, fingerprint):
		return app.Stored{}, false, app.ErrIdempotencyMismatch
	case r.status == nil:
		return app.Stored{}, false, app.ErrIdempotencyInProgress
	}
	return app.Stored{Status: *r.status, Body: r.body}, true, nil
}

// Complete stores the answer of the request that claimed (guest,key).
func (s *Idempotency) Complete(ctx context.Context, guest, key string, status int, body []byte) error {
	if err := completeClaim(ctx, s.pool, guest, key, status, body); err != nil {
		return fmt.Errorf("Idempotency.Complete(%q): %w", key, err)
	}
	return nil
}

// CompleteIdempotencyTx is Complete inside tx, for a use case that stores
// its answer in the same transaction as its change: if tx commits, the
// answer is there; if it rolls back, the claim still runs. It fails when
// the claim is gone (abandoned, or completed by a request that took it
// over), which should roll tx back.
func CompleteIdempotencyTx(ctx context.Context, tx pgx.Tx, guest, key string, status int, body []byte) error {
	if err := completeClaim(ctx, tx, guest, key, status, body); err != nil {
		return fmt.Errorf("CompleteIdempotencyTx(%q): %w", key, err)
	}
	return nil
}

// sqlExecer is a pool or a transaction.
type sqlExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func completeClaim(ctx context.Context, db sqlExecer, guest, key string, status int, body []byte) error {
	if status < 100 || status > 599 {
		return fmt.Errorf("status %d is not an HTTP status", status)
	}
	if body == nil {
		body = []byte{} // stored, not NULL: the record is complete
	}
	tag, err := db.Exec(ctx, `
		UPDATE idempotency_keys SET status_code = $3, response_body = $4, completed_at = now()
		WHERE guest_id = $1 AND key = $2 AND completed_at IS NULL`, guest, key, status, body)
	switch {
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return errNotClaimed
	}
	return nil
}

// Abandon deletes the running claim on (guest,key) so that the request can
// be sent again; a completed answer stays. No claim is not an error.
func (s *Idempotency) Abandon(ctx context.Context, guest, key string) error {
	_, err := s.pool.Exec(ctx, `
		DELETE FROM idempotency_keys WHERE guest_id = $1 AND key = $2 AND completed_at IS NULL`, guest, key)
	if err != nil {
		return fmt.Errorf("Idempotency.Abandon(%q): %w", key, err)
	}
	return nil
}

// Prune deletes records first claimed more than olderThan ago: answers,
// and claims whose lease has passed (their request died). It deletes in
// batches and returns how many rows went.
func (s *Idempotency) Prune(ctx context.Context, olderThan time.Duration) (int64, error) {
	if olderThan < 0 {
		return 0, errors.New("Idempotency.Prune: negative age")
	}
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `
			WITH doomed AS (
			    SELECT guest_id, key FROM idempotency_keys
			    WHERE created_at < now() - $1 * interval '1 millisecond'
			      AND (completed_at IS NOT NULL OR locked_until <= now())
			    LIMIT $2 FOR UPDATE SKIP LOCKED)
			DELETE FROM idempotency_keys k USING doomed d
			WHERE k.guest_id = d.guest_id AND k.key = d.key`, olderThan.Milliseconds(), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("Idempotency.Prune(%s): %w", olderThan, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}
