package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Snapshot reads the flights and sold seats from the source of truth, as of
// one consistent moment, in batches.
type Snapshot interface {
	Each(ctx context.Context, batch int, fn func([]Update) error) error
}

// Generations is the part of the index a rebuild drives.
type Generations interface {
	// Begin names a new generation and makes every Apply write to it too.
	Begin(ctx context.Context) (int64, error)
	// Load writes snapshot updates into gen (each part only if newer).
	Load(ctx context.Context, gen int64, updates []Update) error
	// Switch makes gen current, records the schema version and returns the
	// generation it replaced (0 if none), which it records, in the same
	// step, as retired: due for dropping once grace has passed.
	Switch(ctx context.Context, gen int64, grace time.Duration) (int64, error)
	// DueRetired lists the retired generations whose grace has passed.
	DueRetired(ctx context.Context) ([]int64, error)
	// Forget removes a dropped generation from the retired ones.
	Forget(ctx context.Context, gen int64) error
	// Abort stops writes to gen and deletes it after a failed rebuild.
	Abort(ctx context.Context, gen int64) error
	// Drop deletes every key of gen.
	Drop(ctx context.Context, gen int64) error
	// Lock makes this process the only one rebuilding; ErrRebuildRunning
	// if another holds the lock.
	Lock(ctx context.Context) (unlock func(), err error)
}

// ErrRebuildRunning means another projector is rebuilding the index.
var ErrRebuildRunning = errors.New("an index rebuild is already running")

// RebuildIndex fills a new index generation from a PostgreSQL snapshot and
// switches readers to it.
//
// Why nothing is lost or counted twice: Begin makes every event applied
// from then on write to the new generation too, before the snapshot starts.
// An event is published only after its transaction commits, so every event
// applied before Begin is in the snapshot, and every change the snapshot
// misses is applied after Begin. Each part of a flight is written only when
// its version is newer, so the order of snapshot and events does not matter.
type RebuildIndex struct {
	snap  Snapshot
	gens  Generations
	log   *slog.Logger
	batch int
	grace time.Duration
}

// NewRebuildIndex builds the use case; grace is how long a replaced
// generation stays readable before it is due for dropping.
func NewRebuildIndex(snap Snapshot, gens Generations, log *slog.Logger, batch int, grace time.Duration) (*RebuildIndex, error) {
	if snap == nil || gens == nil || log == nil || batch < 1 || grace < 0 {
		return nil, errors.New("rebuild index: nil dependency, bad batch or negative grace")
	}
	return &RebuildIndex{snap: snap, gens: gens, log: log, batch: batch, grace: grace}, nil
}

// RebuildResult describes a finished rebuild.
type RebuildResult struct {
	Generation, Replaced int64
	Flights              int
	Took                 time.Duration
}

// Handle rebuilds the index. The old generation is recorded as retired;
// EnsureIndex.DropDue drops it once readers have had time to move on.
func (r *RebuildIndex) Handle(ctx context.Context) (RebuildResult, error) {
	start := time.Now()
	unlock, err := r.gens.Lock(ctx)
	if err != nil {
		return RebuildResult{}, err
	}
	defer unlock()
	gen, err := r.gens.Begin(ctx)
	if err != nil {
		return RebuildResult{}, fmt.Errorf("begin rebuild: %w", err)
	}
	r.log.InfoContext(ctx, "index rebuild started", "generation", gen)
	n := 0
	err = r.snap.Each(ctx, r.batch, func(batch []Update) error {
		if err := r.gens.Load(ctx, gen, batch); err != nil {
			return err
		}
		n += len(batch)
		if n%(r.batch*20) < len(batch) {
			r.log.InfoContext(ctx, "index rebuild progress", "generation", gen, "flights", n)
		}
		return nil
	})
	if err != nil {
		r.abort(ctx, gen)
		return RebuildResult{}, fmt.Errorf("rebuild generation %d: %w", gen, err)
	}
	old, err := r.gens.Switch(ctx, gen, r.grace)
	if err != nil {
		r.abort(ctx, gen)
		return RebuildResult{}, fmt.Errorf("switch to generation %d: %w", gen, err)
	}
	res := RebuildResult{Generation: gen, Replaced: old, Flights: n, Took: time.Since(start)}
	r.log.InfoContext(ctx, "index rebuilt", "generation", gen, "replaced", old, "flights", n, "took", res.Took.String())
	return res, nil
}

// abort stops writes to a failed generation and deletes it.
func (r *RebuildIndex) abort(ctx context.Context, gen int64) {
	if err := r.gens.Abort(context.WithoutCancel(ctx), gen); err != nil {
		r.log.ErrorContext(ctx, "abandoned index generation not cleaned", "generation", gen, "err", err)
	}
}
