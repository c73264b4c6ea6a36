package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// IndexStatus reports the current generation (0: none) and whether it was
// built with this code's schema version.
type IndexStatus interface {
	Status(ctx context.Context) (gen int64, schemaOK bool, err error)
}

// EnsureIndex rebuilds the index when it is missing (a fresh or flushed
// Redis) or was built with another schema version.
// It also drops the generations rebuilds replaced once their grace has
// passed: the due drops are recorded in Redis (readmodel Keys.Retired), so
// a projector that crashes before a drop leaves it to the next one.
type EnsureIndex struct {
	status  IndexStatus
	rebuild *RebuildIndex
	gens    Generations
	log     *slog.Logger
	metrics Metrics
}

// NewEnsureIndex builds the use case.
func NewEnsureIndex(status IndexStatus, rebuild *RebuildIndex, gens Generations, log *slog.Logger, m Metrics) (*EnsureIndex, error) {
	if status == nil || rebuild == nil || gens == nil || log == nil || m.Rebuilds == nil {
		return nil, errors.New("ensure index: nil dependency")
	}
	return &EnsureIndex{status: status, rebuild: rebuild, gens: gens, log: log, metrics: m}, nil
}

// Handle checks once and rebuilds if needed. It reports whether it rebuilt.
func (e *EnsureIndex) Handle(ctx context.Context) (bool, error) {
	gen, ok, err := e.status.Status(ctx)
	if err != nil || (gen > 0 && ok) {
		return false, err
	}
	e.log.InfoContext(ctx, "index missing or outdated; rebuilding", "generation", gen, "schema_ok", ok)
	res, err := e.rebuild.Handle(ctx)
	if errors.Is(err, ErrRebuildRunning) {
		e.log.InfoContext(ctx, "another projector is rebuilding the index")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e.metrics.Rebuilds.WithLabelValues(RebuildMissing).Inc()
	e.log.InfoContext(ctx, "old index generation retired", "generation", res.Replaced)
	return true, nil
}

// Watch runs Handle and DropDue every interval until ctx ends.
func (e *EnsureIndex) Watch(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.Handle(ctx); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "index check failed", "err", err)
		}
		if _, err := e.DropDue(ctx); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "dropping retired index generations failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// DropDue drops every retired generation whose grace has passed and
// returns how many. A generation leaves the record only once dropped, so a
// crash halfway through leaves it due for the next call, here or in
// another projector (dropping twice is harmless).
func (e *EnsureIndex) DropDue(ctx context.Context) (int, error) {
	due, err := e.gens.DueRetired(ctx)
	if err != nil {
		return 0, err
	}
	for i, gen := range due {
		if err := e.gens.Drop(ctx, gen); err != nil {
			return i, fmt.Errorf("drop generation %d: %w", gen, err)
		}
		if err := e.gens.Forget(ctx, gen); err != nil {
			return i, err
		}
		e.log.InfoContext(ctx, "retired index generation dropped", "generation", gen)
	}
	return len(due), nil
}

// DropAfterGrace waits grace (or until ctx ends), then drops what is due.
func (e *EnsureIndex) DropAfterGrace(ctx context.Context, grace time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(grace):
	}
	_, err := e.DropDue(ctx)
	return err
}
