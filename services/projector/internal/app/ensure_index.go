package app

import (
	"context"
	"errors"
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
type EnsureIndex struct {
	status  IndexStatus
	rebuild *RebuildIndex
	gens    Generations
	log     *slog.Logger
	grace   time.Duration
}

// NewEnsureIndex builds the use case; grace is how long a replaced
// generation stays readable.
func NewEnsureIndex(status IndexStatus, rebuild *RebuildIndex, gens Generations, log *slog.Logger, grace time.Duration) (*EnsureIndex, error) {
	if status == nil || rebuild == nil || gens == nil || log == nil {
		return nil, errors.New("ensure index: nil dependency")
	}
	return &EnsureIndex{status: status, rebuild: rebuild, gens: gens, log: log, grace: grace}, nil
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
	e.dropLater(ctx, res.Replaced)
	return true, nil
}

// Watch runs Handle every interval until ctx ends.
func (e *EnsureIndex) Watch(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.Handle(ctx); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "index check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// DropAfterGrace deletes gen once readers have had time to move on.
func (e *EnsureIndex) DropAfterGrace(ctx context.Context, gen int64) error {
	select {
	case <-ctx.Done():
	case <-time.After(e.grace):
	}
	return e.gens.Drop(context.WithoutCancel(ctx), gen)
}

func (e *EnsureIndex) dropLater(ctx context.Context, gen int64) {
	if gen <= 0 {
		return
	}
	go func() {
		if err := e.DropAfterGrace(ctx, gen); err != nil {
			e.log.Error("dropping old index generation failed", "generation", gen, "err", err)
		}
	}()
}
