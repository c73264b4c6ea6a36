package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	"github.com/altisair/altis/services/command/internal/app"
)

func idemFP(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// idemOutcome is what one Begin answered, in a comparable form.
type idemOutcome struct {
	claimed bool
	replay  *app.Stored
	err     error
}

func idemBegin(t *testing.T, s app.Idempotency, guest, key, body string) idemOutcome {
	t.Helper()
	st, replay, err := s.Begin(context.Background(), guest, key, idemFP(body))
	o := idemOutcome{claimed: err == nil && !replay, err: err}
	if replay {
		o.replay = &st
	}
	if err != nil && !errors.Is(err, app.ErrIdempotencyMismatch) && !errors.Is(err, app.ErrIdempotencyInProgress) {
		t.Fatalf("Begin(%s, %s): %v", guest, key, err)
	}
	return o
}

func (o idemOutcome) is(t *testing.T, what string, want idemOutcome) {
	t.Helper()
	switch {
	case o.claimed != want.claimed, !errors.Is(o.err, want.err), (o.replay == nil) != (want.replay == nil):
		t.Fatalf("%s: %+v, want %+v", what, o, want)
	case o.replay != nil && (o.replay.Status != want.replay.Status || !bytes.Equal(o.replay.Body, want.replay.Body)):
		t.Fatalf("%s: replays %d %s, want %d %s", what, o.replay.Status, o.replay.Body, want.replay.Status, want.replay.Body)
	}
}

var (
	idemClaimed    = idemOutcome{claimed: true}
	idemInProgress = idemOutcome{err: app.ErrIdempotencyInProgress}
	idemMismatch   = idemOutcome{err: app.ErrIdempotencyMismatch}
)

func idemReplays(status int, body string) idemOutcome {
	return idemOutcome{replay: &app.Stored{Status: status, Body: []byte(body)}}
}

func idemMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIdempotencyLifecycle(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewIdempotency(newPool(t))
	idemBegin(t, s, "g1", "k1", "A").is(t, "first", idemClaimed)
	idemBegin(t, s, "g1", "k1", "A").is(t, "same request while running", idemInProgress)
	idemBegin(t, s, "g1", "k1", "B").is(t, "other request while running", idemMismatch)
	idemMust(t, s.Complete(ctx, "g1", "k1", 201, []byte(`{"trip_id":"t1"}`)))
	idemBegin(t, s, "g1", "k1", "A").is(t, "same request once done", idemReplays(201, `{"trip_id":"t1"}`))
	idemBegin(t, s, "g1", "k1", "A").is(t, "and again", idemReplays(201, `{"trip_id":"t1"}`))
	idemBegin(t, s, "g1", "k1", "B").is(t, "other request once done", idemMismatch)
	if err := s.Complete(ctx, "g1", "k1", 200, []byte(`{}`)); err == nil {
		t.Fatal("a completed answer was overwritten")
	}
	idemBegin(t, s, "g1", "k1", "A").is(t, "after a refused overwrite", idemReplays(201, `{"trip_id":"t1"}`))
	if err := s.Complete(ctx, "g1", "never-claimed", 200, []byte(`{}`)); err == nil {
		t.Fatal("completed a key nobody claimed")
	}
	if err := s.Abandon(ctx, "g1", "k1"); err != nil {
		t.Fatal(err)
	}
	idemBegin(t, s, "g1", "k1", "A").is(t, "abandoning a completed key changes nothing", idemReplays(201, `{"trip_id":"t1"}`))
}

func TestIdempotencysEmptyAndErrorAnswers(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewIdempotency(newPool(t))
	idemBegin(t, s, "g", "empty", "A").is(t, "claim", idemClaimed)
	idemMust(t, s.Complete(ctx, "g", "empty", 204, nil))
	idemBegin(t, s, "g", "empty", "A").is(t, "empty answer", idemReplays(204, ""))
	idemBegin(t, s, "g", "conflict", "A").is(t, "claim", idemClaimed)
	idemMust(t, s.Complete(ctx, "g", "conflict", 409, []byte(`{"error":{"code":"seat_unavailable"}}`)))
	idemBegin(t, s, "g", "conflict", "A").is(t, "4xx answer", idemReplays(409, `{"error":{"code":"seat_unavailable"}}`))
	idemBegin(t, s, "g", "bad", "A").is(t, "claim", idemClaimed)
	if err := s.Complete(ctx, "g", "bad", 0, nil); err == nil {
		t.Fatal("status 0 stored")
	}
	idemBegin(t, s, "g", "bad", "A").is(t, "after a refused status", idemInProgress)
}

func TestIdempotencyKeysAreScopedToTheGuest(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewIdempotency(newPool(t))
	idemBegin(t, s, "g1", "k", "A").is(t, "guest 1", idemClaimed)
	idemBegin(t, s, "g2", "k", "B").is(t, "guest 2, same key", idemClaimed)
	idemMust(t, s.Complete(ctx, "g2", "k", 201, []byte(`"two"`)))
	idemBegin(t, s, "g1", "k", "A").is(t, "guest 1 still running", idemInProgress)
	idemBegin(t, s, "g2", "k", "B").is(t, "guest 2 done", idemReplays(201, `"two"`))
}

func TestIdempotencyAbandonFreesTheKey(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewIdempotency(newPool(t))
	idemBegin(t, s, "g", "k", "A").is(t, "first", idemClaimed)
	idemMust(t, s.Abandon(ctx, "g", "k"))
	idemBegin(t, s, "g", "k", "A").is(t, "retry after abandon", idemClaimed)
	idemMust(t, s.Abandon(ctx, "g", "k"))
	idemBegin(t, s, "g", "k", "B").is(t, "another request after abandon", idemClaimed)
	idemMust(t, s.Abandon(ctx, "g", "unknown"))
}

// age moves a record's clock back by d, as if it had been claimed d ago.
func idemAge(t *testing.T, pool *pgxpool.Pool, guest, key string, d time.Duration) {
	t.Helper()
	tag, err := pool.Exec(context.Background(), `
		UPDATE idempotency_keys SET created_at = created_at - $3 * interval '1 millisecond',
		       locked_until = locked_until - $3 * interval '1 millisecond',
		       completed_at = completed_at - $3 * interval '1 millisecond'
		WHERE guest_id = $1 AND key = $2`, guest, key, d.Milliseconds())
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("age %s/%s: %v (%d rows)", guest, key, err, tag.RowsAffected())
	}
}

func TestIdempotencyStaleClaimIsTakenOver(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := postgres.NewIdempotency(pool)
	idemBegin(t, s, "g", "k", "A").is(t, "first", idemClaimed)
	idemAge(t, pool, "g", "k", postgres.ClaimLease-5*time.Second)
	idemBegin(t, s, "g", "k", "A").is(t, "claim within its lease", idemInProgress)
	idemAge(t, pool, "g", "k", 10*time.Second)
	idemBegin(t, s, "g", "k", "A").is(t, "claim past its lease", idemClaimed)
	idemBegin(t, s, "g", "k", "A").is(t, "the new claim runs", idemInProgress)
	idemMust(t, s.Complete(ctx, "g", "k", 201, []byte(`"x"`)))
	idemAge(t, pool, "g", "k", time.Hour)
	idemBegin(t, s, "g", "k", "A").is(t, "a completed answer is never taken over", idemReplays(201, `"x"`))
	// A dead claim is as good as abandoned: another request may take it.
	idemBegin(t, s, "g", "k2", "A").is(t, "first", idemClaimed)
	idemAge(t, pool, "g", "k2", 2*postgres.ClaimLease)
	idemBegin(t, s, "g", "k2", "B").is(t, "another request past the lease", idemClaimed)
	idemBegin(t, s, "g", "k2", "A").is(t, "now the key is B's", idemMismatch)
}

func TestCompleteIdempotencyTxCommitsWithTheTransaction(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := postgres.NewIdempotency(pool)
	idemBegin(t, s, "g", "k", "A").is(t, "first", idemClaimed)
	errRollback := errors.New("rollback")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		idemMust(t, postgres.CompleteIdempotencyTx(ctx, tx, "g", "k", 201, []byte(`"lost"`)))
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	idemBegin(t, s, "g", "k", "A").is(t, "after a rollback", idemInProgress)
	idemMust(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return postgres.CompleteIdempotencyTx(ctx, tx, "g", "k", 201, []byte(`"kept"`))
	}))
	idemBegin(t, s, "g", "k", "A").is(t, "after a commit", idemReplays(201, `"kept"`))
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return postgres.CompleteIdempotencyTx(ctx, tx, "g", "k", 201, []byte(`"twice"`))
	})
	if err == nil {
		t.Fatal("completed a key twice")
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return postgres.CompleteIdempotencyTx(ctx, tx, "g", "abandoned", 201, []byte(`"x"`))
	})
	if err == nil {
		t.Fatal("completed a key nobody claimed")
	}
}

// widePool is a second pool on the test's database with room for many
// concurrent statements.
func idemWidePool(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config().Copy()
	cfg.MaxConns = 32
	wide, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wide.Close)
	return wide
}

// race runs n Begins of one key at once and counts each idemOutcome.
func idemRace(t *testing.T, s app.Idempotency, n int, key string) (claims, running int) {
	t.Helper()
	start := make(chan struct{})
	type result struct {
		replay bool
		err    error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			_, replay, err := s.Begin(context.Background(), "g", key, idemFP("A"))
			results <- result{replay, err}
		})
	}
	close(start)
	wg.Wait()
	close(results)
	for r := range results {
		switch {
		case r.err == nil && !r.replay:
			claims++
		case errors.Is(r.err, app.ErrIdempotencyInProgress):
			running++
		default:
			t.Errorf("unexpected idemOutcome: replay %v, err %v", r.replay, r.err)
		}
	}
	return claims, running
}

func TestIdempotencyConcurrentBeginsClaimOnce(t *testing.T) {
	const n = 100
	pool := newPool(t)
	s := postgres.NewIdempotency(idemWidePool(t, pool))
	if claims, running := idemRace(t, s, n, "fresh"); claims != 1 || running != n-1 {
		t.Fatalf("fresh key: %d claims and %d in progress, want 1 and %d", claims, running, n-1)
	}
	// A dead claim is taken over by exactly one of the racers too.
	idemAge(t, pool, "g", "fresh", 2*postgres.ClaimLease)
	if claims, running := idemRace(t, s, n, "fresh"); claims != 1 || running != n-1 {
		t.Fatalf("stale claim: %d claims and %d in progress, want 1 and %d", claims, running, n-1)
	}
}

func TestIdempotencyConcurrentBeginsAndAbandons(t *testing.T) {
	// Claims abandoned while others read them: every Begin still answers
	// with a claim or "in progress", never an error, and no two claims
	// ever run at once.
	pool := newPool(t)
	s := postgres.NewIdempotency(idemWidePool(t, pool))
	ctx := context.Background()
	var mu sync.Mutex
	running, claims := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				_, _, err := s.Begin(ctx, "g", "k", idemFP("A"))
				if errors.Is(err, app.ErrIdempotencyInProgress) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				running++
				claims++
				if running > 1 {
					t.Error("two claims of one key run at once")
				}
				mu.Unlock()
				runtime.Gosched() // let the others try while this claim runs
				mu.Lock()
				running--
				mu.Unlock()
				if err := s.Abandon(ctx, "g", "k"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if claims == 0 {
		t.Fatal("no Begin ever claimed the key")
	}
}

func TestIdempotencyPrune(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := postgres.NewIdempotency(pool)
	for _, k := range []string{"old-done", "new-done", "old-dead", "new-running", "old-done-2"} {
		idemBegin(t, s, "g", k, "A").is(t, k, idemClaimed)
	}
	idemMust(t, s.Complete(ctx, "g", "old-done", 201, []byte(`{}`)))
	idemMust(t, s.Complete(ctx, "g", "old-done-2", 400, []byte(`{}`)))
	idemMust(t, s.Complete(ctx, "g", "new-done", 201, []byte(`{}`)))
	for _, k := range []string{"old-done", "old-done-2", "old-dead"} {
		idemAge(t, pool, "g", k, 49*time.Hour)
	}
	n, err := s.Prune(ctx, 48*time.Hour)
	if err != nil || n != 3 {
		t.Fatalf("prune: %d, %v; want 3", n, err)
	}
	rows, err := pool.Query(ctx, `SELECT key FROM idempotency_keys ORDER BY key`)
	idemMust(t, err)
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	idemMust(t, err)
	if len(left) != 2 || left[0] != "new-done" || left[1] != "new-running" {
		t.Fatalf("left %v, want [new-done new-running]", left)
	}
	// A running claim is never pruned, however short the retention.
	if n, err := s.Prune(ctx, 0); err != nil || n != 1 {
		t.Fatalf("prune everything done: %d, %v; want 1", n, err)
	}
	idemBegin(t, s, "g", "new-running", "A").is(t, "the running claim survives", idemInProgress)
	if _, err := s.Prune(ctx, -time.Second); err == nil {
		t.Fatal("negative age accepted")
	}
}

func TestIdempotencyPruneDeletesInBatches(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := postgres.NewIdempotency(pool)
	const n = 12000 // more than two batches
	_, err := pool.Exec(ctx, `
		INSERT INTO idempotency_keys (guest_id, key, request_hash, status_code, response_body, created_at, completed_at)
		SELECT 'g', 'k' || i, '\x00', 201, '{}', now() - interval '3 days', now() - interval '3 days'
		FROM generate_series(1, $1) AS i`, n)
	idemMust(t, err)
	got, err := s.Prune(ctx, 48*time.Hour)
	if err != nil || got != n {
		t.Fatalf("pruned %d, %v; want %d", got, err, n)
	}
	if left := count(t, pool, `SELECT count(*) FROM idempotency_keys`); left != 0 {
		t.Fatalf("%d rows left", left)
	}
}

func TestPruneIdempotencyRefusesBadSettings(t *testing.T) {
	s := postgres.NewIdempotency(nil)
	for name, build := range map[string]func() (*app.PruneIdempotency, error){
		"nil store": func() (*app.PruneIdempotency, error) {
			return app.NewPruneIdempotency(nil, time.Hour, 48*time.Hour, logging.Discard())
		},
		"nil log": func() (*app.PruneIdempotency, error) { return app.NewPruneIdempotency(s, time.Hour, 48*time.Hour, nil) },
		"zero interval": func() (*app.PruneIdempotency, error) {
			return app.NewPruneIdempotency(s, 0, 48*time.Hour, logging.Discard())
		},
		"retention < 24h": func() (*app.PruneIdempotency, error) {
			return app.NewPruneIdempotency(s, time.Hour, 23*time.Hour, logging.Discard())
		},
	} {
		if uc, err := build(); err == nil || uc != nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPruneIdempotencyRunsAtOnceThenOnEveryTick(t *testing.T) {
	pool := newPool(t)
	s := postgres.NewIdempotency(pool)
	uc, err := app.NewPruneIdempotency(s, 20*time.Millisecond, 48*time.Hour, logging.Discard())
	idemMust(t, err)
	claimDone := func(key string) {
		idemBegin(t, s, "g", key, "A").is(t, key, idemClaimed)
		idemMust(t, s.Complete(context.Background(), "g", key, 201, []byte(`{}`)))
		idemAge(t, pool, "g", key, 49*time.Hour)
	}
	claimDone("before-start")
	idemBegin(t, s, "g", "fresh", "A").is(t, "fresh", idemClaimed)
	idemMust(t, s.Complete(context.Background(), "g", "fresh", 201, []byte(`{}`)))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- uc.Run(ctx) }()
	idemWaitFor(t, "the first round", func() bool { return idemKeys(t, pool) == 1 })
	claimDone("while-running")
	idemWaitFor(t, "a later round", func() bool { return idemKeys(t, pool) == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	idemBegin(t, s, "g", "fresh", "A").is(t, "a fresh answer is kept", idemReplays(201, `{}`))
}

func idemKeys(t *testing.T, pool *pgxpool.Pool) int {
	return count(t, pool, `SELECT count(*) FROM idempotency_keys`)
}

// waitFor polls cond until it holds, failing after a few seconds.
func idemWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
